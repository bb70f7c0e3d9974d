package gitrepo

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	git "github.com/go-git/go-git/v5"
	"github.com/go-git/go-git/v5/config"
	"github.com/go-git/go-git/v5/plumbing"
	"github.com/go-git/go-git/v5/plumbing/object"
)

// DefaultMaxDepth bounds how far History deepens a remote-mode clone:
// enough for a busy GitOps repository's last few releases of one overlay,
// small enough that a wrong guess costs seconds, not a full clone.
const DefaultMaxDepth = 200

// firstDeepen is the depth of the first deepening fetch; each next one
// doubles it, up to the maximum.
const firstDeepen = 16

// History reads the commit history of a Source's branch: in a checkout
// the repository's own (the git CLI's log), in a remote-mode clone what
// the depth-1 clone holds, deepened on demand (Deepen) in doubling steps up
// to a maximum depth. Where the history a repository holds ends — a shallow
// boundary, an object a partial clone left on its promisor remote — it says
// so (complete=false, Deepen=false) and never makes up the rest.
type History struct {
	src      *Source
	maxDepth int
	// depth is how many commits below the clone's head were fetched (1
	// after the clone).
	depth int
}

// History is s's history; a clone deepens to at most maxDepth commits
// (DefaultMaxDepth when maxDepth < 1).
func (s *Source) History(maxDepth int) *History {
	if maxDepth < 1 {
		maxDepth = DefaultMaxDepth
	}
	return &History{src: s, maxDepth: maxDepth, depth: 1}
}

// Depth is how deep the clone's history now reaches (0 for a checkout,
// whose history is the repository's own).
func (h *History) Depth() int {
	if h.src.mode == modeCheckout {
		return 0
	}
	return h.depth
}

// MaxDepth is the bound Deepen stops at.
func (h *History) MaxDepth() int { return h.maxDepth }

// Deepen fetches more of the branch's history: the next doubling step,
// capped at the maximum depth. false: the history cannot grow (a
// checkout, or the maximum reached).
func (h *History) Deepen(ctx context.Context) (bool, error) {
	if h.src.mode != modeClone || h.src.push.Remote == nil || h.depth >= h.maxDepth {
		return false, nil
	}
	next := max(firstDeepen, 2*h.depth)
	next = min(next, h.maxDepth)
	if err := deepenBranch(ctx, h.src, next); err != nil {
		return false, err
	}
	h.depth = next
	return true, nil
}

// deepenBranch fetches s's branch again at depth commits from its remote
// tip and drops shallow entries whose parents have arrived (go-git only
// ever adds to the shallow list; a stale entry would make the next fetch
// and push tell the server we lack what we have).
func deepenBranch(ctx context.Context, s *Source, depth int) error {
	ep := s.push.Remote
	branch := s.push.Branch
	tracking := plumbing.NewRemoteReferenceName(s.remoteName(), branch)
	spec := config.RefSpec(fmt.Sprintf("+%s:%s", plumbing.NewBranchReferenceName(branch), tracking))
	remote := git.NewRemote(s.store, &config.RemoteConfig{Name: s.remoteName(), URLs: []string{ep.URL}})
	err := remote.FetchContext(ctx, &git.FetchOptions{
		RemoteName: s.remoteName(),
		RefSpecs:   []config.RefSpec{spec},
		Depth:      depth,
		Auth:       ep.auth,
		Tags:       git.NoTags,
	})
	if err != nil && !errors.Is(err, git.NoErrAlreadyUpToDate) {
		return ep.wrapErr(fmt.Sprintf("deepen %s to %d commits from", branch, depth), err)
	}
	shallow, err := s.store.Shallow()
	if err != nil {
		return err
	}
	keep := shallow[:0]
	for _, c := range shallow {
		if !parentsPresent(s, c) {
			keep = append(keep, c)
		}
	}
	return s.store.SetShallow(keep)
}

// parentsPresent: every parent of commit h is in the store (h is not a
// shallow boundary).
func parentsPresent(s *Source, h plumbing.Hash) bool {
	c, err := object.GetCommit(s.store, h)
	if err != nil {
		return false
	}
	for _, p := range c.ParentHashes {
		if _, err := s.store.EncodedObject(plumbing.CommitObject, p); err != nil {
			return false
		}
	}
	return true
}

// FileLog lists the commits that changed path, newest first, as far as
// the history held goes. complete is false when it ends before the file's
// first commit (a shallow boundary, a missing object): the list then
// stops before the commit whose parent is missing, whose change is
// unknown. In a clone, merges are followed along their first parent.
func (h *History) FileLog(ctx context.Context, path string, max int) (commits []string, complete bool, err error) {
	if h.src.mode == modeCheckout {
		return h.src.repo.fileLogUntilShallow(ctx, path, max)
	}
	c := h.src.head
	for {
		if err := ctx.Err(); err != nil {
			return nil, false, err
		}
		blob, found, err := blobAt(c, path)
		if err != nil {
			return commits, false, nil // a tree a partial clone lacks
		}
		if len(c.ParentHashes) == 0 {
			if found {
				commits = append(commits, c.Hash.String())
			}
			return commits, true, nil
		}
		parent, err := object.GetCommit(h.src.store, c.ParentHashes[0])
		if err != nil {
			if errors.Is(err, plumbing.ErrObjectNotFound) {
				return commits, false, nil // the shallow boundary
			}
			return nil, false, err
		}
		pblob, pfound, err := blobAt(parent, path)
		if err != nil {
			return commits, false, nil
		}
		if found != pfound || blob != pblob {
			commits = append(commits, c.Hash.String())
			if len(commits) == max {
				return commits, false, nil
			}
		}
		c = parent
	}
}

// blobAt is the hash of path's blob in c (found=false: no such file).
func blobAt(c *object.Commit, path string) (plumbing.Hash, bool, error) {
	t, err := c.Tree()
	if err != nil {
		return plumbing.ZeroHash, false, err
	}
	e, err := t.FindEntry(path)
	if err != nil {
		if errors.Is(err, object.ErrEntryNotFound) || errors.Is(err, object.ErrDirectoryNotFound) || errors.Is(err, object.ErrFileNotFound) {
			return plumbing.ZeroHash, false, nil
		}
		return plumbing.ZeroHash, false, err
	}
	return e.Hash, true, nil
}

// ReadFile reads path at rev: "HEAD" (the source's branch head) or a full
// commit hash; in a checkout, any revision git names.
func (h *History) ReadFile(rev, path string) ([]byte, error) {
	if h.src.mode == modeCheckout {
		return h.src.repo.ReadFile(rev, path)
	}
	c, err := h.commit(rev)
	if err != nil {
		return nil, err
	}
	return readFileAt(c, path)
}

func (h *History) commit(rev string) (*object.Commit, error) {
	if rev == "HEAD" {
		return h.src.head, nil
	}
	if base, ok := strings.CutSuffix(rev, "^"); ok {
		// The first parent, as git names it.
		c, err := h.commit(base)
		if err != nil {
			return nil, err
		}
		if len(c.ParentHashes) == 0 {
			return nil, fmt.Errorf("commit %s has no parent", c.Hash)
		}
		p, err := object.GetCommit(h.src.store, c.ParentHashes[0])
		if err != nil {
			return nil, fmt.Errorf("commit %s^: %w", base, err)
		}
		return p, nil
	}
	if !plumbing.IsHash(rev) {
		return nil, fmt.Errorf("%q: want HEAD or a full commit hash (with ^ for its parent)", rev)
	}
	c, err := object.GetCommit(h.src.store, plumbing.NewHash(rev))
	if err != nil {
		return nil, fmt.Errorf("commit %s: %w", rev, err)
	}
	return c, nil
}

// ErrRevisionNotFound: a revision is not in the history held, even
// deepened to the maximum.
var ErrRevisionNotFound = errors.New("revision not found")

// Resolve names rev's commit: in a checkout as git rev-parse does; in a
// clone HEAD, HEAD~N, HEAD^ and hashes (abbreviated too), deepening until
// the commit is there or the maximum depth is reached.
func (h *History) Resolve(ctx context.Context, rev string) (string, error) {
	if h.src.mode == modeCheckout {
		return h.src.repo.CommitHash(ctx, rev)
	}
	for {
		if c, err := h.resolveHeld(rev); err == nil {
			return c, nil
		}
		more, err := h.Deepen(ctx)
		if err != nil {
			return "", err
		}
		if !more {
			return "", fmt.Errorf("%q: %w in the %d commits fetched (--max-depth %d)", rev, ErrRevisionNotFound, h.depth, h.maxDepth)
		}
	}
}

func (h *History) resolveHeld(rev string) (string, error) {
	repo, err := git.Open(h.src.store, nil)
	if err != nil {
		return "", err
	}
	if h.src.branch != "" && (rev == "HEAD" || strings.HasPrefix(rev, "HEAD~") || strings.HasPrefix(rev, "HEAD^")) {
		rev = h.src.head.Hash.String() + strings.TrimPrefix(rev, "HEAD")
	}
	hash, err := repo.ResolveRevision(plumbing.Revision(rev))
	if err != nil {
		return "", err
	}
	if _, err := object.GetCommit(h.src.store, *hash); err != nil {
		return "", err
	}
	return hash.String(), nil
}

// IsAncestor reports whether commit ancestor is desc or one of desc's
// ancestors, deepening a clone while the walk reaches a boundary (or desc
// is not there yet). An answer the bounded history cannot give is an
// error wrapping ErrRevisionNotFound.
func (h *History) IsAncestor(ctx context.Context, ancestor, desc string) (bool, error) {
	if h.src.mode == modeCheckout {
		return h.src.repo.IsAncestor(ctx, ancestor, desc)
	}
	if !plumbing.IsHash(ancestor) || !plumbing.IsHash(desc) {
		return false, fmt.Errorf("is %s an ancestor of %s: want full commit hashes", ancestor, desc)
	}
	want := plumbing.NewHash(ancestor)
	for {
		found, complete, err := h.reaches(ctx, plumbing.NewHash(desc), want)
		if err != nil || found || complete {
			return found, err
		}
		more, err := h.Deepen(ctx)
		if err != nil {
			return false, err
		}
		if !more {
			return false, fmt.Errorf("is %s in the history of %s: %w within %d commits (--max-depth %d)", ancestor[:min(12, len(ancestor))], desc[:min(12, len(desc))], ErrRevisionNotFound, h.depth, h.maxDepth)
		}
	}
}

// reaches walks every parent from desc looking for want. complete: the
// walk saw every ancestor of desc (no boundary, desc present).
func (h *History) reaches(ctx context.Context, desc, want plumbing.Hash) (found, complete bool, err error) {
	seen := map[plumbing.Hash]bool{desc: true}
	queue := []plumbing.Hash{desc}
	complete = true
	for len(queue) > 0 {
		if err := ctx.Err(); err != nil {
			return false, false, err
		}
		x := queue[0]
		queue = queue[1:]
		if x == want {
			return true, true, nil
		}
		c, err := object.GetCommit(h.src.store, x)
		if err != nil {
			complete = false
			continue
		}
		for _, p := range c.ParentHashes {
			if !seen[p] {
				seen[p] = true
				queue = append(queue, p)
			}
		}
	}
	return false, complete, nil
}

// fileLogUntilShallow is FileLog in a checkout: git log -- path, cut
// before the first shallow boundary commit (git shows it as the file's
// creation, which it need not be).
func (r *Repo) fileLogUntilShallow(ctx context.Context, path string, max int) ([]string, bool, error) {
	commits, err := r.FileLog(ctx, path, max)
	if err != nil {
		return nil, false, err
	}
	data, err := os.ReadFile(filepath.Join(r.commonDir, "shallow"))
	if err != nil {
		if errors.Is(err, os.ErrNotExist) {
			return commits, max == 0 || len(commits) < max, nil
		}
		return nil, false, err
	}
	boundary := map[string]bool{}
	for _, l := range strings.Fields(string(data)) {
		boundary[l] = true
	}
	for i, c := range commits {
		if boundary[c] {
			return commits[:i], false, nil
		}
	}
	return commits, max == 0 || len(commits) < max, nil
}
