package cli

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/rolloutgen/rolloutgen/internal/gittest"
)

// gen bump behaves like git towards other git tools in the same repository.
func TestBumpGitInterop(t *testing.T) {
	t.Run("after git pack-refs --all", func(t *testing.T) {
		home, dir := renderedRepo(t)
		gittest.Git(t, home, dir, "pack-refs", "--all")
		if code, _, stderr := gen(t, home, dir, nil, "bump", "--tag", "v3"); code != 0 {
			t.Fatalf("exit %d\n%s", code, stderr)
		}
		gittest.Git(t, home, dir, "fsck", "--strict", "--no-progress")
		if got := gittest.Git(t, home, dir, "log", "-1", "--format=%s", "main"); !strings.Contains(got, "v2 -> v3") {
			t.Errorf("main: %q", got)
		}
	})
	t.Run("an existing branch lock is a clear error, ref untouched", func(t *testing.T) {
		home, dir := renderedRepo(t)
		lock := filepath.Join(dir, ".git", "refs", "heads", "main.lock")
		if err := os.WriteFile(lock, nil, 0o644); err != nil {
			t.Fatal(err)
		}
		before := snapshot(t, home, dir)
		code, _, stderr := gen(t, home, dir, nil, "bump", "--tag", "v3")
		if code != 1 || !strings.Contains(stderr, "lock") {
			t.Errorf("exit %d, %q", code, stderr)
		}
		os.Remove(lock)
		if after := snapshot(t, home, dir); after != before {
			t.Errorf("a locked ref changed the repository:\n%s\n====\n%s", before, after)
		}
	})
	t.Run("detached HEAD is refused", func(t *testing.T) {
		home, dir := renderedRepo(t)
		gittest.Git(t, home, dir, "checkout", "-q", "--detach")
		code, _, stderr := gen(t, home, dir, nil, "bump", "--tag", "v3")
		if code != 1 || !strings.Contains(stderr, "detached") {
			t.Errorf("exit %d, %q", code, stderr)
		}
	})
	t.Run("a merge in progress is refused", func(t *testing.T) {
		home, dir := renderedRepo(t)
		gittest.Git(t, home, dir, "checkout", "-q", "-b", "side")
		gittest.WriteFiles(t, dir, map[string]string{"x.txt": "side\n"})
		gittest.Git(t, home, dir, "add", "x.txt")
		gittest.Git(t, home, dir, "commit", "-q", "-m", "side")
		gittest.Git(t, home, dir, "checkout", "-q", "main")
		gittest.WriteFiles(t, dir, map[string]string{"x.txt": "main\n"})
		gittest.Git(t, home, dir, "add", "x.txt")
		gittest.Git(t, home, dir, "commit", "-q", "-m", "main")
		if _, err := gittest.GitErr(home, dir, "merge", "side"); err == nil {
			t.Fatal("expected a conflict")
		}
		head := gittest.Git(t, home, dir, "rev-parse", "HEAD")
		code, _, stderr := gen(t, home, dir, nil, "bump", "--tag", "v3")
		if code != 1 || !strings.Contains(stderr, "in progress") {
			t.Errorf("exit %d, %q", code, stderr)
		}
		if gittest.Git(t, home, dir, "rev-parse", "HEAD") != head {
			t.Error("committed during a merge")
		}
	})
	t.Run("unborn branch is refused", func(t *testing.T) {
		gittest.RequireGit(t)
		home := gittest.Home(t)
		dir := filepath.Join(t.TempDir(), "repo")
		gittest.Git(t, home, filepath.Dir(dir), "init", "-q", "-b", "main", dir)
		gittest.WriteFiles(t, dir, plainRepo)
		code, _, stderr := gen(t, home, dir, nil, "bump", "--path", "deploy/prod", "--image", "example.com/app", "--tag", "2.0.0")
		if code != 1 || !strings.Contains(stderr, "no commits yet") {
			t.Errorf("exit %d, %q", code, stderr)
		}
	})
}
