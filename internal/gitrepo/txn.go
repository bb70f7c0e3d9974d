package gitrepo

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"strings"

	"github.com/go-git/go-git/v5/plumbing"
	"github.com/go-git/go-git/v5/plumbing/filemode"
	"github.com/go-git/go-git/v5/plumbing/object"
	"github.com/go-git/go-git/v5/plumbing/storer"
)

// The worktree transaction: every commit gitrepo makes goes through it, in
// one of three modes —
//
//   - checkout: a branch of a worktree on disk (CommitFile; syncTo, which
//     moves the branch to a commit that landed on the remote);
//   - clone: the in-memory depth-1 clone of remote mode;
//   - detached: the repository's own object store, on top of
//     <remote>/<branch>, leaving the user's branch, index and worktree
//     alone (a commit to push elsewhere, as --pr needs).
//
// Its steps, in order, each named as the crash tests name them:
//
//	lock         index.lock, then <branch>.lock and HEAD.lock; the branch is
//	             checked against the commit the change was made on    (checkout)
//	check        each path's index entry and worktree file against the
//	             parent commit, again, now that the locks are held    (checkout)
//	objects      blobs, and the trees on their paths only
//	hooks        the files written to the worktree, then pre-commit (on a
//	             temporary index), prepare-commit-msg, commit-msg: a
//	             rewritten file is re-read and re-checked (hooks.go)  (checkout)
//	commit       the commit object
//	sign         the commit's signature, by gpg or ssh-keygen (sign.go)
//	worktree     each file replaced by rename                         (checkout)
//	index        the index replaced by rename                         (checkout)
//	reflog, ref  reflog lines, then the branch by rename              (checkout, clone)
//	post-commit  the post-commit hook; its failure is only reported (checkout)
//
// Objects are unreachable until the ref step, so they need no undo. The
// worktree and index steps each push an undo; a failure before the ref
// moves runs the undos newest first and reports the undo errors along with
// the cause (txn.fail). The ref step is the commit point: nothing after it
// fails the transaction.
//
// Crash order (a process killed at any instant), the invariants the crash
// tests enumerate step by step:
//
//  1. The branch is at the old commit or at the complete new one; never at
//     a commit whose objects are missing (objects precede the ref).
//  2. Every file is whole, old or new (each is replaced by rename).
//  3. Killed before the ref step, the new content may be in the worktree
//     and (after the index step) staged: git status shows the change, never
//     a reverse change, and git commit would make the same commit. This is
//     why the ref moves last, not before the index as in git commit: gen
//     also writes the worktree, and a branch ahead of its worktree would
//     show the bump as being undone.
//  4. Paths not in the change, and their index entries, are never touched.
//  5. What a kill may leave: git's lock files (as a killed git does), a
//     temporary ".<name>.tmp-*" beside a file, unreachable objects.
//
// The ref is branch-locked the way git locks it, so a racing git commit
// either fails on a lock or a moved branch, or lands first and makes this
// transaction fail with ErrRefMoved; no commit is overwritten.

// txnSteps are the steps in order; the crash tests kill a process after
// each.
var txnSteps = []string{"lock", "check", "objects", "hooks", "commit", "sign", "worktree", "index", "reflog", "ref", "post-commit"}

// fileChange is one path a transaction writes.
type fileChange struct {
	path string
	// from is the path's entry in the parent commit (inFrom false: none).
	from   object.TreeEntry
	inFrom bool
	// content is the new worktree bytes; blob what is stored (git's clean
	// conversion of content, e.g. CRLF to LF; nil: content itself); to the
	// new entry (hash and mode). For a new commit to is computed from
	// blob; for a sync, content is read from to.Hash.
	content []byte
	blob    []byte
	to      object.TreeEntry
}

// txn runs the steps of one transaction and holds its undo list.
type txn struct {
	r     *Repo // checkout mode; nil in the other two
	store storer.EncodedObjectStorer
	undo  []undo

	idxLock *os.File
	idx     *indexStream // the index as it was; kept open for its undo
	branch  *branchLock

	// signer signs the commit (nil: unsigned).
	signer *signer
}

// undo puts one step's effect back; name says what, for the error.
type undo struct {
	name string
	fn   func() error
}

func (t *txn) step(name string) {
	if t.r != nil {
		t.r.step(name)
	}
}

// onFail records how to put a step back.
func (t *txn) onFail(name string, fn func() error) { t.undo = append(t.undo, undo{name, fn}) }

// fail runs the undos newest first and returns cause joined with every
// undo that failed: a repository that could not be put back is said so.
func (t *txn) fail(cause error) error {
	errs := []error{cause}
	for i := len(t.undo) - 1; i >= 0; i-- {
		if err := t.undo[i].fn(); err != nil {
			errs = append(errs, fmt.Errorf("undo %s: %w", t.undo[i].name, err))
		}
	}
	t.undo = nil
	return errors.Join(errs...)
}

// release drops whatever locks are still held and closes the old index.
func (t *txn) release() {
	if t.idxLock != nil {
		t.idxLock.Close()
		os.Remove(t.idxLock.Name())
		t.idxLock = nil
	}
	if t.branch != nil {
		t.branch.release()
	}
	if t.idx != nil {
		t.idx.close()
	}
}

// commit runs the objects, hooks, commit and sign steps of a commit made
// without a worktree (a clone, a detached or re-applied commit: no hooks,
// hooks.go): the files' blobs, the trees on their paths, and a commit on
// parent (nil: a root commit), signed when t.signer is set. It fills each
// change's to entry.
func (t *txn) commit(ctx context.Context, parent *object.Commit, files []fileChange, meta CommitMeta) (commit, tree plumbing.Hash, err error) {
	if tree, err = t.objects(parent, files); err != nil {
		return commit, tree, err
	}
	t.step("objects")
	t.step("hooks")
	commit, err = t.commitObject(ctx, parent, tree, meta)
	return commit, tree, err
}

// objects writes the files' blobs and the trees on their paths from
// parent's tree (nil: an empty one) and fills each change's to entry.
func (t *txn) objects(parent *object.Commit, files []fileChange) (tree plumbing.Hash, err error) {
	if parent != nil {
		tree = parent.TreeHash
	}
	for i := range files {
		f := &files[i]
		parts, err := splitRepoPath(f.path)
		if err != nil {
			return tree, err
		}
		data := f.blob
		if data == nil {
			data = f.content
		}
		blob, err := writeBlob(t.store, data)
		if err != nil {
			return tree, fmt.Errorf("write blob for %q: %w", f.path, err)
		}
		if tree, err = rewriteTree(t.store, tree, parts, "", blob); err != nil {
			return tree, err
		}
		mode := filemode.Regular
		if f.inFrom && f.from.Mode == filemode.Executable {
			mode = filemode.Executable
		}
		f.to = object.TreeEntry{Name: parts[len(parts)-1], Mode: mode, Hash: blob}
	}
	return tree, nil
}

// commitObject runs the commit and sign steps: the commit object of tree
// on parent, signed (sign.go) when t.signer is set. The signature covers
// the object without its gpgsig header, as git verify-commit checks it.
func (t *txn) commitObject(ctx context.Context, parent *object.Commit, tree plumbing.Hash, meta CommitMeta) (commit plumbing.Hash, err error) {
	var parents []plumbing.Hash
	if parent != nil {
		parents = []plumbing.Hash{parent.Hash}
	}
	msg := meta.Message
	if !strings.HasSuffix(msg, "\n") {
		msg += "\n"
	}
	c := &object.Commit{Author: meta.Author, Committer: meta.Committer, Message: msg, TreeHash: tree, ParentHashes: parents}
	write := func() error {
		obj := t.store.NewEncodedObject()
		if err := c.Encode(obj); err != nil {
			return fmt.Errorf("encode commit: %w", err)
		}
		if commit, err = t.store.SetEncodedObject(obj); err != nil {
			return fmt.Errorf("write commit: %w", err)
		}
		return nil
	}
	if t.signer == nil {
		if err := write(); err != nil {
			return commit, err
		}
	}
	t.step("commit")
	if t.signer != nil {
		payload := t.store.NewEncodedObject()
		if err := c.EncodeWithoutSignature(payload); err != nil {
			return commit, fmt.Errorf("encode commit: %w", err)
		}
		data, err := readAllObject(payload)
		if err != nil {
			return commit, err
		}
		if c.PGPSignature, err = t.signer.sign(ctx, data); err != nil {
			return commit, err
		}
		if err := write(); err != nil {
			return commit, err
		}
	}
	t.step("sign")
	return commit, nil
}

func readAllObject(o plumbing.EncodedObject) ([]byte, error) {
	r, err := o.Reader()
	if err != nil {
		return nil, err
	}
	defer r.Close()
	return io.ReadAll(r)
}

// checkoutTxn is a transaction on a checkout's branch.
type checkoutTxn struct {
	branch string
	// parent is the branch's commit the change is made on; the lock step
	// refuses (ErrRefMoved) if the branch no longer points at it.
	parent *object.Commit
	files  []fileChange
	// meta, for a new commit of files on parent; to, when meta is nil, the
	// existing commit the branch moves to (a sync).
	meta *CommitMeta
	to   plumbing.Hash
	// who and reflogMsg sign the reflog entry.
	who       Signature
	reflogMsg string
	// dirty wraps the errors of a path found dirty (ErrLocalNotSynced for
	// a sync); nil: returned as they are.
	dirty error
	// signer signs a new commit (nil: unsigned); hooks run the
	// repository's hooks around it (nil: none), check re-checks a file a
	// pre-commit hook rewrote.
	signer *signer
	hooks  *hookRunner
	check  Check
}

// run runs the transaction on r and returns the commit the branch is at.
// ctx is honoured until the lock step and by the hooks and the signing
// program (cancelled, they fail the transaction and its undo runs); after
// the commit object the steps are short and run to the end.
func (r *Repo) run(ctx context.Context, c checkoutTxn) (commit, tree plumbing.Hash, err error) {
	dirty := func(err error) error {
		if c.dirty == nil || err == nil {
			return err
		}
		return fmt.Errorf("%w: %w", c.dirty, err)
	}
	// Fail on a dirty file before taking a lock or writing anything.
	for _, f := range c.files {
		if err := r.checkWorktreeClean(f.path, f.from, f.inFrom); err != nil {
			return plumbing.ZeroHash, plumbing.ZeroHash, dirty(err)
		}
	}
	if err := ctx.Err(); err != nil {
		return plumbing.ZeroHash, plumbing.ZeroHash, err
	}
	t := &txn{r: r, store: r.objects, signer: c.signer}
	defer t.release()

	// lock
	if t.idxLock, err = createLockFile(r.indexPath(), "index", ErrIndexLocked); err != nil {
		return plumbing.ZeroHash, plumbing.ZeroHash, err
	}
	// Streamed, not read whole: 4.8 MB at 40k entries, which would be most
	// of what a bump holds (indexstream.go).
	if t.idx, err = openIndexStream(r.indexPath(), indexWindow); err != nil {
		return plumbing.ZeroHash, plumbing.ZeroHash, err
	}
	if t.branch, err = r.lockBranch("refs/heads/"+c.branch, c.parent.Hash); err != nil {
		return plumbing.ZeroHash, plumbing.ZeroHash, err
	}
	t.step("lock")

	// check: the index entries, then the files again (an editor may have
	// saved since the first look; the window is now down to the renames).
	first, err := t.checkIndex(c.files)
	if err != nil {
		return plumbing.ZeroHash, plumbing.ZeroHash, dirty(err)
	}
	for _, f := range c.files {
		if err := r.checkWorktreeClean(f.path, f.from, f.inFrom); err != nil {
			return plumbing.ZeroHash, plumbing.ZeroHash, dirty(err)
		}
	}
	t.step("check")

	to := c.to
	var stats []entryStat
	if c.meta != nil {
		meta := *c.meta
		if tree, err = t.objects(c.parent, c.files); err != nil {
			return plumbing.ZeroHash, tree, err
		}
		t.step("objects")
		if c.hooks.any(commitHooks...) {
			// The files reach the worktree here, before the hooks look
			// at it, with the worktree step's undo.
			if tree, stats, err = t.runCommitHooks(ctx, c.hooks, c.parent, c.files, &meta, c.check); err != nil {
				return plumbing.ZeroHash, plumbing.ZeroHash, t.fail(err)
			}
		}
		t.step("hooks")
		if meta.Message != c.meta.Message {
			c.reflogMsg = commitReflogMsg(meta.Message)
		}
		if to, err = t.commitObject(ctx, c.parent, tree, meta); err != nil {
			return plumbing.ZeroHash, plumbing.ZeroHash, t.fail(err)
		}
	} else {
		for i := range c.files {
			f := &c.files[i]
			if f.blob, err = readBlob(r, f.to.Hash); err != nil {
				return plumbing.ZeroHash, plumbing.ZeroHash, err
			}
			// The worktree gets the bytes a checkout would write: with
			// core.autocrlf or eol=crlf, CRLF line endings.
			conv, err := r.checkinConversion(f.path)
			if err != nil {
				return plumbing.ZeroHash, plumbing.ZeroHash, dirty(err)
			}
			f.content = conv.toWorktree(f.blob)
		}
	}

	if stats == nil {
		if stats, err = t.writeWorktree(c.files); err != nil {
			return plumbing.ZeroHash, plumbing.ZeroHash, t.fail(err)
		}
	}
	t.step("worktree")
	if err := t.writeIndex(c.files, stats, first); err != nil {
		return plumbing.ZeroHash, plumbing.ZeroHash, t.fail(err)
	}
	t.step("index")

	err = t.branch.commit(c.parent.Hash, to, c.who, c.reflogMsg)
	t.branch = nil // commit releases the locks
	if err != nil {
		return plumbing.ZeroHash, plumbing.ZeroHash, t.fail(err)
	}
	t.step("ref")
	t.undo = nil
	if c.meta != nil {
		// Its exit status is ignored, as git ignores it.
		if err := c.hooks.run(ctx, "post-commit", []string{"GIT_INDEX_FILE=" + r.indexPath()}, nil); err != nil {
			fmt.Fprintln(c.hooks.out, err)
		}
	}
	t.step("post-commit")
	return to, tree, nil
}

// checkIndex checks each path's index entry against its parent entry,
// with the locks held; it returns the first path's lookup for the index
// step to reuse.
func (t *txn) checkIndex(files []fileChange) (streamLookup, error) {
	var first streamLookup
	for i, f := range files {
		l, err := t.idx.lookup(f.path)
		if err != nil {
			return first, fmt.Errorf("read index %q: %w", t.r.indexPath(), err)
		}
		// Extensions first: with a split index, entries are not all here
		// and the lookup means nothing.
		if _, err := t.idx.rewriteExtensions(f.path); err != nil {
			return first, fmt.Errorf("read index %q: %w", t.r.indexPath(), err)
		}
		if err := checkIndexClean(f.path, f.from, f.inFrom, l.indexLookup); err != nil {
			return first, err
		}
		if i == 0 {
			first = l
		}
	}
	if len(files) > 1 {
		// Later lookups moved the stream's racy list and extensions on;
		// the index step starts again from the first path.
		return t.idx.lookup(files[0].path)
	}
	return first, nil
}

// writeWorktree replaces each file by rename, pushing an undo that puts
// the old bytes back (or removes a file the parent lacked); it returns
// each file's stat data for its index entry.
func (t *txn) writeWorktree(files []fileChange) ([]entryStat, error) {
	stats := make([]entryStat, len(files))
	for i, f := range files {
		r, rel := t.r, f.path
		perm := worktreePerm(f.to.Mode)
		var old []byte
		if f.inFrom {
			// The worktree bytes, checked clean: with CRLF line endings
			// they are not the blob's.
			var err error
			if old, err = r.readWorktree(rel); err != nil {
				return nil, fmt.Errorf("read %q: %w", rel, err)
			}
			if fi, err := r.lstatWorktree(rel); err == nil && f.from.Mode == f.to.Mode {
				perm = fi.Mode().Perm() // keep what checkout gave it under the user's umask
			}
		}
		// Through os.Root, no symlink followed (worktree.go).
		fi, err := r.writeWorktree(rel, f.content, perm)
		if err != nil {
			return nil, err
		}
		inFrom, oldPerm := f.inFrom, perm
		if f.from.Mode != f.to.Mode {
			oldPerm = worktreePerm(f.from.Mode)
		}
		t.onFail(fmt.Sprintf("%q", f.path), func() error {
			if !inFrom {
				if err := r.removeWorktree(rel); err != nil && !errors.Is(err, fs.ErrNotExist) {
					return err
				}
				return nil
			}
			_, err := r.writeWorktree(rel, old, oldPerm)
			return err
		})
		stats[i] = indexStat(fi)
	}
	return stats, nil
}

// writeIndex is the one index editor: each file's entry is rewritten in
// turn (the next edit reads the previous one's output), the last straight
// into index.lock, which then replaces the index. Its undo writes the old
// index back, from the still-open original, under a fresh lock.
func (t *txn) writeIndex(files []fileChange, stats []entryStat, first streamLookup) error {
	if len(files) == 0 {
		return nil // nothing to stage (a sync to an identical tree); release drops the lock
	}
	src := t.idx
	l := first
	for i, f := range files {
		if i > 0 {
			var err error
			if l, err = src.lookup(f.path); err != nil {
				return fmt.Errorf("update index %q: %w", t.r.indexPath(), err)
			}
		}
		ext, err := src.rewriteExtensions(f.path)
		if err != nil {
			return fmt.Errorf("update index %q: %w", t.r.indexPath(), err)
		}
		last := i == len(files)-1
		var next bytes.Buffer
		var w io.Writer = &next
		if last {
			w = t.idxLock
		}
		if err := src.writeWithEntry(w, l, f.path, f.to.Hash, uint32(f.to.Mode), stats[i], ext); err != nil {
			return fmt.Errorf("update index %q: %w", t.r.indexPath(), err)
		}
		if !last {
			if src, err = newIndexStreamAt(memIndex{bytes.NewReader(next.Bytes())}, int64(next.Len()), t.idx.mtimeSec, indexWindow); err != nil {
				return fmt.Errorf("update index %q: %w", t.r.indexPath(), err)
			}
		}
	}
	lock := t.idxLock
	if err := lock.Close(); err != nil {
		return fmt.Errorf("write %q: %w", lock.Name(), err)
	}
	if err := os.Rename(lock.Name(), t.r.indexPath()); err != nil {
		return fmt.Errorf("update index %q: %w", t.r.indexPath(), err)
	}
	t.idxLock = nil
	old := t.idx
	t.onFail("index", func() error {
		f, err := createLockFile(t.r.indexPath(), "index", ErrIndexLocked)
		if err != nil {
			return err
		}
		werr := old.writeUnchanged(f)
		if cerr := f.Close(); werr == nil && cerr == nil {
			werr = os.Rename(f.Name(), t.r.indexPath())
		}
		if werr != nil {
			os.Remove(f.Name())
		}
		return werr
	})
	return nil
}
