package gitrepo

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"strings"

	"github.com/go-git/go-git/v5/plumbing"
	"github.com/go-git/go-git/v5/plumbing/filemode"
	"github.com/go-git/go-git/v5/plumbing/object"
	"github.com/go-git/go-git/v5/plumbing/storer"
)

// CommitMeta is what a commit says about itself besides its tree and parent.
type CommitMeta struct {
	Message           string
	Author, Committer object.Signature
}

// writeCommit writes the blob for content at path (slash-separated,
// repo-relative), rebuilds only the trees on that path from parent's tree,
// writes the commit object with parent as its only parent, and returns the
// new commit and tree hashes. Nothing else is read or written.
//
// The cost is one blob, one tree per path component and one commit, however
// many files the repository holds. An existing entry keeps its file mode
// (regular or executable); a new one is added as a regular file, with any
// missing directories. A nil parent makes a root commit from an empty tree.
// A message without a trailing newline gets one, as git commit does.
// sg, when set, signs the commit.
func writeCommit(ctx context.Context, s storer.EncodedObjectStorer, sg *signer, parent *object.Commit, path string, content []byte, meta CommitMeta) (commit, tree plumbing.Hash, err error) {
	t := &txn{store: s, signer: sg}
	return t.commit(ctx, parent, []fileChange{{path: path, content: content}}, meta)
}

// splitRepoPath rejects paths git itself would refuse to track, so a bad
// argument fails here rather than as a corrupt tree that fsck reports later.
func splitRepoPath(path string) ([]string, error) {
	if path == "" {
		return nil, fmt.Errorf("path %q: empty", path)
	}
	parts := strings.Split(path, "/")
	for _, p := range parts {
		switch {
		case p == "", p == ".", p == "..":
			return nil, fmt.Errorf("path %q: want a clean, relative, slash-separated path", path)
		case strings.EqualFold(p, ".git"):
			return nil, fmt.Errorf("path %q: cannot write inside .git", path)
		case strings.ContainsRune(p, 0):
			return nil, fmt.Errorf("path %q: contains NUL", path)
		}
	}
	return parts, nil
}

func writeBlob(s storer.EncodedObjectStorer, content []byte) (plumbing.Hash, error) {
	obj := s.NewEncodedObject()
	obj.SetType(plumbing.BlobObject)
	obj.SetSize(int64(len(content)))
	w, err := obj.Writer()
	if err != nil {
		return plumbing.ZeroHash, err
	}
	if _, err := w.Write(content); err != nil {
		w.Close()
		return plumbing.ZeroHash, err
	}
	if err := w.Close(); err != nil {
		return plumbing.ZeroHash, err
	}
	return s.SetEncodedObject(obj)
}

// rewriteTree returns the hash of the tree treeHash (zero: empty) with
// parts set to blob, writing the new trees bottom-up. Sibling subtrees are
// referenced by hash and never read.
func rewriteTree(s storer.EncodedObjectStorer, treeHash plumbing.Hash, parts []string, dir string, blob plumbing.Hash) (plumbing.Hash, error) {
	var entries []object.TreeEntry
	if !treeHash.IsZero() {
		t, err := object.GetTree(s, treeHash)
		if err != nil {
			return plumbing.ZeroHash, fmt.Errorf("read tree %q (%s): %w", dirName(dir), treeHash, err)
		}
		entries = append(make([]object.TreeEntry, 0, len(t.Entries)+1), t.Entries...)
	}
	name := parts[0]
	here := dir + name
	i := -1
	for j := range entries {
		if entries[j].Name == name {
			i = j
			break
		}
	}
	if len(parts) == 1 {
		if i < 0 {
			entries = append(entries, object.TreeEntry{Name: name, Mode: filemode.Regular, Hash: blob})
		} else {
			switch entries[i].Mode {
			case filemode.Regular, filemode.Executable, filemode.Deprecated:
				entries[i].Hash = blob
			case filemode.Dir:
				return plumbing.ZeroHash, fmt.Errorf("path %q is a directory in the parent commit", here)
			default:
				return plumbing.ZeroHash, fmt.Errorf("path %q is a %s in the parent commit, not a regular file", here, modeName(entries[i].Mode))
			}
		}
	} else {
		var sub plumbing.Hash
		if i >= 0 {
			if entries[i].Mode != filemode.Dir {
				return plumbing.ZeroHash, fmt.Errorf("path %q is not a directory in the parent commit", here)
			}
			sub = entries[i].Hash
		}
		newSub, err := rewriteTree(s, sub, parts[1:], here+"/", blob)
		if err != nil {
			return plumbing.ZeroHash, err
		}
		if i < 0 {
			entries = append(entries, object.TreeEntry{Name: name, Mode: filemode.Dir, Hash: newSub})
		} else {
			entries[i].Hash = newSub
		}
	}
	if i < 0 {
		// Existing entries are already in git's order; only the new one moves.
		sort.Stable(object.TreeEntrySorter(entries))
	}
	t := &object.Tree{Entries: entries}
	obj := s.NewEncodedObject()
	if err := t.Encode(obj); err != nil {
		if errors.Is(err, object.ErrEntriesNotSorted) {
			return plumbing.ZeroHash, fmt.Errorf("tree %q (%s) in the parent commit is not in git order: %w", dirName(dir), treeHash, err)
		}
		return plumbing.ZeroHash, fmt.Errorf("encode tree %q: %w", dirName(dir), err)
	}
	h, err := s.SetEncodedObject(obj)
	if err != nil {
		return plumbing.ZeroHash, fmt.Errorf("write tree %q: %w", dirName(dir), err)
	}
	return h, nil
}

func dirName(dir string) string {
	if dir == "" {
		return "/"
	}
	return strings.TrimSuffix(dir, "/")
}

func modeName(m filemode.FileMode) string {
	switch m {
	case filemode.Symlink:
		return "symlink"
	case filemode.Submodule:
		return "submodule"
	default:
		return fmt.Sprintf("mode %o entry", uint32(m))
	}
}
