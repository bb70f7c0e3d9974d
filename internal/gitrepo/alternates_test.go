package gitrepo

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/go-git/go-git/v5/plumbing"
	"github.com/rolloutgen/rolloutgen/internal/gittest"
)

// Alternates chained seven deep, each store holding one blob: git reads
// the chain five levels below the repository's own alternates file and no
// further, and so does the object store — asked of the same blobs, both
// find the same ones. Objects are never written to an alternate.
func TestAlternatesNestedAsDeepAsGit(t *testing.T) {
	g := newGitRepo(t)
	g.commitFiles("one", map[string]string{"a.txt": "a\n"})
	base := t.TempDir()
	var blobs []string
	prev := filepath.Join(g.dir, ".git", "objects")
	for i := 1; i <= 7; i++ {
		store := filepath.Join(base, fmt.Sprintf("alt%d", i))
		gittest.Git(t, g.home, base, "init", "-q", "--bare", store)
		cmd := exec.Command("git", "hash-object", "-w", "--stdin")
		cmd.Env = append(gittest.Env(g.home), "GIT_DIR="+store)
		cmd.Stdin = strings.NewReader(fmt.Sprintf("blob in alternate %d\n", i))
		out, err := cmd.Output()
		if err != nil {
			t.Fatal(err)
		}
		blobs = append(blobs, strings.TrimSpace(string(out)))
		objects := filepath.Join(store, "objects")
		// Relative from the repository's own store, absolute after.
		line := objects
		if i == 1 {
			if line, err = filepath.Rel(prev, objects); err != nil {
				t.Fatal(err)
			}
		}
		if err := os.WriteFile(filepath.Join(prev, "info", "alternates"), []byte("# chained\n"+line+"\n"), 0o644); err != nil {
			t.Fatal(err)
		}
		prev = objects
	}
	r, err := OpenEnv(g.dir, gittestEnv(g.home))
	if err != nil {
		t.Fatal(err)
	}
	found := 0
	for i, b := range blobs {
		_, gitErr := g.gitErr("cat-file", "-e", b)
		_, err := r.objects.EncodedObject(plumbing.BlobObject, plumbing.NewHash(b))
		if (gitErr == nil) != (err == nil) {
			t.Errorf("alternate %d: git finds it: %v; the object store: %v", i+1, gitErr == nil, err)
		}
		if err == nil {
			found++
		}
	}
	if found != 6 {
		t.Errorf("found the blobs of %d alternates, want 6 (the repository's file and five nested levels)", found)
	}
	h, err := writeBlob(r.objects, []byte("new\n"))
	if err != nil {
		t.Fatal(err)
	}
	hex := h.String()
	if _, err := os.Stat(filepath.Join(g.dir, ".git", "objects", hex[:2], hex[2:])); err != nil {
		t.Errorf("a new object is not in the repository's own store: %v", err)
	}
}
