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
	_, err = tmp.Write(data)
	if err == nil {
		err = tmp.Chmod(perm)
	}
	if cerr := tmp.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(tmp.Name(), path)
	}
	if err != nil {
		os.Remove(tmp.Name())
		return err // os errors name the file
	}
	return nil
}
