package schemas

import (
	"strings"
	"testing"
)

// The embedded files are what crdgen wrote for the pinned versions.
func TestEmbeddedSchemasRecordTheirSource(t *testing.T) {
	want := map[string]string{
		"Rollout":                 "github.com/argoproj/argo-rollouts@v1.10.1",
		"AnalysisTemplate":        "github.com/argoproj/argo-rollouts@v1.10.1",
		"ClusterAnalysisTemplate": "github.com/argoproj/argo-rollouts@v1.10.1",
		"AnalysisRun":             "github.com/argoproj/argo-rollouts@v1.10.1",
		"Experiment":              "github.com/argoproj/argo-rollouts@v1.10.1",
		"Application":             "github.com/argoproj/argo-cd/v3@v3.5.7",
		"AppProject":              "github.com/argoproj/argo-cd/v3@v3.5.7",
	}
	all, err := All()
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range all {
		if got := c.Module + "@" + c.ModuleVersion; got != want[c.Kind] || !strings.HasPrefix(c.File, "manifests/crds/") {
			t.Errorf("%s: from %s %s, want %s manifests/crds/", c.Kind, got, c.File, want[c.Kind])
		}
		if len(c.OpenAPIV3Schema) < 1000 || strings.Contains(string(c.OpenAPIV3Schema), `"description": "`) {
			t.Errorf("%s: schema missing or not trimmed", c.Kind)
		}
	}
	if len(all) != len(want) {
		t.Errorf("%d schemas, want %d", len(all), len(want))
	}
}
