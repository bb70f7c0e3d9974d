package gitrepo

import (
	"bytes"
	"crypto/sha1"
	"errors"
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
		file := append(body, sum[:]...)
		x, err := parseIndex(append([]byte(nil), file...))
		streamed := streamIndexEdit(t, file, path, x)
		if err != nil {
			if streamed != nil {
				t.Fatalf("streamed edit of an index that does not parse: no error")
			}
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
		if streamed != nil && !bytes.Equal(streamed, out) {
			t.Fatalf("streamed edit differs from the in-memory one")
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

// streamIndexEdit makes the edit the fuzz target makes, with indexStream
// over a file holding data, through a window small enough to slide. It
// returns nil where the stream refuses the index (and then so must the
// in-memory path, unless only the window was too small). x, the in-memory
// index when it parses, gets the file's mtime so both smudge alike.
func streamIndexEdit(t *testing.T, data []byte, path string, x *rawIndex) []byte {
	t.Helper()
	name := filepath.Join(t.TempDir(), "index")
	if err := os.WriteFile(name, data, 0o644); err != nil {
		t.Fatal(err)
	}
	s, err := openIndexStream(name, 64)
	if err != nil {
		return nil
	}
	defer s.close()
	if x != nil {
		x.mtimeSec = s.mtimeSec
	}
	l, err := s.lookup(path)
	if err != nil {
		if x != nil && !errors.Is(err, errEntryTooLong) {
			if _, merr := (&rawIndex{data: x.data, version: x.version, count: x.count, mtimeSec: x.mtimeSec}).lookup(path); merr == nil {
				t.Fatalf("stream lookup: %v; in memory: no error", err)
			}
		}
		return nil
	}
	ext, err := s.rewriteExtensions(path)
	if err != nil || l.conflicted || l.dfConflict != "" {
		return nil
	}
	var out sliceWriter
	if err := s.writeWithEntry(&out, l, path, plumbing.NewHash("0123456789012345678901234567890123456789"), 0o100644, entryStat{size: 1}, ext); err != nil {
		t.Fatal(err)
	}
	var undo sliceWriter
	if err := s.writeUnchanged(&undo); err != nil {
		t.Fatal(err)
	}
	if x != nil {
		var want sliceWriter
		y := &rawIndex{data: append([]byte(nil), x.data...), version: x.version, count: x.count, mtimeSec: x.mtimeSec}
		if _, err := y.lookup(path); err == nil {
			if err := y.writeUnchanged(&want); err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(undo, want) {
				t.Fatalf("streamed undo differs from the in-memory one")
			}
		}
	}
	return out
}

type sliceWriter []byte

func (w *sliceWriter) Write(p []byte) (int, error) { *w = append(*w, p...); return len(p), nil }
