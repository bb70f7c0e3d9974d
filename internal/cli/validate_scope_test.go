package cli

import (
	"encoding/json"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/rolloutgen/rolloutgen/internal/gittest"
	"github.com/rolloutgen/rolloutgen/internal/validate"
)

func writeTree(t *testing.T, dir string, files map[string]string) {
	t.Helper()
	for p, c := range files {
		full := filepath.Join(dir, p)
		if err := os.MkdirAll(filepath.Dir(full), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(full, []byte(c), 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

const scopeRollout = `apiVersion: argoproj.io/v1alpha1
kind: Rollout
metadata: {name: app}
spec:
  selector: {matchLabels: {app: app}}
  template:
    metadata: {labels: {app: app}}
    spec:
      containers: [{name: app, image: app:v1, ports: [{containerPort: 8080}]}]
  strategy:
    canary:
      canaryService: app-canary
      stableService: app-stable
      trafficRouting: {nginx: {stableIngress: app}}
      steps: [{setWeight: 20}]
`

const scopeServices = `apiVersion: v1
kind: Service
metadata: {name: app-canary}
spec: {selector: {app: app}, ports: [{port: 80, targetPort: 8080}]}
---
apiVersion: v1
kind: Service
metadata: {name: app-stable}
spec: {selector: {app: app}, ports: [{port: 80, targetPort: 8080}]}
---
apiVersion: networking.k8s.io/v1
kind: Ingress
metadata: {name: app}
spec:
  ingressClassName: nginx
  rules: [{host: app.example.com, http: {paths: [{path: /, pathType: Prefix, backend: {service: {name: app-stable, port: {number: 80}}}}]}}]
`

// A directory of YAML is one set; what is not a manifest is skipped and
// counted by reason on the summary line.
func TestValidateDirectoryScope(t *testing.T) {
	dir := t.TempDir()
	writeTree(t, dir, map[string]string{
		"app/rollout.yaml":                  scopeRollout,
		"app/services.yaml":                 scopeServices,
		"chart/Chart.yaml":                  "apiVersion: v2\nname: x\nversion: 0.1.0\n",
		"chart/values.yaml":                 "replicas: 3\n",
		"chart/templates/deployment.yaml":   "apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: {{ .Release.Name }}}\n",
		"kind.yaml":                         "apiVersion: kind.x-k8s.io/v1alpha4\nkind: Cluster\nnodes: [{role: control-plane}]\n",
		"kuttl-test.yaml":                   "apiVersion: kuttl.dev/v1beta1\nkind: TestSuite\n",
		"fn.yaml":                           "apiVersion: example.com/v1\nkind: SetLabels\nmetadata:\n  name: fn\n  annotations:\n    config.kubernetes.io/function: |\n      container: {image: fn:v1}\n",
		".golangci.yml":                     "run: {timeout: 5m}\n",
		".github/workflows/ci.yaml":         "on: push\njobs: {}\n",
		"mkdocs.yml":                        "site_name: docs\n",
		"components/tls/kustomization.yaml": "apiVersion: kustomize.config.k8s.io/v1alpha1\nkind: Component\npatches: [{path: tls.yaml}]\n",
		"components/tls/tls.yaml":           "- op: add\n  path: /spec/tls\n  value: []\n",
		"overlay/kustomization.yaml":        "resources: [rollout.yaml, services.yaml]\n",
		"overlay/rollout.yaml":              scopeRollout,
		"overlay/services.yaml":             scopeServices,
	})
	code, out, stderr := run(t, dir, "validate", ".")
	want := "gen validate: 1 overlays, 2 files: 0 errors, 0 warnings; 11 files skipped (3 Helm chart, 2 dotfile, 2 kind/kuttl/k3d config, 2 kustomize Component (built by the kustomizations that use it), 1 KRM function config, 1 not a Kubernetes manifest (no apiVersion and kind))\n"
	if code != 0 || out != "" || stderr != want {
		t.Fatalf("exit %d\n%s%s\nwant summary %q", code, out, stderr, want)
	}
	// -o json carries the same counts (issue 12.3), and the files skipped.
	code, out, _ = run(t, dir, "validate", ".", "-o", "json")
	var got struct {
		SchemaVersion int              `json:"schemaVersion"`
		Summary       validate.Summary `json:"summary"`
		Findings      []validate.Finding
	}
	if err := json.Unmarshal([]byte(out), &got); err != nil || code != 0 {
		t.Fatalf("-o json: exit %d, %v\n%s", code, err, out)
	}
	wantSum := validate.Summary{Overlays: 1, Files: 2, Skipped: validate.Skipped{Total: 11,
		ByReason: map[string]int{"Helm chart": 3, "dotfile": 2, "kind/kuttl/k3d config": 2, "kustomize Component (built by the kustomizations that use it)": 2, "KRM function config": 1, "not a Kubernetes manifest (no apiVersion and kind)": 1},
		Files: []validate.Skip{
			{File: ".github/workflows/ci.yaml", Reason: "dotfile"}, {File: ".golangci.yml", Reason: "dotfile"},
			{File: "chart/Chart.yaml", Reason: "Helm chart"}, {File: "chart/templates/deployment.yaml", Reason: "Helm chart"}, {File: "chart/values.yaml", Reason: "Helm chart"},
			{File: "components/tls/kustomization.yaml", Reason: "kustomize Component (built by the kustomizations that use it)"}, {File: "components/tls/tls.yaml", Reason: "kustomize Component (built by the kustomizations that use it)"},
			{File: "fn.yaml", Reason: "KRM function config"}, {File: "kind.yaml", Reason: "kind/kuttl/k3d config"}, {File: "kuttl-test.yaml", Reason: "kind/kuttl/k3d config"},
			{File: "mkdocs.yml", Reason: "not a Kubernetes manifest (no apiVersion and kind)"},
		}}}
	if got.SchemaVersion != 1 || !reflect.DeepEqual(got.Summary, wantSum) || len(got.Findings) != 0 {
		t.Errorf("-o json: schemaVersion %d, findings %v, summary\n%#v\nwant\n%#v", got.SchemaVersion, got.Findings, got.Summary, wantSum)
	}
	// The app directory alone: its two files are one set, so the Rollout
	// finds its Services and Ingress.
	if code, out, stderr := run(t, dir, "validate", "app"); code != 0 || out != "" || stderr != "gen validate: 0 overlays, 2 files: 0 errors, 0 warnings\n" {
		t.Errorf("app/: exit %d\n%s%s", code, out, stderr)
	}
	// One file: its siblings are context, not checked themselves.
	if code, out, stderr := run(t, dir, "validate", "app/rollout.yaml"); code != 0 || out != "" || stderr != "gen validate: 0 overlays, 1 files: 0 errors, 0 warnings\n" {
		t.Errorf("app/rollout.yaml: exit %d\n%s%s", code, out, stderr)
	}
}

// A symlink out of the repository is never followed: neither as a PATH
// nor inside a directory, and the target's content is never printed.
func TestValidateSymlinkOutside(t *testing.T) {
	dir := t.TempDir()
	secret := filepath.Join(t.TempDir(), "token")
	if err := os.WriteFile(secret, []byte("kind: hunter2\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	writeTree(t, dir, map[string]string{"app/rollout.yaml": scopeRollout, "app/services.yaml": scopeServices})
	if err := os.Symlink(secret, filepath.Join(dir, "app", "leak.yaml")); err != nil {
		t.Fatal(err)
	}
	code, out, stderr := run(t, dir, "validate", "app")
	if code != 0 || strings.Contains(out+stderr, "hunter2") || !strings.Contains(stderr, "1 symlink resolving outside the repository") {
		t.Errorf("directory with a link out: exit %d\n%s%s", code, out, stderr)
	}
	code, out, stderr = run(t, dir, "validate", "app/leak.yaml")
	if code != ExitUsage || strings.Contains(out+stderr, "hunter2") || !strings.Contains(stderr, "symlink resolves outside the repository") {
		t.Errorf("a link out as PATH: exit %d\n%s%s", code, out, stderr)
	}
}

// git rm -r of the base: --since marks every overlay that named it, and
// fails as the full run does.
func TestValidateSinceDeletedBase(t *testing.T) {
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
	sh("rm", "-rq", "base/rollouts-demo")
	fullCode, _, fullErr := run(t, dir, "validate")
	code, out, stderr := run(t, dir, "validate", "--since", "HEAD")
	if fullCode != ExitFailed || code != ExitFailed || !strings.HasPrefix(stderr, "gen validate: 3 overlays") || !strings.Contains(out, "overlays/prod/rollouts-demo: kustomize build failed") {
		t.Errorf("deleted base: full run %d %q; --since %d %q\n%s", fullCode, fullErr, code, stderr, out)
	}
}

func TestValidateKubeVersion(t *testing.T) {
	dir := t.TempDir()
	writeTree(t, dir, map[string]string{"pdb.yaml": "apiVersion: policy/v1beta1\nkind: PodDisruptionBudget\nmetadata: {name: a}\nspec: {minAvailable: 1, selector: {matchLabels: {app: a}}}\n"})
	if code, out, _ := run(t, dir, "validate", "pdb.yaml"); code != ExitFailed || !strings.Contains(out, "policy/v1beta1 PodDisruptionBudget is not served since Kubernetes 1.25 (target 1.36)") {
		t.Errorf("default target: %d %s", code, out)
	}
	if code, out, _ := run(t, dir, "validate", "--kube-version", "v1.24.3", "pdb.yaml"); code != 0 {
		t.Errorf("--kube-version 1.24: %d %s", code, out)
	}
	if code, _, stderr := run(t, dir, "validate", "--kube-version", "2.0", "pdb.yaml"); code != ExitUsage || !strings.Contains(stderr, `--kube-version "2.0"`) {
		t.Errorf("--kube-version 2.0: %d %s", code, stderr)
	}
}
