package synth

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
)

// Options shape a generated repository.
type Options struct {
	Apps    int      // number of apps; files = 8*Apps + 1
	Envs    []string // environments; default dev, staging, prod
	Commits int      // bump commits after the initial one
	Seed    uint64   // RNG seed: same options, same repository
	// NoCheckout leaves the repository with HEAD but no index or
	// worktree files: for benchmarks that only read objects.
	NoCheckout bool
	// Env is the environment of the git processes (nil: os.Environ()).
	// Identities and dates of the generated commits are fixed regardless.
	Env []string
}

// Files reports how many files a repository with these options has.
func (o Options) Files() int { return len(o.envs())*o.Apps + 5*o.Apps + 1 }

func (o Options) envs() []string {
	if len(o.Envs) == 0 {
		return defaultEnvs()
	}
	return o.Envs
}

// epoch is the date of the first generated commit; each next one is a
// minute later, so history is ordered and hashes reproducible.
const epoch = 1767225600 // 2026-01-01T00:00:00Z

// Generate creates a repository at dir (which must not exist or be empty)
// on branch main.
func Generate(ctx context.Context, dir string, o Options) error {
	if o.Apps < 1 {
		return fmt.Errorf("synth: Apps = %d, want at least 1", o.Apps)
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return fmt.Errorf("synth: %w", err)
	}
	run := func(stdin io.Reader, args ...string) error {
		cmd := exec.CommandContext(ctx, "git", args...)
		cmd.Dir = dir
		cmd.Env = o.Env
		cmd.Stdin = stdin
		var stderr strings.Builder
		cmd.Stderr = &stderr
		if err := cmd.Run(); err != nil {
			return fmt.Errorf("synth: git %s: %w\n%s", strings.Join(args, " "), err, stderr.String())
		}
		return nil
	}
	if err := run(nil, "init", "-q", "-b", "main", "."); err != nil {
		return err
	}
	pr, pw := io.Pipe()
	errc := make(chan error, 1)
	go func() {
		bw := bufio.NewWriterSize(pw, 1<<20)
		err := writeStream(bw, o)
		if err == nil {
			err = bw.Flush()
		}
		pw.CloseWithError(err)
		errc <- err
	}()
	err := run(pr, "fast-import", "--quiet", "--done")
	pr.CloseWithError(errors.New("fast-import exited"))
	if werr := <-errc; err == nil && werr != nil {
		err = fmt.Errorf("synth: write stream: %w", werr)
	}
	if err != nil {
		return err
	}
	if err := run(nil, "gc", "--quiet"); err != nil {
		return err
	}
	if o.NoCheckout {
		return nil
	}
	// reset --hard writes the worktree and an index with a full cache-tree,
	// as a fresh clone would have.
	return run(nil, "reset", "--hard", "-q", "main")
}

// writeStream writes the fast-import stream: one commit with every file,
// then o.Commits commits each bumping the tag of one random overlay.
func writeStream(w *bufio.Writer, o Options) error {
	rng := rand.New(rand.NewPCG(o.Seed, o.Seed^0x9e3779b97f4a7c15))
	envs := o.envs()
	when := epoch
	header := func(msg string) {
		fmt.Fprintf(w, "commit refs/heads/main\n")
		fmt.Fprintf(w, "author Synth Author <synth@example.com> %d +0000\n", when)
		fmt.Fprintf(w, "committer Synth Committer <synth@example.com> %d +0000\n", when)
		fmt.Fprintf(w, "data %d\n%s\n", len(msg), msg)
		when += 60
	}
	file := func(path, content string) {
		fmt.Fprintf(w, "M 100644 inline %s\ndata %d\n%s\n", path, len(content), content)
	}
	header(fmt.Sprintf("synthetic monorepo: %d apps, %d environments", o.Apps, len(envs)))
	file("README.md", fmt.Sprintf("# Synthetic GitOps monorepo\n\n%d apps in %s.\n", o.Apps, strings.Join(envs, ", ")))
	for i := 0; i < o.Apps; i++ {
		app := AppName(i)
		for _, f := range baseFiles(app) {
			file("base/"+app+"/"+f[0], f[1])
		}
	}
	for _, env := range envs {
		for i := 0; i < o.Apps; i++ {
			file(OverlayPath(env, AppName(i)), Overlay(env, AppName(i), "v1"))
		}
	}
	w.WriteString("\n")
	for c := 0; c < o.Commits; c++ {
		env := envs[rng.IntN(len(envs))]
		app := AppName(rng.IntN(o.Apps))
		tag := fmt.Sprintf("v1.%d.%d", c/100, c%100)
		header(fmt.Sprintf("bump %s in %s to %s", app, env, tag))
		file(OverlayPath(env, app), Overlay(env, app, tag))
		w.WriteString("\n")
	}
	_, err := w.WriteString("done\n")
	return err
}

// DirFor is a stable cache location for a repository with these options
// under root, so benchmark runs can reuse one instead of regenerating it.
func DirFor(root string, o Options) string {
	return filepath.Join(root, fmt.Sprintf("synth-%dapps-%denvs-%dcommits-seed%d", o.Apps, len(o.envs()), o.Commits, o.Seed))
}
