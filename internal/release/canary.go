package release

import (
	"context"
	"errors"
	"fmt"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/runtime/schema"

	"github.com/rolloutgen/rolloutgen/internal/kube"
)

// ErrRefused is a canary action that means nothing in the Rollout's state
// (promoting a completed Rollout, retrying one that is not aborted, …).
var ErrRefused = errors.New("refused")

// CanaryPlan is what gen canary writes to one Rollout: the same merge
// patches `kubectl argo rollouts` sends (pkg/kubectl-argo-rollouts/cmd/
// {promote,abort,retry,pause} of Argo Rollouts v1.10): Status goes to the
// status subresource first; when the API server has none (NotFound),
// Unified goes to the main resource instead of Status and Spec together;
// then Spec, when set, to the main resource.
type CanaryPlan struct {
	Action  string         `json:"action"`
	Status  map[string]any `json:"status,omitempty"`
	Spec    map[string]any `json:"spec,omitempty"`
	Unified map[string]any `json:"-"`
	// Summary says what happens, for people.
	Summary string `json:"summary"`
}

// PlanCanary decides the patches of action (promote, abort, retry, pause)
// on r; full is promote --full. A refusal wraps ErrRefused.
func PlanCanary(action string, full bool, r kube.Rollout) (CanaryPlan, error) {
	refuse := func(format string, a ...any) (CanaryPlan, error) {
		return CanaryPlan{}, fmt.Errorf("%w: "+format, append([]any{ErrRefused}, a...)...)
	}
	p := CanaryPlan{Action: action}
	switch action {
	case "promote":
		if r.Abort {
			return refuse("the update is aborted; gen canary retry starts it again")
		}
		if r.FullyPromoted() && !r.Paused {
			return refuse("nothing to promote: fully promoted at %s", r.Image)
		}
		if full {
			return planPromoteFull(p, r), nil
		}
		return planPromote(p, r), nil
	case "abort":
		if r.Abort {
			return refuse("already aborted")
		}
		if r.FullyPromoted() {
			return refuse("no update in progress: fully promoted at %s", r.Image)
		}
		// abort.go: {"status":{"abort":true}}
		p.Status = map[string]any{"abort": true}
		p.Unified = map[string]any{"status": map[string]any{"abort": true}}
		p.Summary = "aborted: traffic and replicas go back to the stable ReplicaSet"
		return p, nil
	case "retry":
		if !r.Abort {
			return refuse("not aborted; retry restarts an aborted update")
		}
		// retry.go: {"status":{"abort":false}}
		p.Status = map[string]any{"abort": false}
		p.Unified = map[string]any{"status": map[string]any{"abort": false}}
		p.Summary = "retried: the canary starts again from the first step"
		return p, nil
	case "pause":
		if r.Paused {
			return refuse("already paused (spec.paused)")
		}
		// pause.go: {"spec":{"paused":true}}
		p.Spec = map[string]any{"paused": true}
		p.Summary = "paused (spec.paused); gen canary promote resumes"
		return p, nil
	}
	return CanaryPlan{}, fmt.Errorf("unknown canary action %q", action)
}

// planPromote is the plugin's promote without flags (getPatches' default
// case): unpause, clear the pause conditions, and when nothing is paused
// skip the current step.
func planPromote(p CanaryPlan, r kube.Rollout) CanaryPlan {
	nextStep := func() (int64, bool) {
		if r.Steps == 0 {
			return 0, false
		}
		var i int64
		if r.StepIndex != nil {
			i = *r.StepIndex
		}
		if i < int64(r.Steps) {
			i++
		}
		return i, true
	}
	p.Unified = map[string]any{"spec": map[string]any{"paused": false}, "status": map[string]any{"pauseConditions": nil}}
	if r.Paused {
		p.Spec = map[string]any{"paused": false}
	}
	switch {
	case r.StepAnalysisStatus == "Inconclusive" && len(r.PauseConditions) > 0 && r.ControllerPause:
		if i, ok := nextStep(); ok {
			p.Status = map[string]any{"pauseConditions": nil, "controllerPause": false, "currentStepIndex": i}
		}
		p.Summary = "promoted past the inconclusive analysis"
	case len(r.PauseConditions) > 0:
		p.Status = map[string]any{"pauseConditions": nil}
		p.Summary = "promoted: the pause ends, the next step runs"
	default:
		if i, ok := nextStep(); ok {
			p.Status = map[string]any{"pauseConditions": nil, "currentStepIndex": i}
			p.Unified = map[string]any{"spec": map[string]any{"paused": false}, "status": map[string]any{"pauseConditions": nil, "currentStepIndex": i}}
			p.Summary = fmt.Sprintf("promoted: not paused, so the current step is skipped (step %d)", i)
		} else {
			p.Summary = "promoted: unpaused"
		}
	}
	return p
}

// planPromoteFull is promote --full: unpause, and promoteFull while a
// canary runs.
func planPromoteFull(p CanaryPlan, r kube.Rollout) CanaryPlan {
	p.Action = "promote --full"
	p.Unified = map[string]any{"spec": map[string]any{"paused": false}, "status": map[string]any{"promoteFull": true}}
	if r.Paused {
		p.Spec = map[string]any{"paused": false}
	}
	if !r.FullyPromoted() {
		p.Status = map[string]any{"promoteFull": true}
	}
	p.Summary = "fully promoted: skipping the remaining steps, pauses and analysis"
	return p
}

// Patcher applies merge patches (kube.Client does).
type Patcher interface {
	MergePatch(ctx context.Context, gvr schema.GroupVersionResource, namespace, name string, patch map[string]any, subresource ...string) error
}

// Apply sends p's patches to the Rollout namespace/name in the plugin's
// order.
func (p CanaryPlan) Apply(ctx context.Context, c Patcher, namespace, name string) error {
	spec := p.Spec
	if p.Status != nil {
		err := c.MergePatch(ctx, kube.Rollouts, namespace, name, map[string]any{"status": p.Status}, "status")
		switch {
		case apierrors.IsNotFound(err) && p.Unified != nil:
			if err := c.MergePatch(ctx, kube.Rollouts, namespace, name, p.Unified); err != nil {
				return err
			}
			spec = nil
		case err != nil:
			return err
		}
	}
	if spec != nil {
		return c.MergePatch(ctx, kube.Rollouts, namespace, name, map[string]any{"spec": spec})
	}
	return nil
}
