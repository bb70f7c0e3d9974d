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

// All decodes every embedded schema. Callers keep the result: nothing here
// caches.
func All() ([]CRD, error) {
	names := []string{"rollout.json", "application.json", "appproject.json"}
	out := make([]CRD, 0, len(names))
	for _, n := range names {
		b, err := files.ReadFile(n)
		if err != nil {
			return nil, err
		}
		var c CRD
		if err := json.Unmarshal(b, &c); err != nil {
			return nil, fmt.Errorf("schema %s: %w", n, err)
		}
		out = append(out, c)
	}
	return out, nil
}
