package synth

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// TestOverlayBuilds checks with kubectl kustomize that a generated overlay
// is a real kustomization: the render and validate benchmarks build them.
func TestOverlayBuilds(t *testing.T) {
	for _, tool := range []string{"git", "kubectl"} {
		if _, err := exec.LookPath(tool); err != nil {
			if os.Getenv("CI") != "" {
				t.Fatalf("%s not found and CI is set: %v", tool, err)
			}
			t.Skipf("SKIP: %s not found: %v", tool, err)
		}
	}
	dir := filepath.Join(t.TempDir(), "repo")
	if err := Generate(context.Background(), dir, Options{Apps: 2, Commits: 0, Seed: 1}); err != nil {
		t.Fatal(err)
	}
	out, err := exec.Command("kubectl", "kustomize", filepath.Join(dir, "overlays", "staging", AppName(1))).CombinedOutput()
	if err != nil {
		t.Fatalf("kubectl kustomize: %v\n%s", err, out)
	}
	for _, want := range []string{"kind: Rollout", "image: " + Image(AppName(1)) + ":v1", "namespace: rollouts-demo-staging", "kind: Ingress"} {
		if !strings.Contains(string(out), want) {
			t.Errorf("build lacks %q:\n%s", want, out)
		}
	}
}
