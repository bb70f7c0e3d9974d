package gitrepo

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"strings"
	"sync"
	"testing"
	"time"

	git "github.com/go-git/go-git/v5"
	"github.com/go-git/go-git/v5/plumbing"
	"github.com/go-git/go-git/v5/plumbing/object"

	"github.com/rolloutgen/rolloutgen/internal/gittest"
)

// seedFiles is the remote every push test starts from: two overlays, each
// holding one "tag:" line that tagEdit rewrites.
func seedFiles() map[string]string {
	return map[string]string{
		"overlays/dev/app1/kustomization.yaml": "tag: v1\n",
		"overlays/dev/app2/kustomization.yaml": "tag: v1\n",
		"README.md":                            "demo\n",
	}
}

// errEntryGone stands for "the images: entry is no longer in the file".
var errEntryGone = errors.New("tag entry gone")

// tagEdit is a stand-in for the kustomization edit: it sets the file's
// "tag:" line, reporting no change when it already holds tag, and fails when
// the line is gone (as the real edit fails when the images: entry is).
func tagEdit(tag string) Redo {
	return func(_ context.Context, _ fs.FS, old []byte) ([]byte, string, bool, error) {
		if !strings.HasPrefix(string(old), "tag: ") {
			return nil, "", false, errEntryGone
		}
		want := "tag: " + tag + "\n"
		return []byte(want), "", string(old) != want, nil
	}
}

// remoteBump is gen bump --repo-url on one file, with an Edit standing in
// for the kustomization edit.
type remoteBump struct {
	Remote       *Endpoint
	Branch, Path string
	Meta         CommitMeta
	Edit         Redo
	Retry
}

type remoteBumpResult struct {
	Changed bool
	Branch  string
	Push    PushResult
}

// bumpRemote makes the calls bump.Bumper makes on a Source in remote
// mode: clone, read the file, edit, CommitFile, Push.
func bumpRemote(ctx context.Context, req remoteBump) (remoteBumpResult, error) {
	src, err := CloneSource(ctx, PushTarget{Remote: req.Remote, Branch: req.Branch, Retry: req.Retry})
	if err != nil {
		return remoteBumpResult{}, err
	}
	defer src.Close()
	res := remoteBumpResult{Branch: src.Branch()}
	tree, err := src.Files()
	if err != nil {
		return res, err
	}
	old, err := fs.ReadFile(tree, req.Path)
	if err != nil {
		return res, err
	}
	content, _, changed, err := req.Edit(ctx, tree, old)
	if err != nil || !changed {
		return res, err
	}
	if _, err := src.CommitFile(ctx, req.Path, content, req.Meta, nil); err != nil {
		return res, err
	}
	res.Changed = true
	res.Push, err = src.Push(ctx, PushFile{Committed: true, Path: req.Path, Meta: req.Meta, Redo: req.Edit})
	if err == nil && !res.Push.Pushed && res.Push.Reapplied {
		res.Changed = false
	}
	return res, err
}

// localPush is gen bump --push's push, after repo.CommitFile made the bump.
type localPush struct {
	Remote *Endpoint
	Path   string
	Meta   CommitMeta
	Edit   Redo
	Retry
}

func pushLocal(ctx context.Context, repo *Repo, req localPush) (PushResult, error) {
	src, err := OpenSource(repo, PushTarget{Remote: req.Remote, Retry: req.Retry})
	if err != nil {
		return PushResult{}, err
	}
	return src.Push(ctx, PushFile{Committed: true, Path: req.Path, Meta: req.Meta, Redo: req.Edit})
}

func testCommitMeta(msg string) CommitMeta {
	when := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	sig := object.Signature{Name: "Bump Bot", Email: "bump@example.com", When: when}
	return CommitMeta{Message: msg, Author: sig, Committer: sig}
}

// sleeps records the waits Push asks for instead of sleeping.
type sleeps struct {
	mu sync.Mutex
	d  []time.Duration
}

func (s *sleeps) sleep(_ context.Context, d time.Duration) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.d = append(s.d, d)
	return nil
}

func (s *sleeps) count() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.d)
}

// noSleep is a Retry that never sleeps and jitters deterministically.
func noSleep(s *sleeps) Retry {
	return Retry{Sleep: s.sleep, Rand: func() float64 { return 0.5 }}
}

// localCommit opens a git CLI clone with go-git and commits tag into path
// on top of its HEAD, as local-mode bump does; it returns the commit.
func localCommit(t *testing.T, dir, path, tag string) (*git.Repository, plumbing.Hash) {
	t.Helper()
	repo, err := git.PlainOpen(dir)
	if err != nil {
		t.Fatal(err)
	}
	head, err := repo.Head()
	if err != nil {
		t.Fatal(err)
	}
	parent, err := repo.CommitObject(head.Hash())
	if err != nil {
		t.Fatal(err)
	}
	c, _, err := writeCommit(context.Background(), repo.Storer, nil, parent, path, []byte("tag: "+tag+"\n"), testCommitMeta("bump "+path+" to "+tag))
	if err != nil {
		t.Fatal(err)
	}
	return repo, c
}

func mustEndpoint(t *testing.T, url string, opts AuthOptions) *Endpoint {
	t.Helper()
	ep, err := ResolveEndpoint(url, opts)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ep.Close() })
	return ep
}

func env(kv ...string) func(string) string {
	m := map[string]string{}
	for i := 0; i+1 < len(kv); i += 2 {
		m[kv[i]] = kv[i+1]
	}
	return func(k string) string { return m[k] }
}

// assertLinear fails unless the remote's main has no merge commits and n
// commits in all.
func assertLinear(t *testing.T, r *gittest.Remote, n int) {
	t.Helper()
	if merges := r.Git(t, "rev-list", "--merges", "main"); merges != "" {
		t.Errorf("merge commits on main:\n%s", merges)
	}
	if n > 0 {
		if got := r.Git(t, "rev-list", "--count", "main"); got != fmt.Sprint(n) {
			t.Errorf("commits on main = %s, want %d", got, n)
		}
	}
}
