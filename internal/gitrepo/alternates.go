package gitrepo

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/go-git/go-billy/v5/osfs"
	"github.com/go-git/go-git/v5/plumbing/cache"
)

// maxAlternateDepth is git's: alternates of alternates are followed five
// levels deep, no further (object-file.c, link_alt_odb_entry).
const maxAlternateDepth = 5

// openObjectStore opens the repository's own object store, where every
// object is written, and behind it, read-only, the stores it borrows
// from: objects/info/alternates (absolute paths, or relative to the
// objects directory; nested up to maxAlternateDepth) and
// GIT_ALTERNATE_OBJECT_DIRECTORIES (colon-separated, relative to the
// working directory, as git reads it). `git clone --shared` and
// `--reference` leave such repositories.
func openObjectStore(commonDir string, getenv func(string) string) (*objectStore, error) {
	s := newObjectStore(osfs.New(commonDir))
	own := filepath.Join(commonDir, "objects")
	seen := map[string]bool{canonicalDir(own): true}
	var roots []string
	if env := getenv("GIT_ALTERNATE_OBJECT_DIRECTORIES"); env != "" {
		for _, d := range splitAlternatesEnv(env) {
			if !filepath.IsAbs(d) {
				wd, err := os.Getwd()
				if err != nil {
					return nil, fmt.Errorf("GIT_ALTERNATE_OBJECT_DIRECTORIES: %w", err)
				}
				d = filepath.Join(wd, d)
			}
			roots = append(roots, d)
		}
	}
	fromFile, err := readAlternates(own)
	if err != nil {
		return nil, err
	}
	// git links the file's entries first, then the environment's.
	for _, d := range append(fromFile, roots...) {
		if err := s.linkAlternate(d, 0, seen, s.cache); err != nil {
			return nil, err
		}
	}
	return s, nil
}

// linkAlternate adds the objects directory dir (depth levels below the
// repository) and, recursively, the alternates it names itself.
func (s *objectStore) linkAlternate(dir string, depth int, seen map[string]bool, c cache.Object) error {
	key := canonicalDir(dir)
	if seen[key] {
		return nil // git skips duplicates and its own directory
	}
	seen[key] = true
	fi, err := os.Stat(dir)
	if err != nil || !fi.IsDir() {
		// git warns and goes on ("object directory … does not exist");
		// an object missing because of it is reported when looked up.
		return nil
	}
	alt := &objectStore{objects: osfs.New(dir), cache: c}
	s.alternates = append(s.alternates, alt)
	if depth+1 > maxAlternateDepth {
		return nil
	}
	nested, err := readAlternates(dir)
	if err != nil {
		return err
	}
	for _, d := range nested {
		if err := alt.linkAlternate(d, depth+1, seen, c); err != nil {
			return err
		}
	}
	return nil
}

// readAlternates lists objects/info/alternates of the objects directory
// dir: one path a line, "#" comments and blank lines skipped, a quoted
// line unquoted as C strings are, a relative path taken relative to dir.
func readAlternates(dir string) ([]string, error) {
	path := filepath.Join(dir, "info", "alternates")
	data, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("read %q: %w", path, err)
	}
	var out []string
	sc := bufio.NewScanner(bytes.NewReader(data))
	for sc.Scan() {
		line := strings.TrimRight(sc.Text(), "\r")
		if line == "" || line[0] == '#' {
			continue
		}
		if line[0] == '"' {
			u, err := strconv.Unquote(line)
			if err != nil {
				return nil, fmt.Errorf("%s: bad quoted path %q", path, line)
			}
			line = u
		}
		if !filepath.IsAbs(line) {
			line = filepath.Join(dir, line)
		}
		out = append(out, filepath.Clean(line))
	}
	return out, sc.Err()
}

// splitAlternatesEnv splits GIT_ALTERNATE_OBJECT_DIRECTORIES on ':'; an
// entry starting with '"' is a quoted path that may hold a ':'.
func splitAlternatesEnv(env string) []string {
	var out []string
	for env != "" {
		if env[0] == '"' {
			if end := closingQuote(env); end > 0 {
				if u, err := strconv.Unquote(env[:end+1]); err == nil {
					out = append(out, u)
					env = strings.TrimPrefix(env[end+1:], ":")
					continue
				}
			}
		}
		d, rest, _ := strings.Cut(env, ":")
		if d != "" {
			out = append(out, d)
		}
		env = rest
	}
	return out
}

func closingQuote(s string) int {
	for i := 1; i < len(s); i++ {
		switch s[i] {
		case '\\':
			i++
		case '"':
			return i
		}
	}
	return -1
}

func canonicalDir(d string) string {
	if real, err := filepath.EvalSymlinks(d); err == nil {
		return real
	}
	return filepath.Clean(d)
}
