//go:build e2e

package e2e

import (
	"context"
	"fmt"
	"os"
	"os/signal"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

// The demo gen init writes, as the scenario relies on it.
const (
	argocdNS      = "argo"
	ingressClass  = "ack-nginx"
	rolloutName   = "rollouts-demo"
	firstEnv      = "dev"
	canaryIngress = "rollouts-demo-rollouts-demo-stable-canary"
	nginxPrefix   = "nginx.ingress.kubernetes.io/"
)

// otherEnvs are the environments the bumps must leave alone.
func otherEnvs() []string { return []string{"staging", "prod"} }

func envNS(env string) string { return "rollouts-demo-" + env }

// scenario carries the walk's state; each method is one checked phase.
type scenario struct {
	t    *testing.T
	ctx  context.Context
	c    *cluster
	repo *demoRepo
	tm   *timings
	// image is the demo image's repository in the e2e registry.
	image string
	pods  *podRunner
}

// TestCanaryScenario is issue 7's proof: a gen-rendered repository synced by
// real Argo CD, a `gen bump` commit that starts a real canary Rollout,
// promoted step by step to the end, then a bump during a paused canary and
// an abort.
func TestCanaryScenario(t *testing.T) {
	tl, err := findTools()
	if err != nil {
		t.Fatal(err) // never a skip: CI must not pass without the cluster
	}
	if err := requireNetNS(); err != nil {
		t.Fatal(err)
	}
	tm := newTimings()
	ctx, cancel := context.WithCancel(context.Background())
	// Ctrl-C or SIGTERM cancels every wait, so the test fails at once and
	// its cleanups stop the cluster: no process or port is left behind.
	sigc := make(chan os.Signal, 1)
	signal.Notify(sigc, os.Interrupt, syscall.SIGTERM)
	go func() {
		select {
		case s := <-sigc:
			fmt.Fprintf(os.Stderr, "e2e: %v: stopping the cluster\n", s)
			cancel()
		case <-ctx.Done():
		}
	}()
	t.Cleanup(func() { signal.Stop(sigc); cancel() })

	dir := t.TempDir()
	reportPath, _ := filepath.Abs("report.json")
	start := time.Now()
	c, err := startCluster(ctx, tl, clusterConfig{
		argocdNamespace:     argocdNS,
		nginxIngressClasses: []string{ingressClass},
		appResync:           10 * time.Second,
	}, dir, tm)
	t.Cleanup(func() {
		if t.Failed() {
			fmt.Fprintf(os.Stderr, "\n===== e2e failed: state of the cluster (logs in %s) =====\n", c.procs.logDir)
			c.dumpState(os.Stderr)
		}
		stopStart := time.Now()
		c.stop()
		tm.add("cluster: stop", time.Since(stopStart))
		if err := tm.write(reportPath, !t.Failed()); err != nil {
			t.Errorf("write report: %v", err)
		}
		t.Logf("timings (also in %s):\n%s", reportPath, tm)
	})
	if err != nil {
		t.Fatal(err)
	}
	tm.add("cluster: up (total)", time.Since(start))

	// The demo images, built from cmd/rollouts-demo and pushed to a registry
	// on 127.0.0.1; the pods of every environment run them as processes.
	regStart := time.Now()
	reg, err := startRegistry(filepath.Join(dir, "registry"), filepath.Join(c.procs.logDir, "registry.log"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(reg.close)
	t.Setenv("GOPROXY", "off") // the namespace reaches nothing; the app needs only the standard library
	if err := reg.pushDemo(ctx, "../..", "v1", "v2", "v3", "v4"); err != nil {
		t.Fatal(err)
	}
	for _, tag := range []string{"v1", "v2", "v3", "v4"} {
		t.Logf("registry: %s:%s@%s", reg.repository(), tag, reg.digests[tag])
	}
	tm.add("registry: demo images v1..v4 built and pushed", time.Since(regStart))
	// Stopped before the cluster (cleanups run last-registered first), so it
	// never logs after the test ends.
	pods := newPodRunner(c, dir, "rollouts-demo-", t.Logf)
	podCtx, stopPods := context.WithCancel(ctx)
	podsDone := make(chan struct{})
	go func() { pods.run(podCtx); close(podsDone) }()
	t.Cleanup(func() { stopPods(); <-podsDone })

	srv, err := startGitServer(filepath.Join(dir, "git"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(srv.close)
	s := &scenario{t: t, ctx: ctx, c: c, tm: tm, image: reg.repository(), pods: pods}
	s.phase("repo: gen init + render, push", func() {
		if err := os.MkdirAll(srv.root, 0o755); err != nil {
			t.Fatal(err)
		}
		s.repo, err = initDemoRepo(tl.gen, srv, dir, s.image, "v1", os.Getenv("ROLLOUTGEN_E2E_BREAK"))
		if err != nil {
			t.Fatal(err)
		}
	})

	s.phase("argo cd: apply project + root app, all apps Synced+Healthy, rollouts 5/5 at v1", func() {
		argocdDir := filepath.Join(s.repo.work, "argocd")
		s.kubectl("apply", "-f", filepath.Join(argocdDir, "project.yaml"), "-f", filepath.Join(argocdDir, "root.yaml"))
		s.waitApps("every Application Synced and Healthy", 4, nil)
		for _, env := range append([]string{firstEnv}, otherEnvs()...) {
			s.waitRollout(env, "Healthy, 5/5 ready at v1", func(r rollout) bool {
				return r.Status.Phase == "Healthy" && r.Status.ReadyReplicas == 5 && r.Spec.Template.image() == s.image+":v1"
			})
		}
	})
	otherRS := s.otherEnvReplicaSets()
	s.phase("traffic before the release: 100% v1, with or without the header", func() {
		s.checkTraffic("before the release", firstEnv,
			trafficCase{stable: "v1", seed: "50/50 old"},
			trafficCase{header: "X-Canary: iwantsit", stable: "v1"})
	})

	s.phase("canary ingress created by the controller with the header match", func() {
		s.waitCanaryIngress("0")
	})

	// Bump 1: Argo CD finds the commit by its own polling.
	var b1 bumpResult
	s.phase("bump v2 (Argo CD polling) → synced", func() {
		b1 = s.bump("v2", false)
		s.waitSyncedAt(b1, "commit→synced (polling, app-resync 10s)")
	})
	s.phase("canary step 1: canary RS 1/1, paused, Argo CD Suspended", func() {
		s.waitCanaryPaused("v2", 0)
		s.waitCanaryIngress("0")
		s.checkTraffic("canary step 1: setCanaryScale 1, weight 0", firstEnv,
			trafficCase{canary: "v2", stable: "v1", percent: 0, seed: "50/50 old"},
			trafficCase{header: "X-Canary: iwantsit", canary: "v2", stable: "v1", percent: 100, seed: "50/50 new"},
			trafficCase{header: "X-Canary: huari", canary: "v2", stable: "v1", percent: 0, seed: "50/50 old"})
	})
	seedCounts := map[int]string{20: "14/50 new", 40: "19/50 new", 60: "28/50 new"}
	for _, w := range []int{20, 40, 60} {
		s.phase(fmt.Sprintf("promote → weight %d", w), func() {
			s.promote()
			s.waitCanaryPaused("v2", w)
			s.waitCanaryIngress(fmt.Sprint(w))
			s.checkTraffic(fmt.Sprintf("setWeight %d", w), firstEnv,
				trafficCase{canary: "v2", stable: "v1", percent: w, seed: seedCounts[w]},
				trafficCase{header: "X-Canary: iwantsit", canary: "v2", stable: "v1", percent: 100, seed: "50/50 new"})
		})
	}
	s.phase("promote → full: stable RS v2 5/5, weight 0, Healthy", func() {
		s.promote()
		s.waitRollout(firstEnv, "Healthy at v2, weight 0", func(r rollout) bool {
			return r.Status.Phase == "Healthy" && r.Status.StableRS == r.Status.CurrentPodHash &&
				r.Spec.Template.image() == s.image+":v2" && r.canaryWeight() == 0
		})
		s.waitStableRS("v2", 5)
		s.waitCanaryIngress("0")
		s.waitApp(firstEnv, "Synced and Healthy", func(a application) bool {
			return a.Status.Sync.Status == "Synced" && a.Status.Health.Status == "Healthy"
		})
		// The seed's last row: the old version scaled away (after the
		// controller's default 30 s scale-down delay).
		s.waitRSScaledDown("v1")
		s.checkTraffic("promoted: 100% v2", firstEnv,
			trafficCase{stable: "v2", seed: "50/50 new"},
			trafficCase{header: "X-Canary: iwantsit", stable: "v2", seed: "50/50 new"})
	})

	// Bump 2: with a refresh right after the push.
	var b2 bumpResult
	s.phase("bump v3 (refresh) → synced", func() {
		b2 = s.bump("v3", true)
		s.waitSyncedAt(b2, "commit→synced (refresh)")
		s.waitCanaryPaused("v3", 0)
	})
	// Bump 3 lands while the v3 canary is paused: the controller replaces
	// the canary with v4 and starts the steps again.
	s.phase("bump v4 during the paused v3 canary (refresh) → new canary, paused", func() {
		b3 := s.bump("v4", true)
		s.waitSyncedAt(b3, "commit→synced (refresh, during a paused canary)")
		s.waitCanaryPaused("v4", 0)
		s.waitRSScaledDown("v3")
	})
	s.phase("abort → back to stable v2, Argo CD Degraded (aborted) and Synced", func() {
		s.patchRolloutStatus(`{"status":{"abort":true}}`)
		s.waitRollout(firstEnv, "aborted: Degraded, canary scaled to 0, stable v2 5/5", func(r rollout) bool {
			return r.Status.Abort && r.Status.Phase == "Degraded" && r.canaryWeight() == 0
		})
		s.waitStableRS("v2", 5)
		s.waitRSScaledDown("v4")
		s.waitCanaryIngress("0")
		s.waitApp(firstEnv, "Synced and Degraded (the Rollout was aborted)", func(a application) bool {
			return a.Status.Sync.Status == "Synced" && a.Status.Health.Status == "Degraded"
		})
		s.checkTraffic("aborted: 100% stable v2", firstEnv, trafficCase{canary: "v4", stable: "v2", percent: 0})
	})

	s.phase("other environments untouched", func() {
		if got := s.otherEnvReplicaSets(); got != otherRS {
			t.Errorf("ReplicaSets of %v changed during the walk:\nbefore: %s\nafter:  %s", otherEnvs(), otherRS, got)
		}
		for _, env := range otherEnvs() {
			s.waitRollout(env, "still Healthy at v1", func(r rollout) bool {
				return r.Status.Phase == "Healthy" && r.Spec.Template.image() == s.image+":v1"
			})
		}
	})
}

// phase runs one step of the walk and records its duration.
func (s *scenario) phase(name string, f func()) {
	s.t.Helper()
	s.t.Logf("=== %s", name)
	start := time.Now()
	f()
	d := time.Since(start)
	s.tm.add(name, d)
	s.t.Logf("--- %s: %.2fs", name, d.Seconds())
}

func (s *scenario) kubectl(args ...string) string {
	s.t.Helper()
	out, err := s.c.kubectl(s.ctx, args...)
	if err != nil {
		s.t.Fatal(err)
	}
	return out
}

func (s *scenario) wait(what string, timeout time.Duration, check func() (bool, string, error)) {
	s.t.Helper()
	d, err := poll(s.ctx, what, timeout, 0, s.c.procs.exited, check)
	if err != nil {
		s.t.Fatal(err)
	}
	s.t.Logf("    %5.2fs  %s", d.Seconds(), what)
}

func (s *scenario) bump(tag string, refresh bool) bumpResult {
	s.t.Helper()
	b, err := s.repo.bump(tag, s.c.kubeconfig, refresh)
	if err != nil {
		s.t.Fatal(err)
	}
	s.t.Logf("bumped %s to %s with %s: pushed %.7s in %.2fs", firstEnv, tag, b.how, b.sha, b.took.Seconds())
	if b.output != "" {
		s.t.Logf("    gen said: %s", strings.ReplaceAll(b.output, "\n", "\n    gen said: "))
	}
	// The refresh must come from gen itself, not from Argo CD's polling.
	const refreshed = "asked Argo CD to refresh: " + argocdNS + "/"
	if refresh && !strings.Contains(b.output, refreshed) {
		s.t.Fatalf("gen bump --refresh did not report %q", refreshed)
	}
	return b
}

// waitSyncedAt measures from just before the bump ran to the first-env
// Application reporting Synced at the pushed commit, polling every 100 ms.
func (s *scenario) waitSyncedAt(b bumpResult, figure string) {
	s.t.Helper()
	var seen string
	_, err := poll(s.ctx, figure, 3*time.Minute, 100*time.Millisecond, s.c.procs.exited, func() (bool, string, error) {
		a, err := s.app(firstEnv)
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
func (s *scenario) waitCanaryPaused(tag string, weight int) {
	s.t.Helper()
	s.waitRollout(firstEnv, fmt.Sprintf("Paused with canary %s at weight %d", tag, weight), func(r rollout) bool {
		return r.Status.Phase == "Paused" && len(r.Status.PauseConditions) > 0 &&
			r.canaryWeight() == weight && r.Spec.Template.image() == s.image+":"+tag
	})
	s.wait(fmt.Sprintf("canary ReplicaSet %s 1/1 ready, stable 5/5", tag), 2*time.Minute, func() (bool, string, error) {
		r, rss, err := s.firstEnvReplicaSets()
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
	s.waitApp(firstEnv, "Synced and Suspended (paused canary)", func(a application) bool {
		return a.Status.Sync.Status == "Synced" && a.Status.Health.Status == "Suspended"
	})
}

// firstEnvReplicaSets reads the walked Rollout and its ReplicaSets.
func (s *scenario) firstEnvReplicaSets() (rollout, []replicaSet, error) {
	r, err := s.c.rollout(s.ctx, envNS(firstEnv), rolloutName)
	if err != nil {
		return rollout{}, nil, err
	}
	rss, err := s.c.replicaSets(s.ctx, envNS(firstEnv))
	return r, rss, err
}

func (s *scenario) waitStableRS(tag string, ready int) {
	s.t.Helper()
	s.wait(fmt.Sprintf("stable ReplicaSet runs %s, %d/%d ready", tag, ready, ready), 2*time.Minute, func() (bool, string, error) {
		r, rss, err := s.firstEnvReplicaSets()
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

func (s *scenario) waitRSScaledDown(tag string) {
	s.t.Helper()
	s.wait("ReplicaSet of "+tag+" scaled to 0", 2*time.Minute, func() (bool, string, error) {
		rss, err := s.c.replicaSets(s.ctx, envNS(firstEnv))
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
func (s *scenario) waitCanaryIngress(weight string) {
	s.t.Helper()
	want := map[string]string{
		"canary":                 "true",
		"canary-by-header":       "X-Canary",
		"canary-by-header-value": "iwantsit",
		"canary-weight":          weight,
	}
	s.wait("canary Ingress "+canaryIngress+" at weight "+weight, time.Minute, func() (bool, string, error) {
		var in ingress
		if err := s.c.getJSON(s.ctx, &in, "ingress", canaryIngress, "-n", envNS(firstEnv)); err != nil {
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

// promote does what `kubectl argo rollouts promote` does: clear the pause
// conditions on the status subresource (and spec.paused when set).
func (s *scenario) promote() {
	s.t.Helper()
	r, err := s.c.rollout(s.ctx, envNS(firstEnv), rolloutName)
	if err != nil {
		s.t.Fatal(err)
	}
	s.patchRolloutStatus(`{"status":{"pauseConditions":null}}`)
	if out := s.kubectl("get", "rollout.argoproj.io", rolloutName, "-n", envNS(firstEnv), "-o", "jsonpath={.spec.paused}"); out == "true" {
		s.kubectl("patch", "rollout.argoproj.io", rolloutName, "-n", envNS(firstEnv), "--type=merge", "-p", `{"spec":{"paused":false}}`)
	}
	s.t.Logf("promoted from %s", r.summary())
}

func (s *scenario) patchRolloutStatus(patch string) {
	s.t.Helper()
	s.kubectl("patch", "rollout.argoproj.io", rolloutName, "-n", envNS(firstEnv), "--subresource=status", "--type=merge", "-p", patch)
}

// otherEnvReplicaSets names the ReplicaSets of the environments the bumps
// must not touch.
func (s *scenario) otherEnvReplicaSets() string {
	s.t.Helper()
	var parts []string
	for _, env := range otherEnvs() {
		rss, err := s.c.replicaSets(s.ctx, envNS(env))
		if err != nil {
			s.t.Fatal(err)
		}
		for _, rs := range rss {
			parts = append(parts, envNS(env)+"/"+rs.Metadata.Name)
		}
	}
	return strings.Join(parts, " ")
}
