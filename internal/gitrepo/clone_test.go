package gitrepo

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/go-git/go-git/v5/plumbing"
	"github.com/go-git/go-git/v5/plumbing/object"

	"github.com/rolloutgen/rolloutgen/internal/gittest"
)

// TestCloneShallow: one commit deep, one branch, no tags, nothing else.
func TestCloneShallow(t *testing.T) {
	r := gittest.NewRemote(t, seedFiles())
	second := r.Commit(t, "second", map[string]string{"README.md": "two\n"})
	r.Git(t, "branch", "other", "main~1")
	r.Git(t, "tag", "v1", "main~1")
	ep := mustEndpoint(t, r.FileURL(), AuthOptions{})

	c, err := cloneShallow(context.Background(), ep, "")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.close() })
	if c.Branch != "main" || c.Head.Hash.String() != second {
		t.Errorf("clone = %s at %s, want main at %s", c.Branch, c.Head.Hash, second)
	}
	shallow, err := c.Storer.Shallow()
	if err != nil || len(shallow) != 1 || shallow[0].String() != second {
		t.Errorf("shallow = %v (%v), want just %s", shallow, err, second)
	}
	if _, err := object.GetCommit(c.Storer, c.Head.ParentHashes[0]); err == nil {
		t.Error("the parent commit was fetched: clone is not depth 1")
	}
	refs, err := c.Storer.IterReferences()
	if err != nil {
		t.Fatal(err)
	}
	_ = refs.ForEach(func(ref *plumbing.Reference) error {
		if ref.Name().IsTag() || strings.Contains(ref.Name().String(), "other") {
			t.Errorf("clone has %s: not single-branch without tags", ref.Name())
		}
		return nil
	})
	got, err := readFileAt(c.Head, "README.md")
	if err != nil || string(got) != "two\n" {
		t.Errorf("ReadFileAt = %q, %v", got, err)
	}
	if _, err := readFileAt(c.Head, "overlays/nope/kustomization.yaml"); !errors.Is(err, ErrFileNotFound) {
		t.Errorf("missing file: err = %v, want ErrFileNotFound", err)
	}
	if _, err := cloneShallow(context.Background(), ep, "no-such-branch"); err == nil {
		t.Error("clone of a missing branch succeeded")
	}
	other, err := cloneShallow(context.Background(), ep, "other")
	if err != nil || other.Branch != "other" {
		t.Fatalf("clone other = %+v, %v", other, err)
	}
	other.close()
}
