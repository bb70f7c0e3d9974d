package schemas

import (
	"embed"
	"encoding/json"
	"fmt"
)

//go:embed *.json
var files embed.FS

// CRD is one generated schema file.
type CRD struct {
	Module          string          `json:"module"`
	ModuleVersion   string          `json:"moduleVersion"`
	File            string          `json:"file"`
	Group           string          `json:"group"`
	Kind            string          `json:"kind"`
	Version         string          `json:"version"`
	OpenAPIV3Schema json.RawMessage `json:"openAPIV3Schema"`
}

// Entry names one embedded schema without decoding it, so callers can
// load only the kinds they meet (the Application schema alone is 160 KB).
type Entry struct {
	Group, Version, Kind string
	name                 string
}

// Index lists the embedded schemas.
func Index() []Entry {
	return []Entry{
		{"argoproj.io", "v1alpha1", "Rollout", "rollout.json"},
		{"argoproj.io", "v1alpha1", "AnalysisTemplate", "analysistemplate.json"},
		{"argoproj.io", "v1alpha1", "ClusterAnalysisTemplate", "clusteranalysistemplate.json"},
		{"argoproj.io", "v1alpha1", "AnalysisRun", "analysisrun.json"},
		{"argoproj.io", "v1alpha1", "Experiment", "experiment.json"},
		{"argoproj.io", "v1alpha1", "Application", "application.json"},
		{"argoproj.io", "v1alpha1", "AppProject", "appproject.json"},
	}
}

// Load decodes one embedded schema. Callers keep the result: nothing here
// caches.
func (e Entry) Load() (CRD, error) {
	var c CRD
	b, err := files.ReadFile(e.name)
	if err != nil {
		return c, err
	}
	if err := json.Unmarshal(b, &c); err != nil {
		return c, fmt.Errorf("schema %s: %w", e.name, err)
	}
	if c.Group != e.Group || c.Version != e.Version || c.Kind != e.Kind {
		return c, fmt.Errorf("schema %s holds %s/%s %s, not %s/%s %s", e.name, c.Group, c.Version, c.Kind, e.Group, e.Version, e.Kind)
	}
	return c, nil
}

// All decodes every embedded schema.
func All() ([]CRD, error) {
	var out []CRD
	for _, e := range Index() {
		c, err := e.Load()
		if err != nil {
			return nil, err
		}
		out = append(out, c)
	}
	return out, nil
}
