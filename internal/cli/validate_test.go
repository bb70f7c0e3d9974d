package cli

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/rolloutgen/rolloutgen/internal/gittest"
)

// renderedDemo is gen init + gen render in a temp dir: the demo repository.
func renderedDemo(t *testing.T) string {
	t.Helper()
	dir := t.TempDir()
	for _, args := range [][]string{{"init"}, {"render"}} {
		if code, _, stderr := run(t, dir, args...); code != 0 {
			t.Fatalf("gen %v: %d %s", args, code, stderr)
		}
	}
	return dir
}

// editFile replaces old with new in dir/rel, as a person editing it would.
func editFile(t *testing.T, dir, rel, old, new string) {
	t.Helper()
	p := filepath.Join(dir, rel)
	b, err := os.ReadFile(p)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(b), old) {
		t.Fatalf("%s lacks %q", rel, old)
	}
	if err := os.WriteFile(p, []byte(strings.Replace(string(b), old, new, 1)), 0o644); err != nil {
		t.Fatal(err)
	}
}

func TestValidateRenderedDemoIsClean(t *testing.T) {
	dir := renderedDemo(t)
	code, out, stderr := run(t, dir, "validate", "--strict")
	if code != 0 || out != "" {
		t.Fatalf("gen validate on the demo: %d\n%s%s", code, out, stderr)
	}
	if want := "gen validate: 3 overlays, 5 files: 0 errors, 0 warnings\n"; stderr != want {
		t.Errorf("summary %q, want %q", stderr, want)
	}
}

// Each case breaks the rendered demo the way a person would and expects
// gen validate to name the file, the object and the field.
func TestValidateNamesFileObjectAndField(t *testing.T) {
	const (
		rollout = "base/rollouts-demo/rollout.yaml"
		stable  = "base/rollouts-demo/service-stable.yaml"
		canary  = "base/rollouts-demo/service-canary.yaml"
		ingress = "base/rollouts-demo/ingress.yaml"
		devApp  = "argocd/apps/rollouts-demo-dev.yaml"
		project = "argocd/project.yaml"
		inDev   = "overlays/dev/rollouts-demo (" // an overlay, then the file the object came from
	)
	cases := []struct {
		name           string
		file, old, new string
		warning        bool
		want           string // a line of the output starts with it
	}{
		{"unknown Rollout field", rollout, "      steps:", "      stepz:",
			false, inDev + rollout + "): Rollout/rollouts-demo: spec.strategy.canary.stepz: unknown field"},
		{"replicas not a number", rollout, "replicas: 5", `replicas: "five"`,
			false, inDev + rollout + "): Rollout/rollouts-demo: spec.replicas: must be of type integer, not string"},
		{"invalid memory quantity", rollout, `memory: "128Mi"`, "memory: invalid",
			false, inDev + rollout + `): Rollout/rollouts-demo: spec.template.spec.containers[0].resources.limits.memory: "invalid" is not a valid quantity`},
		{"selector differs from pod labels", rollout, "    matchLabels:\n      app: \"argocd-demo\"", "    matchLabels:\n      app: \"argocd-dem0\"",
			false, inDev + rollout + "): Rollout/rollouts-demo: spec.selector: selector app=argocd-dem0 does not match the pod template labels app=argocd-demo"},
		{"canary Service is the stable one", rollout, "canaryService: rollouts-demo-canary", "canaryService: rollouts-demo-stable",
			false, inDev + rollout + `): Rollout/rollouts-demo: spec.strategy.canary.canaryService: equals stableService "rollouts-demo-stable"`},
		{"stable Ingress renamed", rollout, "stableIngress: rollouts-demo-stable", "stableIngress: rollouts-demo",
			false, inDev + rollout + `): Rollout/rollouts-demo: spec.strategy.canary.trafficRouting.nginx.stableIngress: Ingress "rollouts-demo" is not in the build`},
		{"pause duration in words", rollout, "        - setWeight: 20\n        - pause: {}", "        - setWeight: 20\n        - pause: {duration: 5 minutes}",
			false, inDev + rollout + `): Rollout/rollouts-demo: spec.strategy.canary.steps[3].pause.duration: "5 minutes" is neither whole seconds within 32 bits nor a Go duration`},
		{"header without value", rollout, "            canary-by-header-value: \"iwantsit\"\n", "",
			true, inDev + rollout + "): Rollout/rollouts-demo: spec.strategy.canary.trafficRouting.nginx.additionalIngressAnnotations.canary-by-header: warning: is set without canary-by-header-value"},
		{"weight above 100", rollout, "setWeight: 60", "setWeight: 160",
			false, inDev + rollout + "): Rollout/rollouts-demo: spec.strategy.canary.steps[6].setWeight: 160 is outside 0..100"},
		{"canary scale above replicas", rollout, "setCanaryScale: {replicas: 1}", "setCanaryScale: {replicas: 9}",
			true, inDev + rollout + "): Rollout/rollouts-demo: spec.strategy.canary.steps[0].setCanaryScale.replicas: warning: 9 exceeds spec.replicas 5"},
		{"targetPort off by one", stable, "targetPort: 8080", "targetPort: 8081",
			true, inDev + stable + "): Service/rollouts-demo-stable: spec.ports[0].targetPort: warning: 8081 reaches no containerPort"},
		{"canary Service selects other pods", canary, "  selector:\n    app: \"argocd-demo\"", "  selector:\n    app: \"argocd-demo-canary\"",
			false, inDev + rollout + `): Rollout/rollouts-demo: spec.strategy.canary.canaryService: Service "rollouts-demo-canary" selects label app=argocd-demo-canary, which is not a label of this Rollout's pods`},
		{"Ingress backend on the wrong port", ingress, "number: 9999", "number: 80",
			true, inDev + rollout + `): Rollout/rollouts-demo: spec.strategy.canary.trafficRouting.nginx.stableIngress: warning: Ingress "rollouts-demo-stable" routes to the stable Service "rollouts-demo-stable" on none of its ports`},
		{"Ingress backend another Service", ingress, "                name: rollouts-demo-stable\n", "                name: rollouts-demo-canary\n",
			false, inDev + rollout + `): Rollout/rollouts-demo: spec.strategy.canary.trafficRouting.nginx.stableIngress: Ingress "rollouts-demo-stable" has no rule whose backend is the stable Service "rollouts-demo-stable"`},
		{"ingress class the controller does not manage", ingress, `ingressClassName: "ack-nginx"`, `ingressClassName: "nginx-internal"`,
			true, inDev + ingress + `): Ingress/rollouts-demo-stable: spec.ingressClassName: warning: class "nginx-internal" is not managed by the Argo Rollouts controller`},
		{"Application project typo", devApp, "project: rollouts-demo", "project: rollout-demo",
			false, devApp + `: Application/rollouts-demo-dev: spec.project: AppProject "rollout-demo" is not in the repository`},
		{"Application path typo", devApp, `path: "overlays/dev/rollouts-demo"`, `path: "overlays/dev/rollout-demo"`,
			false, devApp + `: Application/rollouts-demo-dev: spec.source.path: "overlays/dev/rollout-demo" does not exist in the repository`},
		{"Application repoURL elsewhere", devApp, `repoURL: "https://git.example.com/platform/rollouts-demo.git"`, `repoURL: "https://git.example.com/platform/other.git"`,
			false, devApp + `: Application/rollouts-demo-dev: spec.source.repoURL: "https://git.example.com/platform/other.git" is not allowed by AppProject "rollouts-demo"`},
		{"AppProject lost a destination", project, "    - server: https://kubernetes.default.svc\n      namespace: rollouts-demo-dev\n", "",
			false, devApp + `: Application/rollouts-demo-dev: spec.destination.namespace: namespace "rollouts-demo-dev" on server https://kubernetes.default.svc is not allowed by AppProject "rollouts-demo"`},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			dir := renderedDemo(t)
			editFile(t, dir, c.file, c.old, c.new)
			code, out, stderr := run(t, dir, "validate")
			wantCode := ExitFailed
			if c.warning {
				wantCode = ExitOK
			}
			if code != wantCode || !hasLinePrefix(out, c.want) {
				t.Fatalf("exit %d (want %d); want a line starting\n  %s\ngot:\n%s%s", code, wantCode, c.want, out, stderr)
			}
			if c.warning {
				if code, _, _ := run(t, dir, "validate", "--strict"); code != ExitFailed {
					t.Errorf("--strict: exit %d, want 1", code)
				}
			}
		})
	}
}

// A committed canary Ingress: a person copies what the controller created
// into the base and lists it.
func TestValidateRejectsCommittedCanaryIngress(t *testing.T) {
	dir := renderedDemo(t)
	b, err := os.ReadFile(filepath.Join(dir, "base/rollouts-demo/ingress.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	canary := strings.Replace(string(b), "name: rollouts-demo-stable\n  labels", "name: rollouts-demo-rollouts-demo-stable-canary\n  labels", 1)
	if err := os.WriteFile(filepath.Join(dir, "base/rollouts-demo/canary-ingress.yaml"), []byte(canary), 0o644); err != nil {
		t.Fatal(err)
	}
	editFile(t, dir, "base/rollouts-demo/kustomization.yaml", "  - ingress.yaml\n", "  - ingress.yaml\n  - canary-ingress.yaml\n")
	code, out, _ := run(t, dir, "validate", "--env", "dev")
	want := `overlays/dev/rollouts-demo (base/rollouts-demo/canary-ingress.yaml): Ingress/rollouts-demo-rollouts-demo-stable-canary: metadata.name: is the canary Ingress the Argo Rollouts controller creates and owns for Rollout "rollouts-demo"`
	if code != ExitFailed || !hasLinePrefix(out, want) {
		t.Fatalf("exit %d; want a line starting\n  %s\ngot:\n%s", code, want, out)
	}
}

func hasLinePrefix(out, prefix string) bool {
	for _, l := range strings.Split(out, "\n") {
		if strings.HasPrefix(l, prefix) {
			return true
		}
	}
	return false
}

func TestValidateJSON(t *testing.T) {
	dir := renderedDemo(t)
	editFile(t, dir, "base/rollouts-demo/rollout.yaml", "setWeight: 20", "setWeight: 120")
	code, out, _ := run(t, dir, "validate", "-o", "json", "--env", "prod")
	var rep struct {
		SchemaVersion int                 `json:"schemaVersion"`
		Summary       map[string]any      `json:"summary"`
		Findings      []map[string]string `json:"findings"`
	}
	if err := json.Unmarshal([]byte(out), &rep); err != nil {
		t.Fatalf("not JSON: %v\n%s", err, out)
	}
	got := rep.Findings
	if rep.SchemaVersion != 1 || rep.Summary["errors"] != 1.0 || rep.Summary["warnings"] != 0.0 {
		t.Errorf("schemaVersion %d, summary %v; want 1, one error and no warning", rep.SchemaVersion, rep.Summary)
	}
	want := map[string]string{
		"severity": "error", "location": "overlays/prod/rollouts-demo", "file": "base/rollouts-demo/rollout.yaml",
		"kind": "Rollout", "name": "rollouts-demo", "field": "spec.strategy.canary.steps[2].setWeight",
		"problem": "120 is outside 0..100", "fix": "use a weight from 0 to 100 (spec.strategy.canary.trafficRouting.maxTrafficWeight, default 100)",
	}
	if code != ExitFailed || len(got) != 1 || !equalMaps(got[0], want) {
		t.Fatalf("exit %d, findings %v; want one: %v", code, got, want)
	}
	dir = renderedDemo(t)
	clean := `{
  "schemaVersion": 1,
  "summary": {
    "overlays": 3,
    "files": 5,
    "errors": 0,
    "warnings": 0,
    "skipped": {
      "total": 0,
      "byReason": {},
      "files": []
    }
  },
  "findings": []
}
`
	if code, out, _ := run(t, dir, "validate", "-o", "json"); code != 0 || out != clean {
		t.Errorf("clean demo as JSON: %d %q", code, out)
	}
}

func equalMaps(a, b map[string]string) bool {
	if len(a) != len(b) {
		return false
	}
	for k, v := range a {
		if b[k] != v {
			return false
		}
	}
	return true
}

// Teams point gen validate at repositories gen did not render: no gen.yaml,
// the controller's default class unless --nginx-ingress-classes says more.
func TestValidatePathsWithoutGenYAML(t *testing.T) {
	dir := renderedDemo(t)
	if err := os.Remove(filepath.Join(dir, "gen.yaml")); err != nil {
		t.Fatal(err)
	}
	code, out, _ := run(t, dir, "validate", "overlays/dev/rollouts-demo", "argocd")
	want := `overlays/dev/rollouts-demo (base/rollouts-demo/ingress.yaml): Ingress/rollouts-demo-stable: spec.ingressClassName: warning: class "ack-nginx" is not managed by the Argo Rollouts controller (managed: nginx)`
	if code != 0 || !hasLinePrefix(out, want) || strings.Count(out, "\n") != 1 {
		t.Fatalf("exit %d; want only a line starting\n  %s\ngot:\n%s", code, want, out)
	}
	if code, out, stderr := run(t, dir, "validate", "--nginx-ingress-classes", "nginx,ack-nginx", "."); code != 0 || out != "" {
		t.Fatalf("with the class declared: %d\n%s%s", code, out, stderr)
	}
}

func TestValidateUsageErrors(t *testing.T) {
	dir := renderedDemo(t)
	for _, tt := range []struct {
		args []string
		want string
	}{
		{[]string{"validate", "-o", "yaml"}, `gen: --output "yaml": use text or json`},
		{[]string{"validate", "--env", "qa"}, `gen: --env "qa": no such environment in gen.yaml; environments: dev, staging, prod`},
		{[]string{"validate", "--app", "nope"}, `gen: --app "nope": no such app in gen.yaml; apps: rollouts-demo`},
		{[]string{"validate", "--env", "dev", "overlays"}, "gen: --env and --app select overlays from gen.yaml; with PATHs, name the overlays instead"},
		{[]string{"validate", "missing"}, "gen: stat " + filepath.Join(dir, "missing") + ": no such file or directory"},
	} {
		code, _, stderr := run(t, dir, tt.args...)
		if code != ExitUsage || strings.TrimSpace(stderr) != tt.want {
			t.Errorf("gen %v: %d %q; want 2 and %q", tt.args, code, stderr, tt.want)
		}
	}
}

// --since REV checks only overlays whose inputs changed: the overlay's own
// files, its base, anything its kustomization names.
func TestValidateSince(t *testing.T) {
	gittest.RequireGit(t)
	dir := renderedDemo(t)
	home := gittest.Home(t)
	sh := func(args ...string) {
		t.Helper()
		gittest.Git(t, home, dir, args...)
	}
	sh("init", "-q", "-b", "main")
	sh("add", "-A")
	sh("commit", "-qm", "render")
	if code, _, stderr := run(t, dir, "validate", "--since", "HEAD"); code != 0 || stderr != "gen validate: 0 overlays, 0 files: 0 errors, 0 warnings\n" {
		t.Errorf("nothing changed: %d %q", code, stderr)
	}
	editFile(t, dir, "overlays/staging/rollouts-demo/kustomization.yaml", `newTag: "v2"`, `newTag: "v3"`)
	if code, _, stderr := run(t, dir, "validate", "--since", "HEAD"); code != 0 || stderr != "gen validate: 1 overlays, 0 files: 0 errors, 0 warnings\n" {
		t.Errorf("one overlay changed: %d %q", code, stderr)
	}
	sh("commit", "-qam", "bump staging")
	editFile(t, dir, "base/rollouts-demo/service-canary.yaml", "port: 9999", "port: 0")
	code, out, stderr := run(t, dir, "validate", "--since", "HEAD")
	if code != ExitFailed || stderr != "gen validate: 3 overlays, 0 files: 3 errors, 0 warnings\n" || !strings.Contains(out, "overlays/prod/rollouts-demo (base/rollouts-demo/service-canary.yaml)") {
		t.Errorf("base changed: %d %q\n%s", code, stderr, out)
	}
	editFile(t, dir, "base/rollouts-demo/service-canary.yaml", "port: 0", "port: 9999")
	editFile(t, dir, "argocd/apps/rollouts-demo-dev.yaml", "project: rollouts-demo", "project: rollout-demo")
	if code, _, stderr := run(t, dir, "validate", "--since", "HEAD~1"); code != ExitFailed || stderr != "gen validate: 1 overlays, 5 files: 1 errors, 0 warnings\n" {
		t.Errorf("argocd changed: %d %q", code, stderr)
	}
	if code, _, stderr := run(t, dir, "validate", "--since", "nope"); code != ExitUsage || !strings.Contains(stderr, `unknown revision "nope"`) {
		t.Errorf("unknown revision: %d %q", code, stderr)
	}
}
