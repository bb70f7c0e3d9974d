package gitrepo

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/go-git/go-git/v5/plumbing"
	"github.com/go-git/go-git/v5/plumbing/cache"
	"github.com/go-git/go-git/v5/plumbing/object"
	"github.com/go-git/go-git/v5/storage/filesystem"
	"github.com/go-git/go-git/v5/storage/memory"

	"github.com/go-git/go-billy/v5/osfs"
)

func testMeta(msg string) CommitMeta {
	when := time.Date(2026, 1, 2, 3, 4, 5, 0, time.FixedZone("", 3600))
	return CommitMeta{
		Message:   msg,
		Author:    object.Signature{Name: "Bump Author", Email: "bump@example.com", When: when},
		Committer: object.Signature{Name: "Bump Committer", Email: "bumpc@example.com", When: when},
	}
}

func TestWriteCommit(t *testing.T) {
	tests := []struct {
		name     string
		path     string
		wantMode string // mode of path in the new commit
		wantErr  string
	}{
		{name: "existing file deep", path: "overlays/dev/app1/kustomization.yaml", wantMode: "100644"},
		{name: "existing executable keeps mode", path: "hack/run.sh", wantMode: "100755"},
		{name: "new file in existing dir", path: "overlays/dev/app1/new.yaml", wantMode: "100644"},
		{name: "new file new dirs sorted before sibling", path: "overlays/dev/app0/x/kustomization.yaml", wantMode: "100644"},
		{name: "new file named like dir prefix", path: "overlays/dev/app1.yaml", wantMode: "100644"},
		{name: "top level", path: "README.md", wantMode: "100644"},
		{name: "dir is not a file", path: "overlays/dev", wantErr: "is a directory"},
		{name: "file is not a dir", path: "README.md/x", wantErr: "not a directory"},
		{name: "symlink refused", path: "link", wantErr: "symlink"},
		{name: "dotdot refused", path: "overlays/../x", wantErr: "clean, relative"},
		{name: "absolute refused", path: "/x", wantErr: "clean, relative"},
		{name: "dot git refused", path: ".git/config", wantErr: "inside .git"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			g := newGitRepo(t)
			g.commitFiles("init", map[string]string{
				"README.md":                             "hello\n",
				"hack/run.sh":                           "#!/bin/sh\n",
				"overlays/dev/app1/kustomization.yaml":  "images: []\n",
				"overlays/dev/app1-x/a":                 "a\n",
				"overlays/dev/app2/kustomization.yaml":  "images: []\n",
				"overlays/prod/app1/kustomization.yaml": "images: []\n",
			})
			g.git("update-index", "--chmod=+x", "hack/run.sh")
			if err := os.Symlink("README.md", filepath.Join(g.dir, "link")); err != nil {
				t.Fatal(err)
			}
			g.git("add", "link")
			g.git("commit", "-q", "-m", "exec and link")
			parentHash := plumbing.NewHash(g.git("rev-parse", "HEAD"))
			before := g.git("ls-tree", "-r", "HEAD")

			st := filesystem.NewStorage(osfs.New(filepath.Join(g.dir, ".git")), cache.NewObjectLRUDefault())
			parent, err := object.GetCommit(st, parentHash)
			if err != nil {
				t.Fatal(err)
			}
			commit, tree, err := writeCommit(context.Background(), st, nil, parent, tt.path, []byte("bumped\n"), testMeta("bump it"))
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("err = %v, want containing %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if got := g.git("rev-parse", commit.String()+"^{tree}"); got != tree.String() {
				t.Errorf("tree of commit = %s, returned %s", got, tree)
			}
			if got := g.git("rev-parse", commit.String()+"^@"); got != parentHash.String() {
				t.Errorf("parents = %q, want only %s", got, parentHash)
			}
			if got := g.git("diff-tree", "--no-commit-id", "--name-only", "-r", parentHash.String(), commit.String()); got != tt.path {
				t.Errorf("changed paths = %q, want only %q", got, tt.path)
			}
			if got := g.git("show", commit.String()+":"+tt.path); got != "bumped" {
				t.Errorf("content = %q", got)
			}
			if got := g.git("ls-tree", commit.String(), "--", tt.path); !strings.HasPrefix(got, tt.wantMode+" blob ") {
				t.Errorf("entry = %q, want mode %s", got, tt.wantMode)
			}
			if got := g.git("log", "-1", "--format=%an <%ae>|%cn <%ce>|%ad|%B", "--date=raw", commit.String()); got != "Bump Author <bump@example.com>|Bump Committer <bumpc@example.com>|1767319445 +0100|bump it" {
				t.Errorf("commit header = %q", got)
			}
			// The parent's tree must be untouched and the new objects valid.
			if got := g.git("ls-tree", "-r", parentHash.String()); got != before {
				t.Errorf("parent tree changed")
			}
			g.git("update-ref", "refs/heads/check", commit.String())
			g.git("fsck", "--strict", "--no-dangling")
		})
	}
}

func TestWriteCommitRoot(t *testing.T) {
	g := newGitRepo(t)
	st := filesystem.NewStorage(osfs.New(filepath.Join(g.dir, ".git")), cache.NewObjectLRUDefault())
	commit, _, err := writeCommit(context.Background(), st, nil, nil, "a/b.yaml", []byte("x\n"), testMeta("root"))
	if err != nil {
		t.Fatal(err)
	}
	g.git("update-ref", "refs/heads/main", commit.String())
	if got := g.git("ls-tree", "-r", "--name-only", "HEAD"); got != "a/b.yaml" {
		t.Errorf("files = %q", got)
	}
	g.git("fsck", "--strict")
}

// TestWriteCommitMemory is the remote path: an in-memory store, as a
// NoCheckout clone gives, and only the objects WriteCommit must write.
func TestWriteCommitMemory(t *testing.T) {
	st := memory.NewStorage()
	base, _, err := writeCommit(context.Background(), st, nil, nil, "overlays/dev/a/kustomization.yaml", []byte("v1\n"), testMeta("root"))
	if err != nil {
		t.Fatal(err)
	}
	parent := mustCommit(t, st, base)
	before := len(st.Objects)
	commit, tree, err := writeCommit(context.Background(), st, nil, parent, "overlays/dev/a/kustomization.yaml", []byte("v2\n"), testMeta("bump"))
	if err != nil {
		t.Fatal(err)
	}
	// blob + 4 trees (a, dev, overlays, root) + commit
	if got := len(st.Objects) - before; got != 6 {
		t.Errorf("%d objects written, want 6", got)
	}
	c := mustCommit(t, st, commit)
	if c.TreeHash != tree || len(c.ParentHashes) != 1 || c.ParentHashes[0] != base {
		t.Errorf("commit %+v", c)
	}
	f, err := c.File("overlays/dev/a/kustomization.yaml")
	if err != nil {
		t.Fatal(err)
	}
	if s, _ := f.Contents(); s != "v2\n" {
		t.Errorf("content %q", s)
	}
}

func mustCommit(t *testing.T, st *memory.Storage, h plumbing.Hash) *object.Commit {
	t.Helper()
	c, err := object.GetCommit(st, h)
	if err != nil {
		t.Fatal(err)
	}
	return c
}
