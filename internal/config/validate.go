package config

import (
	"fmt"
	"maps"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"

	"gopkg.in/yaml.v3"

	"github.com/rolloutgen/rolloutgen/internal/kustomize"
)

var (
	httpTokenChars = "!#$%&'*+-.^_`|~"
	gitRevision    = regexp.MustCompile(`^[A-Za-z0-9._/-]+$`)
	// releaseTag is a Go module version (semantic version with a v).
	releaseTag = regexp.MustCompile(`^v[0-9]+\.[0-9]+\.[0-9]+(-[0-9A-Za-z.-]+)?(\+[0-9A-Za-z.-]+)?$`)
)

// IsHTTPToken reports whether s is an RFC 9110 token (a valid header name).
func IsHTTPToken(s string) bool {
	if s == "" {
		return false
	}
	for _, r := range s {
		if !(r < utf8.RuneSelf && (r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || strings.ContainsRune(httpTokenChars, r))) {
			return false
		}
	}
	return true
}

// IsDNS1123Label reports whether s is a Kubernetes DNS-1123 label.
func IsDNS1123Label(s string) bool { return len(s) <= 63 && isDNSLabelShape(s) }

// maxAppName keeps "<app>-canary" and "<app>-stable" Service names within
// the 63 characters of a DNS label.
const maxAppName = 63 - len("-canary")

type validator struct {
	c    *Config
	file string
	// root is the document c was decoded from; lines, the line of each
	// of its field paths, is built from it for the first error only.
	root  *yaml.Node
	lines map[string]int
	errs  Errors
}

// line finds the line of path, or of its closest recorded parent, so that
// defaulted fields still point somewhere useful.
func (v *validator) line(path string) int {
	if v.lines == nil {
		v.lines = fieldLines(v.file, v.root)
	}
	for p := path; p != ""; {
		if l, ok := v.lines[p]; ok {
			return l
		}
		i := strings.LastIndexAny(p, ".[")
		if i < 0 {
			break
		}
		p = p[:i]
	}
	return v.lines[""]
}

// explicit reports whether path was written in gen.yaml (not defaulted).
// path names struct fields and list items only, never a map key (which
// may hold dots): it is looked up in the document without building lines.
func (v *validator) explicit(path string) bool {
	n := v.root
	for _, field := range strings.Split(path, ".") {
		name, index, isItem := strings.Cut(field, "[")
		if n = mappingValue(n, name); n != nil && isItem {
			n = listItem(n, strings.TrimSuffix(index, "]"))
		}
		if n == nil {
			return false
		}
	}
	return true
}

// mappingValue is the value of key in mapping n, or nil.
func mappingValue(n *yaml.Node, key string) *yaml.Node {
	if n.Kind == yaml.AliasNode {
		n = n.Alias
	}
	if n.Kind != yaml.MappingNode {
		return nil
	}
	for i := 0; i+1 < len(n.Content); i += 2 {
		if n.Content[i].Value == key {
			return n.Content[i+1]
		}
	}
	return nil
}

// listItem is item index (decimal) of list n, or nil.
func listItem(n *yaml.Node, index string) *yaml.Node {
	if n.Kind == yaml.AliasNode {
		n = n.Alias
	}
	i, err := strconv.Atoi(index)
	if n.Kind != yaml.SequenceNode || err != nil || i < 0 || i >= len(n.Content) {
		return nil
	}
	return n.Content[i]
}

func (v *validator) errorf(path, format string, a ...any) {
	v.errs = append(v.errs, &FieldError{File: v.file, Line: v.line(path), Field: path, Msg: fmt.Sprintf(format, a...)})
}

// safe rejects characters that could break out of a YAML scalar or a
// single line: newlines and other control characters, invalid UTF-8.
func (v *validator) safe(path, s string) bool {
	if !utf8.ValidString(s) {
		v.errorf(path, "is not valid UTF-8")
		return false
	}
	for _, r := range s {
		if r < 0x20 || r == 0x7f || (r >= 0x80 && r < 0xa0) || r == 0x2028 || r == 0x2029 || r == 0xfeff {
			v.errorf(path, "contains the control character %q; values must be a single line of printable text", r)
			return false
		}
	}
	return true
}

func (v *validator) required(path, s string) bool {
	if s == "" {
		v.errorf(path, "is required")
		return false
	}
	return v.safe(path, s)
}

func (v *validator) label(path, s string) {
	if v.required(path, s) && !IsDNS1123Label(s) {
		v.errorf(path, "%q is not a DNS-1123 label (lower-case letters, digits and '-', at most 63, starting and ending alphanumeric)", s)
	}
}

func (v *validator) port(path string, p int) {
	if p < 1 || p > 65535 {
		v.errorf(path, "port %d is out of range 1..65535", p)
	}
}

func validate(c *Config, file string, root *yaml.Node) Errors {
	v := &validator{c: c, file: file, root: root}
	if c.APIVersion != APIVersion {
		v.errorf("apiVersion", "must be %q, got %q", APIVersion, c.APIVersion)
	}
	if c.Kind != Kind {
		v.errorf("kind", "must be %q, got %q", Kind, c.Kind)
	}
	if v.required("repo.url", c.Repo.URL) && strings.ContainsAny(c.Repo.URL, " \"'") {
		v.errorf("repo.url", "%q must not contain spaces or quotes", c.Repo.URL)
	}
	if v.safe("repo.targetRevision", c.Repo.TargetRevision) && !IsGitRevision(c.Repo.TargetRevision) {
		v.errorf("repo.targetRevision", "%q is not a branch, tag or commit name (letters, digits and . _ / -; no \"..\", no leading - or /)", c.Repo.TargetRevision)
	}
	v.label("argocd.namespace", c.ArgoCD.Namespace)
	if v.explicit("argocd.project") || len(c.Apps) == 0 || IsDNS1123Label(c.Apps[0].Name) {
		v.label("argocd.project", c.ArgoCD.Project) // else defaulted from a bad app name, reported there
	}
	if c.ArgoCD.Project == "default" && !c.ArgoCD.AllowDefaultProject {
		how := ""
		if !v.explicit("argocd.project") {
			how = " (defaulted from apps[0].name)"
		}
		v.errorf("argocd.project", "%q%s is Argo CD's built-in AppProject: rendering it replaces that project for every Application using it; pick another name or set argocd.allowDefaultProject: true", c.ArgoCD.Project, how)
	}
	if gv := c.CI.GenVersion; gv != "" && v.safe("ci.genVersion", gv) && !releaseTag.MatchString(gv) {
		v.errorf("ci.genVersion", "%q is not a release tag of gen (e.g. v0.4.0)", gv)
	}
	for i, cls := range c.Rollouts.NginxIngressClasses {
		p := fmt.Sprintf("rollouts.nginxIngressClasses[%d]", i)
		if v.required(p, cls) && !isDNSSubdomainShape(cls) {
			v.errorf(p, "%q is not a valid ingress class name", cls)
		}
	}
	if len(c.Apps) == 0 {
		v.errorf("apps", "at least one app is required")
	}
	if len(c.Environments) == 0 {
		v.errorf("environments", "at least one environment is required")
	}
	seen := make(map[string]bool, len(c.Apps))
	for i := range c.Apps {
		p := fmt.Sprintf("apps[%d]", i)
		a := &c.Apps[i]
		if seen[a.Name] {
			v.errorf(p+".name", "duplicate app %q", a.Name)
		}
		seen[a.Name] = true
		v.app(p, a)
	}
	seen = map[string]bool{}
	namespaces := map[string]string{}
	for i := range c.Environments {
		p := fmt.Sprintf("environments[%d]", i)
		e := &c.Environments[i]
		v.label(p+".name", e.Name)
		if seen[e.Name] {
			v.errorf(p+".name", "duplicate environment %q", e.Name)
		}
		seen[e.Name] = true
		if v.explicit(p+".namespace") || IsDNS1123Label(e.Name) {
			v.label(p+".namespace", e.Namespace) // else defaulted from a bad name, reported there
		}
		if ns := e.Namespace; strings.HasPrefix(ns, "kube-") {
			v.errorf(p+".namespace", "%q is reserved for Kubernetes' own components; pick another namespace", ns)
		} else if ns == c.ArgoCD.Namespace {
			v.errorf(p+".namespace", "%q is Argo CD's own namespace (argocd.namespace); pick another namespace", ns)
		}
		if other, ok := namespaces[e.Namespace]; ok {
			v.errorf(p+".namespace", "namespace %q is already used by environment %q; each environment needs its own", e.Namespace, other)
		}
		namespaces[e.Namespace] = e.Name
		v.environment(p, e)
	}
	v.generatedNames()
	v.selectorsAndRoutes()
	return v.errs
}

// generatedNames rejects apps and environments whose generated names
// collide: the Argo CD Application <app>-<env> (also the file
// argocd/apps/<app>-<env>.yaml) with another one ("a-b" in "c" and "a" in
// "b-c") or with the root app-of-apps <project>-root, and the file
// <env>-<app>.yaml that gen build --out-dir writes.
func (v *validator) generatedNames() {
	type pair struct{ app, env string }
	root := RootApplicationName(v.c.ArgoCD.Project)
	// Sized once: 5,000 apps in 3 environments rehashed them 0.2 s' worth.
	n := len(v.c.Environments) * len(v.c.Apps)
	apps, files := make(map[string]pair, n), make(map[string]pair, n)
	for i, e := range v.c.Environments {
		p := fmt.Sprintf("environments[%d].name", i)
		for _, a := range v.c.Apps {
			name := ApplicationName(a.Name, e.Name)
			// The same pair twice is a duplicate app or environment, reported as such.
			if other, ok := apps[name]; ok && other.app != a.Name && other.env != e.Name {
				v.errorf(p, "Argo CD Application %q of %s in %s collides with that of %s in %s; rename the app or the environment", name, a.Name, e.Name, other.app, other.env)
			} else if name == root {
				v.errorf(p, "Argo CD Application %q of %s in %s collides with the root app-of-apps of project %q; rename the app, the environment or argocd.project", name, a.Name, e.Name, v.c.ArgoCD.Project)
			}
			apps[name] = pair{a.Name, e.Name}
			file := BuildFileName(e.Name, a.Name)
			if other, ok := files[file]; ok && other.app != a.Name && other.env != e.Name {
				v.errorf(p, "gen build --out-dir file %q of %s in %s collides with that of %s in %s; rename the app or the environment", file, a.Name, e.Name, other.app, other.env)
			}
			files[file] = pair{a.Name, e.Name}
		}
	}
}

// selectorsAndRoutes rejects apps that would take each other's pods or
// traffic in an environment (all of an environment's apps share its
// namespace): an app whose labels (its Services' and Rollout's selector)
// are a subset of another app's selects that app's pods too; two apps on
// the same ingress class, host and path split its traffic.
func (v *validator) selectorsAndRoutes() {
	// byPair indexes apps by each label; A's labels are a subset of B's
	// when every label of A is one of B's.
	byPair := make(map[[2]string][]int, len(v.c.Apps))
	for i, a := range v.c.Apps {
		for k, val := range a.Labels {
			byPair[[2]string{k, val}] = append(byPair[[2]string{k, val}], i)
		}
	}
	for j, b := range v.c.Apps {
		hits := map[int]int{}
		for k, val := range b.Labels {
			for _, i := range byPair[[2]string{k, val}] {
				hits[i]++
			}
		}
		for _, i := range slices.Sorted(maps.Keys(hits)) {
			a := v.c.Apps[i]
			if i == j || hits[i] != len(a.Labels) || a.Name == b.Name {
				continue
			}
			if len(a.Labels) == len(b.Labels) && i > j {
				continue // equal label sets: reported once, on the later app
			}
			v.errorf(fmt.Sprintf("apps[%d].labels", max(i, j)), "the selector of app %q (its labels) also matches the pods of app %q; give each app a label the other lacks", a.Name, b.Name)
		}
	}
	for ei := range v.c.Environments {
		e := &v.c.Environments[ei]
		seen := make(map[[3]string]string, len(v.c.Apps))
		for ai := range v.c.Apps {
			r := v.c.Resolve(&v.c.Apps[ai], e)
			key := [3]string{r.Ingress.ClassName, r.Ingress.Host, r.Ingress.Path}
			if other, ok := seen[key]; ok && other != r.Name {
				v.errorf(fmt.Sprintf("environments[%d].name", ei), "apps %q and %q in %s both route host %q path %q (ingress class %q); give one another host or path", other, r.Name, e.Name, r.Ingress.Host, r.Ingress.Path, r.Ingress.ClassName)
			}
			seen[key] = r.Name
		}
	}
}

func (v *validator) app(p string, a *App) {
	v.label(p+".name", a.Name)
	if len(a.Name) > maxAppName {
		v.errorf(p+".name", "%q is longer than %d characters, so its Service names would not fit a DNS label", a.Name, maxAppName)
	}
	if v.required(p+".image", a.Image) {
		if !isImageRepository(a.Image) {
			v.errorf(p+".image", "%q is not an image repository (no tag or digest; lower-case path components)", a.Image)
		} else if port, ok := registryPort(a.Image); ok && (port < 1 || port > 65535) {
			v.errorf(p+".image", "%q names registry port %d, outside 1..65535", a.Image, port)
		}
	}
	v.tag(p+".tag", a.Tag, true)
	if w := a.Canary.RollbackWindow; w != nil && *w < 0 {
		v.errorf(p+".canary.rollbackWindow", "%d: want 0 (no window) or more revisions", *w)
	}
	if a.Replicas < 1 {
		v.errorf(p+".replicas", "must be at least 1, got %d", a.Replicas)
	}
	v.port(p+".containerPort", a.ContainerPort)
	v.port(p+".servicePort", a.ServicePort)
	for _, k := range slices.Sorted(maps.Keys(a.Labels)) {
		lp := join(p+".labels", k)
		if v.labelKey(lp, k) {
			v.reservedLabel(lp, k)
		}
		if val := a.Labels[k]; v.safe(lp, val) && (len(val) > 63 || !isLabelValue(val)) {
			v.errorf(lp, "%q is not a valid label value", val)
		}
	}
	in := &a.Ingress
	if v.required(p+".ingress.className", in.ClassName) && !isDNSSubdomainShape(in.ClassName) {
		v.errorf(p+".ingress.className", "%q is not a valid ingress class name", in.ClassName)
	}
	v.host(p+".ingress.host", in.Host)
	if v.safe(p+".ingress.path", in.Path) && !isURLPath(in.Path) {
		v.errorf(p+".ingress.path", "%q must be an absolute URL path starting with /", in.Path)
	}
	if in.TLSSecret != "" && v.safe(p+".ingress.tlsSecret", in.TLSSecret) && !isDNSSubdomainShape(in.TLSSecret) {
		v.errorf(p+".ingress.tlsSecret", "%q is not a valid Secret name", in.TLSSecret)
	}
	if h := a.Canary.Header; h != nil {
		if v.required(p+".canary.header.name", h.Name) && !IsHTTPToken(h.Name) {
			v.errorf(p+".canary.header.name", "%q is not an HTTP header name (RFC 9110 token)", h.Name)
		}
		if v.required(p+".canary.header.value", h.Value) {
			switch {
			case strings.TrimSpace(h.Value) == "":
				v.errorf(p+".canary.header.value", "is only spaces; nginx would never match it")
			case strings.TrimSpace(h.Value) != h.Value:
				v.errorf(p+".canary.header.value", "%q starts or ends with spaces, which HTTP strips from header values", h.Value)
			case !printableASCII(h.Value):
				v.errorf(p+".canary.header.value", "%q holds characters other than printable ASCII (invisible or non-ASCII Unicode), which clients cannot be relied on to send", h.Value)
			}
		}
	}
	v.steps(p+".canary.steps", a.Canary.Steps, a.Replicas)
	for _, q := range []struct{ path, val string }{
		{".resources.requests.cpu", a.Resources.Requests.CPU},
		{".resources.requests.memory", a.Resources.Requests.Memory},
		{".resources.limits.cpu", a.Resources.Limits.CPU},
		{".resources.limits.memory", a.Resources.Limits.Memory},
	} {
		if v.safe(p+q.path, q.val) && !isQuantity(q.val) {
			v.errorf(p+q.path, "%q is not a Kubernetes quantity (e.g. 100m, 128Mi)", q.val)
		}
	}
	rp := p + ".readinessProbe"
	if v.safe(rp+".path", a.ReadinessProbe.Path) && !isURLPath(a.ReadinessProbe.Path) {
		v.errorf(rp+".path", "%q must be an absolute URL path starting with /", a.ReadinessProbe.Path)
	}
	if a.ReadinessProbe.InitialDelaySeconds < 0 {
		v.errorf(rp+".initialDelaySeconds", "must not be negative")
	}
	if a.ReadinessProbe.PeriodSeconds < 1 {
		v.errorf(rp+".periodSeconds", "must be at least 1")
	}
}

func (v *validator) tag(path, tag string, required bool) {
	if tag == "" {
		if required {
			v.errorf(path, "is required (the initial image tag)")
		}
		return
	}
	if v.safe(path, tag) && kustomize.ValidateTag(tag) != nil {
		v.errorf(path, "%q is %v", tag, kustomize.ErrInvalidTag)
	}
}

func (v *validator) host(path, host string) {
	h := strings.TrimPrefix(host, "*.")
	if v.required(path, host) && (len(h) > 253 || !isDNSSubdomainShape(h)) {
		v.errorf(path, "%q is not a DNS host name", host)
	}
}

func (v *validator) labelKey(path, k string) bool {
	name := k
	if i := strings.LastIndexByte(k, '/'); i >= 0 {
		prefix := k[:i]
		name = k[i+1:]
		if len(prefix) > 253 || !isDNSSubdomainShape(prefix) {
			v.errorf(path, "label key prefix %q is not a DNS subdomain", prefix)
			return false
		}
	}
	if len(name) > 63 || !isLabelName(name) {
		v.errorf(path, "label key %q is not a valid label name", k)
		return false
	}
	return true
}

// reservedLabels are set by controllers on the pods and ReplicaSets they
// manage: Argo Rollouts' rollouts-pod-template-hash (its
// v1alpha1.DefaultRolloutUniqueLabelKey), the Deployment and StatefulSet
// controllers' pod-template-hash and controller-revision-hash. An app
// label with one of these keys fights the controller over the selector.
var reservedLabels = []string{"rollouts-pod-template-hash", "pod-template-hash", "controller-revision-hash"}

// reservedLabel rejects keys controllers own and the prefixes reserved
// for Kubernetes (kubernetes.io/, k8s.io/ and their subdomains, except the
// recommended app.kubernetes.io/) and Argo (argoproj.io/).
func (v *validator) reservedLabel(path, k string) {
	if slices.Contains(reservedLabels, k) {
		v.errorf(path, "label key %q is set by a controller on the pods it manages; pick another key", k)
		return
	}
	prefix, _, ok := strings.Cut(k, "/")
	if !ok || prefix == "app.kubernetes.io" {
		return
	}
	for _, r := range []string{"kubernetes.io", "k8s.io", "argoproj.io"} {
		if prefix == r || strings.HasSuffix(prefix, "."+r) {
			v.errorf(path, "label key prefix %q is reserved for %s components; pick another prefix", prefix, r)
			return
		}
	}
}

// registryPort returns the port of an image's registry host, if it names one.
func registryPort(image string) (int, bool) {
	host, _, ok := strings.Cut(image, "/")
	if !ok {
		return 0, false
	}
	_, port, ok := strings.Cut(host, ":")
	if !ok {
		return 0, false
	}
	n, err := strconv.Atoi(port)
	if err != nil {
		return -1, true
	}
	return n, true
}

// printableASCII reports whether s holds only printable ASCII (space to
// tilde): no control characters, no invisible or bidirectional Unicode.
func printableASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < 0x20 || s[i] > 0x7e {
			return false
		}
	}
	return true
}

// IsGitRevision reports whether s can name a branch, tag or commit the
// way git check-ref-format allows, restricted to characters that mean
// nothing to a shell or a YAML parser: the value lands in a CI workflow.
func IsGitRevision(s string) bool {
	if s == "" || !gitRevision.MatchString(s) {
		return false
	}
	return !strings.HasPrefix(s, "-") && !strings.HasPrefix(s, "/") && !strings.HasSuffix(s, "/") &&
		!strings.HasSuffix(s, ".") && !strings.HasSuffix(s, ".lock") &&
		!strings.Contains(s, "..") && !strings.Contains(s, "//") && !strings.Contains(s, "/.")
}

// steps enforces the project's canary policy, stricter than Argo Rollouts:
// weights 1..100 and increasing; scale within the Rollout.
func (v *validator) steps(p string, steps []Step, replicas int) {
	if len(steps) == 0 {
		v.errorf(p, "at least one canary step is required")
	}
	last := 0
	for i, s := range steps {
		sp := fmt.Sprintf("%s[%d]", p, i)
		n := 0
		if s.SetWeight != nil {
			n++
			w := *s.SetWeight
			switch {
			case w < 1 || w > 100:
				v.errorf(sp+".setWeight", "weight %d is outside 1..100", w)
			case w <= last:
				v.errorf(sp+".setWeight", "weight %d must be greater than the previous weight %d", w, last)
			}
			last = w
		}
		if s.Pause != nil {
			n++
			if d := s.Pause.Duration; d != "" && v.safe(sp+".pause.duration", d) && !isPauseDuration(d) {
				v.errorf(sp+".pause.duration", "%q is not a duration (e.g. 30s, 5m, 1h)", d)
			}
		}
		if sc := s.SetCanaryScale; sc != nil {
			n++
			v.canaryScale(sp+".setCanaryScale", sc, replicas)
		}
		if n != 1 {
			v.errorf(sp, "must set exactly one of setCanaryScale, setWeight, pause")
		}
	}
}

func (v *validator) canaryScale(p string, sc *SetCanaryScale, replicas int) {
	set := 0
	if sc.Replicas != nil {
		set++
		switch r := *sc.Replicas; {
		case r < 0:
			v.errorf(p+".replicas", "must not be negative")
		case r > replicas:
			v.errorf(p+".replicas", "%d is above the Rollout's replicas (%d)", r, replicas)
		}
	}
	if sc.Weight != nil {
		set++
		if w := *sc.Weight; w < 0 || w > 100 {
			v.errorf(p+".weight", "weight %d is outside 0..100", w)
		}
	}
	if sc.MatchTrafficWeight != nil {
		set++
	}
	if set != 1 {
		v.errorf(p, "must set exactly one of replicas, weight, matchTrafficWeight")
	}
}

func (v *validator) environment(p string, e *Environment) {
	for _, name := range slices.Sorted(maps.Keys(e.Apps)) {
		op := join(p+".apps", name)
		app, ok := v.c.App(name)
		if !ok {
			v.errorf(op, "no app %q in apps; known apps: %s", name, strings.Join(v.c.AppNames(), ", "))
			continue
		}
		o := e.Apps[name]
		replicas := app.Replicas
		if o.Replicas != nil {
			replicas = *o.Replicas
			if replicas < 1 {
				v.errorf(op+".replicas", "must be at least 1, got %d", replicas)
			}
		}
		if o.Host != "" {
			v.host(op+".host", o.Host)
		}
		v.tag(op+".tag", o.Tag, false)
		steps := app.Canary.Steps
		if o.Steps != nil {
			steps = o.Steps
			v.steps(op+".steps", steps, replicas)
		} else if o.Replicas != nil {
			// The app's own steps must still fit this environment's size.
			for _, s := range steps {
				// Steps above the app's own replicas are reported on the app.
				if sc := s.SetCanaryScale; replicas >= 1 && sc != nil && sc.Replicas != nil && *sc.Replicas > replicas && *sc.Replicas <= app.Replicas {
					v.errorf(op+".replicas", "%d is below the app's setCanaryScale replicas (%d); lower that step or override steps here", replicas, *sc.Replicas)
				}
			}
		}
	}
}
