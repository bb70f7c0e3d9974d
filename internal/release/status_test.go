package release

import (
	"testing"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"

	"github.com/rolloutgen/rolloutgen/internal/kube/kubetest"
)

func TestVerdict(t *testing.T) {
	v2 := GitState{Version: Version{Tag: "v2"}}
	v3 := GitState{Version: Version{Tag: "v3"}}
	v4 := GitState{Version: Version{Tag: "v4"}}
	tests := []struct {
		name string
		git  GitState
		objs []*unstructured.Unstructured
		want string
	}{
		{
			name: "live: fully promoted, synced, healthy",
			git:  v2,
			objs: []*unstructured.Unstructured{application("Synced", "abc", "Healthy"), rollout(rolloutState{Tag: "v2", StableRS: "a", Current: "a", Step: 8, Phase: "Healthy", HealthySince: t1}), replicaSet("a", "v2", t0)},
			want: "live v2",
		},
		{
			name: "canary paused at 20%",
			git:  v3,
			objs: []*unstructured.Unstructured{application("Synced", "abc", "Suspended"), rollout(rolloutState{Tag: "v3", StableRS: "a", Current: "b", Step: 3, Weight: 20, Paused: true, Phase: "Paused", Message: "CanaryPauseStep"}), replicaSet("a", "v2", t0), replicaSet("b", "v3", t1)},
			want: "canary v3 20% paused",
		},
		{
			name: "aborted: Git says v4, v2 runs",
			git:  v4,
			objs: []*unstructured.Unstructured{application("Synced", "abc", "Degraded"), rollout(rolloutState{Tag: "v4", StableRS: "a", Current: "c", Step: 0, Abort: true, Phase: "Degraded", Message: "RolloutAborted: Rollout aborted update to revision 3"}), replicaSet("a", "v2", t0), replicaSet("c", "v4", t1)},
			want: "git v4 ≠ live v2 (aborted)",
		},
		{
			name: "degraded without an abort",
			git:  v2,
			objs: []*unstructured.Unstructured{application("Synced", "abc", "Degraded"), rollout(rolloutState{Tag: "v2", StableRS: "a", Current: "a", Phase: "Degraded", Message: "ProgressDeadlineExceeded: ReplicaSet has timed out progressing."}), replicaSet("a", "v2", t0)},
			want: "degraded: ProgressDeadlineExceeded: ReplicaSet has timed out progressing.",
		},
		{
			name: "out of sync",
			git:  v3,
			objs: []*unstructured.Unstructured{application("OutOfSync", "abc", "Healthy"), rollout(rolloutState{Tag: "v2", StableRS: "a", Current: "a", Step: 8, Phase: "Healthy", HealthySince: t1}), replicaSet("a", "v2", t0)},
			want: "out of sync",
		},
		{
			name: "rolled back within the window",
			git:  v2,
			objs: []*unstructured.Unstructured{
				application("Synced", "abc", "Healthy"), rollout(rolloutState{Tag: "v2", StableRS: "a", Current: "a", Step: 8, Phase: "Healthy", HealthySince: t2}),
				replicaSet("a", "v2", t0), replicaSet("b", "v3", t1), skipSteps("Rollback to active ReplicaSets within RollbackWindow", t2),
			},
			want: "live v2, rollback (window)",
		},
		{
			// Rolled back after the old ReplicaSet's scale-down delay: the
			// controller fast-tracks without a SkipSteps Event, and says so
			// in its RolloutCompleted Event only.
			name: "rolled back within the window after the scale-down",
			git:  v2,
			objs: []*unstructured.Unstructured{
				application("Synced", "abc", "Healthy"), rollout(rolloutState{Tag: "v2", StableRS: "a", Current: "a", Step: 8, Phase: "Healthy", HealthySince: t2}),
				replicaSet("a", "v2", t0), replicaSet("b", "v3", t1),
				rolloutEvent("RolloutCompleted", "Rollout completed update to revision 3 (a): Rollback within window", t2),
			},
			want: "live v2, rollback (window)",
		},
		{
			name: "a completed canary is no rollback",
			git:  v3,
			objs: []*unstructured.Unstructured{
				application("Synced", "abc", "Healthy"), rollout(rolloutState{Tag: "v3", StableRS: "b", Current: "b", Step: 8, Phase: "Healthy", HealthySince: t2}),
				replicaSet("a", "v2", t0), replicaSet("b", "v3", t1),
				rolloutEvent("RolloutCompleted", "Rollout completed update to revision 2 (b): Completed all 8 canary steps", t2),
			},
			want: "live v3",
		},
		{
			// The window rollback to a, then a new release to c: the old
			// Event no longer describes what runs.
			name: "a window rollback superseded by a new release",
			git:  v3,
			objs: []*unstructured.Unstructured{
				application("Synced", "abc", "Healthy"), rollout(rolloutState{Tag: "v3", StableRS: "c", Current: "c", Step: 8, Phase: "Healthy", HealthySince: t2}),
				replicaSet("a", "v2", t0), replicaSet("c", "v3", t2),
				rolloutEvent("RolloutCompleted", "Rollout completed update to revision 3 (a): Rollback within window", t1),
			},
			want: "live v3",
		},
		{
			name: "no Rollout yet",
			git:  v2,
			objs: []*unstructured.Unstructured{application("OutOfSync", "", "Missing")},
			want: "no Rollout rollouts-demo-dev/rollouts-demo",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rows := Observe([]Target{devTarget}, map[string]GitState{devTarget.Dir: tt.git}, snapshot(tt.objs...))
			if got := rows[0].Verdict; got != tt.want {
				t.Errorf("verdict %q, want %q", got, tt.want)
			}
		})
	}
}

func TestVerdictWithoutCluster(t *testing.T) {
	rows := Observe([]Target{devTarget}, map[string]GitState{devTarget.Dir: {Version: Version{Tag: "v3"}, Remote: &Version{Tag: "v4"}}}, nil)
	if rows[0].Verdict != "git v3 (remote v4)" || rows[0].Cluster {
		t.Errorf("row %+v", rows[0])
	}
}

func TestParseImage(t *testing.T) {
	for in, want := range map[string]Version{
		"registry:5000/demo/app:v2":             {Tag: "v2"},
		"registry:5000/demo/app":                {},
		"demo/app:v2@sha256:0123456789abcdef01": {Tag: "v2", Digest: "sha256:0123456789abcdef01"},
	} {
		if _, got := ParseImage(in); got != want {
			t.Errorf("ParseImage(%q) = %+v, want %+v", in, got, want)
		}
	}
}

// TestCanaryIngressWeight reads the canary Ingress the controller makes
// (<rollout>-<stableIngress>-canary) next to the Rollout's own weight.
func TestCanaryIngressWeight(t *testing.T) {
	paused := rollout(rolloutState{Tag: "v3", StableRS: "a", Current: "b", Step: 3, Weight: 20, Paused: true, Phase: "Paused"})
	promoted := rollout(rolloutState{Tag: "v3", StableRS: "b", Current: "b", Step: 8, Phase: "Healthy", HealthySince: t1})
	for _, tt := range []struct {
		name     string
		objs     []*unstructured.Unstructured
		ingress  *int64
		mismatch bool
		verdict  string
	}{
		{"in step", []*unstructured.Unstructured{paused, kubetest.CanaryIngress("dev", 20)}, ptr(20), false, "canary v3 20% paused"},
		{"ingress lags", []*unstructured.Unstructured{paused, kubetest.CanaryIngress("dev", 40)}, ptr(40), true, "canary v3 20% paused (ingress 40%)"},
		{"promoted but traffic still split", []*unstructured.Unstructured{promoted, kubetest.CanaryIngress("dev", 60)}, ptr(60), true, "live v3, ingress still 60% canary"},
		{"no canary Ingress yet", []*unstructured.Unstructured{paused}, nil, false, "canary v3 20% paused"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			objs := append([]*unstructured.Unstructured{application("Synced", "abc", "Suspended"), replicaSet("a", "v2", t0), replicaSet("b", "v3", t1)}, tt.objs...)
			ro := Observe([]Target{devTarget}, map[string]GitState{devTarget.Dir: {Version: Version{Tag: "v3"}}}, snapshot(objs...))[0]
			if ro.Verdict != tt.verdict {
				t.Errorf("verdict %q, want %q", ro.Verdict, tt.verdict)
			}
			got := ro.Rollout.IngressWeight
			if (got == nil) != (tt.ingress == nil) || got != nil && *got != *tt.ingress || ro.Rollout.WeightMismatch != tt.mismatch {
				t.Errorf("ingress weight %v mismatch %v, want %v %v", got, ro.Rollout.WeightMismatch, tt.ingress, tt.mismatch)
			}
		})
	}
}

func ptr(n int64) *int64 { return &n }
