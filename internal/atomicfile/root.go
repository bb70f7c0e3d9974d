package atomicfile

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path"
	"strings"
)

// SymlinkError is a symbolic link on a path gen owns: it never writes
// through, reads through or deletes one there.
type SymlinkError struct {
	Path string // slash path relative to the root, the link itself
}

func (e *SymlinkError) Error() string {
	return fmt.Sprintf("%s: is a symbolic link; gen does not follow symlinks in the files it writes (replace it with a directory or file)", e.Path)
}

// CheckPath refuses a symlink at any component of name (a slash path
// relative to r), and a component other than the last that is not a
// directory. A path that stops existing part way is fine: it will be
// created. The os.Root keeps even a race (a link swapped in after the
// check) inside the root.
func CheckPath(r *os.Root, name string) error {
	parts := strings.Split(name, "/")
	for i := range parts {
		sub := strings.Join(parts[:i+1], "/")
		fi, err := r.Lstat(sub)
		if errors.Is(err, fs.ErrNotExist) {
			return nil
		}
		if err != nil {
			return err
		}
		if fi.Mode()&fs.ModeSymlink != 0 {
			return &SymlinkError{Path: sub}
		}
		if i < len(parts)-1 && !fi.IsDir() {
			return fmt.Errorf("%s: is not a directory", sub)
		}
	}
	return nil
}

// TempName is the temp file WriteIn uses for name: fixed, so that a
// process killed between write and rename leaves a name that the next
// run (or a rollback) knows to remove.
func TempName(name string) string {
	dir, base := path.Split(name)
	return dir + "." + base + ".gen-tmp"
}

// WriteIn is Write inside the root r, for name a slash path relative to
// it: it refuses any symlink on the path (*SymlinkError), creates missing
// directories, writes TempName(name) and renames it over name. Nothing is
// written through a link, nothing outside r is touched.
func WriteIn(r *os.Root, name string, data []byte, perm os.FileMode) error {
	if err := CheckPath(r, name); err != nil {
		return err
	}
	if fi, err := r.Lstat(name); err == nil && !fi.Mode().IsRegular() {
		return fmt.Errorf("%s: is not a regular file", name)
	}
	if dir := path.Dir(name); dir != "." {
		if err := r.MkdirAll(dir, 0o777); err != nil {
			return err
		}
	}
	tmp := TempName(name)
	if err := r.Remove(tmp); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return err
	}
	f, err := r.OpenFile(tmp, os.O_WRONLY|os.O_CREATE|os.O_EXCL, perm)
	if err != nil {
		return err
	}
	err = fill(f, data, perm)
	if err == nil {
		err = r.Rename(tmp, name)
	}
	if err != nil {
		r.Remove(tmp)
		return err
	}
	return nil
}

// ReadIn reads name under r, refusing a symlink on its path and anything
// but a regular file (a FIFO would block, a device never end).
func ReadIn(r *os.Root, name string) ([]byte, error) {
	if err := CheckPath(r, name); err != nil {
		return nil, err
	}
	fi, err := r.Lstat(name)
	if err != nil {
		return nil, err
	}
	if !fi.Mode().IsRegular() {
		return nil, fmt.Errorf("%s: is not a regular file", name)
	}
	return r.ReadFile(name)
}

// RemoveIn removes the regular file name under r, refusing a symlink on
// its path; a missing file is not an error.
func RemoveIn(r *os.Root, name string) error {
	if err := CheckPath(r, name); err != nil {
		return err
	}
	fi, err := r.Lstat(name)
	if errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	if err != nil {
		return err
	}
	if !fi.Mode().IsRegular() {
		return fmt.Errorf("%s: is not a regular file", name)
	}
	return r.Remove(name)
}
