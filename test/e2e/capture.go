//go:build e2e

package e2e

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"sigs.k8s.io/yaml"
)

// captureDir is where capture mode writes fixtures (ROLLOUTGEN_E2E_CAPTURE,
// set by make e2e-capture to internal/release/testdata/e2e): the real
// Application, Rollout, ReplicaSets and Rollout Events of an environment
// at a named point of the walk, which internal/release's gate and status
// tests read back through client-go's fake dynamic client.
func captureDir() string { return os.Getenv("ROLLOUTGEN_E2E_CAPTURE") }

// capture writes name.yaml for env when capture mode is on.
func (s *scenario) capture(name, env, phase string) {
	s.t.Helper()
	dir := captureDir()
	if dir == "" {
		return
	}
	var docs []string
	get := func(args ...string) {
		var list struct {
			Items []map[string]any `json:"items"`
		}
		if err := s.c.getJSON(s.ctx, &list, args...); err != nil {
			s.t.Fatalf("capture %s: %v", name, err)
		}
		for _, obj := range list.Items {
			trimForFixture(obj)
			b, err := yaml.Marshal(obj)
			if err != nil {
				s.t.Fatal(err)
			}
			docs = append(docs, string(b))
		}
	}
	get("applications.argoproj.io", "-n", argocdNS, "--field-selector", "metadata.name=rollouts-demo-"+env)
	get("rollouts.argoproj.io", "-n", envNS(env))
	get("replicasets", "-n", envNS(env))
	get("events", "-n", envNS(env), "--field-selector", "involvedObject.kind=Rollout")
	header := fmt.Sprintf("# Captured by the e2e scenario (make e2e-capture), phase: %s\n# image: %s\n", phase, s.image)
	path := filepath.Join(dir, name+".yaml")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		s.t.Fatal(err)
	}
	if err := os.WriteFile(path, []byte(header+"---\n"+strings.Join(docs, "---\n")), 0o644); err != nil {
		s.t.Fatal(err)
	}
	s.t.Logf("    captured %s (%d objects)", path, len(docs))
}

// trimForFixture drops what no reader of the fixtures looks at and a
// reviewer would have to scroll past.
func trimForFixture(obj map[string]any) {
	md, _ := obj["metadata"].(map[string]any)
	delete(md, "managedFields")
	if ann, ok := md["annotations"].(map[string]any); ok {
		delete(ann, "kubectl.kubernetes.io/last-applied-configuration")
		if len(ann) == 0 {
			delete(md, "annotations")
		}
	}
	if obj["kind"] == "Application" {
		if st, ok := obj["status"].(map[string]any); ok {
			delete(st, "resources") // every managed object, per sync
			delete(st, "history")
		}
	}
}
