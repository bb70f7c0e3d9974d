package gitrepo

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"

	"github.com/go-git/go-git/v5/plumbing"
	"github.com/go-git/go-git/v5/plumbing/filemode"
	"github.com/go-git/go-git/v5/plumbing/object"
)

// CommitFileRequest is one file's new content to commit on the current
// branch.
type CommitFileRequest struct {
	Path    string // slash-separated, relative to the worktree root
	Content []byte
	Meta    CommitMeta
}

// Result describes the commit CommitFile made.
type Result struct {
	Branch string        // short name, e.g. "main"
	Parent plumbing.Hash // the branch's previous commit
	Commit plumbing.Hash
	Tree   plumbing.Hash
	Blob   plumbing.Hash // the file's new blob
}

// CommitFile commits req.Content at req.Path on the branch HEAD points to,
// and leaves worktree, index and branch as git commit would: the file
// rewritten, its index entry updated with fresh stat data, the branch
// advanced with a reflog entry. Every other path — staged, modified or
// untracked — is left exactly as it was.
//
// Order, for crash safety: objects (unreachable until the end); index.lock,
// then the branch and HEAD locks, with the branch checked against the
// HEAD read at the start (ErrRefMoved) and the file against HEAD again;
// the worktree file by rename; the index by rename; the branch by rename,
// last. A process killed at any point leaves the branch at the old commit
// or at the complete new one, and the file whole, old or new.
//
// A killed process may leave git's lock files (as a killed git does), a
// temporary ".<name>.tmp-*" file beside the target, and unreachable
// objects; git fsck stays clean.
//
// Against git in the same worktree: a git commit racing CommitFile either
// fails (a lock is held, or the branch moved: its compare-and-set refuses)
// or lands first, making CommitFile fail with ErrRefMoved or a lock error;
// no commit is overwritten. git commit reads the index before locking it,
// so when a bump lands in that gap git writes its older copy back: the
// bump stays committed and in the worktree, and the file shows as changed
// in the index until git checkout HEAD -- <file> (git commits racing each
// other do the same to one another).
//
// It refuses, naming the cause, when the file is dirty (ErrDirtyFile), the
// content is unchanged (ErrNoChange), HEAD is detached or unborn, an
// operation is in progress, or another git process holds a lock
// (ErrIndexLocked, ErrRefLocked). ctx is honoured until the first lock is
// taken; after that the steps are short and are run to the end. On error
// the Result is zero.
func (r *Repo) CommitFile(ctx context.Context, req CommitFileRequest) (res Result, err error) {
	defer func() {
		if err != nil {
			res = Result{} // no half-filled result next to an error
		}
	}()
	if _, err := splitRepoPath(req.Path); err != nil {
		return res, err
	}
	branch, parentHash, err := r.Head()
	if err != nil {
		return res, err
	}
	res.Branch, res.Parent = branch, parentHash
	parent, err := object.GetCommit(r.objects, parentHash)
	if err != nil {
		return res, fmt.Errorf("read commit %s of branch %q: %w", parentHash, branch, err)
	}
	head, inHead, err := lookupPath(r.objects, parent.TreeHash, req.Path)
	if err != nil {
		return res, err
	}
	// Fail on a dirty file before writing anything, even objects.
	if err := r.checkWorktreeClean(req.Path, head, inHead); err != nil {
		return res, err
	}
	// The worktree gets req.Content as is; the blob is what git add would
	// make of it (line endings: attributes.go).
	blob, err := r.blobContent(req.Path, req.Content, head, inHead)
	if err != nil {
		return res, err
	}
	res.Blob = plumbing.ComputeHash(plumbing.BlobObject, blob)
	if inHead && head.Hash == res.Blob {
		return res, fmt.Errorf("%q on branch %q: %w", req.Path, branch, ErrNoChange)
	}
	if err := ctx.Err(); err != nil {
		return res, err
	}
	res.Commit, res.Tree, err = writeCommit(r.objects, parent, req.Path, blob, req.Meta)
	if err != nil {
		return res, err
	}
	r.step("objects")
	if err := ctx.Err(); err != nil {
		return res, err
	}

	idxLock, err := createLockFile(r.indexPath(), "index", ErrIndexLocked)
	if err != nil {
		return res, err
	}
	idxDone := false
	defer func() {
		if !idxDone {
			idxLock.Close()
			os.Remove(idxLock.Name())
		}
	}()
	// Streamed, not read whole: 4.8 MB at 40k entries, which would be
	// most of what a bump holds (indexstream.go).
	x, err := openIndexStream(r.indexPath(), indexWindow)
	if err != nil {
		return res, err
	}
	defer x.close()
	l, err := x.lookup(req.Path)
	if err != nil {
		return res, fmt.Errorf("read index %q: %w", r.indexPath(), err)
	}
	// Extensions first: with a split index, entries are not all here and
	// the lookup above means nothing.
	ext, err := x.rewriteExtensions(req.Path)
	if err != nil {
		return res, fmt.Errorf("read index %q: %w", r.indexPath(), err)
	}
	if err := checkIndexClean(req.Path, head, inHead, l.indexLookup); err != nil {
		return res, err
	}
	bl, err := r.lockBranch("refs/heads/"+branch, parentHash)
	if err != nil {
		return res, err
	}
	defer bl.release()
	r.step("locked")
	// The file was checked before the locks; an editor may have saved
	// since. Checked again now, the window is down to the rename below.
	if err := r.checkWorktreeClean(req.Path, head, inHead); err != nil {
		return res, err
	}

	mode := filemode.Regular
	if inHead && head.Mode == filemode.Executable {
		mode = filemode.Executable
	}
	perm := worktreePerm(mode)
	var old []byte
	if inHead {
		// The worktree bytes, checked clean above: with CRLF line endings
		// they are not the blob's.
		if old, err = r.readWorktree(req.Path); err != nil {
			return res, fmt.Errorf("read %q: %w", req.Path, err)
		}
		if fi, err := r.lstatWorktree(req.Path); err == nil {
			perm = fi.Mode().Perm() // keep what checkout gave it under the user's umask
		}
	}
	fi, err := r.writeWorktree(req.Path, req.Content, perm)
	if err != nil {
		return res, err
	}
	// Until the branch moves, a failure puts the file back as it was.
	restore := func(cause error) error {
		if !inHead {
			if err := r.removeWorktree(req.Path); err != nil && !errors.Is(err, fs.ErrNotExist) {
				return errors.Join(cause, fmt.Errorf("restore %q: %w", req.Path, err))
			}
			return cause
		}
		if _, err := r.writeWorktree(req.Path, old, perm); err != nil {
			return errors.Join(cause, fmt.Errorf("restore %q: %w", req.Path, err))
		}
		return cause
	}
	r.step("worktree")

	if err := x.writeWithEntry(idxLock, l, req.Path, res.Blob, uint32(mode), indexStat(fi), ext); err != nil {
		return res, restore(fmt.Errorf("update index %q: %w", r.indexPath(), err))
	}
	if err := idxLock.Close(); err != nil {
		return res, restore(fmt.Errorf("write %q: %w", idxLock.Name(), err))
	}
	if err := os.Rename(idxLock.Name(), r.indexPath()); err != nil {
		return res, restore(fmt.Errorf("update index %q: %w", r.indexPath(), err))
	}
	idxDone = true
	r.step("index")

	if err := bl.commit(parentHash, res.Commit, req.Meta.Committer, commitReflogMsg(req.Meta.Message)); err != nil {
		// The index already names the new blob; put the old bytes back,
		// under the lock, so the repository is as it was.
		if f, lerr := createLockFile(r.indexPath(), "index", ErrIndexLocked); lerr == nil {
			werr := x.writeUnchanged(f)
			if cerr := f.Close(); werr == nil && cerr == nil {
				werr = os.Rename(f.Name(), r.indexPath())
			} else {
				os.Remove(f.Name())
			}
			if werr != nil {
				err = errors.Join(err, fmt.Errorf("restore index: %w", werr))
			}
		} else {
			err = errors.Join(err, fmt.Errorf("restore index: %w", lerr))
		}
		return res, restore(err)
	}
	r.step("ref")
	return res, nil
}

func (r *Repo) step(name string) {
	if r.afterStep != nil {
		r.afterStep(name)
	}
}

// createLockFile is git's lockfile protocol for a plain file.
func createLockFile(path, name string, locked error) (*os.File, error) {
	f, err := os.OpenFile(path+".lock", os.O_RDWR|os.O_CREATE|os.O_EXCL, 0o666)
	if errors.Is(err, fs.ErrExist) {
		return nil, fmt.Errorf("lock %s: %q exists: %w", name, path+".lock", locked)
	}
	if err != nil {
		return nil, fmt.Errorf("lock %s: %w", name, err)
	}
	return f, nil
}

func worktreePerm(m filemode.FileMode) fs.FileMode {
	if m == filemode.Executable {
		return 0o755
	}
	return 0o644
}
