//go:build e2e

package e2e

import (
	"encoding/json"
	"fmt"
	"math"
	"strings"
	"time"
)

// Requests per traffic check: gen probe's default. The exact-split bound
// below holds for Traefik's weighted round robin (earliest deadline first),
// which is deterministic, not random.
const (
	trafficRequests = 400
	splitSlack      = 2
	trafficAlpha    = 1e-6
)

func envHost(env string) string {
	if env == "prod" {
		return "rollouts-demo.example.com"
	}
	return "rollouts-demo." + env + ".example.com"
}

// trafficCase is one row of the seed's table: requests with or without a
// header, the canary's expected share.
type trafficCase struct {
	header  string // "Name: value", or empty
	canary  string // the canary's version; empty when no canary runs
	stable  string
	percent int    // expected share of the canary, 0..100
	seed    string // what the seed counted at this step (50 requests)
}

// probeReport is the part of `gen probe -o json` the scenario reads.
type probeReport struct {
	URL    string `json:"url"`
	Result struct {
		Requests int            `json:"requests"`
		Versions map[string]int `json:"versions"`
		Errors   map[string]int `json:"errors"`
	} `json:"result"`
	Verdict *struct {
		Canary     string  `json:"canary"`
		Expected   float64 `json:"expected"`
		PValue     float64 `json:"pValue"`
		Consistent bool    `json:"consistent"`
	} `json:"verdict"`
}

// probe runs `gen probe --expect auto` against env through Traefik and
// returns its report and exit code.
func (s *scenario) probe(env string, requests int, header string) (probeReport, int, string) {
	s.t.Helper()
	args := []string{"probe", "--env", env, "--requests", fmt.Sprint(requests), "--concurrency", "4",
		"--expect", "auto", "--alpha", fmt.Sprint(trafficAlpha), "-o", "json", "--kubeconfig", s.c.kubeconfig}
	if header != "" {
		args = append(args, "--header", header)
	}
	stdout, stderr, code := s.repo.runGenSplit(args...)
	var rep probeReport
	if code == 0 || code == 1 {
		if err := json.Unmarshal([]byte(stdout), &rep); err != nil {
			s.t.Fatalf("gen %s: exit %d, stdout not a report (%v):\n%s\n%s", strings.Join(args, " "), code, err, stdout, stderr)
		}
	} else {
		s.t.Fatalf("gen %s: exit %d\n%s", strings.Join(args, " "), code, stderr)
	}
	return rep, code, stderr
}

// checkTraffic sends real requests through Traefik to env's Ingress with
// `gen probe --expect auto` and asserts the split. Each case first waits
// until two consecutive samples of 50 agree (EndpointSlices and Traefik's
// reload lag behind the controller), then probes trafficRequests and checks
// both gen's verdict (exit 0: the exact binomial test accepts the weight
// the controller set) and the deterministic split.
func (s *scenario) checkTraffic(phaseName, env string, cases ...trafficCase) {
	s.t.Helper()
	for _, tc := range cases {
		canary := tc.canary
		if canary == "" {
			canary = tc.stable // promoted or before a release: the current version is the stable one
		}
		want := func(rep probeReport) (bool, string) {
			res := rep.Result
			n := 0
			for _, c := range res.Versions {
				n += c
			}
			got := res.Versions[tc.canary]
			ok := len(res.Errors) == 0 && n == res.Requests &&
				res.Versions[tc.stable]+got == n && math.Abs(float64(got)-float64(n)*float64(tc.percent)/100) <= splitSlack
			return ok, fmt.Sprintf("versions %v errors %v", res.Versions, res.Errors)
		}
		label := fmt.Sprintf("traffic %s [%s]: %d%% to %s", env, orNone(tc.header), tc.percent, orNone(tc.canary))
		var last string
		agreed := 0
		s.wait(label+": two samples of 50 agree", 90*time.Second, func() (bool, string, error) {
			rep, _, _ := s.probe(env, 50, tc.header)
			ok, seen := want(rep)
			if !ok {
				agreed = 0
				return false, seen, nil
			}
			if last == fmt.Sprint(rep.Result.Versions) {
				agreed++
			} else {
				agreed = 1
			}
			last = fmt.Sprint(rep.Result.Versions)
			return agreed >= 2, seen, nil
		})
		start := time.Now()
		rep, code, stderr := s.probe(env, trafficRequests, tc.header)
		took := time.Since(start)
		s.t.Logf("%s (seed: %s): gen probe --requests %d in %.2fs: %v, exit %d", label, orNone(tc.seed), trafficRequests, took.Seconds(), rep.Result.Versions, code)
		if ok, seen := want(rep); !ok {
			s.t.Fatalf("%s: %d requests: %s; want |canary - %d·%d%%| <= %d and no errors", label, trafficRequests, seen, trafficRequests, tc.percent, splitSlack)
		}
		if code != 0 || rep.Verdict == nil || !rep.Verdict.Consistent || rep.Verdict.Canary != canary {
			s.t.Fatalf("%s: gen probe --expect auto: exit %d, verdict %+v, stderr %q; want exit 0, consistent, canary %s", label, code, rep.Verdict, stderr, canary)
		}
		s.tm.trafficRow(trafficRow{Phase: phaseName, Header: tc.header, Requests: rep.Result.Requests, Versions: rep.Result.Versions,
			Errors: rep.Result.Errors, Canary: tc.canary, Weight: tc.percent, PValue: rep.Verdict.PValue, Seed: tc.seed})
	}
	s.checkPodProcesses(env)
}

// checkPodProcesses asserts that the demo processes running in env are
// exactly its Ready pods, image for image.
func (s *scenario) checkPodProcesses(env string) {
	s.t.Helper()
	s.wait("demo processes in "+envNS(env)+" = its Ready pods", 30*time.Second, func() (bool, string, error) {
		var list struct {
			Items []pod `json:"items"`
		}
		if err := s.c.getJSON(s.ctx, &list, "pods", "-n", envNS(env)); err != nil {
			return false, "", err
		}
		ready := map[string]int{}
		for _, p := range list.Items {
			if p.ready() && p.Metadata.DeletionTimestamp == nil {
				ready[p.Spec.Containers[0].Image]++
			}
		}
		running := s.pods.running()[envNS(env)]
		return fmt.Sprint(ready) == fmt.Sprint(running), fmt.Sprintf("ready pods %v, processes %v", ready, running), nil
	})
}

func orNone(s string) string {
	if s == "" {
		return "none"
	}
	return s
}

func indent(s string) string {
	return "    " + strings.ReplaceAll(strings.TrimRight(s, "\n"), "\n", "\n    ")
}

// probeFigure times one `gen probe --requests n` through Traefik and
// records it in the report (issue 16's speed goal: 1,000 requests in
// under 2 s; a figure, not an assertion, on a shared machine).
func (s *scenario) probeFigure(env string, n int) {
	s.t.Helper()
	start := time.Now()
	rep, code, stderr := s.probe(env, n, "")
	took := time.Since(start)
	if code != 0 || rep.Result.Requests != n || len(rep.Result.Errors) != 0 {
		s.t.Fatalf("gen probe --requests %d: exit %d, %d requests, errors %v: %s", n, code, rep.Result.Requests, rep.Result.Errors, stderr)
	}
	s.tm.figure(fmt.Sprintf("gen probe --requests %d (whole process)", n), took)
}

// checkTraefikWeights asserts that Traefik's API lists the weighted
// service its ingress-nginx provider built from the controller's canary
// Ingress in env: the canary Service at weight, the stable one at the rest.
func (s *scenario) checkTraefikWeights(env string, weight int) {
	s.t.Helper()
	s.wait(fmt.Sprintf("Traefik lists a weighted service for %s at %d/%d", envNS(env), 100-weight, weight), time.Minute, func() (bool, string, error) {
		svcs, err := s.c.traefikServices(s.ctx)
		if err != nil {
			return false, "", err
		}
		var seen []string
		for _, svc := range svcs {
			if svc.Weighted == nil || !strings.Contains(svc.Name, envNS(env)) {
				continue
			}
			got := map[string]int{}
			for _, w := range svc.Weighted.Services {
				if w.Weight != nil {
					got[w.Name] = *w.Weight
				}
			}
			seen = append(seen, fmt.Sprintf("%s %v", svc.Name, got))
			canary, stable := -1, -1
			for name, w := range got {
				if strings.Contains(name, "canary") {
					canary = w
				} else if strings.Contains(name, "stable") {
					stable = w
				}
			}
			if canary == weight && stable == 100-weight {
				return true, "", nil
			}
		}
		return false, strings.Join(seen, "; "), nil
	})
}
