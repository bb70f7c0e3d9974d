// Command crdgen regenerates the CRD schemas gen validate checks against.
// It reads manifests/crds/ from the pinned Argo Rollouts and Argo CD Go
// modules in the module cache (downloading them with `go mod download` when
// missing), keeps only each CRD's storage-version openAPIV3Schema without
// descriptions, and writes one JSON file per kind that records the module,
// version and file it came from. It also copies Argo Rollouts' kustomize
// transform configuration (the kustomize v5 variant) so render can vendor
// it into generated repositories.
//
// Run it through go generate in internal/validate/schemas.
package main

import (
	"bytes"
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"

	"sigs.k8s.io/yaml"
)

// source is one CRD file in one pinned module.
type source struct {
	Module  string
	Version string
	File    string
	Out     string
}

// sources are the pinned versions the end-to-end cluster runs (see E2E.md).
func sources() []source {
	return []source{
		{"github.com/argoproj/argo-rollouts", "v1.10.1", "manifests/crds/rollout-crd.yaml", "rollout.json"},
		{"github.com/argoproj/argo-cd/v3", "v3.5.7", "manifests/crds/application-crd.yaml", "application.json"},
		{"github.com/argoproj/argo-cd/v3", "v3.5.7", "manifests/crds/appproject-crd.yaml", "appproject.json"},
	}
}

const transformFile = "docs/features/kustomize/rollout-transform-kustomize-v5.yaml"

// Schema is what a generated file holds.
type Schema struct {
	Module          string         `json:"module"`
	ModuleVersion   string         `json:"moduleVersion"`
	File            string         `json:"file"`
	Group           string         `json:"group"`
	Kind            string         `json:"kind"`
	Version         string         `json:"version"`
	OpenAPIV3Schema map[string]any `json:"openAPIV3Schema"`
}

func main() {
	out := flag.String("out", ".", "directory for the schema files")
	transformOut := flag.String("transform-out", "", "where to copy the Rollouts kustomize transform configuration (skipped when empty)")
	flag.Parse()
	if err := run(*out, *transformOut); err != nil {
		fmt.Fprintln(os.Stderr, "crdgen:", err)
		os.Exit(1)
	}
}

func run(out, transformOut string) error {
	dirs := map[string]string{}
	for _, s := range sources() {
		key := s.Module + "@" + s.Version
		dir, ok := dirs[key]
		if !ok {
			var err error
			if dir, err = moduleDir(key); err != nil {
				return err
			}
			dirs[key] = dir
		}
		sch, err := readCRD(filepath.Join(dir, s.File))
		if err != nil {
			return fmt.Errorf("%s %s: %w", key, s.File, err)
		}
		sch.Module, sch.ModuleVersion, sch.File = s.Module, s.Version, s.File
		b, err := json.MarshalIndent(sch, "", " ")
		if err != nil {
			return err
		}
		if err := os.WriteFile(filepath.Join(out, s.Out), append(b, '\n'), 0o644); err != nil {
			return err
		}
	}
	if transformOut == "" {
		return nil
	}
	ro := sources()[0]
	b, err := os.ReadFile(filepath.Join(dirs[ro.Module+"@"+ro.Version], transformFile))
	if err != nil {
		return err
	}
	head := fmt.Sprintf("# Argo Rollouts kustomize transform configuration, from %s@%s\n# %s (regenerate with go generate ./internal/validate/schemas).\n# It teaches kustomize the Rollout's name references (canaryService,\n# stableService, stableIngress, ...) and label paths, so namePrefix,\n# nameSuffix and labels rename them consistently.\n",
		ro.Module, ro.Version, transformFile)
	return os.WriteFile(transformOut, append([]byte(head), b...), 0o644)
}

// moduleDir asks the go command where module@version is unpacked.
func moduleDir(modVersion string) (string, error) {
	cmd := exec.Command("go", "mod", "download", "-json", modVersion)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	b, err := cmd.Output()
	if err != nil {
		return "", fmt.Errorf("go mod download %s: %v: %s", modVersion, err, stderr.String())
	}
	var info struct{ Dir, Error string }
	if err := json.Unmarshal(b, &info); err != nil {
		return "", err
	}
	if info.Error != "" || info.Dir == "" {
		return "", fmt.Errorf("go mod download %s: %s", modVersion, info.Error)
	}
	return info.Dir, nil
}

func readCRD(path string) (*Schema, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	var crd struct {
		Spec struct {
			Group string `json:"group"`
			Names struct {
				Kind string `json:"kind"`
			} `json:"names"`
			Versions []struct {
				Name    string `json:"name"`
				Storage bool   `json:"storage"`
				Schema  struct {
					OpenAPIV3Schema map[string]any `json:"openAPIV3Schema"`
				} `json:"schema"`
			} `json:"versions"`
		} `json:"spec"`
	}
	if err := yaml.Unmarshal(b, &crd); err != nil {
		return nil, err
	}
	for _, v := range crd.Spec.Versions {
		if v.Storage {
			stripDescriptions(v.Schema.OpenAPIV3Schema)
			return &Schema{Group: crd.Spec.Group, Kind: crd.Spec.Names.Kind, Version: v.Name, OpenAPIV3Schema: v.Schema.OpenAPIV3Schema}, nil
		}
	}
	return nil, fmt.Errorf("no storage version")
}

// stripDescriptions drops every schema's description: validation never
// reads them and they are most of the bytes. A property that happens to be
// named "description" lives under "properties" and is kept.
func stripDescriptions(s map[string]any) {
	delete(s, "description")
	for k, v := range s {
		switch k {
		case "properties", "patternProperties", "definitions":
			if m, ok := v.(map[string]any); ok {
				for _, p := range m {
					if pm, ok := p.(map[string]any); ok {
						stripDescriptions(pm)
					}
				}
			}
		case "items", "additionalProperties", "not":
			if pm, ok := v.(map[string]any); ok {
				stripDescriptions(pm)
			}
			if l, ok := v.([]any); ok {
				for _, p := range l {
					if pm, ok := p.(map[string]any); ok {
						stripDescriptions(pm)
					}
				}
			}
		case "allOf", "anyOf", "oneOf":
			if l, ok := v.([]any); ok {
				for _, p := range l {
					if pm, ok := p.(map[string]any); ok {
						stripDescriptions(pm)
					}
				}
			}
		}
	}
}
