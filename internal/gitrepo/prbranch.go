package gitrepo

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/go-git/go-git/v5/plumbing"
)

// A pull request's branch, as the --pr flow reads and replaces it: what
// the remote holds there (read with the git CLI, so the user's
// credentials and URL rewrites apply, as for FetchTracking), and a force
// push with lease of a detached source's commit to it.

// BranchCommit is one commit of a pull request's branch that its target
// branch lacks.
type BranchCommit struct {
	Hash    string
	Subject string
	Parents int
	// GenChange holds the values of the commit's Gen-Change trailers.
	GenChange []string
	// Signed: the commit carries a signature (gpgsig header, OpenPGP, SSH
	// or X.509), whether or not anyone can verify it here.
	Signed bool
}

// PRBranch is a remote branch compared with the detached source's base
// (the target branch's head).
type PRBranch struct {
	Name string
	// Head is the remote branch's commit ("": the branch does not exist).
	Head string
	// Commits are the branch's commits the base lacks, newest first.
	Commits []BranchCommit
	// OnBase: the branch's oldest commit of Commits has the base as its
	// parent (the branch is built on the target's current head).
	OnBase bool
	// Files are the paths whose content differs between base and Head.
	Files []string
}

// Base is the commit a detached source commits on top of: the target
// branch's head as fetched ("" in the other modes).
func (s *Source) Base() string {
	if s.mode != modeDetached || s.base.IsZero() {
		return ""
	}
	return s.base.String()
}

// ReadBranch fetches branch from the push remote (by --remote's name,
// into refs/remotes/<remote>/<branch>) and compares it with the base.
// Detached mode only.
func (s *Source) ReadBranch(ctx context.Context, branch string) (PRBranch, error) {
	b := PRBranch{Name: branch}
	if s.mode != modeDetached {
		return b, errors.New("read branch: not a detached source")
	}
	root, remote := s.repo.Root(), s.remoteName()
	out, err := gitCLI(ctx, root, "ls-remote", "--", remote, "refs/heads/"+branch)
	if err != nil {
		return b, err
	}
	if strings.TrimSpace(out) == "" {
		return b, nil
	}
	tracking := RemoteTrackingRef(remote, branch)
	if _, err := gitCLI(ctx, root, "fetch", "--quiet", "--no-tags", remote, "+refs/heads/"+branch+":"+tracking); err != nil {
		return b, err
	}
	h, found, err := s.repo.readRef(tracking)
	if err != nil {
		return b, err
	}
	if !found {
		return b, fmt.Errorf("fetch %s: %s is missing", branch, tracking)
	}
	b.Head = h.String()
	base := s.base.String()
	log, err := gitCLI(ctx, root, "log", "--format=%H%x00%P%x00%(trailers:key=Gen-Change,valueonly,separator=%x2C)%x00%s%x01", b.Head, "^"+base, "--")
	if err != nil {
		return b, err
	}
	for _, rec := range strings.Split(log, "\x01") {
		f := strings.Split(strings.TrimLeft(rec, "\n"), "\x00")
		if len(f) != 4 {
			continue
		}
		c := BranchCommit{Hash: f[0], Subject: f[3], Parents: len(strings.Fields(f[1]))}
		for _, v := range strings.Split(f[2], ",") {
			if v = strings.TrimSpace(v); v != "" {
				c.GenChange = append(c.GenChange, v)
			}
		}
		if c.Signed, err = s.repo.commitSigned(c.Hash); err != nil {
			return b, err
		}
		b.Commits = append(b.Commits, c)
		b.OnBase = strings.Fields(f[1])[0] == base
	}
	diff, err := gitCLI(ctx, root, "diff", "--name-only", "--no-renames", base, b.Head, "--")
	if err != nil {
		return b, err
	}
	b.Files = strings.Fields(diff)
	return b, nil
}

// Signs reports whether the commits the source makes are signed (the
// signing settings resolved as for the commit itself).
func (s *Source) Signs(ctx context.Context, committer Signature) (bool, error) {
	sg, err := s.commitSigner(ctx, committer)
	return sg != nil, err
}

// ReadFileAt is path's content at commit rev (a full hash).
func (s *Source) ReadFileAt(rev, path string) ([]byte, error) {
	if s.repo == nil {
		return nil, errors.New("read file: no repository on disk")
	}
	return s.repo.ReadFile(rev, path)
}

// PushBranch force-pushes the source's head (the commit CommitFile made)
// to branch on the push remote with lease: the remote branch must still
// be at lease ("" : absent), or ErrStaleLease. The remote-tracking ref
// follows, as after git push. Detached mode only.
func (s *Source) PushBranch(ctx context.Context, branch, lease string, who Signature) error {
	if s.mode != modeDetached || s.push.Remote == nil {
		return errors.New("push branch: not a detached source with a remote")
	}
	var old plumbing.Hash
	if lease != "" {
		old = plumbing.NewHash(lease)
	}
	ref := plumbing.NewBranchReferenceName(branch)
	err := sendPackWith(ctx, s.store, s.push.Remote, ref, s.head.Hash, sendOptions{lease: &old, base: s.base})
	if errors.Is(err, ErrNonFastForward) {
		// The server refused the update as a lost race (another push
		// created or moved the branch after our lease was checked): for a
		// push with lease that is a stale lease.
		err = fmt.Errorf("%w: %w", ErrStaleLease, err)
	}
	if err != nil && !errors.Is(err, errAlreadyThere) {
		return s.push.Remote.wrapErr("push "+branch+" to", err)
	}
	return s.repo.updateTracking(s.remoteName(), branch, s.head.Hash, who)
}

// Head is the commit the source's branch is at: after CommitFile, the
// commit made.
func (s *Source) Head() string { return s.head.Hash.String() }
