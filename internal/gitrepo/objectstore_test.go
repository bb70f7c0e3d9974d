package gitrepo

import (
	"path/filepath"
	"testing"

	"github.com/go-git/go-billy/v5/osfs"
	"github.com/go-git/go-git/v5/plumbing"
)

// A store that listed its packs before git gc repacked must find an
// object that now lives only in the new pack: on a miss it lists the packs
// again, once, as git's reprepare_packed_git does.
func TestObjectStoreRescansPacksOnAMiss(t *testing.T) {
	g := newGitRepo(t)
	g.commitFiles("one", map[string]string{"a.txt": "one\n"})
	g.git("repack", "-q", "-a", "-d")
	s := newObjectStore(osfs.New(filepath.Join(g.dir, ".git")))
	if _, err := s.EncodedObject(plumbing.AnyObject, plumbing.NewHash(g.git("rev-parse", "HEAD"))); err != nil {
		t.Fatal(err)
	}
	g.commitFiles("two", map[string]string{"b.txt": "two\n"})
	g.git("repack", "-q", "-a", "-d") // the listed pack is gone, a new one holds everything
	g.git("prune-packed")
	blob := plumbing.NewHash(g.git("rev-parse", "HEAD:b.txt"))
	obj, err := s.EncodedObject(plumbing.BlobObject, blob)
	if err != nil {
		t.Fatalf("object moved into a new pack: %v", err)
	}
	if obj.Hash() != blob {
		t.Errorf("read %s, want %s", obj.Hash(), blob)
	}
}
