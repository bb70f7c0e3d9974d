package cli

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"maps"
	"net"
	"net/http"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/spf13/cobra"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"

	"github.com/rolloutgen/rolloutgen/internal/config"
	"github.com/rolloutgen/rolloutgen/internal/kube"
	"github.com/rolloutgen/rolloutgen/internal/probe"
	"github.com/rolloutgen/rolloutgen/internal/release"
)

type probeOptions struct {
	*globalOptions
	kube kubeOptions

	app, env         string
	requests         int
	concurrency      int
	headers          []string
	expect           string
	canaryVersion    string
	alpha            float64
	url              string
	requestTimeout   time.Duration
	timeout          time.Duration
	versionRegex     string
	versionJSONField string
	requestPath      string
	output           string
}

func newProbeCmd(g *globalOptions) *cobra.Command {
	o := &probeOptions{globalOptions: g}
	c := &cobra.Command{
		Use:   "probe --app APP --env ENV [--requests N] [--header K:V] [--expect auto|PCT]",
		Short: "Send real requests to an app's Ingress and count which version answers",
		Long: `Send requests to the app's Ingress (host and path from gen.yaml, address
from the Ingress's load-balancer status, port 80, or 443 when gen.yaml sets
a TLS secret; or --url) and count the answers per version, as the seed does
with curl at every canary step. Failed requests are counted per kind, apart
from the answers. The canary's share is printed with its 99% Wilson
interval.

--expect auto reads the Rollout: the canary weight the controller set,
whether a request's header matches the canary-by-header routing, and
whether the canary was promoted or aborted; --expect PCT states the share.
gen then runs the exact binomial test and exits 1 when the observed share
is inconsistent with the expectation (p < --alpha). The test suits
balancers that pick at random (ingress-nginx); a deterministic one
(Traefik) only lands closer.

The version is read from the seed's answer {"message":"v2"} by default;
--version-json-field or --version-regex read other apps.`,
		Example: `  gen probe --app rollouts-demo --env dev
  gen probe --app rollouts-demo --env dev --expect auto
  gen probe --app rollouts-demo --env dev --header 'X-Canary: iwantsit' --expect 100 --canary-version v2
  gen probe --url http://10.0.0.5/api/check --env dev --requests 1000 -o json`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error { return runProbe(cmd.Context(), o) },
	}
	f := c.Flags()
	f.StringVar(&o.app, "app", "", "app to probe (default: the only app in gen.yaml)")
	f.StringVar(&o.env, "env", "", "environment to probe (default: the first of the promotion chain)")
	f.IntVar(&o.requests, "requests", 400, "requests to send")
	f.IntVar(&o.concurrency, "concurrency", 10, "requests in flight at once")
	f.StringArrayVar(&o.headers, "header", nil, `header to send with every request, "Name: value" (repeatable)`)
	f.StringVar(&o.expect, "expect", "", `expected canary share: "auto" (from the Rollout) or a percentage 0..100; exit 1 when the answers are inconsistent with it`)
	f.StringVar(&o.canaryVersion, "canary-version", "", "the answer that counts as the canary (default with --expect auto: the tag of the Rollout's current image)")
	f.Float64Var(&o.alpha, "alpha", 0.001, "significance level of the exact binomial test")
	f.StringVar(&o.url, "url", "", "URL to request instead of the Ingress's address (the Host header stays gen.yaml's host)")
	f.DurationVar(&o.requestTimeout, "request-timeout", 5*time.Second, "timeout of each request")
	f.DurationVar(&o.timeout, "timeout", 2*time.Minute, "timeout of the whole probe")
	f.StringVar(&o.versionRegex, "version-regex", "", "read the version with this regular expression (its capture group) instead of the seed's JSON")
	f.StringVar(&o.versionJSONField, "version-json-field", "", "read the version from this JSON field (dotted path) instead of the seed's \"message\"")
	f.StringVar(&o.requestPath, "request-path", "/api/check", "path requested under the Ingress path (the seed's endpoint by default)")
	f.StringVarP(&o.output, "output", "o", "text", "output format: text|json|yaml")
	o.kube.addFlags(f, "")
	return c
}

// probeReport is gen probe -o json|yaml.
type probeReport struct {
	SchemaVersion int            `json:"schemaVersion"`
	App           string         `json:"app,omitempty"`
	Env           string         `json:"env,omitempty"`
	URL           string         `json:"url"`
	Host          string         `json:"host,omitempty"`
	Headers       []string       `json:"headers,omitempty"`
	Result        probe.Result   `json:"result"`
	Verdict       *probe.Verdict `json:"verdict,omitempty"`
	// ExpectFrom says where the expectation came from: "auto" or "flag".
	ExpectFrom string `json:"expectFrom,omitempty"`
}

// validate checks the flags alone; each error names the flag.
func (o *probeOptions) validate() (map[string]string, probe.Extractor, error) {
	switch {
	case o.requests < 1:
		return nil, nil, usagef("--requests %d: want at least 1", o.requests)
	case o.concurrency < 1:
		return nil, nil, usagef("--concurrency %d: want at least 1", o.concurrency)
	case o.alpha <= 0 || o.alpha >= 1:
		return nil, nil, usagef("--alpha %v: want a probability between 0 and 1", o.alpha)
	case o.requestTimeout <= 0 || o.timeout <= 0:
		return nil, nil, usagef("--request-timeout and --timeout must be positive")
	case o.output != "text" && o.output != "json" && o.output != "yaml":
		return nil, nil, usagef("--output %q: want text, json or yaml", o.output)
	case o.versionRegex != "" && o.versionJSONField != "":
		return nil, nil, usagef("--version-regex and --version-json-field both say how to read the version: pass one")
	}
	if o.expect != "" && o.expect != "auto" {
		pct, err := strconv.ParseFloat(o.expect, 64)
		if err != nil || pct < 0 || pct > 100 {
			return nil, nil, usagef("--expect %q: want auto or a percentage 0..100", o.expect)
		}
		if o.canaryVersion == "" {
			return nil, nil, usagef("--expect %s needs --canary-version: which answer is the canary", o.expect)
		}
	}
	headers := map[string]string{}
	for _, h := range o.headers {
		k, v, ok := strings.Cut(h, ":")
		k = strings.TrimSpace(k)
		if !ok || k == "" || !validHeaderName(k) || strings.ContainsAny(v, "\r\n") {
			return nil, nil, usagef("--header %q: want \"Name: value\"", h)
		}
		headers[k] = strings.TrimSpace(v)
	}
	extract := probe.SeedFormat()
	switch {
	case o.versionJSONField != "":
		extract = probe.JSONField(o.versionJSONField)
	case o.versionRegex != "":
		var err error
		if extract, err = probe.Regexp(o.versionRegex); err != nil {
			return nil, nil, usagef("--version-regex: %w", err)
		}
	}
	if o.url != "" {
		u, err := http.NewRequest(http.MethodGet, o.url, nil)
		if err != nil || (u.URL.Scheme != "http" && u.URL.Scheme != "https") || u.URL.Host == "" {
			return nil, nil, usagef("--url %q: want an http or https URL", o.url)
		}
	}
	return headers, extract, nil
}

var headerName = regexp.MustCompile("^[!#$%&'*+.^_`|~0-9A-Za-z-]+$")

func validHeaderName(s string) bool { return headerName.MatchString(s) }

func runProbe(ctx context.Context, o *probeOptions) error {
	headers, extract, err := o.validate()
	if err != nil {
		return err
	}
	ctx, cancel := context.WithTimeout(ctx, o.timeout)
	defer cancel()

	// gen.yaml names the app, its namespace, host and path; with --url and
	// no gen.yaml the probe still runs.
	var (
		cfg *config.Config
		rs  config.Resolved
	)
	needConfig := o.url == "" || o.expect == "auto"
	if needConfig || o.app != "" || o.env != "" {
		if cfg, _, err = o.loadConfig(); err != nil {
			return err
		}
		if rs, err = resolveTarget(cfg, o.app, o.env); err != nil {
			return err
		}
	}

	var snap *kube.Snapshot
	if o.url == "" || o.expect == "auto" {
		client, err := o.kube.client(o.deps)
		if err != nil {
			if errors.Is(err, kube.ErrNoKubeConfig) {
				return usagef("gen probe needs the cluster for the Ingress address and --expect auto: set KUBECONFIG or pass --kubeconfig, or pass --url and --expect PCT")
			}
			return err
		}
		snap, err = client.List(ctx,
			kube.Kind{GVR: kube.Rollouts, Namespace: rs.Namespace},
			kube.Kind{GVR: kube.Ingresses, Namespace: rs.Namespace},
			kube.Kind{GVR: kube.ReplicaSets, Namespace: rs.Namespace})
		if err != nil {
			return fmt.Errorf("read the cluster: %w", err)
		}
	}

	rep := probeReport{SchemaVersion: 1, App: rs.Name, Env: rs.Env, Host: rs.Ingress.Host}
	for _, k := range sortedHeaderKeys(headers) {
		rep.Headers = append(rep.Headers, k+": "+headers[k])
	}
	rep.URL = o.url
	if rep.URL == "" {
		if rep.URL, err = ingressURL(snap, rs, o.requestPath); err != nil {
			return err
		}
	}

	var expect *probe.Expectation
	switch o.expect {
	case "":
	case "auto":
		e, err := autoExpectation(snap, rs, headers)
		if err != nil {
			return err
		}
		if o.canaryVersion != "" {
			e.Canary = o.canaryVersion
		}
		expect, rep.ExpectFrom = &e, "auto"
	default:
		pct, _ := strconv.ParseFloat(o.expect, 64)
		expect, rep.ExpectFrom = &probe.Expectation{Canary: o.canaryVersion, Share: pct / 100}, "flag"
	}

	hdr := http.Header{}
	for k, v := range headers {
		hdr.Set(k, v)
	}
	req := probe.Request{
		URL: rep.URL, Host: rs.Ingress.Host, Header: hdr, Requests: o.requests, Concurrency: o.concurrency,
		RequestTimeout: o.requestTimeout, Version: extract, Client: probeClient(rs.Ingress.Host),
	}
	if o.url != "" && rs.Ingress.Host == "" {
		req.Host = ""
	}
	res, err := probe.Run(ctx, req)
	if err != nil {
		return fmt.Errorf("probe %s: %w", rep.URL, err)
	}
	rep.Result = res
	if expect != nil {
		expect.Alpha = o.alpha
		v := probe.Judge(res, *expect)
		rep.Verdict = &v
	}
	if err := o.print(rep); err != nil {
		return err
	}
	switch {
	case res.Answered() == 0:
		return fmt.Errorf("probe %s: none of %d requests answered with a version", rep.URL, res.Requests)
	case rep.Verdict != nil && !rep.Verdict.Consistent:
		return fmt.Errorf("probe %s/%s: %d of %d answers from %s, inconsistent with %.0f%% (p = %.2g < alpha %g)",
			rep.App, rep.Env, rep.Verdict.Observed, rep.Verdict.Answered, rep.Verdict.Canary, 100*rep.Verdict.Expected, rep.Verdict.PValue, o.alpha)
	}
	return nil
}

func (o *probeOptions) print(rep probeReport) error {
	if o.output != "text" {
		return writeStructured(o.deps.Stdout, o.output, rep)
	}
	fmt.Fprintf(o.deps.Stdout, "%d requests to %s", rep.Result.Requests, rep.URL)
	if rep.Host != "" {
		fmt.Fprintf(o.deps.Stdout, " (Host %s)", rep.Host)
	}
	if len(rep.Headers) > 0 {
		fmt.Fprintf(o.deps.Stdout, " with %s", strings.Join(rep.Headers, ", "))
	}
	fmt.Fprintln(o.deps.Stdout)
	return probe.WriteTable(o.deps.Stdout, rep.Result, rep.Verdict)
}

// resolveTarget picks the app and environment as gen bump does.
func resolveTarget(cfg *config.Config, app, env string) (config.Resolved, error) {
	t, err := configTarget(cfg, app, env, "")
	if err != nil {
		return config.Resolved{}, err
	}
	a, _ := cfg.App(t.App)
	e, _ := cfg.Environment(t.Env)
	return cfg.Resolve(a, e), nil
}

// ingressURL is the app's stable Ingress as clients reach it: the first
// load-balancer address in its status, port 80 (443 with TLS), gen.yaml's
// path followed by requestPath.
func ingressURL(snap *kube.Snapshot, rs config.Resolved, requestPath string) (string, error) {
	name := rs.Name + "-stable"
	in := snap.Get(kube.Ingresses, rs.Namespace, name)
	if in == nil {
		return "", fmt.Errorf("probe %s/%s: Ingress %s/%s not found; is the app deployed?", rs.Name, rs.Env, rs.Namespace, name)
	}
	lbs, _, _ := unstructured.NestedSlice(in.Object, "status", "loadBalancer", "ingress")
	addr := ""
	for _, lb := range lbs {
		m, _ := lb.(map[string]any)
		if ip, _ := m["ip"].(string); ip != "" {
			addr = ip
			break
		}
		if h, _ := m["hostname"].(string); h != "" {
			addr = h
			break
		}
	}
	if addr == "" {
		return "", fmt.Errorf("probe %s/%s: Ingress %s/%s has no load-balancer address yet (its ingress controller publishes it); pass --url", rs.Name, rs.Env, rs.Namespace, name)
	}
	scheme, port := "http", "80"
	if rs.Ingress.TLSSecret != "" {
		scheme, port = "https", "443"
	}
	path := strings.TrimSuffix(rs.Ingress.Path, "/") + "/" + strings.TrimPrefix(requestPath, "/")
	return scheme + "://" + net.JoinHostPort(addr, port) + path, nil
}

// autoExpectation reads the canary's expected share from the Rollout: the
// weight the controller set, the canary-by-header routing it writes on the
// canary Ingress, promotion and abort. The canary answers as its image tag.
func autoExpectation(snap *kube.Snapshot, rs config.Resolved, headers map[string]string) (probe.Expectation, error) {
	u := snap.Get(kube.Rollouts, rs.Namespace, rs.Name)
	if u == nil {
		return probe.Expectation{}, fmt.Errorf("probe %s/%s: Rollout %s/%s not found; is the app deployed?", rs.Name, rs.Env, rs.Namespace, rs.Name)
	}
	r := kube.NewRollout(u)
	routing := probe.Routing{Promoted: r.FullyPromoted(), Aborted: r.Abort}
	if r.Weight != nil {
		routing.Weight = int(*r.Weight)
	}
	ann, _, _ := unstructured.NestedStringMap(u.Object, "spec", "strategy", "canary", "trafficRouting", "nginx", "additionalIngressAnnotations")
	for k, v := range ann {
		switch strings.TrimPrefix(k, "nginx.ingress.kubernetes.io/") {
		case "canary-by-header":
			routing.Header = v
		case "canary-by-header-value":
			routing.HeaderValue = v
		}
	}
	_, current := release.ParseImage(r.Image)
	return probe.Expectation{Canary: current.Tag, Share: routing.ExpectedShare(headers)}, nil
}

// probeClient sends each request on a new connection (the balancer decides
// afresh, as the seed's curl loop), with TLS verified for the Ingress host
// even when the URL names an address.
func probeClient(host string) *http.Client {
	return &http.Client{
		Transport: &http.Transport{
			DisableKeepAlives: true,
			Proxy:             nil,
			TLSClientConfig:   &tls.Config{ServerName: host, MinVersion: tls.VersionTLS12},
		},
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}
}

func sortedHeaderKeys(m map[string]string) []string { return slices.Sorted(maps.Keys(m)) }
