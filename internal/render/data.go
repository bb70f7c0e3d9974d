package render

import (
	"fmt"
	"maps"
	"slices"
	"strconv"
	"strings"

	"github.com/rolloutgen/rolloutgen/internal/config"
)

// Everything a template prints is prepared here: names that are DNS labels
// by validation go in plain, every other scalar is quoted.

type kv struct{ Key, Value string }

func labelList(labels map[string]string) []kv {
	keys := slices.Sorted(maps.Keys(labels))
	out := make([]kv, len(keys))
	for i, k := range keys {
		out[i] = kv{Key: key(k), Value: quote(labels[k])}
	}
	return out
}

// Names of the objects an app renders to, as in the seed's chart.
func stableService(app string) string { return app + "-stable" }
func canaryService(app string) string { return app + "-canary" }
func stableIngress(app string) string { return app + "-stable" }

// appData feeds the base templates of one app.
type appData struct {
	Name                                string
	Labels                              []kv
	Replicas                            int
	Image                               string
	ContainerPort, ServicePort          int
	ProbePath                           string
	ProbeInitialDelay, ProbePeriod      int
	RequestsCPU, RequestsMemory         string
	LimitsCPU, LimitsMemory             string
	CanaryService, StableService        string
	StableIngress                       string
	HeaderName, HeaderValue             string
	Steps                               []string
	RollbackWindow                      int
	IngressClass, Host, Path, TLSSecret string
	// ServiceName and Role select one of the two Services.
	ServiceName, Role string
}

func newAppData(a *config.App) appData {
	d := appData{
		Name:              a.Name,
		Labels:            labelList(a.Labels),
		Replicas:          a.Replicas,
		Image:             quote(a.Image + ":" + a.Tag),
		ContainerPort:     a.ContainerPort,
		ServicePort:       a.ServicePort,
		ProbePath:         quote(a.ReadinessProbe.Path),
		ProbeInitialDelay: a.ReadinessProbe.InitialDelaySeconds,
		ProbePeriod:       a.ReadinessProbe.PeriodSeconds,
		RequestsCPU:       quote(a.Resources.Requests.CPU),
		RequestsMemory:    quote(a.Resources.Requests.Memory),
		LimitsCPU:         quote(a.Resources.Limits.CPU),
		LimitsMemory:      quote(a.Resources.Limits.Memory),
		CanaryService:     canaryService(a.Name),
		StableService:     stableService(a.Name),
		StableIngress:     stableIngress(a.Name),
		Steps:             stepLines(a.Canary.Steps),
		IngressClass:      quote(a.Ingress.ClassName),
		Host:              quote(a.Ingress.Host),
		Path:              quote(a.Ingress.Path),
	}
	if w := a.Canary.RollbackWindow; w != nil {
		d.RollbackWindow = *w
	}
	if a.Ingress.TLSSecret != "" {
		d.TLSSecret = quote(a.Ingress.TLSSecret)
	}
	if h := a.Canary.Header; h != nil {
		d.HeaderName, d.HeaderValue = quote(h.Name), quote(h.Value)
	}
	return d
}

// stepLines writes each canary step as one flow-style YAML item, the way
// the seed lists them: setCanaryScale: {replicas: 1}, pause: {}, ...
func stepLines(steps []config.Step) []string {
	out := make([]string, len(steps))
	for i, s := range steps {
		out[i] = stepLine(s)
	}
	return out
}

func stepLine(s config.Step) string {
	switch {
	case s.SetWeight != nil:
		return "setWeight: " + strconv.Itoa(*s.SetWeight)
	case s.Pause != nil:
		if s.Pause.Duration == "" {
			return "pause: {}"
		}
		return "pause: {duration: " + pauseDuration(s.Pause.Duration) + "}"
	case s.SetCanaryScale != nil:
		sc := s.SetCanaryScale
		switch {
		case sc.Replicas != nil:
			return "setCanaryScale: {replicas: " + strconv.Itoa(*sc.Replicas) + "}"
		case sc.Weight != nil:
			return "setCanaryScale: {weight: " + strconv.Itoa(*sc.Weight) + "}"
		default:
			return "setCanaryScale: {matchTrafficWeight: " + strconv.FormatBool(*sc.MatchTrafficWeight) + "}"
		}
	}
	panic("render: step with no field set passed validation")
}

// pauseDuration keeps a bare number of seconds an integer, as Argo
// Rollouts accepts both; anything else is a quoted string.
func pauseDuration(d string) string {
	if _, err := strconv.Atoi(d); err == nil {
		return d
	}
	return quote(d)
}

// stepJSON is a step as the JSON value of a 6902 patch.
func stepJSON(s config.Step) map[string]any {
	switch {
	case s.SetWeight != nil:
		return map[string]any{"setWeight": *s.SetWeight}
	case s.Pause != nil:
		p := map[string]any{}
		if d := s.Pause.Duration; d != "" {
			if n, err := strconv.Atoi(d); err == nil {
				p["duration"] = n
			} else {
				p["duration"] = d
			}
		}
		return map[string]any{"pause": p}
	default:
		sc := s.SetCanaryScale
		m := map[string]any{}
		switch {
		case sc.Replicas != nil:
			m["replicas"] = *sc.Replicas
		case sc.Weight != nil:
			m["weight"] = *sc.Weight
		default:
			m["matchTrafficWeight"] = *sc.MatchTrafficWeight
		}
		return map[string]any{"setCanaryScale": m}
	}
}

// patch is one JSON 6902 patch of an overlay. Ops are single-line YAML
// flow mappings, so a list field is replaced only where gen.yaml says so.
type patch struct {
	Group, Version, Kind, Name string
	Ops                        []string
}

func op(operation, path string, value any) string {
	return fmt.Sprintf("{op: %s, path: %s, value: %s}", operation, quote(path), flowJSON(value))
}

// overlayData feeds an overlay kustomization.
type overlayData struct {
	Namespace string
	BaseRel   string
	ImageName string
	Tag       string
	Patches   []patch
}

// newOverlayData diffs the resolved app against its base and turns each
// environment override into a JSON 6902 patch.
// The images: entry gets the initial tag; render then copies the newTag
// and digest lines of an existing overlay over it (kustomize.KeepVersion).
func newOverlayData(base *config.App, r config.Resolved) overlayData {
	d := overlayData{
		Namespace: r.Namespace,
		BaseRel:   "../../../" + config.BaseDir(base.Name),
		ImageName: quote(base.Image),
		Tag:       quote(r.Tag),
	}
	var rolloutOps []string
	if r.Replicas != base.Replicas {
		rolloutOps = append(rolloutOps, op("replace", "/spec/replicas", r.Replicas))
	}
	if !sameSteps(r.Canary.Steps, base.Canary.Steps) {
		steps := make([]map[string]any, len(r.Canary.Steps))
		for i, s := range r.Canary.Steps {
			steps[i] = stepJSON(s)
		}
		rolloutOps = append(rolloutOps, op("replace", "/spec/strategy/canary/steps", steps))
	}
	if len(rolloutOps) > 0 {
		d.Patches = append(d.Patches, patch{Group: "argoproj.io", Version: "v1alpha1", Kind: "Rollout", Name: base.Name, Ops: rolloutOps})
	}
	if r.Ingress.Host != base.Ingress.Host {
		ops := []string{op("replace", "/spec/rules/0/host", r.Ingress.Host)}
		if base.Ingress.TLSSecret != "" {
			ops = append(ops, op("replace", "/spec/tls/0/hosts/0", r.Ingress.Host))
		}
		d.Patches = append(d.Patches, patch{Group: "networking.k8s.io", Version: "v1", Kind: "Ingress", Name: stableIngress(base.Name), Ops: ops})
	}
	return d
}

func sameSteps(a, b []config.Step) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if stepLine(a[i]) != stepLine(b[i]) {
			return false
		}
	}
	return true
}

// argoData feeds the Argo CD templates.
type argoData struct {
	Name, Project, ArgoNamespace  string
	Description                   string
	RepoURL, TargetRevision, Path string
	Namespace                     string
	Namespaces                    []string
	Recurse, CreateNamespace      bool
}

func describeProject(c *config.Config) string {
	d := "Canary releases of " + strings.Join(c.AppNames(), ", ") + ", rendered by gen from gen.yaml"
	if len(d) > maxProjectDescription {
		d = fmt.Sprintf("Canary releases of %d apps, rendered by gen from gen.yaml", len(c.Apps))
	}
	return quote(d)
}

// maxProjectDescription is the AppProject CRD's maxLength for
// spec.description (Argo CD v3.5.7): longer, the API server rejects it.
const maxProjectDescription = 255
