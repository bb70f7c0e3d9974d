package cli

import (
	"context"
	"encoding/json"
	"strings"
	"testing"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"

	"github.com/rolloutgen/rolloutgen/internal/gittest"
	"github.com/rolloutgen/rolloutgen/internal/kube/kubetest"
)

// canaryDemo is dev mid-canary at tag, at step, Progressing.
func canaryDemo(tag string, step int64) []*unstructured.Unstructured {
	return []*unstructured.Unstructured{
		kubetest.Application("dev", "Synced", "abc", "Progressing"),
		kubetest.Rollout(kubetest.RolloutState{Env: "dev", Tag: tag, StableRS: "a", Current: "b", Step: step, Phase: "Progressing"}),
		kubetest.ReplicaSet("dev", "a", "v2", kubetest.T0),
		kubetest.ReplicaSet("dev", "b", tag, kubetest.T1),
	}
}

func TestWaitReachesPausedOnAWatchEvent(t *testing.T) {
	home, dir := renderedRepo(t)
	c := kubetest.NewCluster(canaryDemo("v3", 0)...)
	type result struct {
		code           int
		stdout, stderr string
	}
	done := make(chan result, 1)
	go func() {
		code, stdout, stderr := runKube(context.Background(), home, dir, c, "wait", "--env", "dev", "--for", "paused")
		done <- result{code, stdout, stderr}
	}()
	ws := c.WaitWatches(5)
	ws["rollouts"].Modify(kubetest.Rollout(kubetest.RolloutState{Env: "dev", Tag: "v3", StableRS: "a", Current: "b", Step: 1, Paused: true, Phase: "Paused"}))
	r := <-done
	if r.code != 0 || r.stdout != "rollouts-demo/dev: paused\n" {
		t.Fatalf("exit %d, stdout %q, stderr %q", r.code, r.stdout, r.stderr)
	}
	if l, w := c.Count("list"), c.Count("watch"); len(l) != 5 || len(w) != 5 || l["rollouts"] != 1 || w["rollouts"] != 1 || len(c.Count("get")) != 0 {
		t.Errorf("lists %v, watches %v, gets %v: want one LIST and one WATCH per kind, no GET", l, w, c.Count("get"))
	}
}

func TestWaitFailures(t *testing.T) {
	home, dir := renderedRepo(t)
	degraded := canaryDemo("v3", 0)
	degraded[1] = kubetest.Rollout(kubetest.RolloutState{Env: "dev", Tag: "v3", StableRS: "a", Current: "b", Abort: true, Phase: "Degraded", Message: "RolloutAborted: Rollout aborted update to revision 2"})
	tests := []struct {
		name string
		objs []*unstructured.Unstructured
		args []string
		code int
		err  string
	}{
		{"aborted while waiting for healthy", degraded, []string{"--for", "healthy"}, 1,
			"gen: rollouts-demo/dev: aborted: RolloutAborted: Rollout aborted update to revision 2 (waiting for healthy)\n"},
		{"deadline", canaryDemo("v3", 0), []string{"--for", "step=3", "--timeout", "50ms"}, 1,
			"gen: timed out after 50ms waiting for step=3: rollouts-demo/dev is canary v3 0%\n"},
		{"bad --for", nil, []string{"--for", "ready"}, 2,
			"gen: --for \"ready\": want synced, healthy, paused, step=N, promoted or aborted\n"},
		{"--revision without synced", nil, []string{"--for", "healthy", "--revision", "HEAD"}, 2,
			"gen: --revision goes with --for synced\n"},
		{"unknown revision", nil, []string{"--for", "synced", "--revision", "0123456789012345678901234567890123456789", "--remote", "nowhere"}, 1, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			code, _, stderr := runKube(context.Background(), home, dir, kubetest.NewCluster(tt.objs...), append([]string{"wait", "--env", "dev"}, tt.args...)...)
			if code != tt.code || (tt.err != "" && stderr != tt.err) {
				t.Errorf("exit %d, stderr %q; want %d, %q", code, stderr, tt.code, tt.err)
			}
		})
	}
}

// TestWaitSyncedAtDescendant: Argo CD synced a commit after the wanted
// one, which counts; an older one does not.
func TestWaitSyncedAtDescendant(t *testing.T) {
	home, dir := renderedRepo(t)
	wanted := strings.TrimSpace(gittest.Git(t, home, dir, "rev-parse", "HEAD"))
	gittest.Git(t, home, dir, "commit", "-q", "--allow-empty", "-m", "later")
	later := strings.TrimSpace(gittest.Git(t, home, dir, "rev-parse", "HEAD"))
	for _, tt := range []struct {
		synced string
		code   int
	}{{later, 0}, {wanted, 0}} {
		objs := []*unstructured.Unstructured{kubetest.Application("dev", "Synced", tt.synced, "Healthy")}
		objs = append(objs, liveDemo("dev", "v2")[1:]...)
		code, _, stderr := runKube(context.Background(), home, dir, kubetest.NewCluster(objs...), "wait", "--env", "dev", "--for", "synced", "--revision", wanted, "--timeout", "1s")
		if code != tt.code {
			t.Errorf("synced at %s: exit %d: %s", tt.synced, code, stderr)
		}
	}
	objs := []*unstructured.Unstructured{kubetest.Application("dev", "Synced", wanted, "Healthy")}
	objs = append(objs, liveDemo("dev", "v2")[1:]...)
	code, _, stderr := runKube(context.Background(), home, dir, kubetest.NewCluster(objs...), "wait", "--env", "dev", "--for", "synced", "--revision", later, "--timeout", "50ms")
	if code != 1 || !strings.Contains(stderr, "timed out") {
		t.Errorf("synced before the revision: exit %d: %s", code, stderr)
	}
}

// gen wait -o json reports the apps and environments that reached the
// state, like every other command's -o json (issue 13.9).
func TestWaitJSON(t *testing.T) {
	home, dir := renderedRepo(t)
	c := kubetest.NewCluster(canaryDemo("v3", 0)...)
	type result struct {
		code           int
		stdout, stderr string
	}
	done := make(chan result, 1)
	go func() {
		code, stdout, stderr := runKube(context.Background(), home, dir, c, "wait", "--env", "dev", "--for", "paused", "-o", "json")
		done <- result{code, stdout, stderr}
	}()
	ws := c.WaitWatches(5)
	ws["rollouts"].Modify(kubetest.Rollout(kubetest.RolloutState{Env: "dev", Tag: "v3", StableRS: "a", Current: "b", Step: 1, Paused: true, Phase: "Paused"}))
	r := <-done
	var rep waitReport
	if r.code != 0 || json.Unmarshal([]byte(r.stdout), &rep) != nil {
		t.Fatalf("exit %d, stdout %q, stderr %q", r.code, r.stdout, r.stderr)
	}
	if rep.For != "paused" || len(rep.Reached) != 1 || rep.Reached[0] != (waitReached{App: "rollouts-demo", Env: "dev"}) {
		t.Errorf("report %+v", rep)
	}
}
