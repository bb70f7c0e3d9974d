package gitrepo

import (
	"io"
	"os"
)

// CommitPolicy is how commits are made besides their content: signed or
// not, with the repository's hooks or without. The zero value does what
// git commit does: sign when commit.gpgSign says so, run the hooks.
type CommitPolicy struct {
	// Sign: as commit.gpgSign says, or --sign / --no-sign.
	Sign SignMode
	// NoVerify skips the hooks (--no-verify).
	NoVerify bool
	// Env is the environment of the programs run (hooks, gpg,
	// ssh-keygen); nil is the process's own.
	Env []string
	// HookOutput receives what hooks print when they succeed (git sends
	// it to stderr); nil discards it. A failing hook's output is in the
	// error.
	HookOutput io.Writer
}

func (p CommitPolicy) environ() []string {
	if p.Env == nil {
		return os.Environ()
	}
	return p.Env
}

func (p CommitPolicy) hookOutput() io.Writer {
	if p.HookOutput == nil {
		return io.Discard
	}
	return p.HookOutput
}
