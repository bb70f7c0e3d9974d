package kustomize

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"sort"
	"time"

	"sigs.k8s.io/kustomize/kyaml/filesys"

	"github.com/rolloutgen/rolloutgen/internal/input"
)

// errReadOnly: the build views never write; a write would mean kustomize
// (or a plugin) tried to change the repository during a check.
var errReadOnly = errors.New("read-only filesystem: a build check writes nothing")

// WithFiles returns a read-only view of base in which the files named in
// files (paths as base resolves them, e.g. absolute on disk) hold the given
// content. It lets krusty build an edited kustomization before anything is
// written: the edit is checked first, the disk changed only if it builds.
// The named files must exist in base; their directories are base's.
func WithFiles(base filesys.FileSystem, files map[string][]byte) filesys.FileSystem {
	o := overlayFS{base: base, files: map[string][]byte{}}
	for p, data := range files {
		o.files[filepath.Clean(p)] = data
		// kustomize resolves directories through CleanedAbs, which follows
		// symlinks on disk: key the file by that spelling too.
		if d, f, err := base.CleanedAbs(p); err == nil && f != "" {
			o.files[d.Join(f)] = data
		}
	}
	return o
}

type overlayFS struct {
	base  filesys.FileSystem
	files map[string][]byte
}

var _ filesys.FileSystem = overlayFS{}

func (o overlayFS) lookup(p string) ([]byte, bool) {
	data, ok := o.files[filepath.Clean(p)]
	return data, ok
}

func (o overlayFS) Create(string) (filesys.File, error) { return nil, errReadOnly }
func (o overlayFS) Mkdir(string) error                  { return errReadOnly }
func (o overlayFS) MkdirAll(string) error               { return errReadOnly }
func (o overlayFS) RemoveAll(string) error              { return errReadOnly }
func (o overlayFS) WriteFile(string, []byte) error      { return errReadOnly }

func (o overlayFS) Open(p string) (filesys.File, error) {
	if data, ok := o.lookup(p); ok {
		return &memFile{Reader: bytes.NewReader(data), name: filepath.Base(p), size: int64(len(data))}, nil
	}
	return o.base.Open(p)
}

func (o overlayFS) ReadFile(p string) ([]byte, error) {
	if data, ok := o.lookup(p); ok {
		return bytes.Clone(data), nil
	}
	return o.base.ReadFile(p)
}

func (o overlayFS) Exists(p string) bool {
	if _, ok := o.lookup(p); ok {
		return true
	}
	return o.base.Exists(p)
}

func (o overlayFS) IsDir(p string) bool                   { return o.base.IsDir(p) }
func (o overlayFS) ReadDir(p string) ([]string, error)    { return o.base.ReadDir(p) }
func (o overlayFS) Glob(pattern string) ([]string, error) { return o.base.Glob(pattern) }
func (o overlayFS) Walk(p string, fn filepath.WalkFunc) error {
	return o.base.Walk(p, fn)
}
func (o overlayFS) CleanedAbs(p string) (filesys.ConfirmedDir, string, error) {
	return o.base.CleanedAbs(p)
}

// FromFS presents fsys (a Git tree, an fstest.MapFS, os.DirFS) to krusty
// as a read-only filesystem whose root "/" is fsys's root: build
// "/overlays/dev/demo". Remote mode builds from the cloned commit this way
// without a checkout.
func FromFS(fsys fs.FS) filesys.FileSystem { return ioFS{fsys} }

type ioFS struct{ fsys fs.FS }

var _ filesys.FileSystem = ioFS{}

// rel maps an absolute (or root-relative) slash path to an fs.FS name.
func rel(p string) string {
	p = path.Clean("/" + filepath.ToSlash(p))
	if p == "/" {
		return "."
	}
	return p[1:]
}

func (x ioFS) Create(string) (filesys.File, error) { return nil, errReadOnly }
func (x ioFS) Mkdir(string) error                  { return errReadOnly }
func (x ioFS) MkdirAll(string) error               { return errReadOnly }
func (x ioFS) RemoveAll(string) error              { return errReadOnly }
func (x ioFS) WriteFile(string, []byte) error      { return errReadOnly }

func (x ioFS) Open(p string) (filesys.File, error) {
	data, err := fs.ReadFile(x.fsys, rel(p))
	if err != nil {
		return nil, err
	}
	return &memFile{Reader: bytes.NewReader(data), name: path.Base(rel(p)), size: int64(len(data))}, nil
}

func (x ioFS) ReadFile(p string) ([]byte, error) { return fs.ReadFile(x.fsys, rel(p)) }

func (x ioFS) Exists(p string) bool {
	_, err := fs.Stat(x.fsys, rel(p))
	return err == nil
}

func (x ioFS) IsDir(p string) bool {
	st, err := fs.Stat(x.fsys, rel(p))
	return err == nil && st.IsDir()
}

func (x ioFS) ReadDir(p string) ([]string, error) {
	entries, err := fs.ReadDir(x.fsys, rel(p))
	if err != nil {
		return nil, err
	}
	names := make([]string, len(entries))
	for i, e := range entries {
		names[i] = e.Name()
	}
	return names, nil
}

func (x ioFS) CleanedAbs(p string) (filesys.ConfirmedDir, string, error) {
	r := rel(p)
	st, err := fs.Stat(x.fsys, r)
	if err != nil {
		return "", "", fmt.Errorf("%q: %w", p, err)
	}
	abs := "/" + r
	if r == "." {
		abs = "/"
	}
	if st.IsDir() {
		return filesys.ConfirmedDir(abs), "", nil
	}
	return filesys.ConfirmedDir(path.Dir(abs)), path.Base(abs), nil
}

func (x ioFS) Glob(pattern string) ([]string, error) {
	m, err := fs.Glob(x.fsys, rel(pattern))
	if err != nil {
		return nil, err
	}
	for i := range m {
		m[i] = "/" + m[i]
	}
	sort.Strings(m)
	return m, nil
}

func (x ioFS) Walk(p string, fn filepath.WalkFunc) error {
	return fs.WalkDir(x.fsys, rel(p), func(name string, d fs.DirEntry, err error) error {
		full := "/" + name
		if name == "." {
			full = "/"
		}
		if err != nil {
			return fn(full, nil, err)
		}
		info, err := d.Info()
		return fn(full, info, err)
	})
}

// memFile is an open read-only file held in memory.
type memFile struct {
	*bytes.Reader
	name string
	size int64
}

func (f *memFile) Write([]byte) (int, error) { return 0, errReadOnly }
func (f *memFile) Close() error              { return nil }
func (f *memFile) Stat() (os.FileInfo, error) {
	return memInfo{name: f.name, size: f.size}, nil
}

type memInfo struct {
	name string
	size int64
}

func (i memInfo) Name() string       { return i.name }
func (i memInfo) Size() int64        { return i.size }
func (i memInfo) Mode() fs.FileMode  { return 0o444 }
func (i memInfo) ModTime() time.Time { return time.Time{} }
func (i memInfo) IsDir() bool        { return false }
func (i memInfo) Sys() any           { return nil }

var _ io.ReadWriteCloser = (*memFile)(nil)

// OnDisk is the real filesystem for builds and reads of a repository
// checkout: only regular files are read (a FIFO or device is refused
// before it is opened, so nothing blocks) and each at most input.MaxFile
// bytes.
func OnDisk() filesys.FileSystem { return diskFS{filesys.MakeFsOnDisk()} }

type diskFS struct{ filesys.FileSystem }

func (d diskFS) ReadFile(p string) ([]byte, error) {
	return input.ReadFile(context.Background(), p, input.MaxFile)
}

func (d diskFS) Open(p string) (filesys.File, error) {
	st, err := os.Stat(p)
	if err != nil {
		return nil, err
	}
	if !st.Mode().IsRegular() && !st.IsDir() {
		return nil, fmt.Errorf("%s: %w", p, input.ErrNotRegular)
	}
	if st.Size() > input.MaxFile {
		return nil, fmt.Errorf("%s: %w: %d bytes, at most %d", p, input.ErrTooLarge, st.Size(), input.MaxFile)
	}
	return d.FileSystem.Open(p)
}
