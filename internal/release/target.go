package release

import (
	"github.com/rolloutgen/rolloutgen/internal/config"
	"github.com/rolloutgen/rolloutgen/internal/kube"
)

// Target is one app in one environment, with the names gen renders for it.
type Target struct {
	App, Env string
	// Namespace and Rollout locate the Rollout (named after the app).
	Namespace, Rollout string
	// ArgoNamespace and Application locate the Argo CD Application
	// (<app>-<env>, as gen render names it).
	ArgoNamespace, Application string
	// Image is the app's image repository; Dir its overlay directory.
	Image, Dir string
}

// Targets lists the selected apps × environments of cfg, app by app in
// gen.yaml order and each app's environments in promotion order. Empty
// app or env selects all.
func Targets(cfg *config.Config, argoNamespace, app, env string) []Target {
	var out []Target
	for _, a := range cfg.Apps {
		if app != "" && a.Name != app {
			continue
		}
		for _, e := range cfg.Environments {
			if env != "" && e.Name != env {
				continue
			}
			out = append(out, Target{
				App: a.Name, Env: e.Name,
				Namespace: e.Namespace, Rollout: a.Name,
				ArgoNamespace: argoNamespace, Application: a.Name + "-" + e.Name,
				Image: a.Image, Dir: config.OverlayDir(e.Name, a.Name),
			})
		}
	}
	return out
}

// Kinds are the LISTs (and WATCHes) that cover targets: the Applications
// in Argo CD's namespace, and the Rollouts, their ReplicaSets, their
// Events (for a rollback within the window) and the Ingresses (for the
// canary Ingress's weight) in the targets' namespace, or cluster-wide when
// they span several (one request per kind either way).
func Kinds(targets []Target) []kube.Kind {
	if len(targets) == 0 {
		return nil
	}
	ns := targets[0].Namespace
	for _, t := range targets {
		if t.Namespace != ns {
			ns = ""
			break
		}
	}
	return []kube.Kind{
		{GVR: kube.Applications, Namespace: targets[0].ArgoNamespace},
		{GVR: kube.Rollouts, Namespace: ns},
		{GVR: kube.ReplicaSets, Namespace: ns, LabelSelector: kube.PodTemplateHashLabel},
		// Every Rollout Event: a field selector cannot ask for two reasons,
		// and one LIST per kind is the rule.
		{GVR: kube.Events, Namespace: ns, FieldSelector: "involvedObject.kind=Rollout"},
		{GVR: kube.Ingresses, Namespace: ns},
	}
}

// The Events Argo Rollouts records on a rollback within
// spec.rollbackWindow. SkipStepsReason: the steps are skipped
// (rollout/canary.go, syncRolloutStatusCanary), recorded only while the
// ReplicaSet rolled back to is still scaled up (within its scale-down
// delay, 30 s by default) — "Rollback to active ReplicaSets within
// RollbackWindow". RolloutCompletedReason with the reason "Rollback within
// window" (rollout/sync.go, shouldFullPromote and promoteStable:
// "Rollout completed update to revision N (<hash>): Rollback within
// window"): recorded whenever the controller fast-tracks through the
// window, also after that ReplicaSet was scaled down.
const (
	SkipStepsReason         = "SkipSteps"
	RolloutCompletedReason  = "RolloutCompleted"
	completedInWindowSuffix = ": Rollback within window"
)
