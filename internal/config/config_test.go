package config_test

import (
	"strings"
	"testing"

	"github.com/rolloutgen/rolloutgen/internal/config"
	"github.com/rolloutgen/rolloutgen/templates"
)

func TestDemoConfigParses(t *testing.T) {
	c, err := config.Parse("gen.yaml", templates.DemoConfig())
	if err != nil {
		t.Fatal(err)
	}
	a, ok := c.App("rollouts-demo")
	if !ok {
		t.Fatal("demo has no app rollouts-demo")
	}
	if a.Tag != "v2" || a.Replicas != 5 || a.ContainerPort != 8080 || a.ServicePort != 9999 ||
		a.Labels["app"] != "argocd-demo" || a.Ingress.ClassName != "ack-nginx" ||
		a.Canary.Header.Name != "X-Canary" || a.Canary.Header.Value != "iwantsit" {
		t.Errorf("demo app differs from the seed: %+v", a)
	}
	if c.ArgoCD.Namespace != "argo" {
		t.Errorf("argocd.namespace = %q, want argo (the seed's)", c.ArgoCD.Namespace)
	}
	var envs []string
	for _, e := range c.Environments {
		envs = append(envs, e.Name+"="+e.Namespace)
		if r := c.Resolve(a, &e); r.Replicas != 5 || !strings.HasSuffix(r.Ingress.Host, ".example.com") {
			t.Errorf("env %s: replicas %d host %q", e.Name, r.Replicas, r.Ingress.Host)
		}
	}
	if got := strings.Join(envs, ","); got != "dev=rollouts-demo-dev,staging=rollouts-demo-staging,prod=rollouts-demo-prod" {
		t.Errorf("environments = %s", got)
	}
	if got := strings.Join(c.Rollouts.NginxIngressClasses, ","); got != "ack-nginx" {
		t.Errorf("nginxIngressClasses = %s", got)
	}
}

// minimal is a small valid gen.yaml the error cases edit.
const minimal = `apiVersion: rolloutgen.dev/v1alpha1
kind: GenConfig
repo:
  url: https://git.example.com/x.git
apps:
  - name: web
    image: registry.example.com/web
    tag: v1
    replicas: 3
    ingress:
      host: web.example.com
    canary:
      header: {name: X-Canary, value: yes-please}
      steps:
        - setCanaryScale: {replicas: 1}
        - setWeight: 20
        - pause: {duration: 5m}
        - setWeight: 60
environments:
  - name: dev
    apps:
      web:
        replicas: 2
  - name: prod
`

func TestMinimalDefaults(t *testing.T) {
	c, err := config.Parse("gen.yaml", []byte(minimal))
	if err != nil {
		t.Fatal(err)
	}
	a := &c.Apps[0]
	if c.ArgoCD.Namespace != "argo" || c.ArgoCD.Project != "web" || c.Repo.TargetRevision != "main" {
		t.Errorf("argocd/repo defaults: %+v %+v", c.ArgoCD, c.Repo)
	}
	if a.Canary.RollbackWindow == nil || *a.Canary.RollbackWindow != 2 {
		t.Errorf("canary.rollbackWindow default: %v, want 2", a.Canary.RollbackWindow)
	}
	if a.ContainerPort != 8080 || a.ServicePort != 80 || a.Labels["app"] != "web" || a.Ingress.ClassName != "nginx" || a.Ingress.Path != "/" {
		t.Errorf("app defaults: %+v", a)
	}
	if c.Environments[1].Namespace != "prod" {
		t.Errorf("namespace default = %q, want the environment name", c.Environments[1].Namespace)
	}
	if got := strings.Join(c.Rollouts.NginxIngressClasses, ","); got != "nginx" {
		t.Errorf("nginxIngressClasses default = %s", got)
	}
}

func TestValidationErrors(t *testing.T) {
	tests := []struct {
		name     string
		old, new string // replaced once in minimal
		want     string
	}{
		{"unknown field", "    replicas: 3\n", "    replicas: 3\n    replicaz: 4\n",
			"gen.yaml:10: apps[0].replicaz: unknown field; known fields are name, image, tag, replicas, containerPort, servicePort, labels, ingress, canary, resources, readinessProbe"},
		{"wrong type", "replicas: 3", `replicas: "five"`, `gen.yaml:9: apps[0].replicas: must be an integer, got string "five"`},
		{"wrong header", "kind: GenConfig", "kind: Config", `gen.yaml:2: kind: must be "GenConfig", got "Config"`},
		{"app name not DNS-1123", "name: web", "name: Web_App",
			"gen.yaml:6: apps[0].name: \"Web_App\" is not a DNS-1123 label (lower-case letters, digits and '-', at most 63, starting and ending alphanumeric)\n" +
				`gen.yaml:22: environments[0].apps.web: no app "web" in apps; known apps: Web_App`},
		{"environment name not DNS-1123", "name: prod", "name: prod.eu",
			`gen.yaml:24: environments[1].name: "prod.eu" is not a DNS-1123 label (lower-case letters, digits and '-', at most 63, starting and ending alphanumeric)`},
		{"port out of range", "replicas: 3", "replicas: 3\n    containerPort: 70000", "gen.yaml:10: apps[0].containerPort: port 70000 is out of range 1..65535"},
		{"service port zero", "replicas: 3", "replicas: 3\n    servicePort: -1", "gen.yaml:10: apps[0].servicePort: port -1 is out of range 1..65535"},
		{"duplicate app", "environments:", "  - name: web\n    image: registry.example.com/web\n    tag: v1\n    ingress: {host: w.example.com}\nenvironments:",
			`gen.yaml:19: apps[1].name: duplicate app "web"`},
		{"duplicate environment", "  - name: prod\n", "  - name: dev\n    namespace: dev2\n", `gen.yaml:24: environments[1].name: duplicate environment "dev"`},
		{"negative rollback window", "      steps:", "      rollbackWindow: -1\n      steps:", "gen.yaml:14: apps[0].canary.rollbackWindow: -1: want 0 (no window) or more revisions"},
		{"weight above 100", "setWeight: 60", "setWeight: 160", "gen.yaml:18: apps[0].canary.steps[3].setWeight: weight 160 is outside 1..100"},
		{"weight zero", "setWeight: 20", "setWeight: 0", "gen.yaml:16: apps[0].canary.steps[1].setWeight: weight 0 is outside 1..100"},
		{"weights not increasing", "setWeight: 60", "setWeight: 10", "gen.yaml:18: apps[0].canary.steps[3].setWeight: weight 10 must be greater than the previous weight 20"},
		{"canary scale above replicas", "setCanaryScale: {replicas: 1}", "setCanaryScale: {replicas: 4}",
			"gen.yaml:15: apps[0].canary.steps[0].setCanaryScale.replicas: 4 is above the Rollout's replicas (3)"},
		{"canary scale above environment replicas", "replicas: 2", "replicas: 0",
			"gen.yaml:23: environments[0].apps.web.replicas: must be at least 1, got 0"},
		{"environment replicas below canary scale", "setCanaryScale: {replicas: 1}", "setCanaryScale: {replicas: 3}",
			"gen.yaml:23: environments[0].apps.web.replicas: 2 is below the app's setCanaryScale replicas (3); lower that step or override steps here"},
		{"header not a token", "name: X-Canary", `name: "X Canary"`, `gen.yaml:13: apps[0].canary.header.name: "X Canary" is not an HTTP header name (RFC 9110 token)`},
		{"header with colon", "name: X-Canary", `name: "X-Canary:"`, `gen.yaml:13: apps[0].canary.header.name: "X-Canary:" is not an HTTP header name (RFC 9110 token)`},
		{"newline in value", "value: yes-please", `value: "yes\nplease"`,
			`gen.yaml:13: apps[0].canary.header.value: contains the control character '\n'; values must be a single line of printable text`},
		{"newline in url", "url: https://git.example.com/x.git", `url: "https://git.example.com/x.git\nkind: Secret"`,
			`gen.yaml:4: repo.url: contains the control character '\n'; values must be a single line of printable text`},
		{"tab in host", "host: web.example.com", `host: "web.example.com\t"`,
			`gen.yaml:11: apps[0].ingress.host: contains the control character '\t'; values must be a single line of printable text`},
		{"bad tag", "tag: v1", `tag: "v1:latest"`, `gen.yaml:8: apps[0].tag: "v1:latest" is not a valid image tag ([A-Za-z0-9_][A-Za-z0-9._-]{0,127})`},
		{"image with tag", "image: registry.example.com/web", "image: registry.example.com/web:v1",
			`gen.yaml:7: apps[0].image: "registry.example.com/web:v1" is not an image repository (no tag or digest; lower-case path components)`},
		{"unknown app in environment", "      web:\n", "      api:\n", `gen.yaml:22: environments[0].apps.api: no app "api" in apps; known apps: web`},
		{"bad pause", "duration: 5m", "duration: five", `gen.yaml:17: apps[0].canary.steps[2].pause.duration: "five" is not a duration (e.g. 30s, 5m, 1h)`},
		{"two fields in a step", "- setWeight: 20", "- {setWeight: 20, pause: {}}", "gen.yaml:16: apps[0].canary.steps[1]: must set exactly one of setCanaryScale, setWeight, pause"},
		{"bad quantity", "replicas: 3", "replicas: 3\n    resources: {limits: {memory: lots}}",
			`gen.yaml:10: apps[0].resources.limits.memory: "lots" is not a Kubernetes quantity (e.g. 100m, 128Mi)`},
		{"no environments", "environments:\n  - name: dev\n    apps:\n      web:\n        replicas: 2\n  - name: prod\n", "environments: []\n",
			"gen.yaml:19: environments: at least one environment is required"},
		{"missing host", "      host: web.example.com\n", "      path: /\n", "gen.yaml:10: apps[0].ingress.host: is required"},
		{"set twice", "    tag: v1\n", "    tag: v1\n    tag: v2\n", "gen.yaml:9: apps[0].tag: set twice"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if !strings.Contains(minimal, tt.old) {
				t.Fatalf("test edits %q, which is not in the minimal config", tt.old)
			}
			in := strings.Replace(minimal, tt.old, tt.new, 1)
			_, err := config.Parse("gen.yaml", []byte(in))
			if err == nil {
				t.Fatalf("no error; want %s", tt.want)
			}
			if err.Error() != tt.want {
				t.Errorf("error:\n got %s\nwant %s", err, tt.want)
			}
		})
	}
}

func TestSyntaxErrorNamesLine(t *testing.T) {
	_, err := config.Parse("gen.yaml", []byte("apiVersion: x\nkind: [\n"))
	if err == nil || !strings.HasPrefix(err.Error(), "gen.yaml:") {
		t.Fatalf("err = %v, want a gen.yaml:LINE prefix", err)
	}
}

func TestEmptyFile(t *testing.T) {
	_, err := config.Parse("gen.yaml", nil)
	if err == nil || err.Error() != "gen.yaml: file is empty; run gen init to write one" {
		t.Fatalf("err = %v", err)
	}
}

func TestApplicationNamesCollide(t *testing.T) {
	in := strings.Replace(minimal, "environments:", "  - name: web-dev\n    image: registry.example.com/web\n    tag: v1\n    ingress: {host: w.example.com}\nenvironments:", 1)
	in += "  - name: dev-prod\n"
	_, err := config.Parse("gen.yaml", []byte(in))
	want := `gen.yaml:29: environments[2].name: Argo CD Application "web-dev-prod" of web in dev-prod collides with that of web-dev in prod; rename the app or the environment`
	if err == nil || err.Error() != want {
		t.Fatalf("err = %v\nwant %s", err, want)
	}
}

// Values gen.yaml used to accept that break at runtime, keys echoed raw,
// and names that collide: each is refused with a one-line error naming
// the field (issues 11.6, 13.1, 13.2, 13.7, 13.10).
func TestRefusedValues(t *testing.T) {
	tests := []struct {
		name     string
		old, new string // replaced once in minimal
		want     string
	}{
		{"argocd default project", "repo:", "argocd: {project: default}\nrepo:",
			`gen.yaml:3: argocd.project: "default" is Argo CD's built-in AppProject: rendering it replaces that project for every Application using it; pick another name or set argocd.allowDefaultProject: true`},
		{"default project from the app name", "name: web", "name: default",
			`gen.yaml:1: argocd.project: "default" (defaulted from apps[0].name) is Argo CD's built-in AppProject: rendering it replaces that project for every Application using it; pick another name or set argocd.allowDefaultProject: true` + "\n" +
				`gen.yaml:22: environments[0].apps.web: no app "web" in apps; known apps: default`},
		{"header value only spaces", "value: yes-please", `value: "   "`,
			`gen.yaml:13: apps[0].canary.header.value: is only spaces; nginx would never match it`},
		{"header value right-to-left override", "value: yes-please", `value: "yes\u202Eplease"`,
			`gen.yaml:13: apps[0].canary.header.value: "yes\u202eplease" holds characters other than printable ASCII (invisible or non-ASCII Unicode), which clients cannot be relied on to send`},
		{"header value zero-width space", "value: yes-please", `value: "yes\u200Bplease"`,
			`gen.yaml:13: apps[0].canary.header.value: "yes\u200bplease" holds characters other than printable ASCII (invisible or non-ASCII Unicode), which clients cannot be relied on to send`},
		{"targetRevision with shell metacharacters", "url: https://git.example.com/x.git", "url: https://git.example.com/x.git\n  targetRevision: \"main;$(id)\"",
			`gen.yaml:5: repo.targetRevision: "main;$(id)" is not a branch, tag or commit name (letters, digits and . _ / -; no "..", no leading - or /)`},
		{"targetRevision option", "url: https://git.example.com/x.git", "url: https://git.example.com/x.git\n  targetRevision: --upload-pack=x",
			`gen.yaml:5: repo.targetRevision: "--upload-pack=x" is not a branch, tag or commit name (letters, digits and . _ / -; no "..", no leading - or /)`},
		{"image port out of range", "image: registry.example.com/web", "image: registry.example.com:99999/web",
			`gen.yaml:7: apps[0].image: "registry.example.com:99999/web" names registry port 99999, outside 1..65535`},
		{"reserved label", "replicas: 3", "replicas: 3\n    labels: {app: web, rollouts-pod-template-hash: abc}",
			`gen.yaml:10: apps[0].labels.rollouts-pod-template-hash: label key "rollouts-pod-template-hash" is set by a controller on the pods it manages; pick another key`},
		{"reserved label prefix", "replicas: 3", "replicas: 3\n    labels: {app: web, node.kubernetes.io/x: y}",
			`gen.yaml:10: apps[0].labels.node.kubernetes.io/x: label key prefix "node.kubernetes.io" is reserved for kubernetes.io components; pick another prefix`},
		{"kube-system namespace", "  - name: prod\n", "  - name: prod\n    namespace: kube-system\n",
			`gen.yaml:25: environments[1].namespace: "kube-system" is reserved for Kubernetes' own components; pick another namespace`},
		{"bad environment name and written namespace", "  - name: prod\n", "  - name: prod.eu\n    namespace: Prod\n",
			`gen.yaml:24: environments[1].name: "prod.eu" is not a DNS-1123 label (lower-case letters, digits and '-', at most 63, starting and ending alphanumeric)` + "\n" +
				`gen.yaml:25: environments[1].namespace: "Prod" is not a DNS-1123 label (lower-case letters, digits and '-', at most 63, starting and ending alphanumeric)`},
		{"project not DNS-1123", "repo:", "argocd:\n  project: Mono\nrepo:",
			`gen.yaml:4: argocd.project: "Mono" is not a DNS-1123 label (lower-case letters, digits and '-', at most 63, starting and ending alphanumeric)`},
		{"Argo CD's namespace", "  - name: prod\n", "  - name: prod\n    namespace: argo\n",
			`gen.yaml:25: environments[1].namespace: "argo" is Argo CD's own namespace (argocd.namespace); pick another namespace`},
		{"key with carriage return and escape", "    replicas: 3\n", "    replicas: 3\n    \"rep\\rlicas\\e[31m\": 4\n",
			`gen.yaml:10: apps[0]."rep\rlicas\x1b[31m": unknown field; known fields are name, image, tag, replicas, containerPort, servicePort, labels, ingress, canary, resources, readinessProbe`},
		{"bad genVersion", "repo:", "ci: {genVersion: latest}\nrepo:", `gen.yaml:3: ci.genVersion: "latest" is not a release tag of gen (e.g. v0.4.0)`},
		{"app-of-apps collision", "repo:", "argocd: {project: web}\nrepo:",
			`gen.yaml:25: environments[1].name: Argo CD Application "web-root" of web in root collides with the root app-of-apps of project "web"; rename the app, the environment or argocd.project`},
		{"selectors overlap", "environments:", "  - name: api\n    image: registry.example.com/api\n    tag: v1\n    labels: {app: web, tier: api}\n    ingress: {host: api.example.com}\nenvironments:",
			`gen.yaml:22: apps[1].labels: the selector of app "web" (its labels) also matches the pods of app "api"; give each app a label the other lacks`},
		{"same host and path", "environments:", "  - name: api\n    image: registry.example.com/api\n    tag: v1\n    ingress: {host: web.example.com}\nenvironments:",
			`gen.yaml:24: environments[0].name: apps "web" and "api" in dev both route host "web.example.com" path "/" (ingress class "nginx"); give one another host or path` + "\n" +
				`gen.yaml:28: environments[1].name: apps "web" and "api" in prod both route host "web.example.com" path "/" (ingress class "nginx"); give one another host or path`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if !strings.Contains(minimal, tt.old) {
				t.Fatalf("test edits %q, which is not in the minimal config", tt.old)
			}
			in := strings.Replace(minimal, tt.old, tt.new, 1)
			if tt.name == "app-of-apps collision" {
				in = strings.Replace(in, "  - name: prod\n", "  - name: root\n", 1)
			}
			_, err := config.Parse("gen.yaml", []byte(in))
			if err == nil {
				t.Fatalf("no error; want %s", tt.want)
			}
			if err.Error() != tt.want {
				t.Errorf("error:\n got %s\nwant %s", err, tt.want)
			}
		})
	}
}

func TestAllowedValues(t *testing.T) {
	for name, edit := range map[string][2]string{
		"default project allowed": {"repo:", "argocd: {project: default, allowDefaultProject: true}\nrepo:"},
		"recommended label":       {"replicas: 3", "replicas: 3\n    labels: {app.kubernetes.io/name: web}"},
		"registry with a port":    {"image: registry.example.com/web", "image: registry.example.com:5000/web"},
		"release tag":             {"repo:", "ci: {genVersion: v0.4.1}\nrepo:"},
		"tag as targetRevision":   {"url: https://git.example.com/x.git", "url: https://git.example.com/x.git\n  targetRevision: release/v1.2"},
	} {
		t.Run(name, func(t *testing.T) {
			if _, err := config.Parse("gen.yaml", []byte(strings.Replace(minimal, edit[0], edit[1], 1))); err != nil {
				t.Fatal(err)
			}
		})
	}
}

// YAML booleans decode by YAML's rules: True is true.
func TestBooleansFollowYAML(t *testing.T) {
	for in, want := range map[string]bool{"true": true, "True": true, "TRUE": true, "false": false, "False": false} {
		c, err := config.Parse("gen.yaml", []byte(strings.Replace(minimal, "setCanaryScale: {replicas: 1}", "setCanaryScale: {matchTrafficWeight: "+in+"}", 1)))
		if err != nil {
			t.Fatal(err)
		}
		if got := *c.Apps[0].Canary.Steps[0].SetCanaryScale.MatchTrafficWeight; got != want {
			t.Errorf("matchTrafficWeight: %s decoded as %v", in, got)
		}
	}
}
