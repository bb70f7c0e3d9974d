package synth

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"sigs.k8s.io/kustomize/kyaml/filesys"

	"github.com/rolloutgen/rolloutgen/internal/kustomize"

	"github.com/rolloutgen/rolloutgen/internal/testtool"
)

// TestOverlayBuilds checks that a bumped overlay of a generated repository
// builds, in process as gen build does and with kubectl kustomize, to the
// same bytes with the bumped image in the Rollout.
func TestOverlayBuilds(t *testing.T) {
	requireGit(t)
	dir := filepath.Join(t.TempDir(), "repo")
	if err := Generate(context.Background(), dir, Options{Apps: 2, Commits: 0, Seed: 1}); err != nil {
		t.Fatal(err)
	}
	p := filepath.Join(dir, OverlayPath("staging", AppName(1)))
	old, err := os.ReadFile(p)
	if err != nil {
		t.Fatal(err)
	}
	bumped, err := SetTag(old, "v7")
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(p, bumped, 0o644); err != nil {
		t.Fatal(err)
	}
	ours, err := kustomize.Build(filesys.MakeFsOnDisk(), filepath.Dir(p))
	if err != nil {
		t.Fatalf("gen build: %v", err)
	}
	for _, want := range []string{"kind: Rollout", "image: " + Image(AppName(1)) + ":v7", "namespace: staging", "kind: Ingress", "host: app-0001.staging.example.com"} {
		if !strings.Contains(string(ours), want) {
			t.Errorf("build lacks %q:\n%s", want, ours)
		}
	}
	testtool.Require(t, "kubectl")
	out, err := exec.Command("kubectl", "kustomize", filepath.Dir(p)).CombinedOutput()
	if err != nil {
		t.Fatalf("kubectl kustomize: %v\n%s", err, out)
	}
	if string(out) != string(ours) {
		t.Errorf("kubectl kustomize differs from gen build:\n%s", out)
	}
}
