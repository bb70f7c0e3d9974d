package gitrepo

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"

	"github.com/go-git/go-git/v5/plumbing"
	"github.com/go-git/go-git/v5/plumbing/filemode"
	"github.com/go-git/go-git/v5/plumbing/object"
	"github.com/go-git/go-git/v5/storage"
)

// ErrLocalNotSynced: the push landed, but the local branch could not be
// moved to the pushed commit (a changed path is dirty, or the change is one
// this package does not check out, like a deletion); the branch and
// worktree are as they were before the push. `git pull --rebase` finishes.
var ErrLocalNotSynced = errors.New("pushed, but the local branch was left behind; run git pull --rebase")

// RemoteURL is remote.<name>.url from the repository's config, as written
// (it may hold credentials: pass it to ResolveEndpoint, never print it).
func (r *Repo) RemoteURL(name string) (string, error) {
	u := r.config.value("remote." + name + ".url")
	if u == "" {
		return "", fmt.Errorf("remote %q: no url in the repository's config: %w", name, ErrNoRemote)
	}
	return u, nil
}

// syncChange is one path that differs between the branch's commit and
// the commit it is moved to.
type syncChange struct {
	path         string
	from, to     object.TreeEntry
	inFrom, inTo bool
}

// syncTo moves the current branch from commit from to commit to and brings
// the index and worktree along for exactly the paths whose content differs
// between the two trees — not a checkout of the whole tree. It refuses
// (ErrLocalNotSynced, nothing changed) when any of those paths is dirty in
// the worktree or index, or the change is a deletion, a symlink or a
// submodule. Locks and order are CommitFile's: index.lock, then the branch
// and HEAD locks with the branch checked against from; worktree files by
// rename; the index by rename; the branch last, with a reflog entry.
func (r *Repo) syncTo(ctx context.Context, from, to plumbing.Hash, who object.Signature, reflogMsg string) error {
	branch, cur, err := r.Head()
	if err != nil {
		return err
	}
	if cur != from {
		return fmt.Errorf("branch %q is at %s, not %s: %w", branch, cur, from, ErrRefMoved)
	}
	fc, err := object.GetCommit(r.objects, from)
	if err != nil {
		return err
	}
	tc, err := object.GetCommit(r.objects, to)
	if err != nil {
		return err
	}
	var changes []syncChange
	if err := diffTrees(r.objects, "", fc.TreeHash, tc.TreeHash, &changes); err != nil {
		return err
	}
	for _, ch := range changes {
		if !ch.inTo || ch.to.Mode != filemode.Regular && ch.to.Mode != filemode.Executable ||
			ch.inFrom && ch.from.Mode != filemode.Regular && ch.from.Mode != filemode.Executable {
			return fmt.Errorf("%q changes in a way gen does not check out (deleted, symlink or submodule): %w", ch.path, ErrLocalNotSynced)
		}
		if err := r.checkWorktreeClean(ch.path, ch.from, ch.inFrom); err != nil {
			return fmt.Errorf("%w: %w", ErrLocalNotSynced, err)
		}
	}
	if err := ctx.Err(); err != nil {
		return err
	}

	idxLock, err := createLockFile(r.indexPath(), "index", ErrIndexLocked)
	if err != nil {
		return err
	}
	idxDone := false
	defer func() {
		if !idxDone {
			idxLock.Close()
			os.Remove(idxLock.Name())
		}
	}()
	x, err := r.readIndex()
	if err != nil {
		return err
	}
	orig := x.data
	for _, ch := range changes {
		l, err := x.lookup(ch.path)
		if err != nil {
			return err
		}
		if err := checkIndexClean(ch.path, ch.from, ch.inFrom, l); err != nil {
			return fmt.Errorf("%w: %w", ErrLocalNotSynced, err)
		}
	}
	bl, err := r.lockBranch("refs/heads/"+branch, from)
	if err != nil {
		return err
	}
	defer bl.release()

	// Files first; each remembers how to be put back until the branch moves.
	var undo []func()
	rollback := func(cause error) error {
		for i := len(undo) - 1; i >= 0; i-- {
			undo[i]()
		}
		return cause
	}
	for _, ch := range changes {
		if err := r.checkWorktreeClean(ch.path, ch.from, ch.inFrom); err != nil {
			return rollback(fmt.Errorf("%w: %w", ErrLocalNotSynced, err))
		}
		content, err := readBlob(r, ch.to.Hash)
		if err != nil {
			return rollback(err)
		}
		perm := worktreePerm(ch.to.Mode)
		var old []byte
		if ch.inFrom {
			if old, err = readBlob(r, ch.from.Hash); err != nil {
				return rollback(err)
			}
		}
		// Through os.Root, no symlink followed (worktree.go).
		fi, err := r.writeWorktree(ch.path, content, perm)
		if err != nil {
			return rollback(err)
		}
		rel, inFrom, fromPerm := ch.path, ch.inFrom, worktreePerm(ch.from.Mode)
		undo = append(undo, func() {
			if inFrom {
				_, _ = r.writeWorktree(rel, old, fromPerm)
			} else {
				_ = r.removeWorktree(rel)
			}
		})
		l, err := x.lookup(ch.path)
		if err != nil {
			return rollback(err)
		}
		ext, err := x.rewriteExtensions(ch.path)
		if err != nil {
			return rollback(fmt.Errorf("update index %q: %w", r.indexPath(), err))
		}
		var next bytes.Buffer
		if err := x.writeWithEntry(&next, l, ch.path, ch.to.Hash, uint32(ch.to.Mode), indexStat(fi), ext); err != nil {
			return rollback(fmt.Errorf("update index %q: %w", r.indexPath(), err))
		}
		if x, err = parseIndex(next.Bytes()); err != nil {
			return rollback(err)
		}
	}
	if _, err := idxLock.Write(x.data); err != nil {
		return rollback(err)
	}
	if err := idxLock.Close(); err != nil {
		return rollback(err)
	}
	if err := os.Rename(idxLock.Name(), r.indexPath()); err != nil {
		return rollback(err)
	}
	idxDone = true
	if err := bl.commit(from, to, who, reflogMsg); err != nil {
		// Put the old index back under a fresh lock, then the files.
		if f, lerr := createLockFile(r.indexPath(), "index", ErrIndexLocked); lerr == nil {
			_, _ = f.Write(orig)
			f.Close()
			_ = os.Rename(f.Name(), r.indexPath())
		}
		return rollback(err)
	}
	return nil
}

// diffTrees lists the file paths whose entries differ between trees a and
// b, descending only into subtrees whose hashes differ.
func diffTrees(s storage.Storer, prefix string, a, b plumbing.Hash, out *[]syncChange) error {
	if a == b {
		return nil
	}
	entries := func(h plumbing.Hash) (map[string]object.TreeEntry, []string, error) {
		m := map[string]object.TreeEntry{}
		var names []string
		if h.IsZero() {
			return m, nil, nil
		}
		t, err := object.GetTree(s, h)
		if err != nil {
			return nil, nil, fmt.Errorf("read tree %s: %w", h, err)
		}
		for _, e := range t.Entries {
			m[e.Name] = e
			names = append(names, e.Name)
		}
		return m, names, nil
	}
	am, anames, err := entries(a)
	if err != nil {
		return err
	}
	bm, bnames, err := entries(b)
	if err != nil {
		return err
	}
	seen := map[string]bool{}
	for _, name := range append(anames, bnames...) {
		if seen[name] {
			continue
		}
		seen[name] = true
		ae, inA := am[name]
		be, inB := bm[name]
		if inA && inB && ae.Hash == be.Hash && ae.Mode == be.Mode {
			continue
		}
		path := prefix + name
		aDir, bDir := inA && ae.Mode == filemode.Dir, inB && be.Mode == filemode.Dir
		switch {
		case bDir && (aDir || !inA):
			// Changed or new directory: its files are the changes.
			old := plumbing.ZeroHash
			if aDir {
				old = ae.Hash
			}
			if err := diffTrees(s, path+"/", old, be.Hash, out); err != nil {
				return err
			}
		case aDir || bDir:
			// A file became a directory or the reverse: a deletion on
			// one side, which SyncTo refuses.
			*out = append(*out, syncChange{path: path, from: ae, to: be, inFrom: inA && !aDir, inTo: false})
		default:
			*out = append(*out, syncChange{path: path, from: ae, to: be, inFrom: inA, inTo: inB})
		}
	}
	return nil
}
