//go:build e2e

package e2e

import (
	"fmt"
	"path/filepath"
	"strings"
	"time"
)

// setUp: Argo CD syncs the rendered repository, every Rollout runs v1 and
// Traefik serves it; the controller has cloned the canary Ingress.
func (s *scenario) setUp() {
	s.phase("argo cd: apply project + root app, all apps Synced+Healthy, rollouts 5/5 at v1", func() {
		argocdDir := filepath.Join(s.repo.work, "argocd")
		s.kubectl("apply", "-f", filepath.Join(argocdDir, "project.yaml"), "-f", filepath.Join(argocdDir, "root.yaml"))
		s.waitApps("every Application Synced and Healthy", 4, nil)
		for _, env := range []string{firstEnv, "staging", "prod"} {
			s.waitRollout(env, "Healthy, 5/5 ready at v1", func(r rollout) bool {
				return r.Status.Phase == "Healthy" && r.Status.ReadyReplicas == 5 && r.Spec.Template.image() == s.image+":v1"
			})
		}
		s.genWait("", "healthy")
	})
	s.phase("traffic before the release: 100% v1, with or without the header", func() {
		s.checkTraffic("before the release", firstEnv,
			trafficCase{stable: "v1", seed: "50/50 old"},
			trafficCase{header: "X-Canary: iwantsit", stable: "v1"})
		s.probeFigure(firstEnv, 1000)
	})
	s.phase("canary ingress created by the controller with the header match", func() {
		s.waitCanaryIngress(firstEnv, "0")
	})
}

// seedCounts are the seed's counts of 50 requests at each weight.
var seedCounts = map[int]string{20: "14/50 new", 40: "19/50 new", 60: "28/50 new"}

// releaseDev: gen bump v2 (Argo CD finds the commit by polling) and the
// dev canary walked with gen wait / gen canary promote, the seed's traffic
// table checked at every step; a promotion to staging is refused while dev
// is mid-canary.
func (s *scenario) releaseDev() {
	s.phase("bump v2 (Argo CD polling) → synced", func() {
		b := s.bump("v2", false)
		s.waitSyncedAt(firstEnv, b, "commit→synced (polling, app-resync 10s)")
	})
	s.walkCanary(firstEnv, "v2", func(st canaryStep) {
		if st.weight == 0 {
			s.checkTraffic("canary step 1: setCanaryScale 1, weight 0", firstEnv,
				trafficCase{canary: "v2", stable: "v1", percent: 0, seed: "50/50 old"},
				trafficCase{header: "X-Canary: iwantsit", canary: "v2", stable: "v1", percent: 100, seed: "50/50 new"},
				trafficCase{header: "X-Canary: huari", canary: "v2", stable: "v1", percent: 0, seed: "50/50 old"})
			s.refusedPromotion()
			return
		}
		s.checkTraffic(fmt.Sprintf("setWeight %d", st.weight), firstEnv,
			trafficCase{canary: "v2", stable: "v1", percent: st.weight, seed: seedCounts[st.weight]},
			trafficCase{header: "X-Canary: iwantsit", canary: "v2", stable: "v1", percent: 100, seed: "50/50 new"})
		if st.weight == 20 {
			s.checkTraefikWeights(firstEnv, st.weight)
		}
	})
	s.phase("dev promoted: 100% v2", func() {
		s.checkTraffic("promoted: 100% v2", firstEnv,
			trafficCase{stable: "v2", seed: "50/50 new"},
			trafficCase{header: "X-Canary: iwantsit", stable: "v2", seed: "50/50 new"})
	})
}

// refusedPromotion: gen promote --to staging while dev is mid-canary is
// refused by its gates, naming the app, the environment and why, and
// commits nothing.
func (s *scenario) refusedPromotion() {
	s.t.Helper()
	head := s.headCommit()
	out, code := s.genCode("promote", "--to", "staging", "--push")
	if code != 1 || !strings.Contains(out, "rollouts-demo") || !strings.Contains(out, "dev") {
		s.t.Fatalf("gen promote --to staging mid-canary: exit %d, want 1 and a refusal naming rollouts-demo/dev:\n%s", code, out)
	}
	if got := s.headCommit(); got != head {
		s.t.Fatalf("the refused promotion moved main from %s to %s", head, got)
	}
	s.t.Logf("    refused as it should be: %s", lastLine(out))
}

// promoteToStaging: once dev is fully promoted, gen promote carries v2 to
// staging (pushed, Argo CD refreshed), and staging walks its own canary.
func (s *scenario) promoteToStaging() {
	s.phase("gen promote --to staging → synced", func() {
		out := s.gen("promote", "--to", "staging", "--push", "--refresh")
		sha := s.headCommit()
		msg := s.gitShow(sha)
		for _, want := range []string{"Promoted-From: dev", "Source-Commit: "} {
			if !strings.Contains(msg, want) {
				s.t.Fatalf("promotion commit %s lacks %q:\n%s\n(gen said: %s)", sha, want, msg, out)
			}
		}
		s.waitApp("staging", "Synced at the promotion", func(a application) bool {
			return a.Status.Sync.Status == "Synced" && a.Status.Sync.Revision == sha
		})
	})
	s.walkCanary("staging", "v2", nil)
}

// rollbackThroughWindow: right after env's full promotion to v2, gen
// rollback --tag v1 returns to the previous ReplicaSet through
// spec.rollbackWindow: the controller skips the steps, no pause is ever
// seen, and gen status says "rollback (window)". It must come within the
// old ReplicaSet's scale-down delay (30 s): the controller records the
// SkipSteps Event only while that ReplicaSet is still active
// (rollout/canary.go, syncRolloutStatusCanary); later it still
// fast-tracks, saying so only in its RolloutCompleted Event.
func (s *scenario) rollbackThroughWindow(env string) {
	s.phase("gen rollback "+env+" --tag v1 after the full promotion → fast-tracked (rollbackWindow)", func() {
		// The walks used up the Rollout's Event budget in the controller
		// (client-go: 25 per object, then one per 5 minutes): the
		// SkipSteps Event would be dropped. A fresh controller records it;
		// gen status's "rollback (window)" depends on it (README).
		if err := s.c.restartRollouts(s.ctx); err != nil {
			s.t.Fatal(err)
		}
		s.gen("rollback", "--env", env, "--tag", "v1", "--push", "--refresh")
		sha := s.headCommit()
		want := "rollback rollouts-demo/" + env + ": v2 -> v1"
		if msg := s.gitShow(sha); !strings.Contains(msg, want) || !strings.Contains(msg, "Reverts: ") {
			s.t.Fatalf("rollback commit %s: want message %q and a Reverts trailer:\n%s", sha, want, msg)
		}
		var paused string // a pause seen on the way: the rollback was not fast-tracked
		s.wait(env+" back at v1", 3*time.Minute, func() (bool, string, error) {
			r, err := s.c.rollout(s.ctx, envNS(env), rolloutName)
			if err != nil {
				return false, "", err
			}
			if len(r.Status.PauseConditions) > 0 || r.Status.Phase == "Paused" {
				paused = r.summary()
			}
			return r.Status.Phase == "Healthy" && r.Spec.Template.image() == s.image+":v1" && r.Status.StableRS == r.Status.CurrentPodHash, r.summary(), nil
		})
		if paused != "" {
			s.t.Fatalf("the rollback to v1 paused on the way (%s): the rollback window did not fast-track it", paused)
		}
		_, err := poll(s.ctx, "SkipSteps event on the "+env+" Rollout", time.Minute, 0, s.c.procs.exited, func() (bool, string, error) {
			out, err := s.c.kubectl(s.ctx, "get", "events", "-n", envNS(env), "--field-selector", "reason=SkipSteps", "-o", "name")
			return strings.TrimSpace(out) != "", out, err
		})
		if err != nil {
			ev, _ := s.c.kubectl(s.ctx, "get", "events", "-n", envNS(env), "--sort-by=.lastTimestamp")
			rs, _ := s.c.kubectl(s.ctx, "get", "rs", "-n", envNS(env), "-o", "yaml")
			s.t.Errorf("%v\nevents in %s:\n%s\nReplicaSets:\n%s", err, env, ev, rs)
		}
		s.genWait(env, "healthy")
		s.capture(env+"-rollback-window", env, env+" rolled back v2 -> v1 through the rollback window")
		if row := s.status(env); !strings.Contains(row.Verdict, "rollback (window)") || row.Git.Tag != "v1" {
			s.t.Fatalf("gen status %s after the window rollback: verdict %q, git %q; want rollback (window) and v1", env, row.Verdict, row.Git.Tag)
		}
	})
}

func lastLine(s string) string {
	s = strings.TrimSpace(s)
	return s[strings.LastIndex(s, "\n")+1:]
}
