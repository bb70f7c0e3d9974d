package gitrepo

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/rolloutgen/rolloutgen/internal/gittest"
)

// TestPushUpdatesTrackingRef: after a push, refs/remotes/origin/main is
// the pushed commit as git push leaves it — git status is not "ahead",
// and the next bump, overtaken by someone else's push, is re-applied
// rather than refused as non-fast-forward (before the fix it was refused:
// HEAD's parent was not the stale tracking ref).
func TestPushUpdatesTrackingRef(t *testing.T) {
	r := gittest.NewRemote(t, seedFiles())
	dir := r.Clone(t)
	repo, meta, cf := commitBumpV2(t, dir)
	var sl sleeps
	if _, err := pushBumpV2(t, repo, meta, &sl); err != nil {
		t.Fatal(err)
	}
	if got := gittest.Git(t, r.Home, dir, "rev-parse", "origin/main"); got != cf.Commit.String() {
		t.Errorf("origin/main = %s, want the pushed %s", got, cf.Commit)
	}
	if st := gittest.Git(t, r.Home, dir, "status", "-sb"); strings.Contains(st, "ahead") {
		t.Errorf("git status after the push: %q", st)
	}
	if log := gittest.Git(t, r.Home, dir, "reflog", "-1", "--format=%gs", "origin/main"); log != "update by push" {
		t.Errorf("reflog of origin/main = %q, want update by push", log)
	}

	// Second bump, with someone else's push landing first.
	other := "overlays/dev/app2/kustomization.yaml"
	r.Commit(t, "someone else", map[string]string{other: "tag: v9\n"})
	repo, err := Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := repo.CommitFile(context.Background(), CommitFileRequest{Path: app1, Content: []byte("tag: v3\n"), Meta: meta}); err != nil {
		t.Fatal(err)
	}
	res, err := pushLocal(context.Background(), repo, localPush{
		Remote: mustEndpoint(t, r.FileURL(), AuthOptions{}), Path: app1, Meta: meta, Edit: tagEdit("v3"), Retry: noSleep(&sl),
	})
	if err != nil {
		t.Fatalf("second bump after another push: %v", err)
	}
	if !res.Pushed || !res.Reapplied {
		t.Errorf("second push = %+v, want re-applied and pushed", res)
	}
	if got := r.Show(t, other); got != "tag: v9" {
		t.Errorf("other pusher's change lost: %q", got)
	}
	if head, remote := gittest.Git(t, r.Home, dir, "rev-parse", "HEAD", "origin/main"), r.Git(t, "rev-parse", "main"); head != remote+"\n"+remote {
		t.Errorf("HEAD and origin/main = %q, remote main %s", head, remote)
	}
	if st := gittest.Git(t, r.Home, dir, "status", "--porcelain", "-b"); st != "## main...origin/main" {
		t.Errorf("git status = %q", st)
	}
	r.Fsck(t)
}

// TestPushRejectedByHookKeepsRemoteLines: a pre-receive hook's reasons
// reach the error as git prints them, "remote: …", over file:// and
// smart HTTP, with its escape codes dropped.
func TestPushRejectedByHookKeepsRemoteLines(t *testing.T) {
	r := gittest.NewRemote(t, seedFiles())
	hook := filepath.Join(r.Dir, "hooks", "pre-receive")
	script := "#!/bin/sh\necho 'main is protected: open a pull request' >&2\nprintf '\\033[31mby policy\\033[0m\\n' >&2\nexit 1\n"
	if err := os.WriteFile(hook, []byte(script), 0o755); err != nil {
		t.Fatal(err)
	}
	srv := gittest.NewHTTPServer(t, r, gittest.HTTPAuth{})
	for _, url := range []string{r.FileURL(), srv.URL(r.Name)} {
		t.Run(url[:4], func(t *testing.T) {
			repo, _, _ := commitBumpV2(t, r.Clone(t))
			_, err := pushLocal(context.Background(), repo, localPush{Remote: mustEndpoint(t, url, AuthOptions{}), Path: app1, Meta: testCommitMeta("b"), Edit: tagEdit("v2")})
			if err == nil {
				t.Fatal("push accepted despite the hook")
			}
			msg := err.Error()
			for _, want := range []string{"\nremote: main is protected: open a pull request", "\nremote: [31mby policy[0m"} {
				if !strings.Contains(msg, want) {
					t.Errorf("error lacks %q:\n%s", want, msg)
				}
			}
			if strings.Contains(msg, "\x1b") {
				t.Errorf("escape code from the server in the error: %q", msg)
			}
			if IsNonFastForward(err) {
				t.Errorf("a hook's refusal taken for a non-fast-forward: %v", err)
			}
			if !errors.Is(err, ErrPushRefused) || !strings.Contains(msg, "push refused by a server-side hook (pre-receive) (not retried)") {
				t.Errorf("the error does not say plainly that a hook refused: %v", err)
			}
		})
	}
}

// TestCheckBranchNameAgreesWithGit: what git check-ref-format --branch
// refuses is refused, and so are full ref names and "@" (which git
// reads as HEAD).
func TestCheckBranchNameAgreesWithGit(t *testing.T) {
	gittest.RequireGit(t)
	home := gittest.Home(t)
	names := []string{"main", "feature/x", "release-1.2", "a.b", "HEAD", "-x", "--force", "x..y", "x.lock", "x/.y", "x/", "/x", "x.", "a b", "a~1",
		"a^", "a:b", "a?", "a*", "a[", "a\\b", "a@{1}", "a//b", "a\tb", "refs", "heads/x", "@x", "x@"}
	for _, n := range names {
		_, gitErr := gittest.GitErr(home, t.TempDir(), "check-ref-format", "--branch", n)
		err := CheckBranchName(n)
		if (err == nil) != (gitErr == nil) {
			t.Errorf("CheckBranchName(%q) = %v, git check-ref-format --branch: %v", n, err, gitErr)
		}
	}
	for _, n := range []string{"refs/heads/x", "refs/tags/v1", "", "@"} {
		if err := CheckBranchName(n); !errors.Is(err, ErrBadBranchName) {
			t.Errorf("CheckBranchName(%q) = %v, want ErrBadBranchName", n, err)
		}
	}
}

// TestDetachedSource: a commit on top of origin/main from the local
// object store, pushed, leaves the user's branch, index and worktree —
// including unpushed commits and staged work — exactly as they were.
func TestDetachedSource(t *testing.T) {
	r := gittest.NewRemote(t, seedFiles())
	dir := r.Clone(t)
	gittest.WriteFiles(t, dir, map[string]string{"mine.txt": "local\n", "README.md": "wip\n", app1: "tag: local-edit\n"})
	gittest.Git(t, r.Home, dir, "add", "mine.txt")
	gittest.Git(t, r.Home, dir, "commit", "-q", "-m", "unpushed work")
	gittest.Git(t, r.Home, dir, "add", "README.md")
	before := map[string]string{}
	for _, args := range [][]string{{"rev-parse", "HEAD"}, {"status", "--porcelain"}, {"reflog", "--format=%H %gs"}, {"ls-files", "-s"}} {
		before[args[0]] = gittest.Git(t, r.Home, dir, args...)
	}
	r.Commit(t, "someone else", map[string]string{"overlays/dev/app2/kustomization.yaml": "tag: v9\n"})
	gittest.Git(t, r.Home, dir, "fetch", "-q")
	remoteHead := r.Git(t, "rev-parse", "main")

	repo, err := Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	var sl sleeps
	src, err := OpenSource(repo, PushTarget{Remote: mustEndpoint(t, r.FileURL(), AuthOptions{}), Branch: "main", Detached: true, Retry: noSleep(&sl)})
	if err != nil {
		t.Fatal(err)
	}
	if src.Root() != "" {
		t.Errorf("Root = %q: a detached source must not be read from the worktree", src.Root())
	}
	if err := src.CheckClean(app1); err != nil {
		t.Errorf("CheckClean looked at the worktree: %v", err)
	}
	meta := testCommitMeta("bump app1 to v2")
	c, err := src.CommitFile(context.Background(), app1, []byte("tag: v2\n"), meta, nil)
	if err != nil {
		t.Fatal(err)
	}
	res, err := src.Push(context.Background(), PushFile{Committed: true, Path: app1, Meta: meta, Redo: tagEdit("v2")})
	if err != nil {
		t.Fatal(err)
	}
	if !res.Pushed || res.Commit != c.Hash {
		t.Errorf("push = %+v, want %s pushed", res, c.Hash)
	}
	if got := r.Git(t, "rev-parse", "main^"); got != remoteHead {
		t.Errorf("pushed commit's parent %s, want the remote head %s", got, remoteHead)
	}
	if got := r.Git(t, "diff-tree", "--no-commit-id", "--name-only", "-r", "main"); got != app1 {
		t.Errorf("pushed commit touches %q", got)
	}
	for _, args := range [][]string{{"rev-parse", "HEAD"}, {"status", "--porcelain"}, {"reflog", "--format=%H %gs"}, {"ls-files", "-s"}} {
		if got := gittest.Git(t, r.Home, dir, args...); got != before[args[0]] {
			t.Errorf("git %s changed:\n%s\nwant\n%s", strings.Join(args, " "), got, before[args[0]])
		}
	}
	if got := gittest.Git(t, r.Home, dir, "rev-parse", "origin/main"); got != c.Hash.String() {
		t.Errorf("origin/main = %s, want the pushed %s", got, c.Hash)
	}
	gittest.Git(t, r.Home, dir, "fsck", "--strict", "--no-progress")
	r.Fsck(t)
}
