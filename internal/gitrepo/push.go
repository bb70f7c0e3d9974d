package gitrepo

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"time"

	"github.com/go-git/go-git/v5/plumbing"
	"github.com/go-git/go-git/v5/plumbing/object"
	"github.com/go-git/go-git/v5/storage"
)

// ErrNonFastForward: the remote branch is no longer the parent of the commit
// being pushed (someone else pushed first). It is the only push failure that
// is retried, after re-applying the edit on the new remote head.
var ErrNonFastForward = errors.New("non-fast-forward: the remote branch moved on")

// IsNonFastForward reports whether err is (or wraps) ErrNonFastForward.
func IsNonFastForward(err error) bool { return errors.Is(err, ErrNonFastForward) }

// DefaultMaxAttempts bounds the push attempts (--max-attempts).
const DefaultMaxAttempts = 20

// reapplyFunc re-applies the caller's edit on top of parent (the new remote
// head) and commits it, typically by re-running the kustomization edit and
// build and calling WriteCommit into the same storer. changed=false means
// parent already holds the result (the remote has the tag): the push then
// succeeds without a new commit. An error (the file or entry is gone, the
// overlay no longer builds) ends the push at once, without a retry.
type reapplyFunc func(ctx context.Context, parent *object.Commit) (newCommit plumbing.Hash, changed bool, err error)

// Backoff is the wait between attempts: Base × Factor^(n-1), capped at Max,
// with "equal jitter" (a random point in the upper half) so that racing
// pushers spread out instead of colliding again in lock step.
type Backoff struct {
	Base, Max time.Duration
	Factor    float64
}

// DefaultBackoff is the backoff used when pushRequest.Backoff is zero. It
// starts short because a remote that moved on is usually free again within
// one round trip; the cap keeps 20 attempts under two minutes.
func DefaultBackoff() Backoff {
	return Backoff{Base: 200 * time.Millisecond, Max: 8 * time.Second, Factor: 1.6}
}

// Delay is the wait after the attempt-th failed attempt (1-based); r is a
// uniform random number in [0,1).
func (b Backoff) Delay(attempt int, r float64) time.Duration {
	d := float64(b.Base)
	for i := 1; i < attempt && d < float64(b.Max); i++ {
		d *= b.Factor
	}
	if b.Max > 0 && d > float64(b.Max) {
		d = float64(b.Max)
	}
	return time.Duration(d/2 + r*d/2)
}

// pushRequest is one push of Commit to Branch on a remote.
type pushRequest struct {
	// Storer holds Commit and its history (a repository on disk or the
	// in-memory shallow clone); fetched objects are written to it.
	Storer storage.Storer
	// Remote is where to push; RemoteName ("origin") names the
	// remote-tracking ref refs/remotes/<RemoteName>/<Branch> a fetch updates.
	Remote     *Endpoint
	RemoteName string
	// Branch is the remote branch name ("main", not refs/heads/main).
	Branch string
	// Commit is the commit to push. It must descend from the remote head
	// when the push starts, or Reapply is called first.
	Commit plumbing.Hash
	// Reapply rebuilds the edit on a newer remote head; nil makes a
	// non-fast-forward final.
	Reapply reapplyFunc
	// PrePush, when set, runs before each attempt's objects are sent,
	// given the commit and the remote head it would replace (the pre-push
	// hook); its error ends the push at once.
	PrePush func(ctx context.Context, local, remote plumbing.Hash) error

	Retry
}

// Retry is how a push waits and how often it tries; zero fields take defaults.
type Retry struct {
	// MaxAttempts bounds the pushes tried (0: DefaultMaxAttempts).
	MaxAttempts int
	// Backoff is the wait between attempts (zero: DefaultBackoff).
	Backoff Backoff
	// Sleep waits d or until ctx ends (nil: a real timer). Tests pass a
	// recorder so they never sleep.
	Sleep func(ctx context.Context, d time.Duration) error
	// Rand returns a uniform number in [0,1) for jitter (nil: math/rand/v2).
	Rand func() float64
	// Logf, when set, receives one line per action (no secrets in it).
	Logf func(format string, args ...any)
}

// PushResult says what ended on the remote.
type PushResult struct {
	// Commit is the remote branch head afterwards: the pushed commit, or
	// the remote head that already had the change (Pushed false).
	Commit plumbing.Hash
	// Pushed is false when nothing was pushed: the remote already had the
	// change, or already pointed at Commit.
	Pushed bool
	// Attempts counts push attempts made (a re-apply that found the change
	// already on the remote ends the loop without one more).
	Attempts int
	// Reapplied is true when Commit is not the request's commit but one
	// made by Reapply on a newer remote head (or, with Pushed false, the
	// remote head that already had the change); a local checkout must then
	// be brought to it, which Source.Push does with Repo.syncTo.
	Reapplied bool
}

func (r *pushRequest) defaults() error {
	if r.Storer == nil || r.Remote == nil || r.Branch == "" || r.Commit.IsZero() {
		return errors.New("push: Storer, Remote, Branch and Commit are required")
	}
	if r.RemoteName == "" {
		r.RemoteName = "origin"
	}
	if r.MaxAttempts <= 0 {
		r.MaxAttempts = DefaultMaxAttempts
	}
	if r.Backoff == (Backoff{}) {
		r.Backoff = DefaultBackoff()
	}
	if r.Sleep == nil {
		r.Sleep = sleepCtx
	}
	if r.Rand == nil {
		r.Rand = rand.Float64
	}
	if r.Logf == nil {
		r.Logf = func(string, ...any) {}
	}
	return nil
}

func sleepCtx(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// push pushes req.Commit to req.Branch. When the remote moved on it sleeps
// (jittered backoff), fetches the new head, re-applies the edit there and
// tries again, at most MaxAttempts pushes. Only a lost race is retried (a
// non-fast-forward, or a forge's words for another push landing first:
// classifyPushError): a refusal by branch protection or a hook (local
// pre-push or the server's), an auth, network or server error, and any
// Reapply error, end the push at once. Errors name the remote (credentials scrubbed) and branch.
func push(ctx context.Context, req pushRequest) (PushResult, error) {
	if err := req.defaults(); err != nil {
		return PushResult{}, err
	}
	ref := plumbing.NewBranchReferenceName(req.Branch)
	res := PushResult{Commit: req.Commit}
	for {
		res.Attempts++
		var before func(old plumbing.Hash) error
		if req.PrePush != nil {
			commit := res.Commit
			before = func(old plumbing.Hash) error { return req.PrePush(ctx, commit, old) }
		}
		err := sendPack(ctx, req.Storer, req.Remote, ref, res.Commit, before)
		if err == nil {
			res.Pushed = true
			req.Logf("pushed %s to %s %s (attempt %d)", res.Commit, req.Remote, req.Branch, res.Attempts)
			return res, nil
		}
		if errors.Is(err, errAlreadyThere) {
			req.Logf("%s %s already at %s", req.Remote, req.Branch, res.Commit)
			return res, nil
		}
		if errors.Is(err, ErrHook) {
			return res, fmt.Errorf("push %s to %s: %w", req.Branch, req.Remote, err)
		}
		if !IsNonFastForward(err) || req.Reapply == nil {
			return res, req.Remote.wrapErr("push "+req.Branch+" to", err)
		}
		if res.Attempts >= req.MaxAttempts {
			return res, req.Remote.wrapErr("push "+req.Branch+" to",
				fmt.Errorf("gave up after %d attempts: %w", res.Attempts, err))
		}
		delay := req.Backoff.Delay(res.Attempts, req.Rand())
		req.Logf("%s %s moved on; retrying in %s (attempt %d of %d)", req.Remote, req.Branch, delay.Round(time.Millisecond), res.Attempts, req.MaxAttempts)
		if err := req.Sleep(ctx, delay); err != nil {
			return res, req.Remote.wrapErr("push "+req.Branch+" to", err)
		}
		head, err := fetchBranch(ctx, req.Storer, req.Remote, req.RemoteName, req.Branch)
		if err != nil {
			return res, err
		}
		next, changed, err := req.Reapply(ctx, head)
		if err != nil {
			return res, req.Remote.secrets.wrap(fmt.Errorf("push %s %s: re-apply on %s: %w", req.Remote, req.Branch, head.Hash, err))
		}
		res.Reapplied = true
		if !changed {
			req.Logf("%s %s already has the change at %s; nothing to push", req.Remote, req.Branch, head.Hash)
			res.Commit, res.Pushed = head.Hash, false
			return res, nil
		}
		req.Logf("re-applied on %s as %s", head.Hash, next)
		res.Commit = next
	}
}
