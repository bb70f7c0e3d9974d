package kubetest

import (
	"strconv"
	"strings"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime/schema"

	"github.com/rolloutgen/rolloutgen/internal/kube"
)

// The fixtures have the shape of the objects Argo CD v3 and Argo Rollouts
// v1.10 write in the e2e run, reduced to the fields gen reads.

const (
	// Image is the demo app's image repository.
	Image = "registry.example.com/demo/rollouts-demo"
	// ArgoNamespace is where the demo's Argo CD runs.
	ArgoNamespace = "argo"
	// T0, T1 and T2 are the fixtures' times, in order.
	T0 = "2026-12-01T10:00:00Z"
	T1 = "2026-12-01T10:05:00Z"
	T2 = "2026-12-01T10:10:00Z"
)

func u(gvr schema.GroupVersionResource, kind, ns, name string, obj map[string]any) *unstructured.Unstructured {
	x := &unstructured.Unstructured{Object: obj}
	x.SetAPIVersion(gvr.GroupVersion().String())
	x.SetKind(kind)
	x.SetNamespace(ns)
	x.SetName(name)
	return x
}

// Application is the demo's Application in env with sync status, revision and health.
func Application(env, sync, revision, health string) *unstructured.Unstructured {
	return u(kube.Applications, "Application", ArgoNamespace, "rollouts-demo-"+env, map[string]any{
		"spec": map[string]any{"source": map[string]any{"repoURL": "https://git.example.com/platform/rollouts-demo.git", "path": "overlays/" + env + "/rollouts-demo"}},
		"status": map[string]any{
			"sync":   map[string]any{"status": sync, "revision": revision},
			"health": map[string]any{"status": health, "lastTransitionTime": T1},
		},
	})
}

// RolloutState is what a Rollout fixture says.
type RolloutState struct {
	Env               string
	Tag               string // spec.template's image tag
	StableRS, Current string // pod-template-hashes
	Step              int64
	Weight            int64
	Paused            bool
	Abort             bool
	Phase             string
	Message           string
	HealthySince      string // the Healthy condition's lastTransitionTime when True
}

// Rollout is the demo's Rollout.
func Rollout(s RolloutState) *unstructured.Unstructured {
	steps := []any{
		map[string]any{"setCanaryScale": map[string]any{"replicas": int64(1)}}, map[string]any{"pause": map[string]any{}},
		map[string]any{"setWeight": int64(20)}, map[string]any{"pause": map[string]any{}},
		map[string]any{"setWeight": int64(40)}, map[string]any{"pause": map[string]any{}},
		map[string]any{"setWeight": int64(60)}, map[string]any{"pause": map[string]any{}},
	}
	status := map[string]any{
		"phase": s.Phase, "message": s.Message,
		"stableRS": s.StableRS, "currentPodHash": s.Current,
		"currentStepIndex": s.Step,
		"replicas":         int64(5), "readyReplicas": int64(5), "updatedReplicas": int64(5),
		"canary": map[string]any{"weights": map[string]any{"canary": map[string]any{"weight": s.Weight}, "stable": map[string]any{"weight": 100 - s.Weight}}},
	}
	if s.Paused {
		status["pauseConditions"] = []any{map[string]any{"reason": "CanaryPauseStep", "startTime": T1}}
		status["controllerPause"] = true
	}
	if s.Abort {
		status["abort"] = true
		status["abortedAt"] = T2
	}
	healthy := "False"
	if s.HealthySince != "" {
		healthy = "True"
	}
	status["conditions"] = []any{
		map[string]any{"type": "Healthy", "status": healthy, "lastTransitionTime": orT0(s.HealthySince), "reason": "RolloutHealthy"},
	}
	return u(kube.Rollouts, "Rollout", "rollouts-demo-"+s.Env, "rollouts-demo", map[string]any{
		"metadata": map[string]any{"generation": int64(3)},
		"spec": map[string]any{
			"replicas": int64(5),
			"template": map[string]any{"spec": map[string]any{"containers": []any{map[string]any{"name": "rollouts-demo", "image": Image + ":" + s.Tag}}}},
			"strategy": map[string]any{"canary": map[string]any{"steps": steps, "trafficRouting": map[string]any{"nginx": map[string]any{"stableIngress": "rollouts-demo-stable"}}}},
		},
		"status": status,
	})
}

func orT0(s string) string {
	if s == "" {
		return T0
	}
	return s
}

// ReplicaSet is a ReplicaSet the demo's Rollout in env owns.
func ReplicaSet(env, hash, tag, created string) *unstructured.Unstructured {
	x := u(kube.ReplicaSets, "ReplicaSet", "rollouts-demo-"+env, "rollouts-demo-"+hash, map[string]any{
		"spec": map[string]any{"replicas": int64(5), "template": map[string]any{"spec": map[string]any{"containers": []any{map[string]any{"name": "rollouts-demo", "image": Image + ":" + tag}}}}},
	})
	x.SetLabels(map[string]string{kube.PodTemplateHashLabel: hash})
	x.SetOwnerReferences([]metav1.OwnerReference{{APIVersion: "argoproj.io/v1alpha1", Kind: "Rollout", Name: "rollouts-demo", UID: "1"}})
	setCreated(x, created)
	return x
}

// CanaryIngress is the canary Ingress the controller made for the demo's
// Rollout in env, at weight (an annotation, as the controller writes it).
func CanaryIngress(env string, weight int64) *unstructured.Unstructured {
	x := u(kube.Ingresses, "Ingress", "rollouts-demo-"+env, kube.CanaryIngress("rollouts-demo", "rollouts-demo-stable"), map[string]any{
		"spec": map[string]any{"ingressClassName": "ack-nginx"},
	})
	x.SetAnnotations(map[string]string{
		"nginx.ingress.kubernetes.io/canary": "true",
		kube.CanaryWeightAnnotation(""):      strconv.FormatInt(weight, 10),
	})
	return x
}

// SkipSteps is the Event Argo Rollouts records when it skips the steps.
func SkipSteps(env, message, when string) *unstructured.Unstructured {
	return RolloutEvent(env, "SkipSteps", message, when)
}

// RolloutEvent is an Event with reason on the demo Rollout of env.
func RolloutEvent(env, reason, message, when string) *unstructured.Unstructured {
	return u(kube.Events, "Event", "rollouts-demo-"+env, "rollouts-demo."+strings.ToLower(reason), map[string]any{
		"involvedObject": map[string]any{"kind": "Rollout", "name": "rollouts-demo", "namespace": "rollouts-demo-" + env},
		"reason":         reason, "message": message, "type": "Normal", "lastTimestamp": when,
	})
}

func setCreated(x *unstructured.Unstructured, when string) {
	t, err := time.Parse(time.RFC3339, when)
	if err != nil {
		panic(err)
	}
	x.SetCreationTimestamp(metav1.NewTime(t))
}
