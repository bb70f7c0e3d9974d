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

	"github.com/rolloutgen/rolloutgen/internal/atomicfile"
)

// CommitFileRequest is one file's new content to commit on the current
// branch.
type CommitFileRequest struct {
	Path    string // slash-separated, relative to the worktree root
	Content []byte
	Meta    CommitMeta
	// Policy says whether the commit is signed and the hooks run (the
	// zero value: as git commit, from the repository's config).
	Policy CommitPolicy
	// Check re-checks Content if a pre-commit hook rewrites it (nil:
	// whatever the hook leaves is committed).
	Check Check
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
// It is the worktree transaction of txn.go in checkout mode: its steps,
// undo and crash-order invariants are written down there, once. Against
// git in the same worktree: a git commit racing CommitFile either fails (a
// lock is held, or the branch moved: its compare-and-set refuses) or lands
// first, making CommitFile fail with ErrRefMoved or a lock error; no commit
// is overwritten. git commit reads the index before locking it, so when a
// bump lands in that gap git writes its older copy back: the bump stays
// committed and in the worktree, and the file shows as changed in the
// index until git checkout HEAD -- <file> (git commits racing each other
// do the same to one another).
//
// It refuses, naming the cause, when the file is dirty (ErrDirtyFile), the
// content is unchanged (ErrNoChange), HEAD is detached or unborn, an
// operation is in progress, or another git process holds a lock
// (ErrIndexLocked, ErrRefLocked). ctx is honoured until the first lock is
// taken, and by the hooks and the signing program; after that the steps
// are short and are run to the end. On error the Result is zero.
//
// As git commit does, it signs the commit when commit.gpgSign says so
// (sign.go) and runs the repository's hooks as git commit --only <file>
// runs them (hooks.go); req.Policy overrides both (--sign, --no-sign,
// --no-verify). Signing asked for and impossible is refused
// (ErrCannotSign) before anything is written; a hook's refusal
// (ErrHook) puts back what the commit changed.
func (r *Repo) CommitFile(ctx context.Context, req CommitFileRequest) (res Result, err error) {
	sg, err := r.signer(ctx, req.Policy, req.Meta.Committer)
	if err != nil {
		return Result{}, err
	}
	return r.commitFile(ctx, req, sg, r.hookRunner(req.Policy))
}

// signer resolves the signing settings of r's config (sign.go).
func (r *Repo) signer(ctx context.Context, p CommitPolicy, committer Signature) (*signer, error) {
	return resolveSigner(ctx, r.config, p.Sign, committer, p.environ())
}

// commitFile is CommitFile with the policy resolved: sg signs (nil:
// unsigned), hooks run (nil: none).
func (r *Repo) commitFile(ctx context.Context, req CommitFileRequest, sg *signer, hooks *hookRunner) (res Result, err error) {
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
	// Fail on a dirty file before anything else.
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
	res.Commit, res.Tree, err = r.run(ctx, checkoutTxn{
		branch:    branch,
		parent:    parent,
		files:     []fileChange{{path: req.Path, from: head, inFrom: inHead, content: req.Content, blob: blob}},
		meta:      &req.Meta,
		who:       req.Meta.Committer,
		reflogMsg: commitReflogMsg(req.Meta.Message),
		signer:    sg,
		hooks:     hooks,
		check:     req.Check,
	})
	return res, err
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

// writeFileAtomic replaces path atomically (atomicfile.Write: temp file,
// rename, no fsync, like git's checkout; the commit's objects hold the
// content) and returns its stat data for the index entry.
func writeFileAtomic(path string, content []byte, perm fs.FileMode) (os.FileInfo, error) {
	if err := atomicfile.Write(path, content, perm); err != nil {
		return nil, err
	}
	// Stat after the rename: on Linux it changes the inode's ctime, which
	// git compares.
	return os.Lstat(path)
}
