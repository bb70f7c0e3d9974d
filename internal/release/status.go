package release

import (
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/rolloutgen/rolloutgen/internal/kube"
)

// SchemaVersion versions gen status -o json|yaml.
const SchemaVersion = 1

// Version is an image tag with its optional digest.
type Version struct {
	Tag    string `json:"tag"`
	Digest string `json:"digest,omitempty"`
}

func (v Version) String() string {
	if v.Digest == "" {
		return v.Tag
	}
	if v.Tag == "" {
		return "@" + shortDigest(v.Digest)
	}
	return v.Tag + "@" + shortDigest(v.Digest)
}

func shortDigest(d string) string {
	if alg, hex, ok := strings.Cut(d, ":"); ok && len(hex) > 12 {
		return alg + ":" + hex[:12]
	}
	return d
}

// ParseImage splits an image reference into its repository, tag and
// digest ("repo:tag@sha256:…").
func ParseImage(ref string) (repo string, v Version) {
	if i := strings.Index(ref, "@"); i >= 0 {
		ref, v.Digest = ref[:i], ref[i+1:]
	}
	if i := strings.LastIndex(ref, ":"); i > strings.LastIndex(ref, "/") {
		ref, v.Tag = ref[:i], ref[i+1:]
	}
	return ref, v
}

// GitState is an overlay's images: entry at HEAD and on the remote branch.
type GitState struct {
	Version
	// Remote is the entry on the remote-tracking ref when it differs from
	// HEAD's; RemoteRef names that ref.
	Remote    *Version `json:"remote,omitempty"`
	RemoteRef string   `json:"remoteRef,omitempty"`
	// Error says why the entry could not be read.
	Error string `json:"error,omitempty"`
}

// AppState is what Argo CD says of one Application.
type AppState struct {
	Name             string    `json:"name"`
	Sync             string    `json:"sync"`
	Revision         string    `json:"revision,omitempty"`
	Health           string    `json:"health"`
	HealthMessage    string    `json:"healthMessage,omitempty"`
	HealthSince      time.Time `json:"healthSince,omitzero"`
	Operation        string    `json:"operation,omitempty"`
	OperationMessage string    `json:"operationMessage,omitempty"`
}

// RolloutState is what Argo Rollouts says of one Rollout.
type RolloutState struct {
	Name    string `json:"name"`
	Phase   string `json:"phase"`
	Message string `json:"message,omitempty"`
	// Step is status.currentStepIndex (the k of k/n); Steps is n.
	Step  *int64 `json:"step,omitempty"`
	Steps int    `json:"steps"`
	// Weight is the canary weight the controller set (Rollout status).
	Weight *int64 `json:"weight,omitempty"`
	// CanaryIngress is the canary Ingress the controller made
	// (<rollout>-<stableIngress>-canary) and IngressWeight the weight its
	// canary-weight annotation routes: what ingress-nginx applies. Nil
	// when the Rollout routes no nginx traffic or the Ingress is absent.
	CanaryIngress string `json:"canaryIngress,omitempty"`
	IngressWeight *int64 `json:"ingressWeight,omitempty"`
	// WeightMismatch: both weights are known and differ.
	WeightMismatch bool      `json:"weightMismatch,omitempty"`
	StableImage    string    `json:"stableImage,omitempty"`
	CanaryImage    string    `json:"canaryImage,omitempty"`
	ReadyReplicas  int64     `json:"readyReplicas"`
	Replicas       int64     `json:"replicas"`
	Paused         bool      `json:"paused"`
	PauseReason    string    `json:"pauseReason,omitempty"`
	PausedSince    time.Time `json:"pausedSince,omitzero"`
	Aborted        bool      `json:"aborted"`
	AbortedAt      time.Time `json:"abortedAt,omitzero"`
	FullyPromoted  bool      `json:"fullyPromoted"`
	// HealthySince is when the Rollout's Healthy condition last became True.
	HealthySince time.Time `json:"healthySince,omitzero"`
	// RollbackWindow says the controller last skipped the steps to go
	// back to an older ReplicaSet within spec.rollbackWindow.
	RollbackWindow bool `json:"rollbackWindow,omitempty"`
}

// Row is one app in one environment.
type Row struct {
	App         string        `json:"app"`
	Env         string        `json:"env"`
	Git         GitState      `json:"git"`
	Application *AppState     `json:"application,omitempty"`
	Rollout     *RolloutState `json:"rollout,omitempty"`
	// Cluster is false when the cluster was not read.
	Cluster bool   `json:"cluster"`
	Verdict string `json:"verdict"`
}

// Observe builds the rows of targets from Git and, when snap is not nil,
// the cluster.
func Observe(targets []Target, git map[string]GitState, snap *kube.Snapshot) []Row {
	rows := make([]Row, 0, len(targets))
	var idx *index
	if snap != nil {
		idx = newIndex(snap)
	}
	for _, t := range targets {
		r := Row{App: t.App, Env: t.Env, Git: git[t.Dir], Cluster: snap != nil}
		if idx != nil {
			if a := snap.Get(kube.Applications, t.ArgoNamespace, t.Application); a != nil {
				r.Application = appState(kube.NewApplication(a))
			}
			if ro := snap.Get(kube.Rollouts, t.Namespace, t.Rollout); ro != nil {
				r.Rollout = idx.rolloutState(kube.NewRollout(ro))
			}
		}
		r.Verdict = verdict(t, r)
		rows = append(rows, r)
	}
	return rows
}

func appState(a kube.Application) *AppState {
	return &AppState{
		Name: a.Name, Sync: a.Sync, Revision: a.Revision, Health: a.Health, HealthMessage: a.HealthMessage,
		HealthSince: a.HealthSince, Operation: a.OperationPhase, OperationMessage: a.OperationMessage,
	}
}

// index groups the snapshot's ReplicaSets, and the Events that can tell a
// rollback within the window, by Rollout.
type index struct {
	snap   *kube.Snapshot
	rs     map[string][]kube.ReplicaSet
	events map[string][]kube.Event
}

func newIndex(snap *kube.Snapshot) *index {
	x := &index{snap: snap, rs: map[string][]kube.ReplicaSet{}, events: map[string][]kube.Event{}}
	for _, o := range snap.Objects(kube.ReplicaSets) {
		rs := kube.NewReplicaSet(o)
		if rs.Owner != "" {
			k := rs.Namespace + "/" + rs.Owner
			x.rs[k] = append(x.rs[k], rs)
		}
	}
	for _, o := range snap.Objects(kube.Events) {
		e := kube.NewEvent(o)
		if (e.Reason == SkipStepsReason || e.Reason == RolloutCompletedReason) && e.InvolvedKind == "Rollout" {
			k := e.Namespace + "/" + e.InvolvedName
			x.events[k] = append(x.events[k], e)
		}
	}
	return x
}

// StableImage is the image of the Rollout's stable ReplicaSet: what runs
// when no canary does. Empty when that ReplicaSet is not in the snapshot.
func (x *index) stableImage(r kube.Rollout) string {
	if r.FullyPromoted() {
		return r.Image
	}
	for _, rs := range x.rs[r.Namespace+"/"+r.Name] {
		if rs.PodTemplateHash == r.StableRS {
			return rs.Image
		}
	}
	return ""
}

// rollbackWindow: the newest of the Rollout's SkipSteps and
// RolloutCompleted Events says it rolled back within the window to the
// stable ReplicaSet it has now, and no ReplicaSet was created after it.
func (x *index) rollbackWindow(r kube.Rollout) bool {
	var last kube.Event
	for _, e := range x.events[r.Namespace+"/"+r.Name] {
		if e.Last.After(last.Last) {
			last = e
		}
	}
	switch {
	case last.Reason == SkipStepsReason && strings.Contains(last.Message, "RollbackWindow"):
	case last.Reason == RolloutCompletedReason && strings.HasSuffix(last.Message, completedInWindowSuffix) &&
		r.StableRS != "" && strings.Contains(last.Message, "("+r.StableRS+")"):
	default:
		return false
	}
	for _, rs := range x.rs[r.Namespace+"/"+r.Name] {
		if rs.Created.After(last.Last) {
			return false
		}
	}
	return true
}

func (x *index) rolloutState(r kube.Rollout) *RolloutState {
	s := &RolloutState{
		Name: r.Name, Phase: r.Phase, Message: r.Message, Step: r.StepIndex, Steps: r.Steps, Weight: r.Weight,
		StableImage: x.stableImage(r), ReadyReplicas: r.ReadyReplicas, Replicas: r.DesiredReplicas,
		Paused: r.Paused || len(r.PauseConditions) > 0, Aborted: r.Abort, AbortedAt: r.AbortedAt,
		FullyPromoted: r.FullyPromoted(),
	}
	if !s.FullyPromoted {
		s.CanaryImage = r.Image
	}
	if c, ok := r.Condition("Healthy"); ok && c.Status == "True" {
		s.HealthySince = c.LastTransition
	}
	if len(r.PauseConditions) > 0 {
		s.PauseReason, s.PausedSince = r.PauseConditions[0].Reason, r.PauseConditions[0].StartTime
	} else if r.Paused {
		s.PauseReason = "spec.paused"
	}
	if s.FullyPromoted {
		s.RollbackWindow = x.rollbackWindow(r)
	}
	s.CanaryIngress, s.IngressWeight = x.ingressWeight(r)
	s.WeightMismatch = s.IngressWeight != nil && s.Weight != nil && *s.IngressWeight != *s.Weight
	return s
}

// ingressWeight is the canary Ingress of r and the weight its annotation
// sets, read from the snapshot's one LIST of Ingresses. An Ingress
// without the annotation routes no canary traffic: weight 0, as
// ingress-nginx reads it.
func (x *index) ingressWeight(r kube.Rollout) (string, *int64) {
	if r.StableIngress == "" {
		return "", nil
	}
	name := kube.CanaryIngress(r.Name, r.StableIngress)
	in := x.snap.Get(kube.Ingresses, r.Namespace, name)
	if in == nil {
		return "", nil
	}
	w := int64(0)
	if v, ok := in.GetAnnotations()[kube.CanaryWeightAnnotation(r.NginxAnnotationPrefix)]; ok {
		n, err := strconv.ParseInt(strings.TrimSpace(v), 10, 64)
		if err != nil {
			return name, nil
		}
		w = n
	}
	return name, &w
}

// Degraded reports a row Argo CD or Argo Rollouts calls Degraded.
func (r Row) Degraded() bool {
	return (r.Application != nil && r.Application.Health == "Degraded") || (r.Rollout != nil && r.Rollout.Phase == "Degraded")
}

// Settled reports a row gen status --watch can stop at: Synced and
// Healthy, Suspended at a pause, or Degraded.
func (r Row) Settled() bool {
	if r.Degraded() {
		return true
	}
	a := r.Application
	if a == nil || r.Rollout == nil {
		return false
	}
	return (a.Sync == "Synced" && a.Health == "Healthy") || a.Health == "Suspended" || (r.Rollout.Paused && r.Rollout.Phase == "Paused")
}

// verdict is the one column a person reads first.
func verdict(t Target, r Row) string {
	git := r.Git.Version.String()
	if r.Git.Error != "" {
		git = "?"
	}
	if !r.Cluster {
		if r.Git.Remote != nil {
			return fmt.Sprintf("git %s (remote %s)", git, r.Git.Remote)
		}
		return "git " + git
	}
	if r.Application == nil {
		return fmt.Sprintf("no Application %s/%s", t.ArgoNamespace, t.Application)
	}
	ro := r.Rollout
	if ro == nil {
		return fmt.Sprintf("no Rollout %s/%s", t.Namespace, t.Rollout)
	}
	_, live := ParseImage(ro.StableImage)
	if ro.Aborted {
		return fmt.Sprintf("git %s ≠ live %s (aborted)", git, live)
	}
	if r.Degraded() {
		msg := r.Application.HealthMessage
		if ro.Phase == "Degraded" || msg == "" {
			msg = ro.Message
		}
		return "degraded: " + oneLine(msg)
	}
	if !ro.FullyPromoted {
		_, canary := ParseImage(ro.CanaryImage)
		v := "canary " + canary.String()
		if ro.Weight != nil {
			v += fmt.Sprintf(" %d%%", *ro.Weight)
		}
		if ro.Paused {
			v += " paused"
		}
		if ro.WeightMismatch {
			v += fmt.Sprintf(" (ingress %d%%)", *ro.IngressWeight)
		}
		return v
	}
	if r.Application.Sync == "OutOfSync" {
		return "out of sync"
	}
	if r.Git.Error == "" && live != r.Git.Version {
		return fmt.Sprintf("git %s ≠ live %s", git, live)
	}
	if ro.WeightMismatch {
		return fmt.Sprintf("live %s, ingress still %d%% canary", live, *ro.IngressWeight)
	}
	if ro.RollbackWindow {
		return fmt.Sprintf("live %s, rollback (window)", live)
	}
	if r.Application.Health != "" && r.Application.Health != "Healthy" {
		return fmt.Sprintf("live %s, %s", live, strings.ToLower(r.Application.Health))
	}
	return "live " + live.String()
}

func oneLine(s string) string {
	s, _, _ = strings.Cut(s, "\n")
	if s == "" {
		return "no message"
	}
	return s
}
