package gitrepo

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"testing"

	"github.com/rolloutgen/rolloutgen/internal/gittest"
)

func TestChangedFiles(t *testing.T) {
	gittest.RequireGit(t)
	dir := t.TempDir()
	home := gittest.Home(t)
	sh := func(args ...string) {
		t.Helper()
		gittest.Git(t, home, dir, args...)
	}
	write := func(p, s string) {
		t.Helper()
		gittest.WriteFiles(t, dir, map[string]string{p: s})
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
