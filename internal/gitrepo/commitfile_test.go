package gitrepo

import (
	"bytes"
	"context"
	"crypto/sha1"
	"encoding/binary"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

const bumpPath = "overlays/dev/app1/kustomization.yaml"

// seedRepo makes a small GitOps-like repository whose index carries a
// complete cache-tree, as git commit leaves it.
func seedRepo(t *testing.T) *gitRepo {
	t.Helper()
	g := newGitRepo(t)
	g.commitFiles("init", map[string]string{
		"README.md":                             "hello\n",
		"base/app1/rollout.yaml":                "kind: Rollout\n",
		"base/app2/rollout.yaml":                "kind: Rollout\n",
		bumpPath:                                "images:\n- name: app1 # the app\n  newTag: v1\n",
		"overlays/dev/app2/kustomization.yaml":  "images: []\n",
		"overlays/prod/app1/kustomization.yaml": "images: []\n",
		"overlays/dev/app1-extra/x.yaml":        "x: 1\n",
	})
	return g
}

const bumped = "images:\n- name: app1 # the app\n  newTag: v2\n"

func bump(t *testing.T, g *gitRepo, path, content string) (Result, error) {
	t.Helper()
	r, err := Open(filepath.Join(g.dir, "overlays"))
	if err != nil {
		t.Fatal(err)
	}
	meta := testMeta("bump app1 in dev to v2\n\nold: v1")
	return r.CommitFile(context.Background(), CommitFileRequest{Path: path, Content: []byte(content), Meta: meta})
}

// assertHealthy checks with the git CLI what a bump must leave behind.
func assertHealthy(t *testing.T, g *gitRepo, wantStatus string) {
	t.Helper()
	g.git("fsck", "--strict", "--no-dangling")
	if got := g.git("status", "--porcelain"); got != wantStatus {
		t.Errorf("git status --porcelain = %q, want %q", got, wantStatus)
	}
	assertCacheTreeValid(t, g)
}

// assertCacheTreeValid compares git write-tree on the real index (which
// trusts the cache-tree) with git write-tree on a copy stripped of it
// (which recomputes every tree): a stale cache-tree would differ.
func assertCacheTreeValid(t *testing.T, g *gitRepo) {
	t.Helper()
	data, err := os.ReadFile(filepath.Join(g.dir, ".git", "index"))
	if err != nil {
		t.Fatal(err)
	}
	stripped, hadTree := stripIndexExtension(t, data, "TREE")
	if !hadTree {
		t.Errorf("index has no TREE extension: the cache-tree was dropped")
	}
	copyPath := filepath.Join(g.home, "index.notree")
	if err := os.WriteFile(copyPath, stripped, 0o644); err != nil {
		t.Fatal(err)
	}
	withTree := g.git("write-tree")
	cmdOut, err := g.gitEnvErr([]string{"GIT_INDEX_FILE=" + copyPath}, "write-tree")
	if err != nil {
		t.Fatalf("write-tree without cache-tree: %v\n%s", err, cmdOut)
	}
	if withTree != cmdOut {
		t.Errorf("cache-tree is stale: write-tree %s, recomputed %s", withTree, cmdOut)
	}
}

func stripIndexExtension(t *testing.T, data []byte, sig string) ([]byte, bool) {
	t.Helper()
	x, err := parseIndex(data)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := x.lookup(""); err != nil {
		t.Fatal(err)
	}
	out := append([]byte(nil), data[:x.entriesEnd]...)
	found := false
	d := data[:len(data)-20]
	for off := x.entriesEnd; off < len(d); {
		size := int(binary.BigEndian.Uint32(d[off+4:]))
		if string(d[off:off+4]) == sig {
			found = true
		} else {
			out = append(out, d[off:off+8+size]...)
		}
		off += 8 + size
	}
	sum := sha1.Sum(out)
	return append(out, sum[:]...), found
}

func TestCommitFile(t *testing.T) {
	tests := []struct {
		name       string
		setup      func(t *testing.T, g *gitRepo)
		path       string
		wantStatus string
	}{
		{name: "plain", path: bumpPath},
		{
			name: "other changes stay as they were",
			setup: func(t *testing.T, g *gitRepo) {
				g.write("overlays/dev/app2/kustomization.yaml", "images: [staged]\n")
				g.git("add", "overlays/dev/app2/kustomization.yaml")
				g.write("README.md", "modified, not staged\n")
				g.write("overlays/dev/app1/untracked.yaml", "u\n")
				g.write("base/app1/new-staged.yaml", "n\n")
				g.git("add", "base/app1/new-staged.yaml")
			},
			path:       bumpPath,
			wantStatus: " M README.md\nA  base/app1/new-staged.yaml\nM  overlays/dev/app2/kustomization.yaml\n?? overlays/dev/app1/untracked.yaml",
		},
		{name: "after pack-refs", setup: func(t *testing.T, g *gitRepo) { g.git("pack-refs", "--all") }, path: bumpPath},
		{name: "new file in new directory", path: "overlays/dev/app0/kustomization.yaml"},
		{name: "new file at the end", path: "zzz/new.yaml"},
		{name: "index v4", setup: func(t *testing.T, g *gitRepo) { g.git("update-index", "--index-version", "4") }, path: bumpPath},
		{name: "index v4 new file", setup: func(t *testing.T, g *gitRepo) { g.git("update-index", "--index-version", "4") }, path: "overlays/dev/app1-a/kustomization.yaml"},
		{
			name: "index v3 with intent-to-add elsewhere",
			setup: func(t *testing.T, g *gitRepo) {
				g.write("base/app2/ita.yaml", "i\n")
				g.git("add", "-N", "base/app2/ita.yaml")
			},
			path:       bumpPath,
			wantStatus: " A base/app2/ita.yaml",
		},
		{name: "no reflog configured", setup: func(t *testing.T, g *gitRepo) {
			g.git("config", "core.logAllRefUpdates", "false")
			os.RemoveAll(filepath.Join(g.dir, ".git", "logs"))
		}, path: bumpPath},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			g := seedRepo(t)
			if tt.setup != nil {
				tt.setup(t, g)
			}
			before := g.git("rev-parse", "HEAD")
			stagedBefore := g.git("diff", "--cached", "--name-status")
			res, err := bump(t, g, tt.path, bumped)
			if err != nil {
				t.Fatal(err)
			}
			if got := g.git("rev-parse", "HEAD"); got != res.Commit.String() {
				t.Fatalf("HEAD = %s, want %s", got, res.Commit)
			}
			if got := g.git("rev-parse", "HEAD^@"); got != before {
				t.Errorf("parents = %q, want only %s", got, before)
			}
			if got := g.git("diff-tree", "--no-commit-id", "--name-only", "-r", "HEAD~1", "HEAD"); got != tt.path {
				t.Errorf("commit touches %q, want only %q", got, tt.path)
			}
			if got := g.git("rev-list", "--count", before+"..HEAD"); got != "1" {
				t.Errorf("%s new commits, want 1", got)
			}
			if got, _ := os.ReadFile(filepath.Join(g.dir, tt.path)); string(got) != bumped {
				t.Errorf("worktree file = %q", got)
			}
			if got := g.git("diff", "--cached", "--name-status"); got != stagedBefore {
				t.Errorf("staged changes = %q, want %q as before", got, stagedBefore)
			}
			assertHealthy(t, g, tt.wantStatus)
			if tt.wantStatus == "" {
				if wt, head := g.git("write-tree"), g.git("rev-parse", "HEAD^{tree}"); wt != head {
					t.Errorf("git write-tree = %s, HEAD^{tree} = %s", wt, head)
				}
			}
			if tt.name != "no reflog configured" {
				for _, ref := range []string{"HEAD", "main"} {
					if got := g.git("reflog", "-1", "--format=%H %gs", ref); got != res.Commit.String()+" commit: bump app1 in dev to v2" {
						t.Errorf("git reflog %s = %q", ref, got)
					}
				}
			} else if _, err := os.Stat(filepath.Join(g.dir, ".git", "logs")); err == nil {
				t.Errorf("logs created although core.logAllRefUpdates=false")
			}
			// The next commit by the CLI must build on ours correctly.
			g.write("README.md", "after\n")
			g.git("commit", "-q", "-am", "after")
			g.git("fsck", "--strict", "--no-dangling")
			if got := g.git("show", "HEAD:"+tt.path); got+"\n" != bumped {
				t.Errorf("after a CLI commit the file is %q", got)
			}
		})
	}
}

func TestCommitFileRefusals(t *testing.T) {
	tests := []struct {
		name    string
		setup   func(t *testing.T, g *gitRepo)
		content string
		want    error
		wantMsg string
	}{
		{name: "unstaged change", setup: func(t *testing.T, g *gitRepo) { g.write(bumpPath, "mine\n") }, want: ErrDirtyFile, wantMsg: bumpPath},
		{name: "staged change", setup: func(t *testing.T, g *gitRepo) {
			g.write(bumpPath, "mine\n")
			g.git("add", bumpPath)
			g.git("checkout", "HEAD", "--", "README.md")
		}, want: ErrDirtyFile, wantMsg: "staged"},
		{name: "staged then reverted in worktree", setup: func(t *testing.T, g *gitRepo) {
			orig := g.git("show", "HEAD:"+bumpPath) + "\n"
			g.write(bumpPath, "mine\n")
			g.git("add", bumpPath)
			g.write(bumpPath, orig)
		}, want: ErrDirtyFile, wantMsg: "staged"},
		{name: "deleted", setup: func(t *testing.T, g *gitRepo) { os.Remove(filepath.Join(g.dir, bumpPath)) }, want: ErrDirtyFile},
		{name: "mode change", setup: func(t *testing.T, g *gitRepo) { os.Chmod(filepath.Join(g.dir, bumpPath), 0o755) }, want: ErrDirtyFile},
		{name: "detached", setup: func(t *testing.T, g *gitRepo) { g.git("checkout", "-q", "--detach") }, want: ErrDetachedHead},
		{name: "unborn", setup: func(t *testing.T, g *gitRepo) { g.git("checkout", "-q", "--orphan", "fresh") }, want: ErrUnbornBranch, wantMsg: "fresh"},
		{name: "merge in progress", setup: func(t *testing.T, g *gitRepo) {
			g.git("checkout", "-q", "-b", "side")
			g.commitFiles("side", map[string]string{"README.md": "side\n"})
			g.git("checkout", "-q", "main")
			g.commitFiles("main", map[string]string{"README.md": "main\n"})
			g.gitErr("merge", "side") // conflicts, leaving MERGE_HEAD
		}, want: ErrOperationInProgress, wantMsg: "merge"},
		{name: "rebase in progress", setup: func(t *testing.T, g *gitRepo) {
			os.MkdirAll(filepath.Join(g.dir, ".git", "rebase-merge"), 0o755)
		}, want: ErrOperationInProgress, wantMsg: "rebase"},
		{name: "cherry-pick in progress", setup: func(t *testing.T, g *gitRepo) {
			g.write(".git/CHERRY_PICK_HEAD", g.git("rev-parse", "HEAD")+"\n")
		}, want: ErrOperationInProgress, wantMsg: "cherry-pick"},
		{name: "branch locked", setup: func(t *testing.T, g *gitRepo) { g.write(".git/refs/heads/main.lock", "") }, want: ErrRefLocked, wantMsg: "main.lock"},
		{name: "branch locked while packed", setup: func(t *testing.T, g *gitRepo) {
			g.git("pack-refs", "--all")
			g.write(".git/refs/heads/main.lock", "")
		}, want: ErrRefLocked, wantMsg: "main.lock"},
		{name: "HEAD locked", setup: func(t *testing.T, g *gitRepo) { g.write(".git/HEAD.lock", "") }, want: ErrRefLocked, wantMsg: "HEAD.lock"},
		{name: "index locked", setup: func(t *testing.T, g *gitRepo) { g.write(".git/index.lock", "") }, want: ErrIndexLocked, wantMsg: "index.lock"},
		{name: "no change", content: "images:\n- name: app1 # the app\n  newTag: v1\n", want: ErrNoChange},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			g := seedRepo(t)
			if tt.setup != nil {
				tt.setup(t, g)
			}
			refsBefore := g.git("for-each-ref")
			headBefore, _ := os.ReadFile(filepath.Join(g.dir, ".git", "HEAD"))
			indexBefore, _ := os.ReadFile(filepath.Join(g.dir, ".git", "index"))
			fileBefore, _ := os.ReadFile(filepath.Join(g.dir, bumpPath))
			content := tt.content
			if content == "" {
				content = bumped
			}
			_, err := bump(t, g, bumpPath, content)
			if !errors.Is(err, tt.want) {
				t.Fatalf("err = %v, want %v", err, tt.want)
			}
			if !strings.Contains(err.Error(), tt.wantMsg) {
				t.Errorf("err = %q, want it to name %q", err, tt.wantMsg)
			}
			if got := g.git("for-each-ref"); got != refsBefore {
				t.Errorf("refs changed:\n%s\nwas\n%s", got, refsBefore)
			}
			if got, _ := os.ReadFile(filepath.Join(g.dir, ".git", "HEAD")); !bytes.Equal(got, headBefore) {
				t.Errorf("HEAD changed")
			}
			if got, _ := os.ReadFile(filepath.Join(g.dir, ".git", "index")); !bytes.Equal(got, indexBefore) {
				t.Errorf("index changed")
			}
			if got, _ := os.ReadFile(filepath.Join(g.dir, bumpPath)); !bytes.Equal(got, fileBefore) {
				t.Errorf("worktree file changed")
			}
			for _, lock := range []string{"index.lock", "HEAD.lock", "refs/heads/main.lock"} {
				if _, err := os.Stat(filepath.Join(g.dir, ".git", lock)); err == nil && !strings.Contains(tt.name, "locked") {
					t.Errorf("left %s behind", lock)
				}
			}
		})
	}
}
