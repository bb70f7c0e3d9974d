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
// SkipSteps Events and the Ingresses (for the canary Ingress's weight) in
// the targets' namespace, or cluster-wide when they span several (one
// request per kind either way).
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
		{GVR: kube.Events, Namespace: ns, FieldSelector: "involvedObject.kind=Rollout,reason=" + SkipStepsReason},
		{GVR: kube.Ingresses, Namespace: ns},
	}
}

// SkipStepsReason is the Event reason Argo Rollouts records when it skips
// the canary steps on a rollback (rollout/canary.go,
// syncRolloutStatusCanary): to the stable ReplicaSet, or to an older one
// within spec.rollbackWindow.
const SkipStepsReason = "SkipSteps"
