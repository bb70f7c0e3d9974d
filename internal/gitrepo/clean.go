package gitrepo

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path"
	"path/filepath"

	"github.com/go-git/go-git/v5/plumbing"
	"github.com/go-git/go-git/v5/plumbing/filemode"
	"github.com/go-git/go-git/v5/plumbing/object"
)

// CheckClean returns ErrDirtyFile when path (slash-separated, repo-relative)
// differs between HEAD, the index and the worktree: staged, modified,
// deleted, untracked over a path HEAD lacks, or unmerged. Only that one file
// is hashed and only its index entry looked at; the worktree is not
// scanned, so the cost does not depend on the repository's size.
func (r *Repo) CheckClean(path string) error {
	commit, err := r.resolveCommit("HEAD")
	if err != nil {
		return err
	}
	head, inHead, err := lookupPath(r.objects, commit.TreeHash, path)
	if err != nil {
		return err
	}
	if err := r.checkWorktreeClean(path, head, inHead); err != nil {
		return err
	}
	x, err := openIndexStream(r.indexPath(), indexWindow)
	if err != nil {
		return err
	}
	defer x.close()
	l, err := x.lookup(path)
	if err != nil {
		return fmt.Errorf("read index %q: %w", r.indexPath(), err)
	}
	if _, err := x.rewriteExtensions(path); err != nil {
		return fmt.Errorf("read index %q: %w", r.indexPath(), err)
	}
	return checkIndexClean(path, head, inHead, l.indexLookup)
}

func (r *Repo) indexPath() string { return filepath.Join(r.gitDir, "index") }

func (r *Repo) readIndex() (*rawIndex, error) {
	f, err := os.Open(r.indexPath())
	if err != nil {
		return nil, fmt.Errorf("read index: %w", err)
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil {
		return nil, fmt.Errorf("read index: %w", err)
	}
	data := make([]byte, fi.Size())
	if _, err := io.ReadFull(f, data); err != nil {
		return nil, fmt.Errorf("read index %q: %w", r.indexPath(), err)
	}
	x, err := parseIndex(data)
	if err != nil {
		return nil, fmt.Errorf("read index %q: %w", r.indexPath(), err)
	}
	x.mtimeSec = indexStat(fi).mtimeSec
	return x, nil
}

// checkIndexClean compares path's index entry with HEAD's entry.
func checkIndexClean(path string, head object.TreeEntry, inHead bool, l indexLookup) error {
	switch {
	case l.conflicted:
		return fmt.Errorf("%q is unmerged in the index: %w", path, ErrDirtyFile)
	case l.dfConflict != "":
		return fmt.Errorf("%q: the index has %q, which conflicts with it as file or directory: %w", path, l.dfConflict, ErrDirtyFile)
	case !inHead && l.found:
		return fmt.Errorf("%q is staged as a new file: %w", path, ErrDirtyFile)
	case !inHead:
		return nil
	case !l.found:
		return fmt.Errorf("%q is staged for deletion (not in the index): %w", path, ErrDirtyFile)
	case l.entry.extFlags&extSkipWorktree != 0:
		return fmt.Errorf("%q is outside the sparse checkout (skip-worktree); run: git sparse-checkout add %s (or git update-index --no-skip-worktree %s)", path, pathDir(path), path)
	case l.entry.extFlags&extIntentToAdd != 0:
		return fmt.Errorf("%q is marked intent-to-add: %w", path, ErrDirtyFile)
	case l.entry.hash != head.Hash:
		return fmt.Errorf("%q has staged changes: %w", path, ErrDirtyFile)
	case !sameMode(l.entry.mode, head.Mode):
		return fmt.Errorf("%q has a staged mode change: %w", path, ErrDirtyFile)
	}
	return nil
}

func sameMode(indexMode uint32, tree filemode.FileMode) bool {
	if tree == filemode.Deprecated {
		tree = filemode.Regular
	}
	return indexMode == uint32(tree)
}

// checkWorktreeClean hashes the one worktree file, after git's check-in
// conversion (line endings), and compares it with HEAD's blob (and its
// executable bit, unless core.fileMode is false). It refuses a symlink
// anywhere on the path and conversions only git can make.
func (r *Repo) checkWorktreeClean(path string, head object.TreeEntry, inHead bool) error {
	fi, err := r.lstatWorktree(path)
	switch {
	case errors.Is(err, ErrSymlinkInPath):
		return err
	case errors.Is(err, fs.ErrNotExist) && !inHead:
		return nil
	case errors.Is(err, fs.ErrNotExist):
		return fmt.Errorf("%q is deleted in the worktree: %w", path, ErrDirtyFile)
	case err != nil:
		return fmt.Errorf("check %q: %w", path, err)
	case !inHead:
		return fmt.Errorf("%q exists in the worktree but not in HEAD (untracked); it would be overwritten: %w", path, ErrDirtyFile)
	case !fi.Mode().IsRegular():
		return fmt.Errorf("%q is not a regular file in the worktree: %w", path, ErrDirtyFile)
	}
	if fm, ok, _ := r.config.boolValue("core.filemode"); !ok || fm {
		if exec := fi.Mode()&0o111 != 0; exec != (head.Mode == filemode.Executable) {
			return fmt.Errorf("%q has a mode change in the worktree: %w", path, ErrDirtyFile)
		}
	}
	content, err := r.readWorktree(path)
	if err != nil {
		return fmt.Errorf("check %q: %w", path, err)
	}
	blob, err := r.blobContent(path, content, head, inHead)
	if err != nil {
		return err
	}
	if plumbing.ComputeHash(plumbing.BlobObject, blob) != head.Hash {
		return fmt.Errorf("%q has unstaged changes: %w", path, ErrDirtyFile)
	}
	return nil
}

// blobContent is what git add would store for path with these worktree
// bytes: line endings converted as its attributes and core.autocrlf say
// (attributes.go). head is the blob it replaces, if any: in the automatic
// modes a blob that already holds CRs is left alone, as git does.
func (r *Repo) blobContent(path string, worktree []byte, head object.TreeEntry, inHead bool) ([]byte, error) {
	conv, err := r.checkinConversion(path)
	if err != nil {
		return nil, err
	}
	if conv.action == crlfBinary || !bytes.Contains(worktree, []byte("\r\n")) {
		return worktree, nil
	}
	hadCR := false
	if inHead && conv.action == crlfAuto {
		old, err := readBlob(r, head.Hash)
		if err != nil {
			return nil, err
		}
		hadCR = bytes.IndexByte(old, '\r') >= 0
	}
	return conv.toGit(worktree, hadCR), nil
}

func pathDir(p string) string {
	if d := path.Dir(p); d != "." {
		return d
	}
	return "/"
}
