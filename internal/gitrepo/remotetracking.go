package gitrepo

import (
	"context"
	"errors"
	"fmt"
	"os/exec"
	"strings"
)

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

// HasCommit reports whether rev names a commit present in the repository.
func (r *Repo) HasCommit(ctx context.Context, rev string) bool {
	_, err := gitCLI(ctx, r.root, "cat-file", "-e", rev+"^{commit}")
	return err == nil
}

// CommitHash resolves rev to a full commit hash.
func (r *Repo) CommitHash(ctx context.Context, rev string) (string, error) {
	out, err := gitCLI(ctx, r.root, "rev-parse", "--verify", "--quiet", rev+"^{commit}")
	if err != nil {
		return "", fmt.Errorf("%q is not a commit in %s", rev, r.root)
	}
	return strings.TrimSpace(out), nil
}

// IsAncestor reports whether commit ancestor is desc or one of its
// ancestors (`git merge-base --is-ancestor`); both must be present.
func (r *Repo) IsAncestor(ctx context.Context, ancestor, desc string) (bool, error) {
	cmd := exec.CommandContext(ctx, "git", "-C", r.root, "merge-base", "--is-ancestor", ancestor, desc)
	err := cmd.Run()
	var ee *exec.ExitError
	switch {
	case err == nil:
		return true, nil
	case errors.As(err, &ee) && ee.ExitCode() == 1:
		return false, nil
	}
	return false, fmt.Errorf("git merge-base --is-ancestor %s %s: %w", ancestor, desc, err)
}

// FetchRemote fetches remote's branches (once, when a revision gen must
// judge is not known locally).
func (r *Repo) FetchRemote(ctx context.Context, remote string) error {
	_, err := gitCLI(ctx, r.root, "fetch", "--quiet", remote)
	return err
}

// FileLog lists the commits that changed path, newest first, as far as
// the local history goes (a shallow clone ends early), at most max (0:
// all): git log stops walking there.
func (r *Repo) FileLog(ctx context.Context, path string, max int) ([]string, error) {
	args := []string{"log", "--format=%H"}
	if max > 0 {
		args = append(args, fmt.Sprintf("--max-count=%d", max))
	}
	out, err := gitCLI(ctx, r.root, append(args, "--", path)...)
	if err != nil {
		return nil, err
	}
	return strings.Fields(out), nil
}
