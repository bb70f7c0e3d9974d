package gitrepo

import (
	"context"
	"errors"
	"fmt"

	"github.com/go-git/go-git/v5/plumbing"
	"github.com/go-git/go-git/v5/plumbing/object"
	"github.com/go-git/go-git/v5/plumbing/storer"
)

// EditFunc computes a file's new content from its content at parent; the
// parent is there for edits that must read more of the tree (to build the
// overlay). changed=false: the content already is what was asked.
type EditFunc func(ctx context.Context, parent *object.Commit, old []byte) (content []byte, changed bool, err error)

// ReapplyEdit turns a one-file edit into a ReapplyFunc: read path at the
// new parent, edit it, and commit the result with meta. A file that is gone
// from the new parent is an error, so Push fails at once.
func ReapplyEdit(s storer.EncodedObjectStorer, path string, meta CommitMeta, edit EditFunc) ReapplyFunc {
	return func(ctx context.Context, parent *object.Commit) (plumbing.Hash, bool, error) {
		old, err := ReadFileAt(parent, path)
		if err != nil {
			return plumbing.ZeroHash, false, err
		}
		content, changed, err := edit(ctx, parent, old)
		if err != nil || !changed {
			return plumbing.ZeroHash, false, err
		}
		commit, _, err := WriteCommit(s, parent, path, content, meta)
		return commit, err == nil, err
	}
}

// RemoteBumpRequest is remote mode: no checkout, one file, one push.
type RemoteBumpRequest struct {
	Remote *Endpoint
	// Branch to clone and push ("" for the remote's default branch).
	Branch string
	// RemoteName names the remote-tracking ref a retry's fetch updates in
	// the in-memory clone; it never reaches a config file.
	RemoteName string
	Path       string
	Meta       CommitMeta
	Edit       EditFunc
	Retry
}

// RemoteBumpResult is what remote mode did.
type RemoteBumpResult struct {
	// Old and New are the file's content before and after the edit, at the
	// commit it was finally applied to (New == Old: nothing to do).
	Old, New []byte
	// Changed is false when the clone's head already had the content; no
	// commit was made and nothing pushed.
	Changed bool
	Branch  string
	Push    PushResult
}

// BumpRemote clones req.Remote shallow into memory, edits one file, commits
// it with WriteCommit and pushes with Push's retry loop, re-applying the
// edit on the remote's new head when another push lands first.
func BumpRemote(ctx context.Context, req RemoteBumpRequest) (RemoteBumpResult, error) {
	if req.Remote == nil || req.Path == "" || req.Edit == nil {
		return RemoteBumpResult{}, errors.New("remote bump: Remote, Path and Edit are required")
	}
	clone, err := CloneShallow(ctx, req.Remote, req.Branch)
	if err != nil {
		return RemoteBumpResult{}, err
	}
	res := RemoteBumpResult{Branch: clone.Branch}
	old, err := ReadFileAt(clone.Head, req.Path)
	if err != nil {
		return res, fmt.Errorf("bump %s on %s %s: %w", req.Path, req.Remote, clone.Branch, err)
	}
	content, changed, err := req.Edit(ctx, clone.Head, old)
	if err != nil {
		return res, fmt.Errorf("bump %s on %s %s: %w", req.Path, req.Remote, clone.Branch, err)
	}
	res.Old, res.New, res.Changed = old, content, changed
	if !changed {
		res.Push = PushResult{Commit: clone.Head.Hash}
		return res, nil
	}
	commit, _, err := WriteCommit(clone.Storer, clone.Head, req.Path, content, req.Meta)
	if err != nil {
		return res, fmt.Errorf("bump %s: %w", req.Path, err)
	}
	// Record the last edit applied so the result reports the content that
	// actually landed, not the first try's.
	edit := func(ctx context.Context, parent *object.Commit, old []byte) ([]byte, bool, error) {
		content, changed, err := req.Edit(ctx, parent, old)
		if err == nil {
			res.Old, res.New = old, content
		}
		return content, changed, err
	}
	res.Push, err = Push(ctx, PushRequest{
		Storer:     clone.Storer,
		Remote:     req.Remote,
		RemoteName: req.RemoteName,
		Branch:     clone.Branch,
		Commit:     commit,
		Reapply:    ReapplyEdit(clone.Storer, req.Path, req.Meta, edit),
		Retry:      req.Retry,
	})
	if err == nil && !res.Push.Pushed && res.Push.Reapplied {
		res.Changed = false
	}
	return res, err
}
