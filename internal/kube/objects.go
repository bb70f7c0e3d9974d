package kube

import (
	"time"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
)

// Application is what gen reads of an Argo CD Application.
type Application struct {
	Namespace, Name string
	// Sources holds spec.source, or each of spec.sources.
	Sources []Source
	// Sync is status.sync.status: Synced, OutOfSync or Unknown.
	Sync string
	// Revision is status.sync.revision, the commit Argo CD compared with.
	Revision string
	// Health is status.health.status: Healthy, Progressing, Suspended,
	// Degraded, Missing or Unknown.
	Health        string
	HealthMessage string
	// HealthSince is status.health.lastTransitionTime, when set.
	HealthSince time.Time
	// OperationPhase and OperationMessage are status.operationState's
	// (Running, Succeeded, Failed, Error).
	OperationPhase, OperationMessage string
	// SyncedRevision is status.operationState.syncResult.revision.
	SyncedRevision string
	// Conditions are status.conditions' types and messages (SyncError,
	// ComparisonError, …).
	Conditions []Condition
}

// Source is one Git source of an Application.
type Source struct {
	RepoURL string
	Path    string
}

// Condition is one status condition.
type Condition struct {
	Type, Status, Reason, Message string
	LastTransition                time.Time
}

// NewApplication reads an Application object.
func NewApplication(u *unstructured.Unstructured) Application {
	o := u.Object
	a := Application{
		Namespace:        u.GetNamespace(),
		Name:             u.GetName(),
		Sync:             str(o, "status", "sync", "status"),
		Revision:         str(o, "status", "sync", "revision"),
		Health:           str(o, "status", "health", "status"),
		HealthMessage:    str(o, "status", "health", "message"),
		HealthSince:      timeAt(o, "status", "health", "lastTransitionTime"),
		OperationPhase:   str(o, "status", "operationState", "phase"),
		OperationMessage: str(o, "status", "operationState", "message"),
		SyncedRevision:   str(o, "status", "operationState", "syncResult", "revision"),
		Conditions:       conditions(o),
	}
	add := func(m map[string]any) {
		a.Sources = append(a.Sources, Source{RepoURL: str(m, "repoURL"), Path: str(m, "path")})
	}
	if src, ok, _ := unstructured.NestedMap(o, "spec", "source"); ok {
		add(src)
	}
	if srcs, ok, _ := unstructured.NestedSlice(o, "spec", "sources"); ok {
		for _, s := range srcs {
			if m, ok := s.(map[string]any); ok {
				add(m)
			}
		}
	}
	return a
}

// Rollout is what gen reads of an Argo Rollouts Rollout.
type Rollout struct {
	Namespace, Name string
	Generation      int64
	// ObservedGeneration is status.observedGeneration (a string in Argo
	// Rollouts' API, compared as such).
	ObservedGeneration string
	// Image is the first container's image in spec.template: what the
	// current (canary, while one runs) ReplicaSet runs.
	Image string
	// Steps is the number of canary steps.
	Steps int
	// StepIndex is status.currentStepIndex; nil when unset.
	StepIndex *int64
	// Paused is spec.paused (kubectl argo rollouts pause).
	Paused bool
	// Phase is status.phase: Healthy, Progressing, Paused or Degraded.
	Phase   string
	Message string
	// Abort is status.abort; AbortedAt status.abortedAt.
	Abort     bool
	AbortedAt time.Time
	// PromoteFull is status.promoteFull.
	PromoteFull     bool
	ControllerPause bool
	PauseConditions []PauseCondition
	// StableRS and CurrentPodHash are pod-template-hashes: equal when the
	// Rollout is fully promoted.
	StableRS, CurrentPodHash string
	// Weight is status.canary.weights.canary.weight (traffic routing);
	// nil when the controller has not set it.
	Weight                                   *int64
	Replicas, ReadyReplicas, UpdatedReplicas int64
	DesiredReplicas                          int64
	Conditions                               []Condition
	// StepAnalysisStatus is status.canary.currentStepAnalysisRunStatus.status.
	StepAnalysisStatus string
	// StableIngress is spec.strategy.canary.trafficRouting.nginx's
	// stableIngress (or the first of stableIngresses); NginxAnnotationPrefix
	// its annotationPrefix (default nginx.ingress.kubernetes.io).
	StableIngress, NginxAnnotationPrefix string
}

// CanaryIngress is the name of the Ingress the controller creates next to
// stable for the canary's traffic (Argo Rollouts'
// ingressutil.GetCanaryIngressName: <rollout>-<stable>-canary, cut at
// 253 characters).
func CanaryIngress(rollout, stable string) string {
	n := rollout + "-" + stable + "-canary"
	if len(n) > 253 {
		n = n[:253]
	}
	return n
}

// CanaryWeightAnnotation is the annotation of the canary Ingress that
// carries its weight, under prefix ("" is the default prefix).
func CanaryWeightAnnotation(prefix string) string {
	if prefix == "" {
		prefix = "nginx.ingress.kubernetes.io"
	}
	return prefix + "/canary-weight"
}

// PauseCondition is one entry of status.pauseConditions.
type PauseCondition struct {
	Reason    string
	StartTime time.Time
}

// NewRollout reads a Rollout object.
func NewRollout(u *unstructured.Unstructured) Rollout {
	o := u.Object
	r := Rollout{
		Namespace:          u.GetNamespace(),
		Name:               u.GetName(),
		Generation:         u.GetGeneration(),
		ObservedGeneration: str(o, "status", "observedGeneration"),
		Paused:             boolAt(o, "spec", "paused"),
		Phase:              str(o, "status", "phase"),
		Message:            str(o, "status", "message"),
		Abort:              boolAt(o, "status", "abort"),
		AbortedAt:          timeAt(o, "status", "abortedAt"),
		PromoteFull:        boolAt(o, "status", "promoteFull"),
		ControllerPause:    boolAt(o, "status", "controllerPause"),
		StableRS:           str(o, "status", "stableRS"),
		CurrentPodHash:     str(o, "status", "currentPodHash"),
		Replicas:           intAt(o, "status", "replicas"),
		ReadyReplicas:      intAt(o, "status", "readyReplicas"),
		UpdatedReplicas:    intAt(o, "status", "updatedReplicas"),
		DesiredReplicas:    1,
		Conditions:         conditions(o),
	}
	if n, ok, _ := unstructured.NestedInt64(o, "spec", "replicas"); ok {
		r.DesiredReplicas = n
	}
	r.Image = firstImage(o, "spec", "template", "spec", "containers")
	r.StepAnalysisStatus = str(o, "status", "canary", "currentStepAnalysisRunStatus", "status")
	nginx := []string{"spec", "strategy", "canary", "trafficRouting", "nginx"}
	r.StableIngress = str(o, append(nginx, "stableIngress")...)
	if r.StableIngress == "" {
		if ins, _, _ := unstructured.NestedStringSlice(o, append(nginx, "stableIngresses")...); len(ins) > 0 {
			r.StableIngress = ins[0]
		}
	}
	r.NginxAnnotationPrefix = str(o, append(nginx, "annotationPrefix")...)
	if steps, ok, _ := unstructured.NestedSlice(o, "spec", "strategy", "canary", "steps"); ok {
		r.Steps = len(steps)
	}
	if n, ok, _ := unstructured.NestedInt64(o, "status", "currentStepIndex"); ok {
		r.StepIndex = &n
	}
	if n, ok, _ := unstructured.NestedInt64(o, "status", "canary", "weights", "canary", "weight"); ok {
		r.Weight = &n
	}
	pcs, _, _ := unstructured.NestedSlice(o, "status", "pauseConditions")
	for _, p := range pcs {
		if m, ok := p.(map[string]any); ok {
			r.PauseConditions = append(r.PauseConditions, PauseCondition{Reason: str(m, "reason"), StartTime: timeAt(m, "startTime")})
		}
	}
	return r
}

// Condition returns the condition of type t, if any.
func (r Rollout) Condition(t string) (Condition, bool) { return findCondition(r.Conditions, t) }

// FullyPromoted reports a Rollout whose stable ReplicaSet is the current
// one: no canary runs. (Argo Rollouts' own test, in
// utils/replicaset.GetCanaryReplicasOrWeight: CurrentPodHash == StableRS.)
func (r Rollout) FullyPromoted() bool { return r.StableRS != "" && r.StableRS == r.CurrentPodHash }

// ReplicaSet is what gen reads of a ReplicaSet a Rollout owns.
type ReplicaSet struct {
	Namespace, Name string
	// PodTemplateHash is its rollouts-pod-template-hash label.
	PodTemplateHash string
	Image           string
	Replicas        int64
	Created         time.Time
	// Owner is the name of the Rollout that owns it.
	Owner string
}

// PodTemplateHashLabel is the label Argo Rollouts puts on its ReplicaSets.
const PodTemplateHashLabel = "rollouts-pod-template-hash"

// NewReplicaSet reads a ReplicaSet object.
func NewReplicaSet(u *unstructured.Unstructured) ReplicaSet {
	owner := ""
	for _, ref := range u.GetOwnerReferences() {
		if ref.Kind == "Rollout" {
			owner = ref.Name
		}
	}
	return ReplicaSet{
		Owner:           owner,
		Namespace:       u.GetNamespace(),
		Name:            u.GetName(),
		PodTemplateHash: u.GetLabels()[PodTemplateHashLabel],
		Image:           firstImage(u.Object, "spec", "template", "spec", "containers"),
		Replicas:        intAt(u.Object, "spec", "replicas"),
		Created:         u.GetCreationTimestamp().Time,
	}
}

// Event is what gen reads of a core Event.
type Event struct {
	Namespace         string
	InvolvedKind      string
	InvolvedName      string
	Reason, Message   string
	Type              string
	Last              time.Time
	InvolvedNamespace string
}

// NewEvent reads an Event object.
func NewEvent(u *unstructured.Unstructured) Event {
	o := u.Object
	e := Event{
		Namespace:         u.GetNamespace(),
		InvolvedKind:      str(o, "involvedObject", "kind"),
		InvolvedName:      str(o, "involvedObject", "name"),
		InvolvedNamespace: str(o, "involvedObject", "namespace"),
		Reason:            str(o, "reason"),
		Message:           str(o, "message"),
		Type:              str(o, "type"),
		Last:              timeAt(o, "lastTimestamp"),
	}
	if e.Last.IsZero() {
		e.Last = timeAt(o, "eventTime")
	}
	if e.Last.IsZero() {
		e.Last = u.GetCreationTimestamp().Time
	}
	return e
}

func str(o map[string]any, path ...string) string {
	s, _, _ := unstructured.NestedString(o, path...)
	return s
}

func boolAt(o map[string]any, path ...string) bool {
	b, _, _ := unstructured.NestedBool(o, path...)
	return b
}

func intAt(o map[string]any, path ...string) int64 {
	n, _, _ := unstructured.NestedInt64(o, path...)
	return n
}

func timeAt(o map[string]any, path ...string) time.Time {
	s := str(o, path...)
	if s == "" {
		return time.Time{}
	}
	t, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		return time.Time{}
	}
	return t
}

func firstImage(o map[string]any, path ...string) string {
	cs, _, _ := unstructured.NestedSlice(o, path...)
	if len(cs) == 0 {
		return ""
	}
	m, _ := cs[0].(map[string]any)
	return str(m, "image")
}

func conditions(o map[string]any) []Condition {
	cs, _, _ := unstructured.NestedSlice(o, "status", "conditions")
	var out []Condition
	for _, c := range cs {
		m, ok := c.(map[string]any)
		if !ok {
			continue
		}
		out = append(out, Condition{
			Type: str(m, "type"), Status: str(m, "status"), Reason: str(m, "reason"), Message: str(m, "message"),
			LastTransition: timeAt(m, "lastTransitionTime"),
		})
	}
	return out
}

func findCondition(cs []Condition, t string) (Condition, bool) {
	for _, c := range cs {
		if c.Type == t {
			return c, true
		}
	}
	return Condition{}, false
}
