package validate

import (
	"encoding/json"
	"fmt"
	"sort"
	"strings"
)

// stepTypes are the canary step kinds Argo Rollouts v1.10 knows.
func stepTypes() []string {
	return []string{"analysis", "experiment", "pause", "plugin", "setCanaryScale", "setHeaderRoute", "setMirrorRoute", "setWeight"}
}

// checkSteps checks the canary steps the way the controller's validation
// does: one type a step, weights in 0..100, setCanaryScale only with
// traffic routing and never above spec.replicas.
func checkSteps(u *unit, r rolloutRef, c *canaryView, routed bool) []Finding {
	var out []Finding
	add := func(field, problem, fix string) { out = append(out, u.finding(Error, r.object, field, problem, fix)) }
	known := stepTypes()
	for i, step := range c.Steps {
		p := fmt.Sprintf("spec.strategy.canary.steps[%d]", i)
		var set []string
		for k := range step {
			if contains(known, k) {
				set = append(set, k)
			}
		}
		sort.Strings(set)
		switch {
		case len(set) == 0:
			add(p, "no known step type", "use one of "+strings.Join(known, ", "))
			continue
		case len(set) > 1:
			add(p, "sets more than one step type ("+strings.Join(set, ", ")+")", "split it into one step each")
			continue
		}
		switch set[0] {
		case "setWeight":
			if w, ok := asInt(step["setWeight"]); ok && (w < 0 || w > 100) {
				add(p+".setWeight", fmt.Sprintf("%d is outside 0..100", w), "use a percentage from 0 to 100")
			}
		case "setCanaryScale":
			var s setCanaryScaleView
			b, _ := json.Marshal(step["setCanaryScale"])
			if json.Unmarshal(b, &s) != nil {
				continue // the CRD check reports the types
			}
			if !routed {
				add(p+".setCanaryScale", "requires trafficRouting (the controller rejects the Rollout)",
					"add spec.strategy.canary.trafficRouting, or drop setCanaryScale: without traffic routing setWeight scales the canary")
			}
			if s.Weight != nil && (*s.Weight < 0 || *s.Weight > 100) {
				add(p+".setCanaryScale.weight", fmt.Sprintf("%d is outside 0..100", *s.Weight), "use a percentage from 0 to 100")
			}
			replicas := int32(1) // the Rollout default
			if r.view.Spec.Replicas != nil {
				replicas = *r.view.Spec.Replicas
			}
			if s.Replicas != nil && *s.Replicas > replicas {
				add(p+".setCanaryScale.replicas", fmt.Sprintf("%d exceeds spec.replicas %d", *s.Replicas, replicas), "use at most spec.replicas canary pods")
			}
		}
	}
	return out
}

func asInt(v any) (int64, bool) {
	switch t := v.(type) {
	case float64:
		return int64(t), t == float64(int64(t))
	case int64:
		return t, true
	case int:
		return int64(t), true
	}
	return 0, false
}
