package cli

import (
	"context"
	"strings"
	"testing"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"

	"github.com/rolloutgen/rolloutgen/internal/gittest"
	"github.com/rolloutgen/rolloutgen/internal/kube/kubetest"
)

// devAt is dev's cluster state: Synced at rev, and the Rollout state.
func devAt(rev, health string, ro kubetest.RolloutState, rs ...*unstructured.Unstructured) []*unstructured.Unstructured {
	ro.Env = "dev"
	return append([]*unstructured.Unstructured{kubetest.Application("dev", "Synced", rev, health), kubetest.Rollout(ro)}, rs...)
}

func TestPromoteGatesThenCommitsWithTrailers(t *testing.T) {
	home, dir := renderedRepo(t)
	if code, _, stderr := runKube(context.Background(), home, dir, nil, "bump", "--env", "dev", "--tag", "v3"); code != 0 {
		t.Fatalf("bump: %d %s", code, stderr)
	}
	bumped := strings.TrimSpace(gittest.Git(t, home, dir, "rev-parse", "HEAD"))
	gittest.Git(t, home, dir, "commit", "-q", "--allow-empty", "-m", "unrelated")
	head := strings.TrimSpace(gittest.Git(t, home, dir, "rev-parse", "HEAD"))

	midCanary := devAt(head, "Suspended", kubetest.RolloutState{Tag: "v3", StableRS: "a", Current: "b", Step: 7, Weight: 60, Paused: true, Phase: "Paused"},
		kubetest.ReplicaSet("dev", "a", "v2", kubetest.T0), kubetest.ReplicaSet("dev", "b", "v3", kubetest.T1))
	code, stdout, stderr := runKube(context.Background(), home, dir, kubetest.NewCluster(midCanary...), "promote", "--to", "staging")
	if code != 1 || !strings.Contains(stderr, "refused: rollouts-demo/dev: healthy: Argo CD says Suspended; promoted: stable runs v2, canary v3 at step 7/8, weight 60%, paused") {
		t.Fatalf("mid-canary: exit %d\n%s\n%s", code, stdout, stderr)
	}
	if got := strings.TrimSpace(gittest.Git(t, home, dir, "rev-parse", "HEAD")); got != head {
		t.Fatal("a refused promotion committed")
	}
	oldRev := devAt(bumped+"x", "Healthy", kubetest.RolloutState{Tag: "v3", StableRS: "b", Current: "b", Step: 8, Phase: "Healthy", HealthySince: kubetest.T1}, kubetest.ReplicaSet("dev", "b", "v3", kubetest.T1))
	oldRev[0] = kubetest.Application("dev", "Synced", strings.TrimSpace(gittest.Git(t, home, dir, "rev-parse", bumped+"~1")), "Healthy")
	code, _, stderr = runKube(context.Background(), home, dir, kubetest.NewCluster(oldRev...), "promote", "--to", "staging")
	if code != 1 || !strings.Contains(stderr, "synced: Synced at") || !strings.Contains(stderr, "which does not contain") {
		t.Fatalf("synced before the source commit: exit %d\n%s", code, stderr)
	}

	live := devAt(head, "Healthy", kubetest.RolloutState{Tag: "v3", StableRS: "b", Current: "b", Step: 8, Phase: "Healthy", HealthySince: kubetest.T1}, kubetest.ReplicaSet("dev", "b", "v3", kubetest.T1))
	code, stdout, stderr = runKube(context.Background(), home, dir, kubetest.NewCluster(live...), "promote", "--to", "staging")
	if code != 0 {
		t.Fatalf("promote: exit %d\n%s\n%s", code, stdout, stderr)
	}
	msg := gittest.Git(t, home, dir, "log", "-1", "--format=%B")
	want := "promote rollouts-demo/staging: registry.example.com/demo/rollouts-demo v2 -> v3 (from dev)\n\nGen-Change: rollouts-demo/staging\nPromoted-From: dev\nSource-Commit: " + bumped + "\n"
	if strings.TrimSpace(msg) != strings.TrimSpace(want) {
		t.Errorf("message:\n%s\nwant:\n%s", msg, want)
	}
	if got := gittest.Git(t, home, dir, "show", "--name-only", "--format=", "HEAD"); strings.TrimSpace(got) != "overlays/staging/rollouts-demo/kustomization.yaml" {
		t.Errorf("committed %q", got)
	}
}

func TestPromoteUsage(t *testing.T) {
	home, dir := renderedRepo(t)
	for _, tt := range []struct {
		args []string
		err  string
	}{
		{[]string{"promote"}, "gen: pass --to ENV (or --from ENV): which environments to promote between\n"},
		{[]string{"promote", "--to", "dev"}, "gen: --to \"dev\" is the first environment: nothing promotes into it\n"},
		{[]string{"promote", "--to", "staging", "--force"}, "gen: --force needs --reason TEXT: it is recorded in the commit\n"},
	} {
		code, _, stderr := runKube(context.Background(), home, dir, nil, tt.args...)
		if code != 2 || stderr != tt.err {
			t.Errorf("%v: exit %d %q, want 2 %q", tt.args, code, stderr, tt.err)
		}
	}
}

func TestPromoteForce(t *testing.T) {
	home, dir := renderedRepo(t)
	if code, _, stderr := runKube(context.Background(), home, dir, nil, "bump", "--env", "dev", "--tag", "v3"); code != 0 {
		t.Fatalf("bump: %d %s", code, stderr)
	}
	code, _, stderr := runKube(context.Background(), home, dir, nil, "promote", "--to", "staging", "--force", "--reason", "hotfix INC-42")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	if msg := gittest.Git(t, home, dir, "log", "-1", "--format=%(trailers:key=Gates-Skipped,valueonly)"); strings.TrimSpace(msg) != "hotfix INC-42" {
		t.Errorf("Gates-Skipped %q", msg)
	}
}

func TestRollback(t *testing.T) {
	home, dir := renderedRepo(t)
	for _, tag := range []string{"v3", "v4"} {
		if code, _, stderr := runKube(context.Background(), home, dir, nil, "bump", "--env", "dev", "--tag", tag); code != 0 {
			t.Fatalf("bump: %d %s", code, stderr)
		}
	}
	v4 := strings.TrimSpace(gittest.Git(t, home, dir, "rev-parse", "HEAD"))
	// v4 replaced the paused v3 canary, then was aborted: v2 runs.
	aborted := devAt(v4, "Degraded", kubetest.RolloutState{Tag: "v4", StableRS: "a", Current: "c", Abort: true, Phase: "Degraded"},
		kubetest.ReplicaSet("dev", "a", "v2", kubetest.T0), kubetest.ReplicaSet("dev", "c", "v4", kubetest.T2))
	code, stdout, stderr := runKube(context.Background(), home, dir, kubetest.NewCluster(aborted...), "rollback", "--env", "dev")
	if code != 0 {
		t.Fatalf("exit %d\n%s\n%s", code, stdout, stderr)
	}
	msg := gittest.Git(t, home, dir, "log", "-1", "--format=%B")
	want := "rollback rollouts-demo/dev: v4 -> v2\n\nGen-Change: rollouts-demo/dev\nReverts: " + v4
	if strings.TrimSpace(msg) != want {
		t.Errorf("message:\n%s\nwant:\n%s", msg, want)
	}
	// Now Git says v2, which runs: nothing to roll back to.
	code, _, stderr = runKube(context.Background(), home, dir, kubetest.NewCluster(aborted...), "rollback", "--env", "dev")
	if code != 1 || !strings.Contains(stderr, "refused: the overlay already pins v2") {
		t.Errorf("second rollback: exit %d %s", code, stderr)
	}
	// Without kube access: the previous entry in history, with a warning.
	code, _, stderr = runKube(context.Background(), home, dir, nil, "rollback", "--env", "dev")
	if code != 0 || !strings.Contains(stderr, "warning: no kube access: rolling back to the previous entry in Git history (v4)") {
		t.Errorf("without kube: exit %d %s", code, stderr)
	}
}
