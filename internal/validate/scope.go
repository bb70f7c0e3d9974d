package validate

import (
	"bytes"
	"fmt"
	"path"
	"sort"
	"strings"

	"sigs.k8s.io/kustomize/api/types"
	"sigs.k8s.io/kustomize/kyaml/filesys"
	"sigs.k8s.io/kustomize/kyaml/kio"
)

// Reasons a file of a directory given to gen validate is not checked.
const (
	SkipDotfile      = "dotfile"
	SkipHelm         = "Helm chart"
	SkipComponent    = "kustomize Component (built by the kustomizations that use it)"
	SkipInput        = "input of a kustomization checked"
	SkipToolConfig   = "kind/kuttl/k3d config"
	SkipKRMFunction  = "KRM function config"
	SkipNotManifest  = "not a Kubernetes manifest (no apiVersion and kind)"
	SkipOutsideRoot  = "symlink resolving outside the repository"
	skipUnreadable   = "unreadable"
	helmChartFile    = "Chart.yaml"
	componentKind    = "Component"
	functionAnnotKey = "config.kubernetes.io/function"
)

// IsComponent tells a kustomization directory of kind Component: kustomize
// builds it only as part of a kustomization that lists it.
func IsComponent(fsys filesys.FileSystem, dir string) bool {
	kf := KustomizationFile(fsys, dir)
	if kf == "" {
		return false
	}
	b, err := fsys.ReadFile(kf)
	if err != nil {
		return false
	}
	var k types.Kustomization
	return k.Unmarshal(b) == nil && k.Kind == componentKind
}

// IsHelmChart tells a Helm chart directory (it has a Chart.yaml): its
// templates are not YAML until Helm renders them.
func IsHelmChart(fsys filesys.FileSystem, dir string) bool {
	p := path.Join(dir, helmChartFile)
	return fsys.Exists(p) && !fsys.IsDir(p)
}

// ClassifyFile says why a YAML file is not a manifest to check, or "" when
// it is one (or cannot be parsed: that is a finding, not a skip). A file is
// skipped when none of its documents is a Kubernetes object: tools'
// configs (kind, kuttl, k3d), KRM function configs, YAML without
// apiVersion and kind (Helm values, CI workflows).
func ClassifyFile(b []byte) string {
	nodes, err := (&kio.ByteReader{Reader: bytes.NewReader(b), OmitReaderAnnotations: true}).Read()
	if err != nil || len(nodes) == 0 {
		return ""
	}
	reasons := map[string]bool{}
	for _, n := range nodes {
		meta, _ := n.GetMeta()
		group, _, _ := strings.Cut(meta.APIVersion, "/")
		if !strings.Contains(meta.APIVersion, "/") {
			group = ""
		}
		switch {
		case meta.APIVersion == "" && meta.Kind == "":
			reasons[SkipNotManifest] = true
		case group == "kind.x-k8s.io" || group == "kuttl.dev" || group == "k3d.io" || strings.HasSuffix(group, ".k3d.io"):
			reasons[SkipToolConfig] = true
		case meta.Annotations[functionAnnotKey] != "" || meta.Annotations["config.kubernetes.io/local-config"] == "true" ||
			group == "fn.kpt.dev" || group == "kpt.dev" || meta.APIVersion == "builtin" || group == "kustomize.config.k8s.io" || group == "config.kubernetes.io":
			reasons[SkipKRMFunction] = true
		default:
			return "" // a Kubernetes object: the file is checked
		}
	}
	out := make([]string, 0, len(reasons))
	for r := range reasons {
		out = append(out, r)
	}
	sort.Strings(out)
	return out[0]
}

// skipCounts counts skipped files by reason.
func skipCounts(skips []Skip) map[string]int {
	by := map[string]int{}
	for _, s := range skips {
		by[s.Reason]++
	}
	return by
}

// SkipSummary counts skipped files by reason: "12 files skipped (5 Helm
// chart, 7 dotfile)"; "" when none were.
func SkipSummary(skips []Skip) string {
	if len(skips) == 0 {
		return ""
	}
	by := skipCounts(skips)
	reasons := make([]string, 0, len(by))
	for r := range by {
		reasons = append(reasons, r)
	}
	sort.Slice(reasons, func(i, j int) bool {
		if by[reasons[i]] != by[reasons[j]] {
			return by[reasons[i]] > by[reasons[j]]
		}
		return reasons[i] < reasons[j]
	})
	parts := make([]string, len(reasons))
	for i, r := range reasons {
		parts[i] = fmt.Sprintf("%d %s", by[r], r)
	}
	return fmt.Sprintf("%d files skipped (%s)", len(skips), strings.Join(parts, ", "))
}
