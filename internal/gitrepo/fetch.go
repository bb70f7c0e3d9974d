package gitrepo

import (
	"context"
	"errors"
	"fmt"

	git "github.com/go-git/go-git/v5"
	"github.com/go-git/go-git/v5/config"
	"github.com/go-git/go-git/v5/plumbing"
	"github.com/go-git/go-git/v5/plumbing/object"
	"github.com/go-git/go-git/v5/storage"
)

// fetchBranch fetches branch from the remote into s, updates the
// remote-tracking ref refs/remotes/<remoteName>/<branch> (as git fetch
// does) and returns the fetched head commit. A shallow storer stays shallow:
// the fetch asks for depth 1, so a retry in remote mode costs the changed
// objects, not the history.
//
// The remote is built from ep rather than read from the repository's
// config so that the URL go-git sees is the credential-free one.
func fetchBranch(ctx context.Context, s storage.Storer, ep *Endpoint, remoteName, branch string) (*object.Commit, error) {
	tracking := plumbing.NewRemoteReferenceName(remoteName, branch)
	spec := config.RefSpec(fmt.Sprintf("+%s:%s", plumbing.NewBranchReferenceName(branch), tracking))
	shallow, err := s.Shallow()
	if err != nil {
		return nil, err
	}
	depth := 0
	if len(shallow) > 0 {
		depth = 1
	}
	remote := git.NewRemote(s, &config.RemoteConfig{Name: remoteName, URLs: []string{ep.URL}})
	err = remote.FetchContext(ctx, &git.FetchOptions{
		RemoteName: remoteName,
		RefSpecs:   []config.RefSpec{spec},
		Depth:      depth,
		Auth:       ep.auth,
		Tags:       git.NoTags,
	})
	if err != nil && !errors.Is(err, git.NoErrAlreadyUpToDate) {
		return nil, ep.wrapErr("fetch "+branch+" from", err)
	}
	ref, err := s.Reference(tracking)
	if err != nil {
		return nil, ep.wrapErr("fetch "+branch+" from", fmt.Errorf("read %s: %w", tracking, err))
	}
	c, err := object.GetCommit(s, ref.Hash())
	if err != nil {
		return nil, ep.wrapErr("fetch "+branch+" from", fmt.Errorf("read fetched commit %s: %w", ref.Hash(), err))
	}
	return c, nil
}
