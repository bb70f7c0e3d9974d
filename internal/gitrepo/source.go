package gitrepo

import (
	"context"
	"errors"
	"fmt"
	"io/fs"

	"github.com/go-git/go-git/v5/plumbing"
	"github.com/go-git/go-git/v5/plumbing/object"
	"github.com/go-git/go-git/v5/storage"
)

// Signature is who made a commit, and when (go-git's type, named here so
// callers need not import go-git).
type Signature = object.Signature

// Source is the repository a command reads and commits into, and the one
// place its commits are pushed from, in the three commit modes of the
// worktree transaction (txn.go): a checkout on disk (OpenSource), a depth-1
// clone without a worktree (CloneSource), or a repository's object store
// on top of <remote>/<branch>, leaving its branch, index and worktree
// alone (PushTarget.Detached). All commit through CommitFile and publish
// through Push; only what a checkout adds (the clean check, keeping the
// checkout in step with what landed) differs.
type Source struct {
	mode commitMode
	// repo is the repository on disk (nil for a clone).
	repo *Repo
	// store holds the objects (and, for a clone, its refs).
	store storage.Storer
	// branch is the local branch commits land on; head its commit when
	// the source was opened (or after the clone's last commit).
	branch string
	head   *object.Commit
	// base is a detached source's starting point: the remote-tracking
	// head it commits on top of.
	base plumbing.Hash
	push PushTarget
	// closeFn releases what the source holds (a clone's directory).
	closeFn func() error

	// policy is how commits are made (SetPolicy); signer its signing,
	// resolved at the first commit (resolved tells).
	policy   CommitPolicy
	signer   *signer
	resolved bool
}

// SetPolicy sets how the source's commits are signed and whether the
// hooks run (the zero value: as git commit, from the config). Hooks run in
// checkout mode only (hooks.go); signing applies to every commit the
// source makes, re-applied ones included.
func (s *Source) SetPolicy(p CommitPolicy) {
	s.policy, s.signer, s.resolved = p, nil, false
}

// commitSigner resolves the signing settings once: the repository's
// config, or for a clone the system and global config. committer is the
// default OpenPGP key.
func (s *Source) commitSigner(ctx context.Context, committer Signature) (*signer, error) {
	if s.resolved {
		return s.signer, nil
	}
	var cfg *gitConfig
	if s.repo != nil {
		cfg = s.repo.config
	} else {
		env := s.policy.environ()
		var err error
		if cfg, err = loadConfig(configSource{getenv: func(k string) string { return lookupEnv(env, k) }}); err != nil {
			return nil, err
		}
	}
	sg, err := resolveSigner(ctx, cfg, s.policy.Sign, committer, s.policy.environ())
	if err != nil {
		return nil, err
	}
	s.signer, s.resolved = sg, true
	return sg, nil
}

// Close releases what the source holds: a clone's temporary directory.
func (s *Source) Close() error {
	if s == nil || s.closeFn == nil {
		return nil
	}
	err := s.closeFn()
	s.closeFn = nil
	return err
}

// PushTarget is where a Source pushes.
type PushTarget struct {
	// Remote is the endpoint; nil: the source does not push.
	Remote *Endpoint
	// RemoteName names refs/remotes/<RemoteName>/<Branch> ("origin").
	RemoteName string
	// Branch is the remote branch; "" is the local branch's name (for a
	// clone, the remote's default branch).
	Branch string
	// Detached (OpenSource only): commit on top of
	// refs/remotes/<RemoteName>/<Branch> in the repository's object store
	// without moving its branch, index or worktree — a commit that exists
	// only to be pushed, as a pull request needs.
	Detached bool
	Retry
}

// commitMode is where a Source's commits go.
type commitMode int

const (
	modeCheckout commitMode = iota // the checked-out branch, index and worktree
	modeClone                      // the in-memory clone's branch
	modeDetached                   // the repository's objects only; no ref moves
)

// Commit is a commit a Source made.
type Commit struct {
	Hash   plumbing.Hash
	Branch string
}

// OpenSource is r's checkout as a Source, committing on the branch HEAD
// names (or, push.Detached, on the remote-tracking branch without touching
// the checkout) and pushing to push.Remote (if set).
func OpenSource(r *Repo, push PushTarget) (*Source, error) {
	if push.Detached {
		return openDetachedSource(r, push)
	}
	branch, head, err := r.Head()
	if err != nil {
		return nil, err
	}
	c, err := object.GetCommit(r.objects, head)
	if err != nil {
		return nil, fmt.Errorf("read commit %s of branch %q: %w", head, branch, err)
	}
	s := &Source{mode: modeCheckout, repo: r, store: r.objects, branch: branch, head: c, push: push}
	if s.push.Branch == "" {
		s.push.Branch = branch
	}
	return s, nil
}

// openDetachedSource commits into r's object store on top of
// refs/remotes/<push.RemoteName>/<push.Branch> (as last fetched), without
// moving r's branch, index or worktree: the commit exists only to be
// pushed (to push.Branch, or to another branch for a pull request).
func openDetachedSource(r *Repo, push PushTarget) (*Source, error) {
	if push.Branch == "" {
		return nil, errors.New("detached commit: no branch to commit on top of")
	}
	s := &Source{mode: modeDetached, repo: r, store: r.objects, branch: push.Branch, push: push}
	tracking := plumbing.NewRemoteReferenceName(s.remoteName(), push.Branch)
	h, found, err := r.readRef(tracking.String())
	if err != nil {
		return nil, err
	}
	if !found {
		return nil, fmt.Errorf("%s: %w", tracking, ErrNoRemoteBranch)
	}
	if s.head, err = object.GetCommit(r.objects, h); err != nil {
		return nil, fmt.Errorf("read commit %s of %s: %w", h, tracking, err)
	}
	s.base = h
	return s, nil
}

// CloneSource clones push.Branch ("" for the remote's default) of
// push.Remote at depth 1 into memory, without a checkout.
func CloneSource(ctx context.Context, push PushTarget) (*Source, error) {
	if push.Remote == nil {
		return nil, errors.New("clone: no remote")
	}
	c, err := cloneShallow(ctx, push.Remote, push.Branch)
	if err != nil {
		return nil, err
	}
	push.Branch = c.Branch
	return &Source{mode: modeClone, store: c.Storer, branch: c.Branch, head: c.Head, push: push, closeFn: c.close}, nil
}

// Repo is the repository on disk (nil for a clone).
func (s *Source) Repo() *Repo { return s.repo }

// Branch is the branch commits land on.
func (s *Source) Branch() string { return s.branch }

// Root is the worktree's directory when commits go to the checkout ("":
// read the files with Files).
func (s *Source) Root() string {
	if s.mode != modeCheckout {
		return ""
	}
	return s.repo.Root()
}

// Files is the tree of the branch's commit as an fs.FS.
func (s *Source) Files() (fs.FS, error) {
	t, err := s.head.Tree()
	if err != nil {
		return nil, fmt.Errorf("read tree of %s: %w", s.head.Hash, err)
	}
	return treeFS{t}, nil
}

// CheckClean fails (naming path) when path has uncommitted changes in the
// checkout; the other modes do not touch a worktree.
func (s *Source) CheckClean(path string) error {
	if s.mode != modeCheckout {
		return nil
	}
	return s.repo.CheckClean(path)
}

// CommitFile commits content at path on the source's branch: in a
// checkout as Repo.CommitFile does, in a clone on its in-memory branch,
// detached as an object only (Push publishes it). check re-checks the
// content a pre-commit hook rewrote (checkout mode; nil: none).
func (s *Source) CommitFile(ctx context.Context, path string, content []byte, meta CommitMeta, check Check) (Commit, error) {
	sg, err := s.commitSigner(ctx, meta.Committer)
	if err != nil {
		return Commit{}, err
	}
	if s.mode == modeCheckout {
		res, err := s.repo.commitFile(ctx, CommitFileRequest{Path: path, Content: content, Meta: meta, Policy: s.policy, Check: check}, sg, s.repo.hookRunner(s.policy))
		if err != nil {
			return Commit{}, err
		}
		if s.head, err = object.GetCommit(s.store, res.Commit); err != nil {
			return Commit{}, err
		}
		return Commit{Hash: res.Commit, Branch: res.Branch}, nil
	}
	if err := ctx.Err(); err != nil {
		return Commit{}, err
	}
	h, _, err := writeCommit(ctx, s.store, sg, s.head, path, content, meta)
	if err != nil {
		return Commit{}, err
	}
	c, err := object.GetCommit(s.store, h)
	if err != nil {
		return Commit{}, err
	}
	if s.mode == modeClone {
		// The clone's own branch: nobody else sees it.
		if err := s.store.SetReference(plumbing.NewHashReference(plumbing.NewBranchReferenceName(s.branch), h)); err != nil {
			return Commit{}, err
		}
	}
	s.head = c
	if s.mode == modeDetached {
		return Commit{Hash: h}, nil // on no branch: --pr pushes it to its own
	}
	return Commit{Hash: h, Branch: s.branch}, nil
}

// Redo re-applies a one-file edit on another commit: tree is that
// commit's files, old the file's content there. It returns the new content
// and the commit message (the old value there may differ from the one the
// first commit named; "" keeps the first message). changed=false: old
// already holds the result.
type Redo func(ctx context.Context, tree fs.FS, old []byte) (content []byte, message string, changed bool, err error)

// PushFile is the push of a commit that changed one file.
type PushFile struct {
	// Committed: the source's branch head is the commit CommitFile made
	// for this change. Otherwise nothing was committed (the file already
	// held the content): a checkout then pushes its branch as it is, a
	// clone has nothing to push.
	Committed bool
	// Path is the file the commit changed; Meta its author, committer and
	// message.
	Path string
	Meta CommitMeta
	// Redo re-applies the edit when the remote moved on; nil makes a
	// moved remote final.
	Redo Redo
}

// Push publishes the branch's head to the push target. When the remote moved on it
// re-applies the edit on the new remote head (bounded, jittered retries,
// non-fast-forward only). A checkout's branch then follows the commit that
// landed, its changed paths' index entries and files with it, as git pull
// --rebase would leave them; unpushed commits of the user's below the bump
// are never rewritten (with any, a moved remote is final).
func (s *Source) Push(ctx context.Context, f PushFile) (PushResult, error) {
	if s.push.Remote == nil {
		return PushResult{}, errors.New("push: the source has no remote")
	}
	if !f.Committed && s.mode != modeCheckout {
		return PushResult{}, nil
	}
	commit := s.head.Hash
	req := pushRequest{
		Storer:     s.store,
		Remote:     s.push.Remote,
		RemoteName: s.push.RemoteName,
		Branch:     s.push.Branch,
		Commit:     commit,
		Retry:      s.push.Retry,
	}
	if f.Redo != nil && (s.mode != modeCheckout || s.mayReapply(f.Committed, commit)) {
		sg, err := s.commitSigner(ctx, f.Meta.Committer)
		if err != nil {
			return PushResult{}, err
		}
		req.Reapply = reapplyEdit(s.store, sg, f.Path, f.Meta, f.Redo)
	}
	if s.mode == modeCheckout {
		if h := s.repo.hookRunner(s.policy); h.any("pre-push") {
			remote, url := s.remoteName(), s.push.Remote.String()
			req.PrePush = func(ctx context.Context, local, old plumbing.Hash) error {
				return h.prePush(ctx, remote, url, s.push.Branch, local, old)
			}
		}
	}
	res, err := push(ctx, req)
	if err != nil {
		return res, err
	}
	if s.repo != nil {
		if err := s.repo.updateTracking(s.remoteName(), s.push.Branch, res.Commit, f.Meta.Committer); err != nil {
			return res, fmt.Errorf("push %s %s: %s is on the remote: %w", s.push.Remote, s.push.Branch, res.Commit, err)
		}
	}
	if s.mode != modeCheckout || res.Commit == commit {
		return res, nil
	}
	msg := fmt.Sprintf("gen bump: pushed as %s (re-applied on the remote head)", res.Commit)
	if !res.Pushed {
		msg = fmt.Sprintf("gen bump: remote %s already had the change", res.Commit)
	}
	if err := s.repo.syncTo(ctx, commit, res.Commit, f.Meta.Committer, msg); err != nil {
		return res, fmt.Errorf("push %s %s: %s is on the remote: %w", s.push.Remote, s.push.Branch, res.Commit, err)
	}
	if s.push.Logf != nil {
		s.push.Logf("local %s moved to %s, as on the remote", s.branch, res.Commit)
	}
	return res, nil
}

// mayReapply: a checkout's branch may follow a re-applied push only when
// it holds nothing of the user's that the remote lacks — head is our bump
// (committed) on top of the remote-tracking ref or of a commit the ref
// already contains (the user fetched but did not pull: `gen wait
// --revision` and --pr fetch), or (nothing committed) head is that ref or
// behind it.
func (s *Source) mayReapply(committed bool, head plumbing.Hash) bool {
	tracking, found, err := s.repo.readRef(plumbing.NewRemoteReferenceName(s.remoteName(), s.push.Branch).String())
	if err != nil || !found {
		return false
	}
	base := head
	if committed {
		c, err := object.GetCommit(s.store, head)
		if err != nil || len(c.ParentHashes) != 1 {
			return false
		}
		base = c.ParentHashes[0]
	}
	if base == tracking {
		return true
	}
	bc, err := object.GetCommit(s.store, base)
	if err != nil {
		return false
	}
	tc, err := object.GetCommit(s.store, tracking)
	if err != nil {
		return false
	}
	behind, err := bc.IsAncestor(tc)
	return err == nil && behind
}

func (s *Source) remoteName() string {
	if s.push.RemoteName == "" {
		return "origin"
	}
	return s.push.RemoteName
}

// reapplyEdit turns a one-file Redo into the push loop's reapplyFunc: read
// path at the new parent, redo the edit on its tree, and commit the result
// with meta (and the Redo's message), signed by sg when set. A file gone
// from the new parent is an error, so the push fails at once.
func reapplyEdit(s storage.Storer, sg *signer, path string, meta CommitMeta, redo Redo) reapplyFunc {
	return func(ctx context.Context, parent *object.Commit) (plumbing.Hash, bool, error) {
		old, err := readFileAt(parent, path)
		if err != nil {
			return plumbing.ZeroHash, false, err
		}
		tree, err := parent.Tree()
		if err != nil {
			return plumbing.ZeroHash, false, err
		}
		content, msg, changed, err := redo(ctx, treeFS{tree}, old)
		if err != nil || !changed {
			return plumbing.ZeroHash, false, err
		}
		m := meta
		if msg != "" {
			m.Message = msg
		}
		h, _, err := writeCommit(ctx, s, sg, parent, path, content, m)
		return h, err == nil, err
	}
}
