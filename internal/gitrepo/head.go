package gitrepo

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"syscall"

	"github.com/go-git/go-git/v5/plumbing"
)

// Head returns the branch HEAD points to (short name, e.g. "main") and its
// commit. It refuses, with the sentinels of this package, when no commit
// could safely be added: an operation in progress, a detached HEAD, an
// unborn branch.
func (r *Repo) Head() (branch string, commit plumbing.Hash, err error) {
	if err := r.checkNoOperation(); err != nil {
		return "", plumbing.ZeroHash, err
	}
	ref, err := r.headTarget()
	if err != nil {
		return "", plumbing.ZeroHash, err
	}
	h, found, err := r.readRef(ref)
	if err != nil {
		return "", plumbing.ZeroHash, err
	}
	branch = strings.TrimPrefix(ref, "refs/heads/")
	if !found {
		return "", plumbing.ZeroHash, fmt.Errorf("branch %q: %w", branch, ErrUnbornBranch)
	}
	return branch, h, nil
}

// headTarget returns the full ref name HEAD points to, following
// symbolic refs (a "ref:" file or a symlink, as git's files backend
// reads them) to the branch at the end, or ErrDetachedHead.
func (r *Repo) headTarget() (string, error) {
	target, _, err := r.headChain()
	return target, err
}

// symrefMaxDepth is git's SYMREF_MAXDEPTH.
const symrefMaxDepth = 5

// headChain is headTarget with the symbolic refs passed on the way
// (HEAD first): a commit is logged in each one's reflog, as git does.
func (r *Repo) headChain() (target string, via []string, err error) {
	name := "HEAD"
	for depth := 0; ; depth++ {
		if depth > symrefMaxDepth {
			return "", nil, fmt.Errorf("read HEAD: symbolic refs nested deeper than %d: %v", symrefMaxDepth, via)
		}
		content, link, err := r.readRefFile(name)
		if err != nil {
			return "", nil, err
		}
		switch {
		case link != "":
			via, name = append(via, name), link
			continue
		case content == nil && name == "HEAD":
			return "", nil, errors.New("read HEAD: no HEAD file")
		case content == nil:
			return name, via, nil // unborn: Head reports it
		}
		line := strings.TrimSpace(string(content))
		if t, ok := strings.CutPrefix(line, "ref:"); ok {
			via, name = append(via, name), strings.TrimSpace(t)
			continue
		}
		if name != "HEAD" {
			if !strings.HasPrefix(name, "refs/heads/") {
				return "", nil, fmt.Errorf("HEAD points to %q, not to a branch under refs/heads/", name)
			}
			return name, via, nil
		}
		if plumbing.IsHash(line) {
			return "", nil, fmt.Errorf("HEAD at %s: %w", line[:min(12, len(line))], ErrDetachedHead)
		}
		return "", nil, fmt.Errorf("read HEAD: unexpected content %q", line)
	}
}

// refPath is where the loose ref name lives: HEAD and the other
// per-worktree pseudo-refs in gitDir, everything under refs/ in commonDir.
func (r *Repo) refPath(name string) string {
	if !strings.HasPrefix(name, "refs/") {
		return filepath.Join(r.gitDir, name)
	}
	return filepath.Join(r.commonDir, filepath.FromSlash(name))
}

// readRefFile reads the loose ref name as git's files backend does
// (refs/files-backend.c, files_read_raw_ref): a symlink whose target
// starts with "refs/" is a symbolic ref to that name (the old
// core.preferSymlinkRefs form) and is returned as link; any other
// symlink is followed and its target's content read. content is nil when
// there is no loose ref (a directory counts as none).
func (r *Repo) readRefFile(name string) (content []byte, link string, err error) {
	p := r.refPath(name)
	fi, err := os.Lstat(p)
	switch {
	case errors.Is(err, fs.ErrNotExist), isNotDir(err):
		return nil, "", nil
	case err != nil:
		return nil, "", fmt.Errorf("read ref %q: %w", name, err)
	case fi.Mode()&fs.ModeSymlink != 0:
		t, err := os.Readlink(p)
		if err != nil {
			return nil, "", fmt.Errorf("read ref %q: %w", name, err)
		}
		if strings.HasPrefix(t, "refs/") {
			return nil, t, nil
		}
	}
	b, err := os.ReadFile(p)
	switch {
	case errors.Is(err, fs.ErrNotExist), isNotDir(err), isDirErr(err):
		return nil, "", nil
	case err != nil:
		return nil, "", fmt.Errorf("read ref %q: %w", name, err)
	}
	return b, "", nil
}

func isDirErr(err error) bool { return errors.Is(err, syscall.EISDIR) }

// operationMarkers are the files git leaves while a multi-step operation
// waits for the user; a commit in between would be folded into it.
func operationMarkers() []struct{ file, name string } {
	return []struct{ file, name string }{
		{"MERGE_HEAD", "merge"},
		{"rebase-merge", "rebase"},
		{"rebase-apply", "rebase or am"},
		{"CHERRY_PICK_HEAD", "cherry-pick"},
		{"REVERT_HEAD", "revert"},
		{"BISECT_LOG", "bisect"},
	}
}

func (r *Repo) checkNoOperation() error {
	for _, m := range operationMarkers() {
		_, err := os.Lstat(filepath.Join(r.gitDir, m.file))
		if err == nil {
			return fmt.Errorf("%s in progress (%q exists): %w", m.name, filepath.Join(r.gitDir, m.file), ErrOperationInProgress)
		}
		if !errors.Is(err, fs.ErrNotExist) {
			return fmt.Errorf("check for a %s in progress: %w", m.name, err)
		}
	}
	return nil
}

// readRef resolves a full ref name the way git's files backend does:
// the loose file wins, packed-refs is the fallback. Symbolic refs other
// than HEAD are refused: nothing here needs them and following them would
// hide which file is the one to lock (headChain follows HEAD's).
func (r *Repo) readRef(name string) (h plumbing.Hash, found bool, err error) {
	b, link, err := r.readRefFile(name)
	switch {
	case err != nil:
		return plumbing.ZeroHash, false, err
	case link != "":
		return plumbing.ZeroHash, false, fmt.Errorf("ref %q is a symbolic link to %q; refusing to follow it", name, link)
	case b == nil:
		return r.readPackedRef(name)
	}
	s := strings.TrimSpace(string(b))
	if strings.HasPrefix(s, "ref:") {
		return plumbing.ZeroHash, false, fmt.Errorf("ref %q is symbolic (%q); refusing to follow it", name, s)
	}
	if !plumbing.IsHash(s) {
		return plumbing.ZeroHash, false, fmt.Errorf("ref %q: unexpected content %q", name, s)
	}
	return plumbing.NewHash(s), true, nil
}

// isNotDir: a loose ref "a/b" cannot exist while "a" is a file; git then
// looks in packed-refs, and so do we.
func isNotDir(err error) bool { return errors.Is(err, syscall.ENOTDIR) }

func (r *Repo) readPackedRef(name string) (plumbing.Hash, bool, error) {
	path := filepath.Join(r.commonDir, "packed-refs")
	f, err := os.Open(path)
	if errors.Is(err, fs.ErrNotExist) {
		return plumbing.ZeroHash, false, nil
	}
	if err != nil {
		return plumbing.ZeroHash, false, fmt.Errorf("read %q: %w", path, err)
	}
	defer f.Close()
	want := []byte(name)
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 0, 64*1024), 1<<20)
	for sc.Scan() {
		line := sc.Bytes()
		if len(line) == 0 || line[0] == '#' || line[0] == '^' {
			continue
		}
		hex, ref, ok := bytes.Cut(line, []byte(" "))
		if ok && bytes.Equal(ref, want) && plumbing.IsHash(string(hex)) {
			return plumbing.NewHash(string(hex)), true, nil
		}
	}
	if err := sc.Err(); err != nil {
		return plumbing.ZeroHash, false, fmt.Errorf("read %q: %w", path, err)
	}
	return plumbing.ZeroHash, false, nil
}

func isDetached(err error) bool { return errors.Is(err, ErrDetachedHead) }

func (r *Repo) detachedHead() (plumbing.Hash, error) {
	b, err := os.ReadFile(filepath.Join(r.gitDir, "HEAD"))
	if err != nil {
		return plumbing.ZeroHash, fmt.Errorf("read HEAD: %w", err)
	}
	s := strings.TrimSpace(string(b))
	if !plumbing.IsHash(s) {
		return plumbing.ZeroHash, fmt.Errorf("read HEAD: unexpected content %q", s)
	}
	return plumbing.NewHash(s), nil
}
