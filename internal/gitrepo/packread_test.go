package gitrepo

import (
	"fmt"
	"io"
	"path/filepath"
	"strings"
	"testing"

	"github.com/go-git/go-billy/v5/osfs"
	"github.com/go-git/go-git/v5/plumbing"
	"github.com/go-git/go-git/v5/plumbing/cache"
	"github.com/go-git/go-git/v5/storage/filesystem"
)

// TestObjectStoreReadsLikeGoGit reads every object of a repository packed
// by git gc (trees and blobs stored as deltas of each other), plus loose
// ones written after, and compares type and content with go-git's own
// storage.
func TestObjectStoreReadsLikeGoGit(t *testing.T) {
	g := newGitRepo(t)
	for i := range 30 {
		files := map[string]string{}
		for a := range 8 {
			files[fmt.Sprintf("overlays/dev/app%d/kustomization.yaml", a)] = fmt.Sprintf("images:\n- name: app%d\n  newTag: v%d\n%s", a, i, strings.Repeat("# padding line\n", 20))
		}
		g.commitFiles(fmt.Sprintf("commit %d", i), files)
	}
	g.git("gc", "-q", "--aggressive")
	g.commitFiles("loose", map[string]string{"README.md": "after gc\n"})

	objects := filepath.Join(g.dir, ".git")
	ours := newObjectStore(osfs.New(objects))
	theirs := filesystem.NewStorage(osfs.New(objects), cache.NewObjectLRUDefault())
	list := g.git("cat-file", "--batch-all-objects", "--batch-check=%(objectname) %(objecttype)")
	n := 0
	for _, line := range strings.Split(list, "\n") {
		name, typ, _ := strings.Cut(line, " ")
		h := plumbing.NewHash(name)
		want, err := theirs.EncodedObject(plumbing.AnyObject, h)
		if err != nil {
			t.Fatalf("go-git %s: %v", name, err)
		}
		got, err := ours.EncodedObject(plumbing.AnyObject, h)
		if err != nil {
			t.Fatalf("%s %s: %v", typ, name, err)
		}
		if got.Type() != want.Type() || got.Type().String() != typ || got.Hash() != h {
			t.Errorf("%s: type %s hash %s, want %s %s", name, got.Type(), got.Hash(), want.Type(), h)
		}
		if a, b := content(t, got), content(t, want); a != b {
			t.Errorf("%s %s: content differs", typ, name)
		}
		if _, err := ours.EncodedObject(plumbing.BlobObject, h); typ != "blob" && err != plumbing.ErrObjectNotFound {
			t.Errorf("%s %s read as a blob: err %v, want ErrObjectNotFound", typ, name, err)
		}
		n++
	}
	if n < 100 {
		t.Fatalf("only %d objects: the test repository is too small to hold deltas", n)
	}
	if _, err := ours.EncodedObject(plumbing.AnyObject, plumbing.NewHash(strings.Repeat("ab", 20))); err != plumbing.ErrObjectNotFound {
		t.Errorf("missing object: err %v, want ErrObjectNotFound", err)
	}
	if len(ours.packs) != 1 || ours.packs[0].goGit || ours.packs[0].byOffset == nil {
		t.Errorf("packed objects were not read by objectStore's own pack index path (packs %d)", len(ours.packs))
	}
	if deltas := g.git("verify-pack", "-v", packIdx(t, g)); !strings.Contains(deltas, "chain length") {
		t.Errorf("pack holds no deltas; the test does not exercise delta bases")
	}
}

func packIdx(t *testing.T, g *gitRepo) string {
	t.Helper()
	m, err := filepath.Glob(filepath.Join(g.dir, ".git", "objects", "pack", "*.idx"))
	if err != nil || len(m) != 1 {
		t.Fatalf("want one pack index, got %v (%v)", m, err)
	}
	return m[0]
}

func content(t *testing.T, o plumbing.EncodedObject) string {
	t.Helper()
	r, err := o.Reader()
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	b, err := io.ReadAll(r)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}
