package gitrepo

import (
	"context"
	"errors"
	"fmt"
	"os"

	"github.com/go-git/go-billy/v5/osfs"

	git "github.com/go-git/go-git/v5"
	"github.com/go-git/go-git/v5/plumbing"
	"github.com/go-git/go-git/v5/plumbing/object"
	"github.com/go-git/go-git/v5/storage"
)

// shallowClone is remote mode's repository: depth 1, one branch, no
// worktree, its pack kept as received in a temporary directory (removed by
// close) and read through objectStore's index search. A bump reads one
// file from Head's tree and writes a handful of objects; a checkout would
// cost more than all the rest, and memory storage would hold every object
// inflated (177 MiB peak on the 60,005-file bench repository).
type shallowClone struct {
	Storer storage.Storer
	dir    string
	// Branch is the cloned branch (the remote's default when none was asked).
	Branch string
	Head   *object.Commit
}

// cloneShallow clones branch ("" for the remote's default branch) of ep at
// depth 1 into a temporary directory without checking anything out.
func cloneShallow(ctx context.Context, ep *Endpoint, branch string) (_ *shallowClone, err error) {
	dir, err := os.MkdirTemp("", "gen-clone-")
	if err != nil {
		return nil, fmt.Errorf("clone: %w", err)
	}
	defer func() {
		if err != nil {
			os.RemoveAll(dir)
		}
	}()
	st := newObjectStore(osfs.New(dir))
	opts := &git.CloneOptions{
		URL:          ep.URL,
		Auth:         ep.auth,
		SingleBranch: true,
		Depth:        1,
		NoCheckout:   true,
		Tags:         git.NoTags,
	}
	if branch != "" {
		opts.ReferenceName = plumbing.NewBranchReferenceName(branch)
	}
	// A nil worktree makes go-git clone bare: there is nothing it could check
	// out even if NoCheckout were lost.
	repo, err := git.CloneContext(ctx, st, nil, opts)
	if err != nil {
		what := "clone"
		if branch != "" {
			what = "clone branch " + branch + " of"
		}
		return nil, ep.wrapErr(what, err)
	}
	head, err := repo.Head()
	if err != nil {
		return nil, ep.wrapErr("clone", fmt.Errorf("read HEAD: %w", err))
	}
	if !head.Name().IsBranch() {
		return nil, ep.wrapErr("clone", fmt.Errorf("HEAD is %s: %w", head.Name(), ErrRemoteHeadNotBranch))
	}
	c, err := object.GetCommit(st, head.Hash())
	if err != nil {
		return nil, ep.wrapErr("clone", fmt.Errorf("read head commit: %w", err))
	}
	return &shallowClone{Storer: st, dir: dir, Branch: head.Name().Short(), Head: c}, nil
}

// close removes the clone's directory.
func (c *shallowClone) close() error { return os.RemoveAll(c.dir) }

// ErrFileNotFound: the path is not a file in the commit's tree.
var ErrFileNotFound = errors.New("file not found in commit")

// readFileAt returns the content of path (slash-separated, repo-relative)
// in commit's tree, reading only the trees on the path and the blob.
func readFileAt(c *object.Commit, path string) ([]byte, error) {
	tree, err := c.Tree()
	if err != nil {
		return nil, fmt.Errorf("read %s at %s: %w", path, c.Hash, err)
	}
	f, err := tree.File(path)
	if err != nil {
		if errors.Is(err, object.ErrFileNotFound) || errors.Is(err, object.ErrDirectoryNotFound) || errors.Is(err, object.ErrEntryNotFound) {
			return nil, fmt.Errorf("read %s at %s: %w", path, c.Hash, ErrFileNotFound)
		}
		return nil, fmt.Errorf("read %s at %s: %w", path, c.Hash, err)
	}
	s, err := f.Contents()
	if err != nil {
		return nil, fmt.Errorf("read %s at %s: %w", path, c.Hash, err)
	}
	return []byte(s), nil
}
