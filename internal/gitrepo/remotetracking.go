package gitrepo

import "context"

// RemoteTrackingRef is the ref that holds what this repository last
// fetched of remote's branch.
func RemoteTrackingRef(remote, branch string) string {
	return "refs/remotes/" + remote + "/" + branch
}

// FetchTracking updates the remote-tracking ref of remote's branch with
// the git CLI (`git fetch REMOTE BRANCH`), so credentials, proxies and
// URL rewrites are the user's own.
func (r *Repo) FetchTracking(ctx context.Context, remote, branch string) error {
	_, err := gitCLI(ctx, r.root, "fetch", "--quiet", remote, branch)
	return err
}
