package gitrepo

import (
	"fmt"

	"github.com/go-git/go-git/v5/plumbing"
	"github.com/go-git/go-git/v5/plumbing/filemode"
	"github.com/go-git/go-git/v5/plumbing/object"
	"github.com/go-git/go-git/v5/plumbing/storer"
)

// treeDelta is one path whose entry differs between two trees.
type treeDelta struct {
	path         string
	from, to     object.TreeEntry
	inFrom, inTo bool
}

// diffTrees is the one tree walker: it walks trees a and b (zero: empty)
// together and calls visit for every path whose entry differs, a directory
// before what is under it. It descends only into b's directories whose
// hashes differ from a's at the same path (against an empty tree where a
// has none there), so its cost follows the change, not the repository;
// a directory b lacks is visited but not descended into.
func diffTrees(s storer.EncodedObjectStorer, prefix string, a, b plumbing.Hash, visit func(treeDelta) error) error {
	if a == b {
		return nil
	}
	am, anames, err := treeEntries(s, a)
	if err != nil {
		return err
	}
	bm, bnames, err := treeEntries(s, b)
	if err != nil {
		return err
	}
	seen := make(map[string]bool, len(anames)+len(bnames))
	for _, name := range append(anames, bnames...) {
		if seen[name] {
			continue
		}
		seen[name] = true
		ae, inA := am[name]
		be, inB := bm[name]
		if inA && inB && ae.Hash == be.Hash && ae.Mode == be.Mode {
			continue
		}
		d := treeDelta{path: prefix + name, from: ae, to: be, inFrom: inA, inTo: inB}
		if err := visit(d); err != nil {
			return err
		}
		if inB && be.Mode == filemode.Dir {
			old := plumbing.ZeroHash
			if inA && ae.Mode == filemode.Dir {
				old = ae.Hash
			}
			if err := diffTrees(s, d.path+"/", old, be.Hash, visit); err != nil {
				return err
			}
		}
	}
	return nil
}

// treeEntries is tree h's entries by name, and the names in tree order.
func treeEntries(s storer.EncodedObjectStorer, h plumbing.Hash) (map[string]object.TreeEntry, []string, error) {
	m := map[string]object.TreeEntry{}
	if h.IsZero() {
		return m, nil, nil
	}
	t, err := object.GetTree(s, h)
	if err != nil {
		return nil, nil, fmt.Errorf("read tree %s: %w", h, err)
	}
	names := make([]string, 0, len(t.Entries))
	for _, e := range t.Entries {
		m[e.Name] = e
		names = append(names, e.Name)
	}
	return m, names, nil
}
