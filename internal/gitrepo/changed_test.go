package gitrepo

import (
	"context"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"testing"

	"github.com/rolloutgen/rolloutgen/internal/testtool"
)

func TestChangedFiles(t *testing.T) {
	git := testtool.Require(t, "git")
	dir := t.TempDir()
	sh := func(args ...string) {
		t.Helper()
		cmd := exec.Command(git, args...)
		cmd.Dir = dir
		cmd.Env = append(os.Environ(), "GIT_AUTHOR_NAME=t", "GIT_AUTHOR_EMAIL=t@example.com", "GIT_COMMITTER_NAME=t", "GIT_COMMITTER_EMAIL=t@example.com")
		if out, err := cmd.CombinedOutput(); err != nil {
			t.Fatalf("git %v: %v\n%s", args, err, out)
		}
	}
	write := func(p, s string) {
		t.Helper()
		if err := os.MkdirAll(filepath.Dir(filepath.Join(dir, p)), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, p), []byte(s), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	sh("init", "-q", "-b", "main")
	write("repo/a.yaml", "a\n")
	write("repo/b.yaml", "b\n")
	write("repo/c.yaml", "c\n")
	write("outside.txt", "o\n")
	write(".gitignore", "*.tmp\n")
	sh("add", "-A")
	sh("commit", "-qm", "one")
	write("repo/a.yaml", "a2\n") // committed
	sh("commit", "-qam", "two")
	write("repo/b.yaml", "b2\n") // staged
	sh("add", "repo/b.yaml")
	if err := os.Remove(filepath.Join(dir, "repo/c.yaml")); err != nil { // deleted
		t.Fatal(err)
	}
	write("repo/new/d.yaml", "d\n") // untracked
	write("repo/x.tmp", "ignored\n")
	write("outside.txt", "o2\n") // outside the directory asked about

	got, err := ChangedFiles(context.Background(), filepath.Join(dir, "repo"), "HEAD~1")
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"a.yaml", "b.yaml", "c.yaml", "new/d.yaml"}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("changed %v, want %v", got, want)
	}
	if _, err := ChangedFiles(context.Background(), dir, "nope"); !errors.Is(err, ErrUnknownRevision) {
		t.Errorf("unknown revision: %v", err)
	}
}
