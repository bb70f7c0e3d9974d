package release

import (
	"strings"
	"testing"
	"time"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
)

func TestPromoteGates(t *testing.T) {
	v3 := Version{Tag: "v3"}
	live := rolloutState{Tag: "v3", StableRS: "b", Current: "b", Step: 8, Phase: "Healthy", HealthySince: t1}
	now, _ := time.Parse(time.RFC3339, t2) // 5 minutes after t1
	tests := []struct {
		name   string
		objs   []*unstructured.Unstructured
		synced string // the revision that contains the source commit
		soak   time.Duration
		failed string
	}{
		{name: "synced at a descendant, healthy, promoted: accept", objs: []*unstructured.Unstructured{application("Synced", "c9", "Healthy"), rollout(live), replicaSet("b", "v3", t1)}, synced: "c9"},
		{name: "synced at an unrelated commit", objs: []*unstructured.Unstructured{application("Synced", "c1", "Healthy"), rollout(live), replicaSet("b", "v3", t1)}, synced: "c9",
			failed: "synced: Synced at c1, which does not contain c5 (the commit that set v3)"},
		{name: "healthy at the old image", objs: []*unstructured.Unstructured{application("Synced", "c9", "Healthy"), rollout(rolloutState{Tag: "v2", StableRS: "a", Current: "a", Step: 8, Phase: "Healthy", HealthySince: t1}), replicaSet("a", "v2", t0)}, synced: "c9",
			failed: "promoted: stable runs v2, not v3"},
		{name: "paused at the last step", objs: []*unstructured.Unstructured{application("Synced", "c9", "Suspended"), rollout(rolloutState{Tag: "v3", StableRS: "a", Current: "b", Step: 7, Weight: 60, Paused: true, Phase: "Paused"}), replicaSet("a", "v2", t0), replicaSet("b", "v3", t1)}, synced: "c9",
			failed: "healthy: Argo CD says Suspended; promoted: stable runs v2, canary v3 at step 7/8, weight 60%, paused"},
		{name: "aborted", objs: []*unstructured.Unstructured{application("Synced", "c9", "Degraded"), rollout(rolloutState{Tag: "v3", StableRS: "a", Current: "b", Abort: true, Phase: "Degraded"}), replicaSet("a", "v2", t0)}, synced: "c9",
			failed: "healthy: Argo CD says Degraded; promoted: stable runs v2, canary v3 at step 0/8, aborted"},
		{name: "soak not elapsed", objs: []*unstructured.Unstructured{application("Synced", "c9", "Healthy"), rollout(live), replicaSet("b", "v3", t1)}, synced: "c9", soak: 10 * time.Minute,
			failed: "soak: Healthy for 5m0s of 10m0s"},
		{name: "soak elapsed", objs: []*unstructured.Unstructured{application("Synced", "c9", "Healthy"), rollout(live), replicaSet("b", "v3", t1)}, synced: "c9", soak: 5 * time.Minute},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			row := Observe([]Target{devTarget}, nil, snapshot(tt.objs...))[0]
			gates, err := PromoteGates(GateInput{Row: row, Want: v3, SourceCommit: "c5", Soak: tt.soak, Now: now,
				Contains: func(rev string) (bool, error) { return rev == tt.synced, nil }})
			if err != nil {
				t.Fatal(err)
			}
			if got := strings.Join(Failed(gates), "; "); got != tt.failed {
				t.Errorf("failed gates %q, want %q", got, tt.failed)
			}
		})
	}
}
