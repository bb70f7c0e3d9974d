package render

import (
	"bytes"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"github.com/rolloutgen/rolloutgen/internal/atomicfile"
)

// DirReader reads rendered paths from the repository at root.
func DirReader(root string) ReadFunc {
	return func(p string) ([]byte, error) {
		return os.ReadFile(filepath.Join(root, filepath.FromSlash(p)))
	}
}

// Drift is how a directory differs from a render.
type Drift struct {
	Missing []string // rendered, absent on disk
	Changed []string // present with other content
	Extra   []string // on disk under an owned directory, no longer rendered
}

// Empty reports whether the directory matches the render exactly.
func (d Drift) Empty() bool { return len(d.Missing)+len(d.Changed)+len(d.Extra) == 0 }

// Lines lists the drift one file per line, sorted by path.
func (d Drift) Lines() []string {
	var lines []string
	for _, p := range d.Missing {
		lines = append(lines, "missing: "+p)
	}
	for _, p := range d.Changed {
		lines = append(lines, "changed: "+p)
	}
	for _, p := range d.Extra {
		lines = append(lines, "extra:   "+p)
	}
	sort.Slice(lines, func(i, j int) bool { return lines[i][9:] < lines[j][9:] })
	return lines
}

// Compare reports how the files under root differ from files.
func Compare(root string, files []File) (Drift, error) {
	var d Drift
	want := make(map[string]bool, len(files))
	for _, f := range files {
		want[f.Path] = true
		have, err := os.ReadFile(filepath.Join(root, filepath.FromSlash(f.Path)))
		switch {
		case errors.Is(err, fs.ErrNotExist):
			d.Missing = append(d.Missing, f.Path)
		case err != nil:
			return Drift{}, err
		case !bytes.Equal(have, f.Data):
			d.Changed = append(d.Changed, f.Path)
		}
	}
	existing, err := ownedFiles(root)
	if err != nil {
		return Drift{}, err
	}
	for _, p := range existing {
		if !want[p] {
			d.Extra = append(d.Extra, p)
		}
	}
	return d, nil
}

// ownedFiles lists the files under the owned directories of root.
func ownedFiles(root string) ([]string, error) {
	var out []string
	for _, o := range owned {
		dir := filepath.Join(root, o)
		err := filepath.WalkDir(dir, func(p string, e fs.DirEntry, err error) error {
			if errors.Is(err, fs.ErrNotExist) && p == dir {
				return fs.SkipDir
			}
			if err != nil {
				return err
			}
			if e.IsDir() {
				return nil
			}
			rel, err := filepath.Rel(root, p)
			if err != nil {
				return err
			}
			out = append(out, filepath.ToSlash(rel))
			return nil
		})
		if err != nil && !errors.Is(err, fs.ErrNotExist) {
			return nil, err
		}
	}
	sort.Strings(out)
	return out, nil
}

// Write makes root match files: it writes missing and changed files (each
// atomically: a temp file in the same directory, then a rename) and
// removes extra ones, then empty owned directories. Everything was rendered
// and parsed before Write is called, so a bad config writes nothing.
func Write(root string, files []File, d Drift) error {
	byPath := make(map[string][]byte, len(files))
	for _, f := range files {
		byPath[f.Path] = f.Data
	}
	for _, p := range append(append([]string(nil), d.Missing...), d.Changed...) {
		if err := atomicfile.Write(filepath.Join(root, filepath.FromSlash(p)), byPath[p], 0o644); err != nil {
			return err
		}
	}
	for _, p := range d.Extra {
		full := filepath.Join(root, filepath.FromSlash(p))
		if err := os.Remove(full); err != nil && !errors.Is(err, fs.ErrNotExist) {
			return err
		}
		removeEmptyParents(root, filepath.Dir(full))
	}
	return nil
}

func removeEmptyParents(root, dir string) {
	for dir != root && strings.HasPrefix(dir, root) {
		if os.Remove(dir) != nil { // fails when not empty: stop there
			return
		}
		dir = filepath.Dir(dir)
	}
}
