package gitrepo

import (
	"context"
	"errors"
	"fmt"

	"github.com/go-git/go-git/v5/plumbing"
	"github.com/go-git/go-git/v5/plumbing/filemode"
	"github.com/go-git/go-git/v5/plumbing/object"
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
	var files []fileChange
	isFile := func(m filemode.FileMode) bool { return m == filemode.Regular || m == filemode.Executable }
	err = diffTrees(r.objects, "", fc.TreeHash, tc.TreeHash, func(d treeDelta) error {
		if d.inTo && d.to.Mode == filemode.Dir && (!d.inFrom || d.from.Mode == filemode.Dir) {
			return nil // a new or changed directory: its files come next
		}
		if !d.inTo || !isFile(d.to.Mode) || d.inFrom && !isFile(d.from.Mode) {
			return fmt.Errorf("%q changes in a way gen does not check out (deleted, symlink, submodule or directory): %w", d.path, ErrLocalNotSynced)
		}
		files = append(files, fileChange{path: d.path, from: d.from, inFrom: d.inFrom, to: d.to})
		return nil
	})
	if err != nil {
		return err
	}
	_, _, err = r.run(ctx, checkoutTxn{branch: branch, parent: fc, files: files, to: to, who: who, reflogMsg: reflogMsg, dirty: ErrLocalNotSynced})
	return err
}
