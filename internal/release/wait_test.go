package release

import (
	"testing"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
)

func TestCheck(t *testing.T) {
	live := []*unstructured.Unstructured{application("Synced", "c2", "Healthy"), rollout(rolloutState{Tag: "v2", StableRS: "a", Current: "a", Step: 8, Phase: "Healthy", HealthySince: t1}), replicaSet("a", "v2", t0)}
	paused := []*unstructured.Unstructured{application("Synced", "c3", "Suspended"), rollout(rolloutState{Tag: "v3", StableRS: "a", Current: "b", Step: 1, Paused: true, Phase: "Paused"}), replicaSet("a", "v2", t0), replicaSet("b", "v3", t1)}
	aborted := []*unstructured.Unstructured{application("Synced", "c4", "Degraded"), rollout(rolloutState{Tag: "v4", StableRS: "a", Current: "c", Abort: true, Phase: "Degraded", Message: "RolloutAborted: Rollout aborted update to revision 4"}), replicaSet("a", "v2", t0)}
	contains := func(want string) Contains {
		return func(rev string) (bool, error) { return rev == want, nil }
	}
	tests := []struct {
		name     string
		cond     string
		objs     []*unstructured.Unstructured
		contains Contains
		reached  bool
		failure  string
	}{
		{"healthy when live", "healthy", live, nil, true, ""},
		{"a paused canary is not healthy", "healthy", paused, nil, false, ""},
		{"a paused canary is paused", "paused", paused, nil, true, ""},
		{"step=1 at step 1", "step=1", paused, nil, true, ""},
		{"step=3 not yet", "step=3", paused, nil, false, ""},
		{"promoted when live", "promoted", live, nil, true, ""},
		{"not promoted mid-canary", "promoted", paused, nil, false, ""},
		{"synced at a descendant", "synced", live, contains("c2"), true, ""},
		{"synced, but not yet at the revision", "synced", live, contains("c9"), false, ""},
		{"aborted is a failure for healthy", "healthy", aborted, nil, false, "aborted: RolloutAborted: Rollout aborted update to revision 4"},
		{"aborted is reached for aborted", "aborted", aborted, nil, true, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, err := ParseCondition(tt.cond)
			if err != nil {
				t.Fatal(err)
			}
			row := Observe([]Target{devTarget}, nil, snapshot(tt.objs...))[0]
			reached, failure, err := c.Check(row, tt.contains)
			if err != nil || reached != tt.reached || failure != tt.failure {
				t.Errorf("Check = %v, %q, %v; want %v, %q", reached, failure, err, tt.reached, tt.failure)
			}
		})
	}
}

func TestParseCondition(t *testing.T) {
	for _, bad := range []string{"", "ready", "step=", "step=-1", "step=x"} {
		if _, err := ParseCondition(bad); err == nil {
			t.Errorf("ParseCondition(%q): no error", bad)
		}
	}
}
