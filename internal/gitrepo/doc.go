// Package gitrepo is the only place rolloutgen talks to Git: it opens a
// repository, refuses states in which a bump would be wrong (dirty target
// file, detached HEAD, unborn branch, an operation in progress, a locked
// ref), and commits one file's new content the way the git CLI would —
// blob, only the trees on that path, commit object, index entry, branch ref
// under git's lock protocol, reflog — without scanning the worktree, so the
// cost of a bump does not grow with the size of the repository. A Source
// (a checkout, or a depth-1 clone for remote mode) is the one commit and
// push path commands use: it pushes with bounded retries on
// non-fast-forward, re-applying the edit on the remote's new head, and keeps
// a checkout in step with what landed. Commits are signed and the
// repository's hooks run as git commit does (sign.go, hooks.go: the sign
// and hooks steps of the one transaction, txn.go). It resolves credentials
// and redacts them, and lists the files changed since a revision (gen
// validate --since).
//
// It knows nothing of kustomize: callers hand it a path and bytes.
package gitrepo
