package validate

import (
	"encoding/json"
	"fmt"
	"math"
	"sort"
	"strconv"
	"strings"
	"time"

	"k8s.io/apimachinery/pkg/util/intstr"
	utilvalidation "k8s.io/apimachinery/pkg/util/validation"
)

// stepTypes are the canary step kinds Argo Rollouts v1.10 knows.
func stepTypes() []string {
	return []string{"analysis", "experiment", "pause", "plugin", "setCanaryScale", "setHeaderRoute", "setMirrorRoute", "setWeight"}
}

// exclusiveStepTypes are the step kinds of which a step may set only one.
// Upstream: argo-rollouts v1.10.1 pkg/apis/rollouts/validation/validation.go
// hasMultipleStepsType counts only setWeight, pause, experiment and
// analysis; setCanaryScale, setHeaderRoute, setMirrorRoute and plugin may
// sit beside them (or each other).
func exclusiveStepTypes() []string {
	return []string{"analysis", "experiment", "pause", "setWeight"}
}

// checkSteps checks the canary steps the way the controller's validation
// does (argo-rollouts v1.10.1 validation.go ValidateRolloutStrategyCanary):
// a step sets a known type and at most one exclusive type, weights lie in
// 0..maxTrafficWeight, pause durations parse, setCanaryScale needs traffic
// routing.
func checkSteps(u *unit, r rolloutRef, c *canaryView, routed bool) []Finding {
	var out []Finding
	add := func(sev Severity, field, problem, fix string) {
		out = append(out, u.finding(sev, r.object, field, problem, fix))
	}
	known := stepTypes()
	maxWeight := int64(100) // weightutil.MaxTrafficWeight
	if routed && c.TrafficRouting.MaxTrafficWeight != nil {
		maxWeight = int64(*c.TrafficRouting.MaxTrafficWeight)
	}
	for i, step := range c.Steps {
		p := fmt.Sprintf("spec.strategy.canary.steps[%d]", i)
		var set, exclusive []string
		for k := range step {
			if contains(known, k) {
				set = append(set, k)
			}
			if contains(exclusiveStepTypes(), k) {
				exclusive = append(exclusive, k)
			}
		}
		sort.Strings(exclusive)
		switch {
		case len(set) == 0:
			add(Error, p, "no known step type", "use one of "+strings.Join(known, ", "))
			continue
		case len(exclusive) > 1:
			add(Error, p, "sets more than one of analysis, experiment, pause and setWeight ("+strings.Join(exclusive, ", ")+")", "split it into one step each")
			continue
		}
		if v, ok := step["setWeight"]; ok {
			if w, ok := asInt(v); ok && (w < 0 || w > maxWeight) {
				add(Error, p+".setWeight", fmt.Sprintf("%d is outside 0..%d", w, maxWeight), "use a weight from 0 to "+strconv.FormatInt(maxWeight, 10)+" (spec.strategy.canary.trafficRouting.maxTrafficWeight, default 100)")
			}
		}
		if v, ok := step["pause"].(map[string]any); ok {
			if d, ok := v["duration"]; ok && d != nil {
				if problem := pauseDurationProblem(d); problem != "" {
					add(Error, p+".pause.duration", problem, `use whole seconds (e.g. 300) or a Go duration such as "5m" or "1h30m", below 68 years`)
				}
			}
		}
		if v, ok := step["setCanaryScale"]; ok {
			var s setCanaryScaleView
			b, _ := json.Marshal(v)
			if json.Unmarshal(b, &s) != nil {
				continue // the CRD check reports the types
			}
			if !routed {
				add(Error, p+".setCanaryScale", "requires trafficRouting (the controller rejects the Rollout)",
					"add spec.strategy.canary.trafficRouting, or drop setCanaryScale: without traffic routing setWeight scales the canary")
			}
			replicas := int32(1) // the Rollout default
			if r.view.Spec.Replicas != nil {
				replicas = *r.view.Spec.Replicas
			}
			// Not an upstream rule: the controller caps the canary at
			// spec.replicas (replicasetutil.GetCanaryReplicasOrWeight), so
			// this is only a hint that the number says more than happens.
			if s.Replicas != nil && *s.Replicas > replicas {
				add(Warning, p+".setCanaryScale.replicas", fmt.Sprintf("%d exceeds spec.replicas %d; the controller runs at most %d canary pods", *s.Replicas, replicas, replicas), "use at most spec.replicas canary pods")
			}
		}
	}
	return out
}

// pauseDurationProblem reimplements what the controller makes of a pause
// duration: argo-rollouts v1.10.1 pkg/apis/rollouts/v1alpha1/types.go
// RolloutPause.DurationSeconds, checked by validation.go
// ValidateRolloutStrategyCanary ("Duration needs to be greater than 0" when
// DurationSeconds() < 0). A string is first parsed as a 32-bit integer of
// seconds, then as a Go duration; a parse failure yields -1. The seconds are
// converted to int32: on amd64 a float64 out of int32 range converts to
// math.MinInt32, so durations of 2^31 s or more come out negative. An
// integer is an intstr.IntOrString whose int32 decode fails beyond int32.
func pauseDurationProblem(v any) string {
	if f, ok := v.(float64); ok && f == math.Trunc(f) && math.Abs(f) < 1<<62 {
		v = int64(f) // encoding/json decodes every number as float64
	}
	switch t := v.(type) {
	case int64:
		if t < math.MinInt32 || t > math.MaxInt32 {
			return fmt.Sprintf("%d does not fit the controller's 32-bit seconds", t)
		}
		if t < 0 {
			return fmt.Sprintf("%d is negative", t)
		}
		return ""
	case float64:
		return fmt.Sprintf("%v is not a whole number of seconds", t)
	case string:
		if n, err := strconv.ParseInt(t, 10, 32); err == nil {
			if n < 0 {
				return fmt.Sprintf("%q is negative", t)
			}
			return ""
		}
		d, err := time.ParseDuration(t)
		if err != nil {
			return fmt.Sprintf("%q is neither whole seconds within 32 bits nor a Go duration", shortValue(t))
		}
		if s := d.Seconds(); s < 0 || s >= math.MaxInt32+1 {
			return fmt.Sprintf("%q is out of the controller's range (0 to %d seconds)", t, math.MaxInt32)
		}
	}
	return ""
}

// checkMaxSurge reimplements argo-rollouts v1.10.1 validation.go
// invalidMaxSurgeMaxUnavailable: with the defaults of utils/defaults (25%
// each when unset), maxSurge and maxUnavailable may not both come to 0. A
// value is a percentage when it passes IsValidPercent, otherwise
// IntOrString.IntValue (which is 0 for a string that is not a number).
func checkMaxSurge(u *unit, r rolloutRef, c *canaryView) []Finding {
	value := func(v *intstr.IntOrString) int {
		if v == nil {
			return 25
		}
		if v.Type == intstr.String && len(utilvalidation.IsValidPercent(v.StrVal)) == 0 {
			n, _ := strconv.Atoi(v.StrVal[:len(v.StrVal)-1])
			return n
		}
		return v.IntValue()
	}
	if value(c.MaxSurge) == 0 && value(c.MaxUnavailable) == 0 {
		return []Finding{u.finding(Error, r.object, "spec.strategy.canary.maxSurge", "maxSurge and maxUnavailable are both 0, so no pod can ever be replaced (the controller rejects the Rollout)",
			"let one of them be above 0 (the default of each is 25%)")}
	}
	return nil
}

// shortValue keeps values quoted in messages short: a finding names the
// field and at most the start of its value, never a file's content.
func shortValue(s string) string {
	const max = 40
	r := []rune(s)
	if len(r) <= max {
		return s
	}
	return string(r[:max]) + "…"
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
