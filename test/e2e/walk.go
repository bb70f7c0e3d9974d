//go:build e2e

package e2e

import (
	"encoding/json"
	"errors"
	"fmt"
	"os/exec"
	"strings"
	"time"
)

// gen runs the gen binary under test in the working clone, with the
// cluster's kubeconfig, and fails the test when it exits non-zero.
func (s *scenario) gen(args ...string) string {
	s.t.Helper()
	out, code := s.genCode(args...)
	if code != 0 {
		s.t.Fatalf("gen %s: exit %d\n%s", strings.Join(args, " "), code, out)
	}
	return out
}

// genCode runs gen and returns its combined output and exit code.
func (s *scenario) genCode(args ...string) (string, int) {
	s.t.Helper()
	start := time.Now()
	out, err := s.repo.runGen([]string{"KUBECONFIG=" + s.c.kubeconfig}, args...)
	code := 0
	var ee *exec.ExitError
	switch {
	case errors.As(err, &ee):
		code = ee.ExitCode()
	case err != nil:
		s.t.Fatal(err)
	}
	s.t.Logf("    %5.2fs  gen %s (exit %d)", time.Since(start).Seconds(), strings.Join(args, " "), code)
	return strings.TrimSpace(out), code
}

// genWait runs `gen wait --for state` on one environment ("": all).
func (s *scenario) genWait(env, state string) {
	s.t.Helper()
	args := []string{"wait", "--for", state, "--timeout", "3m"}
	if env != "" {
		args = append(args, "--env", env)
	}
	s.gen(args...)
}

// statusRow is what the scenario reads of `gen status -o json`.
type statusRow struct {
	App string `json:"app"`
	Env string `json:"env"`
	Git struct {
		Tag string `json:"tag"`
	} `json:"git"`
	Rollout *struct {
		StableImage   string `json:"stableImage"`
		FullyPromoted bool   `json:"fullyPromoted"`
		Aborted       bool   `json:"aborted"`
	} `json:"rollout"`
	Verdict string `json:"verdict"`
}

// status runs `gen status -o json` for env and returns its row.
func (s *scenario) status(env string) statusRow {
	s.t.Helper()
	out := s.gen("status", "--env", env, "-o", "json")
	var doc struct {
		SchemaVersion int         `json:"schemaVersion"`
		Rows          []statusRow `json:"rows"`
	}
	if err := json.Unmarshal([]byte(out), &doc); err != nil || len(doc.Rows) != 1 {
		s.t.Fatalf("gen status --env %s -o json: %v, %d rows:\n%s", env, err, len(doc.Rows), out)
	}
	r := doc.Rows[0]
	s.t.Logf("    gen status %s: verdict %q", env, r.Verdict)
	return r
}

// canaryStep is one pause of a canary walk.
type canaryStep struct {
	env, tag string
	index    int // status.currentStepIndex at the pause: the k of gen status's k/n
	weight   int // the canary weight the step set
}

// pauseSteps are the pauses of the demo's canary (templates/gen.yaml:
// setCanaryScale 1, pause, then setWeight 20, 40, 60, each followed by a
// pause), by step index, with the weight in force at each.
var pauseSteps = []struct{ index, weight int }{{1, 0}, {3, 20}, {5, 40}, {7, 60}}

// walkCanary walks env's canary of tag to the end with gen alone: at each
// pause `gen wait --for step=N` and `--for paused`, the checks of a paused
// step (canary ReplicaSet 1/1, stable 5/5, Argo CD Suspended, the canary
// Ingress's weight), then at (the caller's checks: traffic, refusals) and
// `gen canary promote`; at the end `gen wait --for promoted` and the
// checks of a full promotion. Issues add their per-step checks through at
// instead of copying the walk.
func (s *scenario) walkCanary(env, tag string, at func(canaryStep)) {
	s.t.Helper()
	for _, p := range pauseSteps {
		st := canaryStep{env: env, tag: tag, index: p.index, weight: p.weight}
		s.phase(fmt.Sprintf("%s canary %s: step %d (weight %d)", env, tag, st.index, st.weight), func() {
			s.genWait(env, fmt.Sprintf("step=%d", st.index))
			s.genWait(env, "paused")
			s.waitCanaryPaused(env, tag, st.weight)
			s.waitCanaryIngress(env, fmt.Sprint(st.weight))
			if env == firstEnv && (st.index == pauseSteps[0].index || st.index == pauseSteps[len(pauseSteps)-1].index) {
				s.capture(fmt.Sprintf("%s-paused-step%d", env, st.index), env, fmt.Sprintf("%s canary %s paused at step %d", env, tag, st.index))
			}
			if at != nil {
				at(st)
			}
			s.gen("canary", "promote", "--env", env)
		})
	}
	s.phase(fmt.Sprintf("%s canary %s: fully promoted", env, tag), func() {
		s.genWait(env, "promoted")
		s.waitRollout(env, "Healthy at "+tag+", weight 0", func(r rollout) bool {
			return r.Status.Phase == "Healthy" && r.Status.StableRS == r.Status.CurrentPodHash &&
				r.Spec.Template.image() == s.image+":"+tag && r.canaryWeight() == 0
		})
		s.waitStableRS(env, tag, 5)
		s.waitCanaryIngress(env, "0")
		s.genWait(env, "healthy")
		s.capture(env+"-promoted", env, fmt.Sprintf("%s canary %s fully promoted, Synced and Healthy", env, tag))
		if row := s.status(env); row.Verdict != "live "+tag {
			s.t.Fatalf("gen status %s after the full promotion: verdict %q, want %q", env, row.Verdict, "live "+tag)
		}
	})
}
