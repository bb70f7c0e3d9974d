//go:build e2e

package e2e

import (
	"fmt"
	"strings"
	"time"
)

// waitSyncedAt measures from just before the bump ran to the first-env
// Application reporting Synced at the pushed commit, polling every 100 ms.
func (s *scenario) waitSyncedAt(env string, b bumpResult, figure string) {
	s.t.Helper()
	var seen string
	_, err := poll(s.ctx, figure, 3*time.Minute, 100*time.Millisecond, s.c.procs.exited, func() (bool, string, error) {
		a, err := s.app(env)
		if err != nil {
			return false, "", err
		}
		seen = a.summary()
		return a.Status.Sync.Status == "Synced" && a.Status.Sync.Revision == b.sha, seen, nil
	})
	if err != nil {
		s.t.Fatal(err)
	}
	d := time.Since(b.started)
	s.tm.figure(figure, d)
	s.t.Logf("%s: %.2fs (%s; bump itself %.2fs)", figure, d.Seconds(), b.how, b.took.Seconds())
	// Issue 7's target; a loaded machine may miss it, which is worth
	// seeing but not a failure of the behaviour under test.
	if strings.Contains(b.how, "refresh") && d > 3*time.Second {
		s.t.Logf("NOTE: %s took %.2fs, over the 3 s target", figure, d.Seconds())
	}
}

func (s *scenario) app(env string) (application, error) {
	apps, err := s.c.applications(s.ctx)
	if err != nil {
		return application{}, err
	}
	for _, a := range apps {
		if a.Spec.Destination.Namespace == envNS(env) {
			return a, nil
		}
	}
	return application{}, fmt.Errorf("no Application deploys to namespace %q", envNS(env))
}

func (s *scenario) waitApp(env, what string, ok func(application) bool) {
	s.t.Helper()
	s.wait("Application for "+env+": "+what, 2*time.Minute, func() (bool, string, error) {
		a, err := s.app(env)
		if err != nil {
			return false, "", err
		}
		return ok(a), a.summary(), nil
	})
}

// waitApps waits for at least min Applications, all Synced and Healthy
// except where health names another expected status per app.
func (s *scenario) waitApps(what string, min int, health map[string]string) {
	s.t.Helper()
	s.wait(what, 2*time.Minute, func() (bool, string, error) {
		apps, err := s.c.applications(s.ctx)
		if err != nil {
			return false, "", err
		}
		var seen []string
		done := len(apps) >= min
		for _, a := range apps {
			want := "Healthy"
			if h, ok := health[a.Metadata.Name]; ok {
				want = h
			}
			if a.Status.Sync.Status != "Synced" || a.Status.Health.Status != want {
				done = false
			}
			seen = append(seen, a.summary())
		}
		return done, fmt.Sprintf("%d apps: %s", len(apps), strings.Join(seen, "; ")), nil
	})
}

func (s *scenario) waitRollout(env, what string, ok func(rollout) bool) {
	s.t.Helper()
	s.wait("Rollout in "+envNS(env)+": "+what, 3*time.Minute, func() (bool, string, error) {
		r, err := s.c.rollout(s.ctx, envNS(env), rolloutName)
		if err != nil {
			return false, "", err
		}
		return ok(r), r.summary(), nil
	})
}

// waitCanaryPaused checks a paused canary step: the Rollout is Paused at
// weight, one ready canary pod runs tag, the stable ReplicaSet keeps its 5,
// and Argo CD shows the app Synced and Suspended.
func (s *scenario) waitCanaryPaused(env, tag string, weight int) {
	s.t.Helper()
	s.waitRollout(env, fmt.Sprintf("Paused with canary %s at weight %d", tag, weight), func(r rollout) bool {
		return r.Status.Phase == "Paused" && len(r.Status.PauseConditions) > 0 &&
			r.canaryWeight() == weight && r.Spec.Template.image() == s.image+":"+tag
	})
	s.wait(fmt.Sprintf("canary ReplicaSet %s 1/1 ready, stable 5/5", tag), 2*time.Minute, func() (bool, string, error) {
		r, rss, err := s.replicaSets(env)
		if err != nil {
			return false, "", err
		}
		canaryOK, stableOK := false, false
		for _, rs := range rss {
			switch rs.hash() {
			case r.Status.CurrentPodHash:
				canaryOK = rs.Spec.Template.image() == s.image+":"+tag && rs.replicas() == 1 && rs.Status.ReadyReplicas == 1
			case r.Status.StableRS:
				stableOK = rs.replicas() == 5 && rs.Status.ReadyReplicas == 5
			}
		}
		return canaryOK && stableOK, rsSummary(rss), nil
	})
	s.waitApp(env, "Synced and Suspended (paused canary)", func(a application) bool {
		return a.Status.Sync.Status == "Synced" && a.Status.Health.Status == "Suspended"
	})
}

// replicaSets reads env's Rollout and its ReplicaSets.
func (s *scenario) replicaSets(env string) (rollout, []replicaSet, error) {
	r, err := s.c.rollout(s.ctx, envNS(env), rolloutName)
	if err != nil {
		return rollout{}, nil, err
	}
	rss, err := s.c.replicaSets(s.ctx, envNS(env))
	return r, rss, err
}

func (s *scenario) waitStableRS(env, tag string, ready int) {
	s.t.Helper()
	s.wait(fmt.Sprintf("stable ReplicaSet runs %s, %d/%d ready", tag, ready, ready), 2*time.Minute, func() (bool, string, error) {
		r, rss, err := s.replicaSets(env)
		if err != nil {
			return false, "", err
		}
		for _, rs := range rss {
			if rs.hash() == r.Status.StableRS {
				return rs.Spec.Template.image() == s.image+":"+tag && rs.replicas() == ready && rs.Status.ReadyReplicas == ready, rsSummary(rss), nil
			}
		}
		return false, "stable " + r.Status.StableRS + " not found: " + rsSummary(rss), nil
	})
}

func (s *scenario) waitRSScaledDown(env, tag string) {
	s.t.Helper()
	s.wait("ReplicaSet of "+tag+" in "+env+" scaled to 0", 2*time.Minute, func() (bool, string, error) {
		rss, err := s.c.replicaSets(s.ctx, envNS(env))
		if err != nil {
			return false, "", err
		}
		found := false
		for _, rs := range rss {
			if rs.Spec.Template.image() == s.image+":"+tag {
				found = true
				if rs.replicas() != 0 {
					return false, rsSummary(rss), nil
				}
			}
		}
		return found, rsSummary(rss), nil
	})
}

// tagOf is an image reference's tag (what follows the last colon after
// the last slash).
func tagOf(ref string) string {
	name := ref[strings.LastIndex(ref, "/")+1:]
	if i := strings.LastIndex(name, ":"); i >= 0 {
		return name[i+1:]
	}
	return ""
}

func rsSummary(rss []replicaSet) string {
	var parts []string
	for _, rs := range rss {
		parts = append(parts, fmt.Sprintf("%s(%s) %d/%d", rs.Metadata.Name, tagOf(rs.Spec.Template.image()), rs.Status.ReadyReplicas, rs.replicas()))
	}
	return strings.Join(parts, ", ")
}

// waitCanaryIngress checks the Ingress the Rollouts controller owns: the
// header match from gen.yaml and the canary weight.
func (s *scenario) waitCanaryIngress(env, weight string) {
	s.t.Helper()
	want := map[string]string{
		"canary":                 "true",
		"canary-by-header":       "X-Canary",
		"canary-by-header-value": "iwantsit",
		"canary-weight":          weight,
	}
	s.wait("canary Ingress "+canaryIngress+" in "+env+" at weight "+weight, time.Minute, func() (bool, string, error) {
		var in ingress
		if err := s.c.getJSON(s.ctx, &in, "ingress", canaryIngress, "-n", envNS(env)); err != nil {
			return false, "", err
		}
		for k, v := range want {
			if in.Metadata.Annotations[nginxPrefix+k] != v {
				return false, fmt.Sprint(in.Metadata.Annotations), nil
			}
		}
		return true, "", nil
	})
}

// replicaSetNames names env's ReplicaSets, to compare before and after.
func (s *scenario) replicaSetNames(env string) string {
	s.t.Helper()
	rss, err := s.c.replicaSets(s.ctx, envNS(env))
	if err != nil {
		s.t.Fatal(err)
	}
	var parts []string
	for _, rs := range rss {
		parts = append(parts, rs.Metadata.Name)
	}
	return strings.Join(parts, " ")
}
