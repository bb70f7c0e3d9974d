package render_test

import (
	"bytes"
	"os/exec"
	"path/filepath"
	"testing"

	"sigs.k8s.io/kustomize/kyaml/filesys"
	"sigs.k8s.io/kustomize/kyaml/yaml"

	"github.com/rolloutgen/rolloutgen/internal/config"
	"github.com/rolloutgen/rolloutgen/internal/kustomize"
	"github.com/rolloutgen/rolloutgen/internal/testtool"
)

// Every rendered overlay builds with kubectl kustomize, byte-identical to
// the in-process build.
func TestOverlaysBuildWithKubectl(t *testing.T) {
	kubectl := testtool.Require(t, "kubectl")
	for _, name := range []string{"demo", "overrides"} {
		cfg := loadCase(t, name)
		root := t.TempDir()
		writeRender(t, root, cfg)
		for _, e := range cfg.Environments {
			for _, a := range cfg.Apps {
				dir := filepath.Join(root, config.OverlayDir(e.Name, a.Name))
				want, err := exec.Command(kubectl, "kustomize", dir).Output()
				if err != nil {
					t.Fatalf("kubectl kustomize %s: %v", dir, err)
				}
				got, err := kustomize.Build(filesys.MakeFsOnDisk(), dir)
				if err != nil {
					t.Fatal(err)
				}
				if !bytes.Equal(got, want) {
					t.Errorf("%s/%s: in-process build differs from kubectl kustomize", name, config.OverlayDir(e.Name, a.Name))
				}
			}
		}
	}
}

// The demo's built Rollout and its neighbours carry every field of the
// seed's chart (SEED.md).
func TestDemoMatchesSeed(t *testing.T) {
	cfg := loadCase(t, "demo")
	root := t.TempDir()
	writeRender(t, root, cfg)
	for _, e := range cfg.Environments {
		out, err := kustomize.BuildResMap(filesys.MakeFsOnDisk(), filepath.Join(root, config.OverlayDir(e.Name, "rollouts-demo")))
		if err != nil {
			t.Fatal(err)
		}
		objs := map[string]*yaml.RNode{}
		for _, r := range out.Resources() {
			b, err := r.AsYAML()
			if err != nil {
				t.Fatal(err)
			}
			n, err := yaml.Parse(string(b))
			if err != nil {
				t.Fatal(err)
			}
			objs[r.GetKind()+"/"+r.GetName()] = n
		}
		want := map[string]map[string]string{
			"Rollout/rollouts-demo": {
				"metadata.namespace":                                       "rollouts-demo-" + e.Name,
				"spec.replicas":                                            "5",
				"spec.selector.matchLabels.app":                            "argocd-demo",
				"spec.template.metadata.labels.app":                        "argocd-demo",
				"spec.template.spec.containers.[name=rollouts-demo].image": "registry.example.com/demo/rollouts-demo:v2",
				"spec.template.spec.containers.[name=rollouts-demo].ports.[name=http].containerPort":            "8080",
				"spec.strategy.canary.canaryService":                                                            "rollouts-demo-canary",
				"spec.strategy.canary.stableService":                                                            "rollouts-demo-stable",
				"spec.strategy.canary.trafficRouting.nginx.stableIngress":                                       "rollouts-demo-stable",
				"spec.strategy.canary.trafficRouting.nginx.additionalIngressAnnotations.canary-by-header":       "X-Canary",
				"spec.strategy.canary.trafficRouting.nginx.additionalIngressAnnotations.canary-by-header-value": "iwantsit",
				"spec.template.spec.securityContext.runAsNonRoot":                                               "true",
				"spec.template.spec.containers.[name=rollouts-demo].securityContext.readOnlyRootFilesystem":     "true",
				"spec.template.spec.containers.[name=rollouts-demo].securityContext.capabilities.drop.[=ALL]":   "ALL",
				"spec.template.spec.containers.[name=rollouts-demo].readinessProbe.httpGet.path":                "/healthz",
				"spec.template.spec.containers.[name=rollouts-demo].resources.limits.memory":                    "128Mi",
			},
			"Service/rollouts-demo-stable": {"spec.type": "ClusterIP", "spec.ports.[name=http].port": "9999", "spec.ports.[name=http].targetPort": "8080", "spec.selector.app": "argocd-demo"},
			"Service/rollouts-demo-canary": {"spec.type": "ClusterIP", "spec.ports.[name=http].port": "9999", "spec.ports.[name=http].targetPort": "8080", "spec.selector.app": "argocd-demo"},
			"Ingress/rollouts-demo-stable": {
				"spec.ingressClassName": "ack-nginx",
				"spec.rules.[host=rollouts-demo." + map[string]string{"dev": "dev.", "staging": "staging.", "prod": ""}[e.Name] + "example.com].http.paths.[path=/].backend.service.name": "rollouts-demo-stable",
				"spec.rules.0.http.paths.0.backend.service.port.number": "9999",
			},
		}
		for obj, fields := range want {
			n, ok := objs[obj]
			if !ok {
				t.Fatalf("%s: build has no %s", e.Name, obj)
			}
			for path, v := range fields {
				got, err := n.Pipe(yaml.Lookup(splitPath(path)...))
				if err != nil || got == nil {
					t.Errorf("%s: %s: %s missing (%v)", e.Name, obj, path, err)
					continue
				}
				if s := yaml.GetValue(got); s != v {
					t.Errorf("%s: %s: %s = %q, want %q", e.Name, obj, path, s, v)
				}
			}
		}
		steps, _ := objs["Rollout/rollouts-demo"].Pipe(yaml.Lookup("spec", "strategy", "canary", "steps"))
		s, _ := steps.String()
		wantSteps := "- setCanaryScale:\n    replicas: 1\n- pause: {}\n- setWeight: 20\n- pause: {}\n- setWeight: 40\n- pause: {}\n- setWeight: 60\n- pause: {}\n"
		if s != wantSteps {
			t.Errorf("%s: steps:\n%s\nwant:\n%s", e.Name, s, wantSteps)
		}
	}
}

// splitPath splits a.b.[k=v].c at dots outside brackets.
func splitPath(p string) []string {
	var out []string
	depth, start := 0, 0
	for i, r := range p {
		switch r {
		case '[':
			depth++
		case ']':
			depth--
		case '.':
			if depth == 0 {
				out = append(out, p[start:i])
				start = i + 1
			}
		}
	}
	return append(out, p[start:])
}
