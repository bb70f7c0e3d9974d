package gitrepo

import "errors"

// Sentinels for the outcomes callers branch on. Errors returned by this
// package wrap them with the file, ref or operation they concern.
var (
	// ErrDirtyFile: the target file differs from HEAD in the worktree or the
	// index; committing over it would lose or smuggle in someone's edit.
	ErrDirtyFile = errors.New("file has uncommitted changes; commit or stash them first")
	// ErrDetachedHead: HEAD names a commit, not a branch, so there is no
	// branch to advance.
	ErrDetachedHead = errors.New("HEAD is detached; check out a branch first")
	// ErrUnbornBranch: HEAD names a branch that has no commit yet.
	ErrUnbornBranch = errors.New("branch has no commits yet; make an initial commit first")
	// ErrOperationInProgress: a merge, rebase, cherry-pick, revert or bisect
	// is under way; a commit now would land in the middle of it.
	ErrOperationInProgress = errors.New("a git operation is in progress; finish or abort it first")
	// ErrRefLocked: another process holds <ref>.lock; the ref is untouched.
	ErrRefLocked = errors.New("ref is locked by another git process; retry, or remove the stale lock file if no git process is running")
	// ErrRefMoved: the branch changed between our read and our update; the
	// ref is untouched and the caller may retry from the new head.
	ErrRefMoved = errors.New("branch moved while committing; nothing was overwritten, retry")
)

// More outcomes callers branch on.
var (
	// ErrIndexLocked: another git process holds index.lock.
	ErrIndexLocked = errors.New("index is locked by another git process; retry, or remove the stale lock file if no git process is running")
	// ErrNoChange: the content equals what HEAD already has; there is
	// nothing to commit.
	ErrNoChange = errors.New("content is unchanged; nothing to commit")
)

// Outcomes of the remote side.
var (
	// ErrNoRemoteBranch: the remote-tracking ref of the branch is missing
	// (never fetched).
	ErrNoRemoteBranch = errors.New("no remote-tracking branch; fetch it first")
	// ErrNoRemote: the repository's config has no url for the remote.
	ErrNoRemote = errors.New("no such remote")
	// ErrRemoteHeadNotBranch: the remote's HEAD names no branch, so there
	// is no default branch to clone; the caller must name one.
	ErrRemoteHeadNotBranch = errors.New("the remote's HEAD is not a branch; name the branch")
)
