package gitrepo

import (
	"crypto/sha1"
	"io"
	"os"
	"path/filepath"
	"testing"

	"github.com/go-git/go-git/v5/plumbing"
)

// FuzzIndexEdit feeds arbitrary index bodies (with a valid checksum, so
// the parser gets past it) through everything CommitFile does with an
// index: it must never panic, and an edit it accepts must parse again.
//
//	go test -run '^$' -fuzz FuzzIndexEdit -fuzztime 30s ./internal/gitrepo/
func FuzzIndexEdit(f *testing.F) {
	g := newGitRepo(f)
	g.commitFiles("init", map[string]string{"a/b/c.yaml": "x\n", "a/d.yaml": "y\n", "z.txt": "z\n"})
	for _, version := range []string{"2", "3", "4"} {
		g.git("update-index", "--index-version", version)
		data, err := os.ReadFile(filepath.Join(g.dir, ".git", "index"))
		if err != nil {
			f.Fatal(err)
		}
		f.Add(data[:len(data)-indexChecksumLen], "a/b/c.yaml")
		f.Add(data[:len(data)-indexChecksumLen], "a/b0/new.yaml")
	}
	f.Fuzz(func(t *testing.T, body []byte, path string) {
		if _, err := splitRepoPath(path); err != nil {
			return
		}
		sum := sha1.Sum(body)
		x, err := parseIndex(append(body, sum[:]...))
		if err != nil {
			return
		}
		l, err := x.lookup(path)
		if err != nil {
			return
		}
		ext, err := x.rewriteExtensions(path)
		if err != nil {
			return
		}
		if l.conflicted || l.dfConflict != "" {
			return // refused before any write
		}
		var out sliceWriter
		if err := x.writeWithEntry(&out, l, path, plumbing.NewHash("0123456789012345678901234567890123456789"), 0o100644, entryStat{size: 1}, ext); err != nil {
			t.Fatal(err)
		}
		y, err := parseIndex(out)
		if err != nil {
			t.Fatalf("edited index does not parse: %v", err)
		}
		l2, err := y.lookup(path)
		if err != nil {
			t.Fatalf("edited index entries do not parse: %v", err)
		}
		if !l2.found {
			t.Fatalf("edited index lacks %q", path)
		}
		if _, err := y.rewriteExtensions(path); err != nil {
			t.Fatalf("edited index extensions do not parse: %v", err)
		}
		if err := x.writeUnchanged(io.Discard); err != nil {
			t.Fatal(err)
		}
	})
}

type sliceWriter []byte

func (w *sliceWriter) Write(p []byte) (int, error) { *w = append(*w, p...); return len(p), nil }
