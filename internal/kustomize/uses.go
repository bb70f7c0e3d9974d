package kustomize

import (
	"strings"

	"sigs.k8s.io/kustomize/api/resmap"
)

// UsesImage reports whether a container of the built resources runs the
// image the entry img produces: its repository is the entry's newName, or
// its name when it has none. Containers are found as kustomize's images
// transformer finds them (its legacy filter, api/filters/imagetag): every
// containers, initContainers and ephemeralContainers list at any depth,
// which covers Rollouts and CRDs kustomize has no schema for.
func UsesImage(m resmap.ResMap, img Image) bool {
	want := img.NewName
	if want == "" {
		want = img.Name
	}
	for _, r := range m.Resources() {
		obj, err := r.Map()
		if err == nil && containsImage(obj, want) {
			return true
		}
	}
	return false
}

func containsImage(v any, repo string) bool {
	switch x := v.(type) {
	case map[string]any:
		for k, c := range x {
			if k == "containers" || k == "initContainers" || k == "ephemeralContainers" {
				list, _ := c.([]any)
				for _, item := range list {
					if m, ok := item.(map[string]any); ok {
						if s, ok := m["image"].(string); ok && imageRepo(s) == repo {
							return true
						}
					}
				}
			}
			if containsImage(c, repo) {
				return true
			}
		}
	case []any:
		for _, c := range x {
			if containsImage(c, repo) {
				return true
			}
		}
	}
	return false
}

// imageRepo is an image reference without its tag and digest.
func imageRepo(ref string) string {
	if i := strings.IndexByte(ref, '@'); i >= 0 {
		ref = ref[:i]
	}
	if i := strings.LastIndexByte(ref, ':'); i > strings.LastIndexByte(ref, '/') {
		ref = ref[:i]
	}
	return ref
}
