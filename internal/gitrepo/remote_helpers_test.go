package gitrepo

import (
	"context"
	"errors"
	"fmt"
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
func tagEdit(tag string) EditFunc {
	return func(_ context.Context, _ *object.Commit, old []byte) ([]byte, bool, error) {
		if !strings.HasPrefix(string(old), "tag: ") {
			return nil, false, errEntryGone
		}
		want := "tag: " + tag + "\n"
		return []byte(want), string(old) != want, nil
	}
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
	c, _, err := WriteCommit(repo.Storer, parent, path, []byte("tag: "+tag+"\n"), testCommitMeta("bump "+path+" to "+tag))
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
