package gitrepo

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"strings"
	"testing"

	"github.com/rolloutgen/rolloutgen/internal/gittest"
)

// historyRemote is a bare repository whose main has a seed commit and n
// more, made with the git CLI: commit i writes other.txt, and also
// app/k.yaml when changes[i] is set. It returns the remote and the
// commits, oldest (the seed) first.
func historyRemote(t *testing.T, n int, changes map[int]string) (*gittest.Remote, []string) {
	t.Helper()
	remote := gittest.NewRemote(t, map[string]string{"app/k.yaml": "tag: v1\n", "other.txt": "0\n"})
	dir := remote.Clone(t)
	commits := []string{remote.Git(t, "rev-parse", "main")}
	for i := 1; i <= n; i++ {
		files := map[string]string{"other.txt": fmt.Sprintf("%d\n", i)}
		if v, ok := changes[i]; ok {
			files["app/k.yaml"] = v
		}
		gittest.WriteFiles(t, dir, files)
		gittest.Git(t, remote.Home, dir, "commit", "-q", "-am", fmt.Sprintf("commit %d", i))
		commits = append(commits, gittest.Git(t, remote.Home, dir, "rev-parse", "HEAD"))
	}
	gittest.Git(t, remote.Home, dir, "push", "-q", "origin", "main")
	return remote, commits
}

func cloneHistory(t *testing.T, remote *gittest.Remote, maxDepth int) *History {
	t.Helper()
	ep, err := ResolveEndpoint(remote.FileURL(), AuthOptions{})
	if err != nil {
		t.Fatal(err)
	}
	src, err := CloneSource(context.Background(), PushTarget{Remote: ep, RemoteName: "origin"})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { src.Close() })
	return src.History(maxDepth)
}

// TestHistoryDeepensAClone: a depth-1 clone knows no file history; each
// Deepen doubles the depth up to the bound, and the log, once complete,
// is the git CLI's.
func TestHistoryDeepensAClone(t *testing.T) {
	remote, commits := historyRemote(t, 40, map[int]string{3: "tag: v2\n", 10: "tag: v3\n", 35: "tag: v4\n"})
	want := strings.Fields(remote.Git(t, "log", "--format=%H", "main", "--", "app/k.yaml"))
	ctx := context.Background()

	h := cloneHistory(t, remote, 200)
	log, complete, err := h.FileLog(ctx, "app/k.yaml", 0)
	if err != nil || complete || len(log) != 0 {
		t.Fatalf("depth 1: log %v complete %v err %v; want nothing known, incomplete", log, complete, err)
	}
	var depths []int
	for !complete {
		more, err := h.Deepen(ctx)
		if err != nil || !more {
			t.Fatalf("deepen after %v: %v %v", depths, more, err)
		}
		depths = append(depths, h.Depth())
		if log, complete, err = h.FileLog(ctx, "app/k.yaml", 0); err != nil {
			t.Fatal(err)
		}
		if !complete && !isPrefix(log, want) {
			t.Fatalf("at depth %d the log %v is not a prefix of git's %v", h.Depth(), log, want)
		}
	}
	if fmt.Sprint(depths) != "[16 32 64]" {
		t.Errorf("depths %v, want doubling steps [16 32 64]", depths)
	}
	if fmt.Sprint(log) != fmt.Sprint(want) {
		t.Errorf("log %v, want git's %v", log, want)
	}
	if shallow, _ := h.src.store.Shallow(); len(shallow) != 0 {
		t.Errorf("shallow %v after the history reached the root; want none", shallow)
	}
	if got, err := h.Resolve(ctx, "HEAD~30"); err != nil || got != commits[10] {
		t.Errorf("HEAD~30 = %s %v, want %s", got, err, commits[10])
	}
	for _, tt := range []struct {
		a, d string
		want bool
	}{{commits[3], commits[40], true}, {commits[40], commits[3], false}} {
		if got, err := h.IsAncestor(ctx, tt.a, tt.d); err != nil || got != tt.want {
			t.Errorf("IsAncestor(%.7s, %.7s) = %v %v, want %v", tt.a, tt.d, got, err, tt.want)
		}
	}
}

// TestHistoryEndsAtMaxDepth: past --max-depth the history says it ends;
// it never passes the boundary commit off as the file's first.
func TestHistoryEndsAtMaxDepth(t *testing.T) {
	remote, commits := historyRemote(t, 40, map[int]string{3: "tag: v2\n", 35: "tag: v4\n"})
	ctx := context.Background()
	h := cloneHistory(t, remote, 20)
	for {
		more, err := h.Deepen(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if !more {
			break
		}
	}
	if h.Depth() != 20 {
		t.Errorf("depth %d, want the bound 20", h.Depth())
	}
	log, complete, err := h.FileLog(ctx, "app/k.yaml", 0)
	if err != nil || complete || fmt.Sprint(log) != fmt.Sprint([]string{commits[35]}) {
		t.Errorf("log %v complete %v err %v; want only commit 35, incomplete", log, complete, err)
	}
	if _, err := h.Resolve(ctx, commits[3]); !errors.Is(err, ErrRevisionNotFound) {
		t.Errorf("commit 3 beyond the bound: %v, want ErrRevisionNotFound", err)
	}
	if _, err := h.IsAncestor(ctx, commits[3], commits[40]); !errors.Is(err, ErrRevisionNotFound) {
		t.Errorf("IsAncestor beyond the bound: %v, want ErrRevisionNotFound", err)
	}
}

// TestHistoryShallowCheckout: in a checkout made by git clone --depth,
// git log shows the boundary commit as the file's creation; History cuts
// the log there and says it is incomplete.
func TestHistoryShallowCheckout(t *testing.T) {
	remote, commits := historyRemote(t, 10, map[int]string{2: "tag: v2\n", 9: "tag: v3\n"})
	dir := filepath.Join(t.TempDir(), "shallow")
	gittest.Git(t, remote.Home, remote.Root, "clone", "-q", "--depth", "4", remote.FileURL(), dir)
	repo, err := Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	src, err := OpenSource(repo, PushTarget{})
	if err != nil {
		t.Fatal(err)
	}
	h := src.History(0)
	log, complete, err := h.FileLog(context.Background(), "app/k.yaml", 0)
	if err != nil || complete || fmt.Sprint(log) != fmt.Sprint([]string{commits[9]}) {
		t.Errorf("log %v complete %v err %v; want commit 9 only, incomplete", log, complete, err)
	}
	if more, err := h.Deepen(context.Background()); more || err != nil {
		t.Errorf("a checkout deepened: %v %v", more, err)
	}
}

func isPrefix(a, b []string) bool {
	return len(a) <= len(b) && fmt.Sprint(a) == fmt.Sprint(b[:len(a)])
}
