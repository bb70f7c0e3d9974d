package cli

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/rolloutgen/rolloutgen/internal/gittest"
)

// signingConfig sets the git config of a user who signs with an ssh key
// file: scope is --global (remote mode reads it) or --local.
func signingConfig(t *testing.T, home, dir, scope, keyFile string) {
	t.Helper()
	allowed := gittest.AllowedSigners(t, "committer@example.com", keyFile+".pub")
	for _, kv := range [][2]string{{"commit.gpgSign", "true"}, {"gpg.format", "ssh"}, {"user.signingKey", keyFile}, {"gpg.ssh.allowedSignersFile", allowed}} {
		gittest.Git(t, home, dir, "config", scope, kv[0], kv[1])
	}
}

// TestBumpSignsEveryCommit: with commit.gpgSign, gen bump signs its
// commit in a checkout, on a push re-applied on a moved remote, and in
// remote mode (--repo-url, global config); git verify-commit accepts each.
func TestBumpSignsEveryCommit(t *testing.T) {
	keyFile := gittest.SSHKeygen(t, "")
	remote := gittest.NewRemote(t, plainRepo)
	signingConfig(t, remote.Home, remote.Root, "--global", keyFile)
	verify := func(dir, rev string) {
		t.Helper()
		if out, err := gittest.GitErr(remote.Home, dir, "verify-commit", rev); err != nil {
			t.Fatalf("git verify-commit %s: %v\n%s", rev, err, out)
		}
	}
	args := []string{"bump", "--path", "deploy/prod", "--image", "example.com/app"}

	dir := remote.Clone(t)
	if code, _, stderr := gen(t, remote.Home, dir, nil, append(args, "--tag", "2.0.0", "--push")...); code != 0 {
		t.Fatalf("local bump: exit %d\n%s", code, stderr)
	}
	verify(dir, "HEAD")
	verify(remote.Dir, "main")

	remote.Commit(t, "someone else", map[string]string{"README.md": "moved on\n"})
	if code, stdout, stderr := gen(t, remote.Home, dir, nil, append(args, "--tag", "2.1.0", "--push", "-o", "json")...); code != 0 || !strings.Contains(stdout, `"attempts": 2`) {
		t.Fatalf("re-applied push: exit %d\n%s\n%s", code, stdout, stderr)
	}
	verify(remote.Dir, "main")
	verify(dir, "HEAD")

	if code, _, stderr := gen(t, remote.Home, t.TempDir(), nil, append(args, "--tag", "2.2.0", "--repo-url", remote.FileURL())...); code != 0 {
		t.Fatalf("remote mode: exit %d\n%s", code, stderr)
	}
	verify(remote.Dir, "main")
	if got := remote.Git(t, "log", "-1", "--format=%G? %s", "main"); !strings.HasPrefix(got, "G ") {
		t.Errorf("remote head %q is not signed", got)
	}
}

// TestBumpSigningImpossibleWritesNothing: commit.gpgSign with a key that
// cannot sign is a one-line configuration error (exit 2) naming the key,
// and the repository is as it was.
func TestBumpSigningImpossibleWritesNothing(t *testing.T) {
	home, dir := renderedRepo(t)
	gittest.Git(t, home, dir, "config", "commit.gpgSign", "true")
	gittest.Git(t, home, dir, "config", "gpg.format", "ssh")
	gittest.Git(t, home, dir, "config", "user.signingKey", "/nonexistent/id_ed25519")
	before := snapshot(t, home, dir)
	code, _, stderr := gen(t, home, dir, nil, "bump", "--tag", "v3")
	if code != 2 || !strings.Contains(stderr, `gen: bump rollouts-demo/dev: cannot sign with user.signingKey "/nonexistent/id_ed25519"`) || strings.Count(stderr, "gen: ") != 1 {
		t.Errorf("exit %d, stderr %q", code, stderr)
	}
	if snapshot(t, home, dir) != before {
		t.Error("a refused bump changed the repository")
	}
	// --no-sign commits anyway, unsigned.
	if code, _, stderr := gen(t, home, dir, nil, "bump", "--tag", "v3", "--no-sign"); code != 0 {
		t.Errorf("--no-sign: exit %d\n%s", code, stderr)
	}
}

// TestBumpRunsHooks: a failing pre-commit stops the bump with its output
// and leaves the repository as it was; --no-verify skips it; a hook that
// reformats the overlay has its result re-checked and committed, and one
// whose rewrite no longer pins the tag is refused.
func TestBumpRunsHooks(t *testing.T) {
	remote := gittest.NewRemote(t, plainRepo)
	home := remote.Home
	dir := remote.Clone(t)
	const file = "deploy/prod/kustomization.yaml"
	setHook := func(script string) {
		t.Helper()
		p := filepath.Join(dir, ".git", "hooks", "pre-commit")
		if err := os.WriteFile(p, []byte("#!/bin/sh\n"+script+"\n"), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	state := func() string {
		return gittest.Git(t, home, dir, "rev-parse", "HEAD") + "\n" + gittest.Git(t, home, dir, "status", "--porcelain") + "\n" + readFile(t, filepath.Join(dir, file))
	}
	args := []string{"bump", "--path", "deploy/prod", "--image", "example.com/app"}

	setHook("echo 'yamllint: line too long' >&2; exit 1")
	before := state()
	code, _, stderr := gen(t, home, dir, nil, append(args, "--tag", "2.0.0")...)
	if code != 1 || !strings.Contains(stderr, "pre-commit") || !strings.Contains(stderr, "yamllint: line too long") {
		t.Errorf("failing hook: exit %d\n%s", code, stderr)
	}
	if state() != before {
		t.Error("a hook's refusal left the repository changed")
	}
	if code, _, stderr := gen(t, home, dir, nil, append(args, "--tag", "2.0.0", "--no-verify")...); code != 0 {
		t.Fatalf("--no-verify: exit %d\n%s", code, stderr)
	}

	// Re-indent the lists from 4 to 2 spaces, as a formatter would.
	setHook(`sed -i 's/^    - /  - /; s/^      /    /' ` + file + ` && git add ` + file)
	if code, _, stderr := gen(t, home, dir, nil, append(args, "--tag", "2.1.0")...); code != 0 {
		t.Fatalf("reformatting hook: exit %d\n%s", code, stderr)
	}
	committed := gittest.Git(t, home, dir, "show", "HEAD:"+file)
	if !strings.Contains(committed, "\n  - name: example.com/app\n    newTag: \"2.1.0\"") {
		t.Errorf("the reformatted file was not committed:\n%s", committed)
	}
	if st := gittest.Git(t, home, dir, "status", "--porcelain"); st != "" {
		t.Errorf("status after the reformatting hook: %q", st)
	}

	setHook(`sed -i 's/2.2.0/6.6.6/' ` + file + ` && git add ` + file)
	before = state()
	code, _, stderr = gen(t, home, dir, nil, append(args, "--tag", "2.2.0")...)
	if code != 1 || !strings.Contains(stderr, "as the pre-commit hook rewrote it") || !strings.Contains(stderr, "no longer pins 2.2.0") {
		t.Errorf("hook rewriting the tag: exit %d\n%s", code, stderr)
	}
	if state() != before {
		t.Error("a refused rewrite left the repository changed")
	}
}
