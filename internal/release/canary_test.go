package release

import (
	"context"
	"encoding/json"
	"errors"
	"strings"
	"testing"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/runtime"
	clienttesting "k8s.io/client-go/testing"

	"github.com/rolloutgen/rolloutgen/internal/kube"
	"github.com/rolloutgen/rolloutgen/internal/kube/kubetest"
)

func TestPlanCanary(t *testing.T) {
	paused := rolloutState{Tag: "v3", StableRS: "a", Current: "b", Step: 1, Paused: true, Phase: "Paused"}
	running := rolloutState{Tag: "v3", StableRS: "a", Current: "b", Step: 2, Phase: "Progressing"}
	done := rolloutState{Tag: "v2", StableRS: "a", Current: "a", Step: 8, Phase: "Healthy"}
	aborted := rolloutState{Tag: "v3", StableRS: "a", Current: "b", Abort: true, Phase: "Degraded"}
	tests := []struct {
		name    string
		action  string
		full    bool
		state   rolloutState
		status  string
		spec    string
		refused string
	}{
		{name: "promote at a pause clears the pause", action: "promote", state: paused, status: `{"pauseConditions":null}`},
		{name: "promote while not paused skips the current step", action: "promote", state: running, status: `{"currentStepIndex":3,"pauseConditions":null}`},
		{name: "promote --full", action: "promote", full: true, state: paused, status: `{"promoteFull":true}`},
		{name: "promote a completed Rollout", action: "promote", state: done, refused: "nothing to promote: fully promoted at registry.example.com/demo/rollouts-demo:v2"},
		{name: "promote an aborted Rollout", action: "promote", state: aborted, refused: "the update is aborted; gen canary retry starts it again"},
		{name: "abort", action: "abort", state: paused, status: `{"abort":true}`},
		{name: "abort a completed Rollout", action: "abort", state: done, refused: "no update in progress"},
		{name: "abort twice", action: "abort", state: aborted, refused: "already aborted"},
		{name: "retry", action: "retry", state: aborted, status: `{"abort":false}`},
		{name: "retry what is not aborted", action: "retry", state: running, refused: "not aborted"},
		{name: "pause", action: "pause", state: running, spec: `{"paused":true}`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tt.state.Env = "dev"
			p, err := PlanCanary(tt.action, tt.full, kube.NewRollout(kubetest.Rollout(tt.state)))
			if tt.refused != "" {
				if !errors.Is(err, ErrRefused) || !strings.Contains(err.Error(), tt.refused) {
					t.Fatalf("err = %v, want a refusal with %q", err, tt.refused)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if got := jsonOf(p.Status); got != orNull(tt.status) {
				t.Errorf("status patch %s, want %s", got, tt.status)
			}
			if got := jsonOf(p.Spec); got != orNull(tt.spec) {
				t.Errorf("spec patch %s, want %s", got, tt.spec)
			}
		})
	}
}

func jsonOf(m map[string]any) string {
	if m == nil {
		return "null"
	}
	b, _ := json.Marshal(m)
	return string(b)
}

func orNull(s string) string {
	if s == "" {
		return "null"
	}
	return s
}

// TestApplyFallsBackWithoutStatusSubresource: an API server without the
// status subresource gets the unified patch on the main resource, as the
// plugin sends it.
func TestApplyFallsBackWithoutStatusSubresource(t *testing.T) {
	state := rolloutState{Env: "dev", Tag: "v3", StableRS: "a", Current: "b", Step: 2, Phase: "Progressing"}
	c := kubetest.NewCluster(kubetest.Rollout(state))
	c.PrependReactor("patch", "rollouts", func(a clienttesting.Action) (bool, runtime.Object, error) {
		if a.GetSubresource() == "status" {
			return true, nil, apierrors.NewNotFound(kube.Rollouts.GroupResource(), "rollouts-demo")
		}
		return false, nil, nil
	})
	p, err := PlanCanary("promote", false, kube.NewRollout(kubetest.Rollout(state)))
	if err != nil {
		t.Fatal(err)
	}
	if err := p.Apply(context.Background(), c.Client(), "rollouts-demo-dev", "rollouts-demo"); err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, a := range c.Actions() {
		if pa, ok := a.(clienttesting.PatchAction); ok {
			got = append(got, pa.GetSubresource()+" "+string(pa.GetPatch()))
		}
	}
	want := []string{
		`status {"status":{"currentStepIndex":3,"pauseConditions":null}}`,
		` {"spec":{"paused":false},"status":{"currentStepIndex":3,"pauseConditions":null}}`,
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("patches:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
}
