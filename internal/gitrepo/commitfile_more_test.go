package gitrepo

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestCommitFileUndo makes the final ref rename fail after the worktree
// file and the index were written: both must be put back.
func TestCommitFileUndo(t *testing.T) {
	g := seedRepo(t)
	g.write("README.md", "modified, not staged\n")
	before := g.git("rev-parse", "HEAD")
	r, err := Open(g.dir)
	if err != nil {
		t.Fatal(err)
	}
	ref := filepath.Join(g.dir, ".git", "refs", "heads", "main")
	r.afterStep = func(step string) {
		if step == "reflog" {
			// A non-empty directory where the ref file was: rename fails.
			os.Remove(ref)
			os.MkdirAll(filepath.Join(ref, "x"), 0o755)
		}
	}
	_, err = r.CommitFile(context.Background(), CommitFileRequest{Path: bumpPath, Content: []byte(bumped), Meta: testMeta("bump")})
	if err == nil || !strings.Contains(err.Error(), "update ref") {
		t.Fatalf("err = %v, want the ref update to fail", err)
	}
	os.RemoveAll(ref)
	os.WriteFile(ref, []byte(before+"\n"), 0o644)
	if got := g.git("rev-parse", "HEAD"); got != before {
		t.Fatalf("HEAD = %s, want %s", got, before)
	}
	assertHealthy(t, g, " M README.md")
	for _, lock := range []string{"index.lock", "HEAD.lock", "refs/heads/main.lock"} {
		if _, err := os.Stat(filepath.Join(g.dir, ".git", lock)); err == nil {
			t.Errorf("left %s behind", lock)
		}
	}
}

// TestCommitFileLinkedWorktree commits from a worktree made by git
// worktree add: HEAD, index and logs/HEAD are per worktree, the branch
// and its log shared.
func TestCommitFileLinkedWorktree(t *testing.T) {
	g := seedRepo(t)
	wt := filepath.Join(filepath.Dir(g.dir), "wt")
	g.git("worktree", "add", "-q", "-b", "feature", wt)
	w := &gitRepo{t: t, dir: wt, home: g.home}
	r, err := Open(filepath.Join(wt, "overlays", "dev"))
	if err != nil {
		t.Fatal(err)
	}
	if r.Root() != wt {
		t.Errorf("Root = %q, want %q", r.Root(), wt)
	}
	res, err := r.CommitFile(context.Background(), CommitFileRequest{Path: bumpPath, Content: []byte(bumped), Meta: testMeta("bump in worktree")})
	if err != nil {
		t.Fatal(err)
	}
	if res.Branch != "feature" {
		t.Errorf("branch = %q", res.Branch)
	}
	if got := w.git("rev-parse", "HEAD"); got != res.Commit.String() {
		t.Errorf("worktree HEAD = %s, want %s", got, res.Commit)
	}
	if got := g.git("rev-parse", "main"); got == res.Commit.String() {
		t.Errorf("main moved")
	}
	if got := w.git("reflog", "-1", "--format=%gs", "HEAD"); got != "commit: bump in worktree" {
		t.Errorf("worktree HEAD reflog = %q", got)
	}
	if got := g.git("reflog", "-1", "--format=%gs", "feature"); got != "commit: bump in worktree" {
		t.Errorf("branch reflog = %q", got)
	}
	if got := g.git("reflog", "-1", "--format=%gs", "HEAD"); got == "commit: bump in worktree" {
		t.Errorf("the main worktree's HEAD reflog got the entry")
	}
	r2, err := Open(wt)
	if err != nil {
		t.Fatal(err)
	}
	if got, err := r2.ReadFile("HEAD~1", bumpPath); err != nil || string(got) == bumped {
		t.Errorf("ReadFile(HEAD~1) in the worktree = %q, %v; want the content before the bump", got, err)
	}
	if got, err := r2.ReadFile("HEAD", bumpPath); err != nil || string(got) != bumped {
		t.Errorf("ReadFile(HEAD) in the worktree = %q, %v", got, err)
	}
	w.git("fsck", "--strict", "--no-dangling")
	if got := w.git("status", "--porcelain"); got != "" {
		t.Errorf("status = %q", got)
	}
	if got := g.git("status", "--porcelain"); got != "" {
		t.Errorf("main worktree status = %q", got)
	}
}

func TestCommitFileErrorGivesZeroResult(t *testing.T) {
	g := seedRepo(t)
	g.write(".git/refs/heads/main.lock", "")
	res, err := bump(t, g, bumpPath, bumped)
	if err == nil || res != (Result{}) {
		t.Errorf("CommitFile = %+v, %v; want a zero Result with the error", res, err)
	}
}

func TestCommitFileRefusesSplitIndex(t *testing.T) {
	g := seedRepo(t)
	g.git("update-index", "--split-index")
	fileBefore, _ := os.ReadFile(filepath.Join(g.dir, bumpPath))
	_, err := bump(t, g, bumpPath, bumped)
	if err == nil || !strings.Contains(err.Error(), "split index") {
		t.Fatalf("err = %v, want a split-index refusal", err)
	}
	if got, _ := os.ReadFile(filepath.Join(g.dir, bumpPath)); string(got) != string(fileBefore) {
		t.Errorf("worktree file changed")
	}
	assertHealthyNoTree(t, g)
}

// assertHealthyNoTree is assertHealthy for indexes without a cache-tree.
func assertHealthyNoTree(t *testing.T, g *gitRepo) {
	t.Helper()
	g.git("fsck", "--strict", "--no-dangling")
	if got := g.git("status", "--porcelain"); got != "" {
		t.Errorf("git status --porcelain = %q", got)
	}
}

// CommitFile reads the index again under index.lock: whatever another
// tool wrote to it after CheckClean (a staged file) is kept.
func TestCommitFileAfterCheckClean(t *testing.T) {
	for _, tc := range []struct {
		name    string
		between func(g *gitRepo)
		status  string
	}{
		{"index unchanged", func(*gitRepo) {}, ""},
		{"git add in between", func(g *gitRepo) {
			g.write("README.md", "changed\n")
			g.git("add", "README.md")
		}, "M  README.md"},
		{"index rewritten, same content", func(g *gitRepo) {
			g.git("update-index", "--really-refresh")
		}, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			g := seedRepo(t)
			r, err := Open(g.dir)
			if err != nil {
				t.Fatal(err)
			}
			if err := r.CheckClean(bumpPath); err != nil {
				t.Fatal(err)
			}
			tc.between(g)
			res, err := r.CommitFile(context.Background(), CommitFileRequest{Path: bumpPath, Content: []byte(bumped), Meta: testMeta("bump")})
			if err != nil {
				t.Fatal(err)
			}
			if got := g.git("diff-tree", "--no-commit-id", "--name-only", "-r", res.Commit.String()); got != bumpPath {
				t.Errorf("commit touches %q, want only %s", got, bumpPath)
			}
			assertHealthy(t, g, tc.status)
		})
	}
}
