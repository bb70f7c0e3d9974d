package validate

import (
	"errors"
	"fmt"
	"github.com/rolloutgen/rolloutgen/internal/kustomize"
	"path/filepath"
	"strings"

	"sigs.k8s.io/kustomize/kyaml/filesys"
)

// ErrOutsideRoot is returned for a read through a symlink that resolves
// outside the repository.
var ErrOutsideRoot = errors.New("symlink resolves outside the repository; not read")

// OnDiskWithin is the on-disk filesystem, with every read confined to
// root: a file or directory reached through a symlink may be read only if
// it resolves inside root. gen validate runs on pull requests, whose
// symlinks may point at the CI runner's secrets; reading inside the
// repository is fine, what a symlink there names is content the pull
// request already holds.
func OnDiskWithin(root string) filesys.FileSystem {
	real, err := filepath.EvalSymlinks(root)
	if err != nil {
		real = filepath.Clean(root)
	}
	// kustomize.OnDisk refuses non-regular files before opening them (a
	// FIFO would block the read past any signal) and caps their size.
	return confinedFS{FileSystem: kustomize.OnDisk(), root: real}
}

type confinedFS struct {
	filesys.FileSystem
	root string
}

// check resolves p's symlinks; a path that does not resolve is left to
// the filesystem to report.
func (c confinedFS) check(p string) error {
	abs, err := filepath.Abs(p)
	if err != nil {
		return nil
	}
	real, err := filepath.EvalSymlinks(abs)
	if err != nil || real == filepath.Clean(abs) {
		// No symlink on the way: plain ../ paths are kustomize's load
		// restrictor's business, not a pull request's trick.
		return nil
	}
	if real != c.root && !strings.HasPrefix(real, c.root+string(filepath.Separator)) {
		rel, err := filepath.Rel(c.root, abs)
		if err != nil || strings.HasPrefix(rel, "..") {
			rel = filepath.Base(abs)
		}
		return fmt.Errorf("%s: %w", filepath.ToSlash(rel), ErrOutsideRoot)
	}
	return nil
}

func (c confinedFS) ReadFile(p string) ([]byte, error) {
	if err := c.check(p); err != nil {
		return nil, err
	}
	return c.FileSystem.ReadFile(p)
}

func (c confinedFS) Open(p string) (filesys.File, error) {
	if err := c.check(p); err != nil {
		return nil, err
	}
	return c.FileSystem.Open(p)
}

func (c confinedFS) ReadDir(p string) ([]string, error) {
	if err := c.check(p); err != nil {
		return nil, err
	}
	return c.FileSystem.ReadDir(p)
}

// Within reports whether p, with its symlinks resolved, lies inside the
// root of fsys when fsys is confined (always true otherwise).
func Within(fsys filesys.FileSystem, p string) error {
	if c, ok := fsys.(confinedFS); ok {
		return c.check(p)
	}
	return nil
}
