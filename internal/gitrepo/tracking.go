package gitrepo

import (
	"fmt"
	"os"
	"path/filepath"

	"github.com/go-git/go-git/v5/plumbing"
)

// updateTracking points refs/remotes/<remote>/<branch> at h after a push
// landed there, as git push does ("update by push", with a reflog entry
// where git would write one): without it the pushed commit looks unpushed
// (git status: "ahead 1"), and the next bump, finding HEAD not on top of
// the tracking ref, would refuse to re-apply. Under git's lock protocol
// for the ref, a missing or older value is replaced; a value that moved
// meanwhile (a concurrent git fetch) is overwritten as git push would.
func (r *Repo) updateTracking(remote, branch string, h plumbing.Hash, who Signature) error {
	ref := plumbing.NewRemoteReferenceName(remote, branch).String()
	path := filepath.Join(r.commonDir, filepath.FromSlash(ref))
	lock, err := createLock(path, ref)
	if err != nil {
		return err
	}
	defer func() {
		if lock != nil {
			lock.Close()
			os.Remove(lock.Name())
		}
	}()
	old, _, err := r.readRef(ref)
	if err != nil {
		return err
	}
	if old == h {
		return nil
	}
	if _, err := fmt.Fprintf(lock, "%s\n", h); err != nil {
		return fmt.Errorf("write %q: %w", lock.Name(), err)
	}
	if err := lock.Close(); err != nil {
		return fmt.Errorf("write %q: %w", lock.Name(), err)
	}
	if err := r.appendReflog(ref, reflogLine(old, h, who, "update by push")); err != nil {
		return err
	}
	if err := os.Rename(lock.Name(), path); err != nil {
		return fmt.Errorf("update ref %q: %w", ref, err)
	}
	lock = nil
	return nil
}
