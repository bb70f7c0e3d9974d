package kustomize

import (
	"fmt"

	"sigs.k8s.io/kustomize/api/krusty"
	"sigs.k8s.io/kustomize/api/resmap"
	"sigs.k8s.io/kustomize/kyaml/filesys"
)

// options are those of `kubectl kustomize`: the legacy reorder makes the
// output byte-identical to it (Namespaces first, Services before workloads).
func options() *krusty.Options {
	o := krusty.MakeDefaultOptions()
	o.Reorder = krusty.ReorderOptionLegacy
	return o
}

// BuildResMap builds the kustomization in dir on fsys.
func BuildResMap(fsys filesys.FileSystem, dir string) (resmap.ResMap, error) {
	m, err := krusty.MakeKustomizer(options()).Run(fsys, dir)
	if err != nil {
		return nil, fmt.Errorf("kustomize build %s: %w", dir, err)
	}
	return m, nil
}

// Build builds the kustomization in dir on fsys and returns the YAML
// stream `kubectl kustomize dir` would print.
func Build(fsys filesys.FileSystem, dir string) ([]byte, error) {
	m, err := BuildResMap(fsys, dir)
	if err != nil {
		return nil, err
	}
	out, err := m.AsYaml()
	if err != nil {
		return nil, fmt.Errorf("kustomize build %s: %w", dir, err)
	}
	return out, nil
}
