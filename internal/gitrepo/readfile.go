package gitrepo

import (
	"bufio"
	"fmt"
	"io"
	"strings"

	"github.com/go-git/go-git/v5"
	"github.com/go-git/go-git/v5/plumbing"
	"github.com/go-git/go-git/v5/plumbing/filemode"
	"github.com/go-git/go-git/v5/plumbing/object"
)

// ReadFile returns the content of path (slash-separated, repo-relative) at
// rev. "HEAD" (or "") is resolved here so that it is this worktree's HEAD,
// detached or not; other revisions go through go-git's revision parser.
func (r *Repo) ReadFile(rev, path string) ([]byte, error) {
	commit, err := r.resolveCommit(rev)
	if err != nil {
		return nil, err
	}
	e, found, err := lookupPath(r.objects, commit.TreeHash, path)
	if err != nil {
		return nil, err
	}
	if !found {
		return nil, fmt.Errorf("read %q at %q: no such file", path, rev)
	}
	if !e.Mode.IsFile() {
		return nil, fmt.Errorf("read %q at %q: not a regular file", path, rev)
	}
	return readBlob(r, e.Hash)
}

// commitSigned reports whether commit hash carries a signature header.
func (r *Repo) commitSigned(hash string) (bool, error) {
	c, err := r.resolveCommit(hash)
	if err != nil {
		return false, err
	}
	return c.PGPSignature != "", nil
}

// ResolveCommit names rev's commit (a full hash), for callers that read
// many files at one revision: resolving it once spares each ReadFile the
// ref reads.
func (r *Repo) ResolveCommit(rev string) (string, error) {
	c, err := r.resolveCommit(rev)
	if err != nil {
		return "", err
	}
	return c.Hash.String(), nil
}

func (r *Repo) resolveCommit(rev string) (*object.Commit, error) {
	var h plumbing.Hash
	switch {
	case rev == "" || rev == "HEAD":
		var err error
		if h, err = r.headCommit(); err != nil {
			return nil, err
		}
	case plumbing.IsHash(rev):
		h = plumbing.NewHash(rev)
	case r.isPlainRef(rev, &h):
		// A full ref name read directly: gen status reads thousands of
		// files at the remote-tracking ref, and opening a go-git
		// repository to resolve it each time cost most of that.
		if h.IsZero() {
			return nil, fmt.Errorf("resolve %q: %w", rev, plumbing.ErrReferenceNotFound)
		}
	default:
		// go-git reads HEAD from the common directory, which in a linked
		// worktree is another worktree's HEAD: resolve ours, hand it the
		// rest ("HEAD~2" becomes "<hash>~2").
		if rest, ok := strings.CutPrefix(rev, "HEAD"); ok && (rest[0] == '~' || rest[0] == '^') {
			head, err := r.headCommit()
			if err != nil {
				return nil, err
			}
			rev = head.String() + rest
		}
		repo, err := git.Open(r.objects, nil)
		if err != nil {
			return nil, fmt.Errorf("resolve %q: %w", rev, err)
		}
		p, err := repo.ResolveRevision(plumbing.Revision(rev))
		if err != nil {
			return nil, fmt.Errorf("resolve %q: %w", rev, err)
		}
		h = *p
	}
	c, err := object.GetCommit(r.objects, h)
	if err != nil {
		return nil, fmt.Errorf("read commit %s (%q): %w", h, rev, err)
	}
	return c, nil
}

// headCommit is the commit HEAD names, detached or not.
// isPlainRef reads rev when it is a full ref name ("refs/…", no revision
// syntax), storing its commit in h (the zero hash: no such ref). A ref
// this reader refuses (a symlink, odd content) or a name with revision
// syntax is left to go-git's revision parser and its messages.
func (r *Repo) isPlainRef(rev string, h *plumbing.Hash) bool {
	if !strings.HasPrefix(rev, "refs/") || strings.ContainsAny(rev, "^~:@{ ") {
		return false
	}
	got, found, err := r.readRef(rev)
	if err != nil {
		return false
	}
	if !found {
		got = plumbing.ZeroHash
	}
	*h = got
	return true
}

func (r *Repo) headCommit() (plumbing.Hash, error) {
	target, err := r.headTarget()
	switch {
	case err == nil:
		h, found, err := r.readRef(target)
		if err != nil {
			return plumbing.ZeroHash, err
		}
		if !found {
			return plumbing.ZeroHash, fmt.Errorf("resolve HEAD (%q): %w", target, ErrUnbornBranch)
		}
		return h, nil
	case isDetached(err):
		return r.detachedHead()
	default:
		return plumbing.ZeroHash, err
	}
}

func readBlob(r *Repo, h plumbing.Hash) ([]byte, error) {
	o, err := r.objects.EncodedObject(plumbing.BlobObject, h)
	if err != nil {
		return nil, fmt.Errorf("read blob %s: %w", h, err)
	}
	b, err := objectBytes(o)
	if err != nil {
		return nil, fmt.Errorf("read blob %s: %w", h, err)
	}
	return b, nil
}

// lookupPath walks only the trees on path, scanning each one as it is
// read: cheaper than go-git's Tree.File, which builds a map of every tree
// it passes, and than Tree.Decode, which makes a string and an entry for
// each of the 5,000 names of a big overlays/<env> directory to keep one.
func lookupPath(s interface {
	EncodedObject(plumbing.ObjectType, plumbing.Hash) (plumbing.EncodedObject, error)
}, root plumbing.Hash, path string) (object.TreeEntry, bool, error) {
	parts, err := splitRepoPath(path)
	if err != nil {
		return object.TreeEntry{}, false, err
	}
	h := root
	for i, name := range parts {
		o, err := s.EncodedObject(plumbing.TreeObject, h)
		if err != nil {
			return object.TreeEntry{}, false, fmt.Errorf("read tree %s on the way to %q: %w", h, path, err)
		}
		e, found, err := findTreeEntry(o, name)
		if err != nil {
			return object.TreeEntry{}, false, fmt.Errorf("decode tree %s on the way to %q: %w", h, path, err)
		}
		if !found {
			return object.TreeEntry{}, false, nil
		}
		if i == len(parts)-1 {
			return e, true, nil
		}
		if e.Mode != filemode.Dir {
			return object.TreeEntry{}, false, nil
		}
		h = e.Hash
	}
	return object.TreeEntry{}, false, nil
}

// findTreeEntry scans a tree object ("<octal mode> <name>\0<20-byte id>"
// per entry) for name, as Tree.Decode would parse it.
func findTreeEntry(o plumbing.EncodedObject, name string) (e object.TreeEntry, found bool, err error) {
	rd, err := o.Reader()
	if err != nil {
		return e, false, err
	}
	defer closeKeepErr(rd, &err)
	br := bufio.NewReader(rd)
	for {
		mode, err := readSlice(br, ' ')
		if err == io.EOF && len(mode) == 0 {
			return e, false, nil
		}
		if err != nil {
			return e, false, fmt.Errorf("tree entry mode: %w", noEOF(err))
		}
		m, err := filemode.New(string(mode[:len(mode)-1]))
		if err != nil {
			return e, false, err
		}
		n, err := readSlice(br, 0)
		if err != nil {
			return e, false, fmt.Errorf("tree entry name: %w", noEOF(err))
		}
		match := string(n[:len(n)-1]) == name
		var h plumbing.Hash
		if _, err := io.ReadFull(br, h[:]); err != nil {
			return e, false, fmt.Errorf("tree entry id: %w", noEOF(err))
		}
		if match {
			return object.TreeEntry{Name: name, Mode: m, Hash: h}, true, nil
		}
	}
}

// readSlice is bufio's ReadSlice for names longer than its buffer too.
func readSlice(br *bufio.Reader, delim byte) ([]byte, error) {
	b, err := br.ReadSlice(delim)
	if err != bufio.ErrBufferFull {
		return b, err
	}
	long := append([]byte(nil), b...)
	for err == bufio.ErrBufferFull {
		b, err = br.ReadSlice(delim)
		long = append(long, b...)
	}
	return long, err
}

// noEOF: a tree that ends inside an entry is truncated, not complete.
func noEOF(err error) error {
	if err == io.EOF {
		return io.ErrUnexpectedEOF
	}
	return err
}
