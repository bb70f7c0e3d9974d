package validate

import (
	"bytes"
	"context"
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
func buildOverlay(ctx context.Context, b kustomize.Builder, fsys filesys.FileSystem, root, dir string) (*unit, error) {
	abs := filepath.Join(root, filepath.FromSlash(dir))
	kf := KustomizationFile(fsys, abs)
	if kf == "" {
		return nil, fmt.Errorf("no kustomization.yaml in %s", dir)
	}
	m, err := b.BuildResMap(ctx, originFS{FileSystem: fsys, kustFile: kf}, abs)
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
		objs, dups, bad := parseYAMLObjects(b)
		for _, d := range bad {
			out = append(out, Finding{Severity: Error, Location: f, Kind: d.kind, Name: d.name,
				Problem: fmt.Sprintf("not valid YAML (document at line %d): %s", d.line, withoutContent(strings.TrimPrefix(d.err.Error(), "MalformedYAMLError: "))),
				Fix:     "fix the YAML syntax; the file's other documents are checked"})
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
//
// Each document is parsed on its own, as kubectl does (it splits the
// stream with k8s.io/apimachinery/pkg/util/yaml YAMLReader, then decodes
// and sends each document apart): a syntax error is reported on its
// document in bad, and the file's other documents are still objects.
func parseYAMLObjects(b []byte) (objs []map[string]any, dups []string, bad []badDocument) {
	for _, d := range splitDocuments(b) {
		m, ds, err := parseDocument(d.text)
		if err != nil {
			kind, name := peekKindName(d.text)
			bad = append(bad, badDocument{line: d.line, kind: kind, name: name, err: err})
			continue
		}
		dups = append(dups, ds...)
		objs = append(objs, m...)
	}
	return objs, dups, bad
}

// badDocument is a document of a stream that does not parse.
type badDocument struct {
	line       int // its first line of content, 1-based in the file
	kind, name string
	err        error
}

type yamlDocument struct {
	line int    // first line of content in the file, 1-based
	text []byte // blank lines for those before it, so parser lines are file lines
}

// splitDocuments splits a stream where kubectl's YAMLReader does
// (k8s.io/apimachinery/pkg/util/yaml LineReader/YAMLReader.Read): at a
// line that starts with "---" followed by nothing but blanks or a comment.
func splitDocuments(b []byte) []yamlDocument {
	var docs []yamlDocument
	var cur []byte
	start, first := 0, 0
	flush := func() {
		if first > 0 {
			docs = append(docs, yamlDocument{line: first, text: append(bytes.Repeat([]byte("\n"), start), cur...)})
		}
		cur, first = nil, 0
	}
	lines := bytes.SplitAfter(b, []byte("\n"))
	for i, l := range lines {
		if rest, ok := bytes.CutPrefix(l, []byte("---")); ok {
			if r := bytes.TrimSpace(rest); len(r) == 0 || r[0] == '#' {
				flush()
				start = i + 1
				continue
			}
		}
		if cur == nil {
			start = i
		}
		cur = append(cur, l...)
		if t := bytes.TrimSpace(l); first == 0 && len(t) > 0 && t[0] != '#' {
			first = i + 1
		}
	}
	flush()
	return docs
}

// parseDocument decodes one document: its objects (a v1 List expanded)
// and its duplicate keys.
func parseDocument(doc []byte) (objs []map[string]any, dups []string, err error) {
	nodes, err := (&kio.ByteReader{Reader: bytes.NewReader(doc), OmitReaderAnnotations: true}).Read()
	if err != nil && err != io.EOF {
		return nil, nil, err
	}
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
					objs = append(objs, im)
				}
			}
			continue
		}
		objs = append(objs, m)
	}
	return objs, dups, nil
}

// peekKindName reads kind and metadata.name from a document that does not
// parse, line by line, so its error can name the object: top-level
// "kind: X" and the first "name: Y" indented under top-level "metadata:"
// (or "metadata: {name: Y ...}"). Either may stay empty.
func peekKindName(doc []byte) (kind, name string) {
	inMeta, metaIndent := false, 0
	value := func(s string) string {
		s = strings.TrimSpace(s)
		if i := strings.Index(s, " #"); i >= 0 {
			s = strings.TrimSpace(s[:i])
		}
		return strings.Trim(s, `"'`)
	}
	for _, l := range strings.Split(string(doc), "\n") {
		l = strings.TrimRight(l, "\r")
		switch {
		case strings.HasPrefix(l, "kind:"):
			kind = value(l[len("kind:"):])
			inMeta = false
		case strings.HasPrefix(l, "metadata:"):
			inMeta, metaIndent = true, 0
			rest := strings.TrimSpace(l[len("metadata:"):])
			if inner, ok := strings.CutPrefix(rest, "{"); ok && name == "" {
				for _, kv := range strings.Split(strings.TrimSuffix(inner, "}"), ",") {
					if v, ok := strings.CutPrefix(strings.TrimSpace(kv), "name:"); ok {
						name = value(v)
					}
				}
			}
		case l != "" && l[0] != ' ' && l[0] != '#':
			inMeta = false
		case inMeta && name == "" && strings.TrimSpace(l) != "":
			indent := len(l) - len(strings.TrimLeft(l, " "))
			if metaIndent == 0 {
				metaIndent = indent // metadata's own keys; not labels' or annotations'
			}
			if v, ok := strings.CutPrefix(l[indent:], "name:"); ok && indent == metaIndent {
				name = value(v)
			}
		}
	}
	return kind, name
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
