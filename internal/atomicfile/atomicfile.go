// Package atomicfile writes files so that readers, and a crash, see either
// the old content or the new one, never half a file.
package atomicfile

import (
	"os"
	"path/filepath"
)

// Write writes data to a temp file in path's directory (created if
// missing), gives it perm and renames it over path. Like git's checkout it
// does not fsync: the atomicity wanted is against a killed process, not a
// lost disk cache, and syncing thousands of rendered files would dominate
// gen render.
func Write(path string, data []byte, perm os.FileMode) error {
	dir := filepath.Dir(path)
	if err := os.MkdirAll(dir, 0o777); err != nil {
		return err
	}
	tmp, err := os.CreateTemp(dir, "."+filepath.Base(path)+".tmp-*")
	if err != nil {
		return err
	}
	err = fill(tmp, data, perm)
	if err == nil {
		err = os.Rename(tmp.Name(), path)
	}
	if err != nil {
		os.Remove(tmp.Name())
		return err // os errors name the file
	}
	return nil
}

// fill writes data to the new temp file f, gives it perm and closes it.
func fill(f *os.File, data []byte, perm os.FileMode) error {
	_, err := f.Write(data)
	if err == nil {
		err = f.Chmod(perm)
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	return err
}
