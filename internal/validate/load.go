package validate

import (
	"bytes"
	"fmt"
	"io"
	"path"
	"path/filepath"
	"strings"

	"github.com/rolloutgen/rolloutgen/internal/kustomize"

	utiljson "k8s.io/apimachinery/pkg/util/json"
	"sigs.k8s.io/kustomize/api/konfig"
	"sigs.k8s.io/kustomize/api/types"
	"sigs.k8s.io/kustomize/kyaml/filesys"
	"sigs.k8s.io/kustomize/kyaml/kio"
	yaml3 "sigs.k8s.io/kustomize/kyaml/yaml"
	"sigs.k8s.io/yaml"
)

const originAnnotation = "config.kubernetes.io/origin"

// KustomizationFile returns the kustomization file in dir, or "" when dir
// holds none.
func KustomizationFile(fsys filesys.FileSystem, dir string) string {
	for _, n := range konfig.RecognizedKustomizationFileNames() {
		if p := filepath.Join(dir, n); fsys.Exists(p) && !fsys.IsDir(p) {
			return p
		}
	}
	return ""
}

// originFS makes krusty record where each object came from: it adds
// buildMetadata: [originAnnotations] to the kustomization being built
// (kustomize then annotates every resource with its source file, bases
// included). The annotation is removed again before the checks run.
type originFS struct {
	filesys.FileSystem
	kustFile string
}

func (f originFS) ReadFile(p string) ([]byte, error) {
	b, err := f.FileSystem.ReadFile(p)
	if err != nil || filepath.Clean(p) != f.kustFile || bytes.Contains(b, []byte("buildMetadata")) || emptyKustomization(b) {
		return b, err
	}
	out := append([]byte(nil), b...)
	if len(out) > 0 && out[len(out)-1] != '\n' {
		out = append(out, '\n')
	}
	return append(out, "buildMetadata: [originAnnotations]\n"...), nil
}

// emptyKustomization tells a kustomization kustomize refuses as empty
// (sigs.k8s.io/kustomize/api internal/target/kusttarget.go load calls
// types.Kustomization.CheckEmpty): the build must see it as it is, not
// made non-empty by the buildMetadata line.
func emptyKustomization(b []byte) bool {
	var k types.Kustomization
	if k.Unmarshal(b) != nil {
		return false // kustomize reports the syntax
	}
	k.FixKustomization()
	return k.CheckEmpty() != nil
}

// buildOverlay builds the kustomization in root/dir and returns its objects,
// each with the root-relative file it came from when kustomize knows it.
func buildOverlay(fsys filesys.FileSystem, root, dir string) (*unit, error) {
	abs := filepath.Join(root, filepath.FromSlash(dir))
	kf := KustomizationFile(fsys, abs)
	if kf == "" {
		return nil, fmt.Errorf("no kustomization.yaml in %s", dir)
	}
	m, err := kustomize.BuildResMap(originFS{FileSystem: fsys, kustFile: kf}, abs)
	if err != nil {
		return nil, err
	}
	u := &unit{location: dir}
	for _, r := range m.Resources() {
		b, err := r.MarshalJSON()
		if err != nil {
			return nil, err
		}
		obj, err := jsonMap(b)
		if err != nil {
			return nil, err
		}
		u.objects = append(u.objects, newObject(originFile(dir, obj), obj))
	}
	return u, nil
}

// originFile reads and removes the origin annotation; the path it holds is
// relative to the overlay directory.
func originFile(dir string, obj map[string]any) string {
	md, _ := obj["metadata"].(map[string]any)
	ann, _ := md["annotations"].(map[string]any)
	v, _ := ann[originAnnotation].(string)
	if v == "" {
		return ""
	}
	delete(ann, originAnnotation)
	if len(ann) == 0 {
		delete(md, "annotations")
	}
	var o struct {
		Path string `json:"path"`
		Repo string `json:"repo"`
	}
	if yaml.Unmarshal([]byte(v), &o) != nil || o.Path == "" || o.Repo != "" {
		return ""
	}
	return path.Join(dir, o.Path)
}

// readFiles parses plain YAML files (root-relative) into one unit: objects
// that refer to each other (an Application and its AppProject) may live in
// different files. Parse errors are findings on the file.
func readFiles(fsys filesys.FileSystem, root string, files []string, context map[string]bool) (*unit, []Finding) {
	u := &unit{location: ""}
	var out []Finding
	for _, f := range files {
		b, err := fsys.ReadFile(filepath.Join(root, filepath.FromSlash(f)))
		if err != nil {
			out = append(out, Finding{Severity: Error, Location: f, Problem: err.Error(), Fix: "check the path"})
			continue
		}
		objs, dups, err := parseYAMLObjects(b)
		if err != nil {
			out = append(out, Finding{Severity: Error, Location: f, Problem: "not valid YAML: " + withoutContent(err.Error()), Fix: "fix the YAML syntax"})
			continue
		}
		for _, d := range dups {
			out = append(out, Finding{Severity: Error, Location: f, Field: d, Problem: "duplicate field (kubectl refuses the file)", Fix: "keep one of the two"})
		}
		for _, m := range objs {
			o := newObject(f, m)
			o.context = context[f]
			u.objects = append(u.objects, o)
		}
	}
	return u, out
}

// jsonMap decodes an object the way the API server does: integers as
// int64, other numbers as float64.
func jsonMap(b []byte) (map[string]any, error) {
	var m map[string]any
	if err := utiljson.Unmarshal(b, &m); err != nil {
		return nil, err
	}
	return m, nil
}

// parseYAMLObjects splits a multi-document YAML stream into objects,
// expanding v1 Lists, skipping empty documents. dups are the paths of keys
// that appear twice in one mapping (line numbers included): YAML parsers
// differ on which one wins, and kubectl's (sigs.k8s.io/yaml, strict since
// v1.4) refuses the document.
func parseYAMLObjects(b []byte) (objs []map[string]any, dups []string, err error) {
	nodes, err := (&kio.ByteReader{Reader: bytes.NewReader(b), OmitReaderAnnotations: true}).Read()
	if err != nil && err != io.EOF {
		return nil, nil, err
	}
	var out []map[string]any
	for _, n := range nodes {
		dups = append(dups, duplicateKeys(n.YNode(), "")...)
		s, err := n.String()
		if err != nil {
			return nil, nil, err
		}
		j, err := yaml.YAMLToJSON([]byte(s))
		if err != nil {
			return nil, nil, err
		}
		m, err := jsonMap(j)
		if err != nil {
			return nil, nil, err
		}
		if len(m) == 0 {
			continue
		}
		if m["kind"] == "List" && strings.HasSuffix(fmt.Sprint(m["apiVersion"]), "v1") {
			items, _ := m["items"].([]any)
			for _, it := range items {
				if im, ok := it.(map[string]any); ok {
					out = append(out, im)
				}
			}
			continue
		}
		out = append(out, m)
	}
	return out, dups, nil
}

// duplicateKeys returns the paths (with line) of keys repeated in a
// mapping of the tree at n.
func duplicateKeys(n *yaml3.Node, prefix string) []string {
	var out []string
	switch n.Kind {
	case yaml3.DocumentNode, yaml3.SequenceNode:
		for i, c := range n.Content {
			p := prefix
			if n.Kind == yaml3.SequenceNode {
				p = fmt.Sprintf("%s[%d]", prefix, i)
			}
			out = append(out, duplicateKeys(c, p)...)
		}
	case yaml3.MappingNode:
		seen := map[string]bool{}
		for i := 0; i+1 < len(n.Content); i += 2 {
			k := n.Content[i].Value
			p := k
			if prefix != "" {
				p = prefix + "." + k
			}
			if seen[k] {
				out = append(out, fmt.Sprintf("%s (line %d)", p, n.Content[i].Line))
			}
			seen[k] = true
			out = append(out, duplicateKeys(n.Content[i+1], p)...)
		}
	}
	return out
}
