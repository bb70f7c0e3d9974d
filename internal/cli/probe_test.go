package cli

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"

	"github.com/rolloutgen/rolloutgen/internal/config"
	"github.com/rolloutgen/rolloutgen/internal/kube"
	"github.com/rolloutgen/rolloutgen/internal/kube/kubetest"
)

// canaryRollout is the demo's Rollout in dev mid-canary: v2 at weight,
// with the seed's header routing on the canary Ingress.
func canaryRollout(weight int64, abort bool) *unstructured.Unstructured {
	r := kubetest.Rollout(kubetest.RolloutState{Env: "dev", Tag: "v2", StableRS: "a", Current: "b", Step: 3, Weight: weight, Paused: true, Abort: abort, Phase: "Paused"})
	_ = unstructured.SetNestedStringMap(r.Object, map[string]string{"canary-by-header": "X-Canary", "canary-by-header-value": "iwantsit"},
		"spec", "strategy", "canary", "trafficRouting", "nginx", "additionalIngressAnnotations")
	return r
}

// ingressServer answers like Traefik in front of the demo at a 20% split:
// every fifth request (and every request with the header) from v2.
func ingressServer(t *testing.T) (*httptest.Server, *atomic.Value) {
	var n atomic.Int64
	var host atomic.Value
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		host.Store(r.Host)
		if r.URL.Path != "/api/check" {
			http.NotFound(w, r)
			return
		}
		if r.Header.Get("X-Canary") == "iwantsit" || n.Add(1)%5 == 0 {
			w.Write([]byte(`{"message":"v2"}`))
			return
		}
		w.Write([]byte(`{"message":"v1"}`))
	}))
	t.Cleanup(srv.Close)
	return srv, &host
}

func TestProbeExpectAuto(t *testing.T) {
	home, dir := renderedRepo(t)
	srv, host := ingressServer(t)
	url := srv.URL + "/api/check"
	ctx := context.Background()

	c := kubetest.NewCluster(canaryRollout(20, false))
	code, stdout, stderr := runKube(ctx, home, dir, c, "probe", "--env", "dev", "--url", url, "--expect", "auto", "--requests", "400")
	if code != 0 {
		t.Fatalf("weight 20, 80/400 from v2: exit %d\n%s%s", code, stdout, stderr)
	}
	for _, want := range []string{"v1       320/400  80.0%", "v2       80/400   20.0%", "canary v2: 80/400 = 20.0%", "expected 20.0%: p = 1.000, consistent"} {
		if !strings.Contains(stdout, want) {
			t.Errorf("stdout lacks %q:\n%s", want, stdout)
		}
	}
	if h := host.Load(); h != "rollouts-demo.dev.example.com" {
		t.Errorf("Host %v, want gen.yaml's dev host", h)
	}
	if got := c.Count("list"); got["rollouts"] != 1 || got["ingresses"] != 1 || got["replicasets"] != 1 || c.Count("get")["rollouts"] != 0 {
		t.Errorf("cluster reads: list %v get %v; want one LIST per kind and no GET", got, c.Count("get"))
	}

	// The header routes to the canary: all 50 from v2, as the seed's table.
	code, stdout, stderr = runKube(ctx, home, dir, c, "probe", "--env", "dev", "--url", url, "--expect", "auto", "--requests", "50", "--header", "X-Canary: iwantsit")
	if code != 0 || !strings.Contains(stdout, "v2       50/50") || !strings.Contains(stdout, "expected 100.0%") {
		t.Errorf("header: exit %d\n%s%s", code, stdout, stderr)
	}

	// The Rollout says 40%: 80/400 is not chance.
	c = kubetest.NewCluster(canaryRollout(40, false))
	code, stdout, stderr = runKube(ctx, home, dir, c, "probe", "--env", "dev", "--url", url, "--expect", "auto", "-o", "json")
	if code != 1 || !strings.Contains(stderr, "inconsistent with 40%") {
		t.Errorf("weight 40 observed 20%%: exit %d, stderr %q", code, stderr)
	}
	var rep probeReport
	if err := json.Unmarshal([]byte(stdout), &rep); err != nil {
		t.Fatalf("-o json: %v\n%s", err, stdout)
	}
	if rep.Verdict == nil || rep.Verdict.Consistent || rep.Verdict.Expected != 0.4 || rep.Result.Versions["v2"] != 80 || rep.ExpectFrom != "auto" {
		t.Errorf("report %+v", rep)
	}

	// Aborted: the canary should get nothing, even by header.
	c = kubetest.NewCluster(canaryRollout(0, true))
	code, _, stderr = runKube(ctx, home, dir, c, "probe", "--env", "dev", "--url", url, "--expect", "auto", "--header", "X-Canary: iwantsit", "--requests", "20")
	if code != 1 || !strings.Contains(stderr, "inconsistent with 0%") {
		t.Errorf("aborted but the header reaches v2: exit %d, stderr %q", code, stderr)
	}
}

func TestProbeFlags(t *testing.T) {
	home, dir := renderedRepo(t)
	ctx := context.Background()
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"--expect", "120", "--canary-version", "v2", "--url", "http://127.0.0.1:1/"}, "--expect"},
		{[]string{"--expect", "20", "--url", "http://127.0.0.1:1/"}, "--canary-version"},
		{[]string{"--header", "no colon", "--url", "http://127.0.0.1:1/"}, "--header"},
		{[]string{"--requests", "0", "--url", "http://127.0.0.1:1/"}, "--requests"},
		{[]string{"--url", "ftp://x/"}, "--url"},
		{[]string{"--version-regex", "(a)(b)", "--url", "http://127.0.0.1:1/"}, "--version-regex"},
		{[]string{"--env", "qa"}, "qa"},
		{nil, "KUBECONFIG"}, // no --url: the Ingress address needs the cluster
	} {
		code, _, stderr := runKube(ctx, home, dir, nil, append([]string{"probe"}, tc.args...)...)
		if code != 2 || !strings.Contains(stderr, tc.want) || strings.Count(stderr, "\n") != 1 {
			t.Errorf("probe %v: exit %d, stderr %q; want exit 2, one line naming %s", tc.args, code, stderr, tc.want)
		}
	}
}

func TestIngressURL(t *testing.T) {
	rs := config.Resolved{App: config.App{Name: "rollouts-demo", Ingress: config.Ingress{Host: "demo.example.com", Path: "/"}}, Env: "dev", Namespace: "rollouts-demo-dev"}
	ingress := func(lb map[string]any) *unstructured.Unstructured {
		x := &unstructured.Unstructured{Object: map[string]any{"status": map[string]any{"loadBalancer": map[string]any{"ingress": []any{lb}}}}}
		x.SetAPIVersion("networking.k8s.io/v1")
		x.SetKind("Ingress")
		x.SetNamespace("rollouts-demo-dev")
		x.SetName("rollouts-demo-stable")
		return x
	}
	list := func(objs ...*unstructured.Unstructured) *kube.Snapshot {
		s, err := kubetest.NewCluster(objs...).Client().List(context.Background(), kube.Kind{GVR: kube.Ingresses, Namespace: "rollouts-demo-dev"})
		if err != nil {
			t.Fatal(err)
		}
		return s
	}
	got, err := ingressURL(list(ingress(map[string]any{"ip": "10.244.255.254"})), rs, "/api/check")
	if err != nil || got != "http://10.244.255.254:80/api/check" {
		t.Errorf("ip: %q, %v", got, err)
	}
	tls := rs
	tls.Ingress.TLSSecret, tls.Ingress.Path = "demo-tls", "/shop/"
	got, err = ingressURL(list(ingress(map[string]any{"hostname": "lb.example.net"})), tls, "/api/check")
	if err != nil || got != "https://lb.example.net:443/shop/api/check" {
		t.Errorf("hostname with TLS: %q, %v", got, err)
	}
	if _, err := ingressURL(list(ingress(map[string]any{})), rs, "/api/check"); err == nil || !strings.Contains(err.Error(), "no load-balancer address") {
		t.Errorf("no address: %v", err)
	}
	if _, err := ingressURL(list(), rs, "/api/check"); err == nil || !strings.Contains(err.Error(), "not found") {
		t.Errorf("no Ingress: %v", err)
	}
}
