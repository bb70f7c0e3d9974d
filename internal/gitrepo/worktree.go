package gitrepo

import (
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path"
	"strings"
)

// ErrSymlinkInPath: a path gen would read or write in the worktree goes
// through a symbolic link. On a pull request anyone can commit one
// (overlays/dev/app -> /etc), so gen never follows it: the link is named
// and nothing is read or written.
var ErrSymlinkInPath = errors.New("gen does not read or write through symbolic links in the worktree; replace the link with the directory or file it points to")

// worktreeDir opens the directory holding the slash-separated,
// repo-relative path rel, one component at a time from the worktree root
// with openat (os.Root), refusing a symlink at any step; it returns the
// open directory and the file's name in it. The caller closes dir.
func (r *Repo) worktreeDir(rel string) (dir *os.Root, name string, err error) {
	return r.openWorktreeDir(rel, false)
}

// openWorktreeDir is worktreeDir, creating missing directories when
// create is set.
func (r *Repo) openWorktreeDir(rel string, create bool) (dir *os.Root, name string, err error) {
	parts, err := splitRepoPath(rel)
	if err != nil {
		return nil, "", err
	}
	dir, err = os.OpenRoot(r.root)
	if err != nil {
		return nil, "", fmt.Errorf("open worktree %q: %w", r.root, err)
	}
	for i, p := range parts[:len(parts)-1] {
		fi, err := dir.Lstat(p)
		if create && errors.Is(err, fs.ErrNotExist) {
			if err = dir.Mkdir(p, 0o777); err == nil {
				fi, err = dir.Lstat(p)
			}
		}
		if err == nil && fi.Mode()&fs.ModeSymlink != 0 {
			dir.Close()
			return nil, "", fmt.Errorf("%q is a symbolic link: %w", strings.Join(parts[:i+1], "/"), ErrSymlinkInPath)
		}
		if err != nil {
			dir.Close()
			return nil, "", fmt.Errorf("%q: %w", rel, err)
		}
		sub, err := dir.OpenRoot(p)
		dir.Close()
		if err != nil {
			return nil, "", fmt.Errorf("%q: %w", rel, err)
		}
		dir = sub
	}
	return dir, parts[len(parts)-1], nil
}

// lstatWorktree is os.Lstat of rel, refusing a symlink on the way or at
// the end.
func (r *Repo) lstatWorktree(rel string) (fs.FileInfo, error) {
	dir, _, fi, err := r.worktreeFile(rel)
	if err != nil {
		return nil, err
	}
	dir.Close()
	return fi, nil
}

// readWorktree reads the file rel without following a link.
func (r *Repo) readWorktree(rel string) ([]byte, error) {
	dir, name, _, err := r.worktreeFile(rel)
	if err != nil {
		return nil, err
	}
	defer dir.Close()
	return dir.ReadFile(name)
}

// worktreeFile is worktreeDir and the Lstat of the file in it, which must
// not be a symlink. On error nothing is left open.
func (r *Repo) worktreeFile(rel string) (dir *os.Root, name string, fi fs.FileInfo, err error) {
	dir, name, err = r.worktreeDir(rel)
	if err != nil {
		return nil, "", nil, err
	}
	fi, err = dir.Lstat(name)
	if err == nil && fi.Mode()&fs.ModeSymlink != 0 {
		err = fmt.Errorf("%q is a symbolic link: %w", rel, ErrSymlinkInPath)
	}
	if err != nil {
		dir.Close()
		return nil, "", nil, err
	}
	return dir, name, fi, nil
}

// writeWorktree replaces rel atomically (a temporary file beside it,
// then a rename, without fsync, as git's checkout does) through openat
// only: no symlink on the path is followed and a symlink at rel itself is
// refused, not replaced. It returns the new file's stat data for the
// index.
func (r *Repo) writeWorktree(rel string, content []byte, perm fs.FileMode) (fs.FileInfo, error) {
	dir, name, err := r.openWorktreeDir(rel, true)
	if err != nil {
		return nil, err
	}
	defer dir.Close()
	if fi, err := dir.Lstat(name); err == nil && fi.Mode()&fs.ModeSymlink != 0 {
		return nil, fmt.Errorf("%q is a symbolic link: %w", rel, ErrSymlinkInPath)
	}
	var rnd [6]byte
	if _, err := rand.Read(rnd[:]); err != nil {
		return nil, err
	}
	tmp := "." + name + ".tmp-" + hex.EncodeToString(rnd[:])
	f, err := dir.OpenFile(tmp, os.O_WRONLY|os.O_CREATE|os.O_EXCL, perm)
	if err != nil {
		return nil, fmt.Errorf("write %q: %w", path.Join(path.Dir(rel), tmp), err)
	}
	_, err = f.Write(content)
	if err == nil {
		err = f.Chmod(perm) // the umask does not decide, as with git checkout of a known mode
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = dir.Rename(tmp, name)
	}
	if err != nil {
		dir.Remove(tmp)
		return nil, fmt.Errorf("write %q: %w", rel, err)
	}
	// Stat after the rename: on Linux it changes the inode's ctime, which
	// git compares.
	return dir.Lstat(name)
}

// removeWorktree removes the file rel (no link followed on the way).
func (r *Repo) removeWorktree(rel string) error {
	dir, name, err := r.worktreeDir(rel)
	if err != nil {
		return err
	}
	defer dir.Close()
	return dir.Remove(name)
}
