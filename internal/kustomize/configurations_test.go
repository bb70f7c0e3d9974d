package kustomize

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"sigs.k8s.io/kustomize/kyaml/filesys"
)

// transformConfig is Argo Rollouts' kustomize transform configuration as
// render vendors it.
func transformConfig(t *testing.T) string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("..", "..", "templates", "rollout-transform.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

const baseRollout = `apiVersion: argoproj.io/v1alpha1
kind: Rollout
metadata:
  name: demo
spec:
  replicas: 5
  selector:
    matchLabels:
      app: demo
  template:
    metadata:
      labels:
        app: demo
    spec:
      containers:
      - name: app
        image: registry.example.com/demo:v1
        ports:
        - containerPort: 8080
        resources:
          limits:
            memory: 128Mi
      - name: sidecar
        image: registry.example.com/sidecar:v1
  strategy:
    canary:
      canaryService: demo-canary
      stableService: demo-stable
      trafficRouting:
        nginx:
          stableIngress: demo-stable
      steps:
      - setWeight: 20
`

const baseServices = `apiVersion: v1
kind: Service
metadata:
  name: demo-stable
spec:
  selector:
    app: demo
  ports:
  - port: 9999
    targetPort: 8080
---
apiVersion: v1
kind: Service
metadata:
  name: demo-canary
spec:
  selector:
    app: demo
  ports:
  - port: 9999
    targetPort: 8080
---
apiVersion: networking.k8s.io/v1
kind: Ingress
metadata:
  name: demo-stable
spec:
  ingressClassName: nginx
  rules:
  - http:
      paths:
      - path: /
        pathType: Prefix
        backend:
          service:
            name: demo-stable
            port:
              number: 9999
`

// layout writes files (path → content) under /repo.
func layout(t *testing.T, files map[string]string) filesys.FileSystem {
	t.Helper()
	fs := filesys.MakeFsInMemory()
	for p, c := range files {
		if err := fs.WriteFile(filepath.Join("/repo", p), []byte(c)); err != nil {
			t.Fatal(err)
		}
	}
	return fs
}

// renamed reports whether the build of dir renamed the Rollout's references
// along with the objects.
func renamed(t *testing.T, fs filesys.FileSystem, dir string) (string, bool) {
	t.Helper()
	out, err := Build(fs, filepath.Join("/repo", dir))
	if err != nil {
		return err.Error(), false
	}
	s := string(out)
	ok := strings.Contains(s, "canaryService: p-demo-canary") &&
		strings.Contains(s, "stableService: p-demo-stable") &&
		strings.Contains(s, "stableIngress: p-demo-stable")
	return s, ok
}

// The answer to "where does kustomize v0.21.2 honour configurations:"
// (written down in doc.go): see each case.
func TestWhereConfigurationsAreHonoured(t *testing.T) {
	tc := transformConfig(t)
	cases := []struct {
		name    string
		files   map[string]string
		dir     string
		renamed bool
		errText string
	}{{
		name: "without it, the Rollout's references keep the old names",
		files: map[string]string{
			"base/kustomization.yaml":    "resources: [rollout.yaml, services.yaml]\n",
			"base/rollout.yaml":          baseRollout,
			"base/services.yaml":         baseServices,
			"overlay/kustomization.yaml": "resources: [../base]\nnamePrefix: p-\n",
		},
		dir: "overlay", renamed: false,
	}, {
		name: "in the overlay that sets namePrefix",
		files: map[string]string{
			"base/kustomization.yaml":        "resources: [rollout.yaml, services.yaml]\n",
			"base/rollout.yaml":              baseRollout,
			"base/services.yaml":             baseServices,
			"overlay/kustomization.yaml":     "resources: [../base]\nnamePrefix: p-\nconfigurations: [rollout-transform.yaml]\n",
			"overlay/rollout-transform.yaml": tc,
		},
		dir: "overlay", renamed: true,
	}, {
		// Contrary to older reports: a base's configurations are merged
		// into every kustomization that includes it (ResAccumulator.MergeConfig).
		name: "only in the base: merged into the overlay that includes it",
		files: map[string]string{
			"base/kustomization.yaml":     "resources: [rollout.yaml, services.yaml]\nconfigurations: [rollout-transform.yaml]\n",
			"base/rollout-transform.yaml": tc,
			"base/rollout.yaml":           baseRollout,
			"base/services.yaml":          baseServices,
			"overlay/kustomization.yaml":  "resources: [../base]\nnamePrefix: p-\n",
		},
		dir: "overlay", renamed: true,
	}, {
		name: "in a component the overlay includes",
		files: map[string]string{
			"base/kustomization.yaml":                    "resources: [rollout.yaml, services.yaml]\n",
			"base/rollout.yaml":                          baseRollout,
			"base/services.yaml":                         baseServices,
			"components/rollouts/kustomization.yaml":     "apiVersion: kustomize.config.k8s.io/v1alpha1\nkind: Component\nconfigurations: [rollout-transform.yaml]\n",
			"components/rollouts/rollout-transform.yaml": tc,
			"overlay/kustomization.yaml":                 "resources: [../base]\ncomponents: [../components/rollouts]\nnamePrefix: p-\n",
		},
		dir: "overlay", renamed: true,
	}, {
		name: "a file outside the kustomization root is refused",
		files: map[string]string{
			"base/kustomization.yaml":    "resources: [rollout.yaml, services.yaml]\n",
			"base/rollout.yaml":          baseRollout,
			"base/services.yaml":         baseServices,
			"rollout-transform.yaml":     tc,
			"overlay/kustomization.yaml": "resources: [../base]\nnamePrefix: p-\nconfigurations: [../rollout-transform.yaml]\n",
		},
		dir: "overlay", errText: "is not in or below",
	}}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			out, ok := renamed(t, layout(t, c.files), c.dir)
			if c.errText != "" {
				if !strings.Contains(out, c.errText) {
					t.Fatalf("want an error containing %q, got:\n%s", c.errText, out)
				}
				return
			}
			if ok != c.renamed {
				t.Fatalf("renamed = %v, want %v:\n%s", ok, c.renamed, out)
			}
		})
	}
}

// An overlay of the rendered shape: the base carries the transform
// configuration; the overlay sets a prefix and labels and patches one
// field of one container with JSON 6902. Everything is renamed and
// relabelled consistently and the other container survives.
func TestOverlayPrefixLabelsAndContainerPatch(t *testing.T) {
	fs := layout(t, map[string]string{
		"base/kustomization.yaml":     "resources: [rollout.yaml, services.yaml]\nconfigurations: [rollout-transform.yaml]\n",
		"base/rollout-transform.yaml": transformConfig(t),
		"base/rollout.yaml":           baseRollout,
		"base/services.yaml":          baseServices,
		"overlay/kustomization.yaml": `resources: [../base]
namePrefix: p-
commonLabels:
  team: web
patches:
- target: {group: argoproj.io, version: v1alpha1, kind: Rollout, name: demo}
  patch: |-
    - op: replace
      path: /spec/template/spec/containers/0/resources/limits/memory
      value: 256Mi
`,
	})
	s, ok := renamed(t, fs, "overlay")
	if !ok {
		t.Fatalf("references not renamed:\n%s", s)
	}
	for _, want := range []string{
		"memory: 256Mi",                                  // the patch applied
		"name: sidecar",                                  // and kept the other container
		"image: registry.example.com/demo:v1",            // and the patched one's other fields
		"matchLabels:\n      app: demo\n      team: web", // selector relabelled with the pods
	} {
		if !strings.Contains(s, want) {
			t.Errorf("build lacks %q:\n%s", want, s)
		}
	}
	if strings.Count(s, "team: web") < 6 { // 3 objects' labels, 2 Service selectors, Rollout selector + template
		t.Errorf("commonLabels missed a selector or template:\n%s", s)
	}
}

// The pitfall the JSON 6902 patches avoid: kustomize has no schema for the
// Rollout, so a strategic merge patch naming one container replaces the
// whole containers list.
func TestStrategicMergePatchOnRolloutReplacesContainers(t *testing.T) {
	fs := layout(t, map[string]string{
		"base/kustomization.yaml": "resources: [rollout.yaml, services.yaml]\n",
		"base/rollout.yaml":       baseRollout,
		"base/services.yaml":      baseServices,
		"overlay/kustomization.yaml": `resources: [../base]
patches:
- patch: |-
    apiVersion: argoproj.io/v1alpha1
    kind: Rollout
    metadata:
      name: demo
    spec:
      template:
        spec:
          containers:
          - name: app
            resources:
              limits:
                memory: 256Mi
`,
	})
	out, err := Build(fs, "/repo/overlay")
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(string(out), "name: sidecar") || strings.Contains(string(out), "image: registry.example.com/demo:v1") {
		t.Fatalf("kustomize now merges Rollout containers; the JSON 6902 rule may be relaxed:\n%s", out)
	}
}
