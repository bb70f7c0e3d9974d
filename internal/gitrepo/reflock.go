package gitrepo

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"

	"github.com/go-git/go-git/v5/plumbing"
	"github.com/go-git/go-git/v5/plumbing/object"
)

// branchLock holds git's locks for advancing the branch HEAD points to:
// <commonDir>/refs/heads/<b>.lock, and HEAD.lock so nobody switches HEAD
// to another branch meanwhile (git takes it too, for the HEAD reflog).
// Created with O_EXCL they exclude any git process that wants the same
// ref; the branch lock becomes the ref by rename, so readers see the old
// value or the new one, never a partial file.
type branchLock struct {
	r        *Repo
	ref      string
	via      []string // symbolic refs leading to ref, HEAD first: logged too
	refLock  *os.File
	headLock *os.File
}

// lockBranch takes the locks for ref (a full name under refs/heads/),
// then checks that HEAD still names ref and that ref still holds old:
// read only once the locks are held, the check cannot go stale.
func (r *Repo) lockBranch(ref string, old plumbing.Hash) (*branchLock, error) {
	l := &branchLock{r: r, ref: ref}
	var err error
	refPath := filepath.Join(r.commonDir, filepath.FromSlash(ref))
	if l.refLock, err = createLock(refPath, ref); err != nil {
		return nil, err
	}
	if l.headLock, err = createLock(filepath.Join(r.gitDir, "HEAD"), "HEAD"); err != nil {
		l.release()
		return nil, err
	}
	target, via, err := r.headChain()
	if err != nil {
		l.release()
		return nil, err
	}
	l.via = via
	if target != ref {
		l.release()
		return nil, fmt.Errorf("HEAD now points to %q, not %q: %w", target, ref, ErrRefMoved)
	}
	cur, found, err := r.readRef(ref)
	if err != nil {
		l.release()
		return nil, err
	}
	if !found || cur != old {
		l.release()
		now := "nothing"
		if found {
			now = cur.String()
		}
		return nil, fmt.Errorf("ref %q is at %s, expected %s: %w", ref, now, old, ErrRefMoved)
	}
	return l, nil
}

// createLock creates path+".lock" exclusively, like git's lockfile.c,
// and the ref's directory first: a ref that lives only in packed-refs may
// have none.
func createLock(path, name string) (*os.File, error) {
	if err := os.MkdirAll(filepath.Dir(path), 0o777); err != nil {
		return nil, fmt.Errorf("lock %q: %w", name, err)
	}
	return createLockFile(path, fmt.Sprintf("%q", name), ErrRefLocked)
}

// commit points the branch at new: the reflog lines first (as git does,
// while the lock is held), then the rename that publishes the ref. The
// locks are released in every case.
func (l *branchLock) commit(old, new plumbing.Hash, who object.Signature, msg string) error {
	defer l.release()
	refPath := filepath.Join(l.r.commonDir, filepath.FromSlash(l.ref))
	if _, err := fmt.Fprintf(l.refLock, "%s\n", new); err != nil {
		return fmt.Errorf("write %q: %w", refPath+".lock", err)
	}
	if err := l.refLock.Close(); err != nil {
		return fmt.Errorf("write %q: %w", refPath+".lock", err)
	}
	line := reflogLine(old, new, who, msg)
	if err := l.r.appendReflog(l.ref, line); err != nil {
		return err
	}
	for _, sym := range l.via {
		if err := l.r.appendReflog(sym, line); err != nil {
			return err
		}
	}
	l.r.step("reflog")
	if err := os.Rename(refPath+".lock", refPath); err != nil {
		return fmt.Errorf("update ref %q: %w", l.ref, err)
	}
	l.refLock = nil
	return nil
}

// release removes whatever locks are still held; after a successful
// commit only HEAD.lock, which is never renamed because HEAD itself does
// not change.
func (l *branchLock) release() {
	for _, f := range []**os.File{&l.refLock, &l.headLock} {
		if *f == nil {
			continue
		}
		(*f).Close()
		os.Remove((*f).Name())
		*f = nil
	}
}

// reflogLine is git's format: "<old> <new> <name> <<email>> <unix> <tz>\t<msg>\n",
// with the message's whitespace folded like git's copy_reflog_msg.
func reflogLine(old, new plumbing.Hash, who object.Signature, msg string) []byte {
	return fmt.Appendf(nil, "%s %s %s <%s> %d %s\t%s\n",
		old, new, who.Name, who.Email, who.When.Unix(), who.When.Format("-0700"), foldReflogMsg(msg))
}

func foldReflogMsg(msg string) string {
	var b strings.Builder
	wasSpace := true
	for _, c := range []byte(msg) {
		isSpace := c == ' ' || c == '\t' || c == '\n' || c == '\r'
		if wasSpace && isSpace {
			continue
		}
		wasSpace = isSpace
		if isSpace {
			c = ' '
		}
		b.WriteByte(c)
	}
	return strings.TrimRight(b.String(), " ")
}

// commitReflogMsg is what git commit writes: "commit: <subject>".
func commitReflogMsg(message string) string {
	subject, _, _ := strings.Cut(strings.TrimLeft(message, "\n"), "\n")
	return "commit: " + subject
}

// appendReflog appends line to the log of ref (HEAD or a full ref name).
// Like git, it creates the log only when core.logAllRefUpdates asks for it
// (default true in a repository with a worktree) for HEAD and branches,
// and otherwise appends only to a log that already exists.
func (r *Repo) appendReflog(ref string, line []byte) error {
	dir := r.commonDir
	if ref == "HEAD" {
		dir = r.gitDir
	}
	path := filepath.Join(dir, "logs", filepath.FromSlash(ref))
	flags := os.O_WRONLY | os.O_APPEND
	if r.createReflog(ref) {
		flags |= os.O_CREATE
		if err := os.MkdirAll(filepath.Dir(path), 0o777); err != nil {
			return fmt.Errorf("reflog %q: %w", path, err)
		}
	}
	f, err := os.OpenFile(path, flags, 0o666)
	if errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("reflog %q: %w", path, err)
	}
	// One write call: O_APPEND keeps concurrent appenders' lines whole.
	if _, err := f.Write(line); err != nil {
		f.Close()
		return fmt.Errorf("reflog %q: %w", path, err)
	}
	if err := f.Close(); err != nil {
		return fmt.Errorf("reflog %q: %w", path, err)
	}
	return nil
}

func (r *Repo) createReflog(ref string) bool {
	switch strings.ToLower(r.config.value("core.logallrefupdates")) {
	case "always":
		return true
	case "false", "no", "off", "0":
		return false
	case "true", "yes", "on", "1":
	default:
		// Unset: git's default is true unless the repository is bare.
		if bare, ok, _ := r.config.boolValue("core.bare"); ok && bare {
			return false
		}
	}
	return ref == "HEAD" || strings.HasPrefix(ref, "refs/heads/") ||
		strings.HasPrefix(ref, "refs/remotes/") || strings.HasPrefix(ref, "refs/notes/")
}
