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
	demoRepoName  = "rollouts-demo"
)

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
	gitea *giteaServer
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

	// The Git server is a real Gitea: Argo CD syncs from it, gen pushes to
	// it, and the production promotion goes through its pull requests.
	gt, err := startGitea(ctx, tl, c.procs, dir, giteaConfig{})
	if err != nil {
		t.Fatal(err)
	}
	s := &scenario{t: t, ctx: ctx, c: c, tm: tm, image: reg.repository(), pods: pods, gitea: gt}
	s.phase("repo: gen init + render, push to Gitea", func() {
		url, bare, err := gt.createRepo(demoRepoName)
		if err != nil {
			t.Fatal(err)
		}
		s.repo, err = initDemoRepo(tl.gen, gitRemote{url: url, bare: bare, pushEnv: gt.pushEnv()}, gt.genEnv(),
			dir, s.image, "v1", os.Getenv("ROLLOUTGEN_E2E_BREAK"))
		if err != nil {
			t.Fatal(err)
		}
	})
	// The release, phase by phase (phases_*.go): each one checks what it
	// changed, and the canary walks go through walkCanary.
	s.setUp()
	prodRS := s.replicaSetNames("prod")
	s.releaseDev()
	s.promoteToStaging()
	s.promoteToProdByPR(prodRS)
	s.rollbackThroughWindow("prod")
	s.abortAndRepair()
	s.rollbackPausedCanary()
	s.phase("old ReplicaSets scaled down once", func() {
		// The controller scales an old ReplicaSet down 30 s after a
		// promotion (scaleDownDelaySeconds): asserted once, here, long after.
		s.waitRSScaledDown(firstEnv, "v1")
		s.waitRollout(firstEnv, "Healthy condition True (no old ReplicaSet left)", func(r rollout) bool {
			return r.healthyCondition() == "True"
		})
		s.capture(firstEnv+"-settled", firstEnv, "dev at stable v2 after the rollbacks, old ReplicaSets scaled down, Healthy condition True")
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
