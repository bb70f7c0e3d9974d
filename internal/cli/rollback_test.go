package cli

import (
	"context"
	"fmt"
	"path/filepath"
	"strings"
	"testing"

	"github.com/rolloutgen/rolloutgen/internal/gittest"
	"github.com/rolloutgen/rolloutgen/internal/kube/kubetest"
)

// TestRollbackPathMode rolls back a kustomization directory in a
// repository without gen.yaml, as gen bump --path edits one: to the
// previous entry in the file's history, with a warning.
func TestRollbackPathMode(t *testing.T) {
	remote := gittest.NewRemote(t, plainRepo)
	dir := remote.Clone(t)
	home := remote.Home
	ctx := context.Background()
	for _, tag := range []string{"1.1.0", "1.2.0"} {
		if code, _, stderr := runKube(ctx, home, dir, nil, "bump", "--path", "deploy/prod", "--image", "example.com/app", "--tag", tag); code != 0 {
			t.Fatalf("bump %s: %d %s", tag, code, stderr)
		}
	}
	// The sidecar moves on after the app's last bump: not the app's entry.
	if code, _, stderr := runKube(ctx, home, dir, nil, "bump", "--path", "deploy/prod", "--image", "example.com/sidecar", "--tag", "1.1"); code != 0 {
		t.Fatalf("bump sidecar: %d %s", code, stderr)
	}
	setApp := strings.TrimSpace(gittest.Git(t, home, dir, "rev-parse", "HEAD~1"))
	before := gittest.Git(t, home, dir, "rev-parse", "HEAD")

	for _, tt := range []struct {
		args []string
		err  string
	}{
		{[]string{"--path", "deploy/prod"}, "gen: deploy/prod/kustomization.yaml has several images (example.com/app, example.com/sidecar); pass --image NAME: cannot tell which image to bump\n"},
		{[]string{"--path", "deploy/prod", "--env", "prod"}, "gen: --path rolls back a directory directly; it cannot be combined with --app or --env\n"},
		{[]string{"--path", "deploy/prod", "--image", "example.com/app", "--tag", "bad tag"}, ""},
		{[]string{"--path", "nowhere", "--image", "example.com/app"}, ""},
	} {
		code, _, stderr := runKube(ctx, home, dir, nil, append([]string{"rollback"}, tt.args...)...)
		if code != 2 || strings.Count(stderr, "\n") != 1 || tt.err != "" && stderr != tt.err {
			t.Errorf("%v: exit %d %q; want 2 and one line %q", tt.args, code, stderr, tt.err)
		}
	}
	if gittest.Git(t, home, dir, "rev-parse", "HEAD") != before {
		t.Fatal("a refused rollback committed")
	}

	code, stdout, stderr := runKube(ctx, home, filepath.Join(dir, "deploy"), nil, "rollback", "--path", "prod", "--image", "example.com/app")
	if code != 0 || !strings.HasPrefix(stderr, "gen: warning: --path: no gen.yaml names the Rollout: rolling back to the previous entry in Git history (1.1.0), not to what runs\n") {
		t.Fatalf("exit %d\n%s\n%s", code, stdout, stderr)
	}
	msg := gittest.Git(t, home, dir, "log", "-1", "--format=%B")
	if want := "rollback deploy/prod: 1.2.0 -> 1.1.0\n\nReverts: " + setApp; strings.TrimSpace(msg) != want {
		t.Errorf("message:\n%s\nwant:\n%s", msg, want)
	}
	if got := readFile(t, filepath.Join(dir, "deploy/prod/kustomization.yaml")); !strings.Contains(got, `newTag: "1.1.0"`) || !strings.Contains(got, `newTag: "1.1"`) {
		t.Errorf("overlay:\n%s", got)
	}
	// --commit names the target by history: the seed's entry.
	code, _, stderr = runKube(ctx, home, dir, nil, "rollback", "--path", "deploy/prod", "--image", "example.com/app", "--commit", "HEAD~4")
	if code != 0 || !strings.Contains(gittest.Git(t, home, dir, "log", "-1", "--format=%s"), "1.1.0 -> 1.0.0") {
		t.Errorf("--commit: exit %d %s", code, stderr)
	}
}

// remoteHistory is the rendered demo with dev bumped to v3 and then n
// commits that do not touch it, pushed to a bare repository: history a
// depth-1 clone must deepen to read. It returns the bump's commit, the
// head and the bare repository's file URL.
func remoteHistory(t *testing.T, n int) (home, dir, bumped, head, url string) {
	t.Helper()
	home, dir = renderedRepo(t)
	if code, _, stderr := runKube(context.Background(), home, dir, nil, "bump", "--env", "dev", "--tag", "v3"); code != 0 {
		t.Fatalf("bump: %d %s", code, stderr)
	}
	bumped = strings.TrimSpace(gittest.Git(t, home, dir, "rev-parse", "HEAD"))
	for i := range n {
		gittest.WriteFiles(t, dir, map[string]string{"notes.txt": fmt.Sprint(i)})
		gittest.Git(t, home, dir, "add", "notes.txt")
		gittest.Git(t, home, dir, "commit", "-q", "-m", fmt.Sprintf("notes %d", i))
	}
	head = strings.TrimSpace(gittest.Git(t, home, dir, "rev-parse", "HEAD"))
	bare := filepath.Join(t.TempDir(), "remote.git")
	gittest.Git(t, home, filepath.Dir(bare), "clone", "-q", "--bare", dir, bare)
	return home, dir, bumped, head, "file://" + bare
}

// TestRollbackRemoteDeepensHistory: with --repo-url, the depth-1 clone is
// deepened until the commit that set the entry and the one before show;
// when --max-depth stops it first, gen says so and commits nothing.
func TestRollbackRemoteDeepensHistory(t *testing.T) {
	home, _, bumped, head, url := remoteHistory(t, 20)
	bare := strings.TrimPrefix(url, "file://")
	elsewhere := t.TempDir()
	ctx := context.Background()

	code, _, stderr := runKube(ctx, home, elsewhere, nil, "rollback", "--repo-url", url, "--env", "dev", "--max-depth", "8")
	want := "gen: rollback rollouts-demo/dev: overlays/dev/rollouts-demo/kustomization.yaml: registry.example.com/demo/rollouts-demo v3: the history available ends before the answer (the commit that set it is older than the history held, 0 commits changing the file), fetched 8 commits deep; gen does not guess: pass --tag or --commit (or a --max-depth above 8)\n"
	if code != 1 || !strings.HasSuffix(stderr, want) {
		t.Errorf("--max-depth 8: exit %d\n%s\nwant the last line\n%s", code, stderr, want)
	}
	if got := gittest.Git(t, home, bare, "rev-parse", "main"); got != head {
		t.Fatalf("a refused rollback pushed %s", got)
	}

	code, _, stderr = runKube(ctx, home, elsewhere, nil, "rollback", "--repo-url", url, "--env", "dev")
	if code != 0 || !strings.Contains(stderr, "warning: no kube access: rolling back to the previous entry in Git history (v2)") {
		t.Fatalf("exit %d\n%s", code, stderr)
	}
	msg := gittest.Git(t, home, bare, "log", "-1", "--format=%B", "main")
	if want := "rollback rollouts-demo/dev: v3 -> v2\n\nGen-Change: rollouts-demo/dev\nReverts: " + bumped; strings.TrimSpace(msg) != want {
		t.Errorf("pushed message:\n%s\nwant:\n%s", msg, want)
	}
	if got := gittest.Git(t, home, bare, "rev-parse", "main~1"); got != head {
		t.Errorf("the rollback is not on top of %s", head)
	}
	gittest.Git(t, home, bare, "fsck", "--strict", "--no-progress")
}

// TestPromoteRemoteSourceCommit: promote --repo-url finds the commit that
// set the source's tag 20 commits back and judges the Synced gate on the
// deepened clone.
func TestPromoteRemoteSourceCommit(t *testing.T) {
	home, _, bumped, head, url := remoteHistory(t, 20)
	bare := strings.TrimPrefix(url, "file://")
	elsewhere := t.TempDir()
	ctx := context.Background()
	live := func(rev string) *kubetest.Cluster {
		return kubetest.NewCluster(devAt(rev, "Healthy", kubetest.RolloutState{Tag: "v3", StableRS: "b", Current: "b", Step: 8, Phase: "Healthy", HealthySince: kubetest.T1}, kubetest.ReplicaSet("dev", "b", "v3", kubetest.T1))...)
	}

	before := strings.TrimSpace(gittest.Git(t, home, bare, "rev-parse", bumped+"~1"))
	code, _, stderr := runKube(ctx, home, elsewhere, live(before), "promote", "--repo-url", url, "--to", "staging")
	if code != 1 || !strings.Contains(stderr, "which does not contain") {
		t.Errorf("synced before the source commit: exit %d\n%s", code, stderr)
	}
	if got := gittest.Git(t, home, bare, "rev-parse", "main"); got != head {
		t.Fatalf("a refused promotion pushed %s", got)
	}

	code, _, stderr = runKube(ctx, home, elsewhere, live(head), "promote", "--repo-url", url, "--to", "staging")
	if code != 0 {
		t.Fatalf("exit %d\n%s", code, stderr)
	}
	msg := gittest.Git(t, home, bare, "log", "-1", "--format=%B", "main")
	want := "promote rollouts-demo/staging: registry.example.com/demo/rollouts-demo v2 -> v3 (from dev)\n\nGen-Change: rollouts-demo/staging\nPromoted-From: dev\nSource-Commit: " + bumped
	if strings.TrimSpace(msg) != want {
		t.Errorf("pushed message:\n%s\nwant:\n%s", msg, want)
	}

	// History too short and --force: the commit goes without a guessed
	// Source-Commit, and says so.
	code, _, stderr = runKube(ctx, home, elsewhere, nil, "promote", "--repo-url", url, "--from", "staging", "--to", "prod", "--force", "--reason", "INC-7", "--max-depth", "1")
	if code != 0 || !strings.Contains(stderr, "--force: committing without a Source-Commit trailer") {
		t.Fatalf("--force past the history: exit %d\n%s", code, stderr)
	}
	if msg := gittest.Git(t, home, bare, "log", "-1", "--format=%B", "main"); strings.Contains(msg, "Source-Commit") || !strings.Contains(msg, "Gates-Skipped: INC-7") {
		t.Errorf("forced message:\n%s", msg)
	}
}
