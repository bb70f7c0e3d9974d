package validate

import (
	"path"
	"path/filepath"
	"strings"

	"sigs.k8s.io/kustomize/kyaml/filesys"
	"sigs.k8s.io/yaml"
)

// Inputs traces what kustomizations read, for --since: a kustomization
// depends on every file in its own directory and on every path its
// kustomization file names (resources, components, patches, generators'
// files, configurations, ...), bases recursively. Tracing is done by
// loading the kustomization files, not by building, so it costs a YAML
// parse per directory. It errs on the side of including: any string value
// that names an existing path counts.
type Inputs struct {
	fsys  filesys.FileSystem
	root  string
	cache map[string][]string
}

// NewInputs traces kustomizations under root on fsys.
func NewInputs(fsys filesys.FileSystem, root string) *Inputs {
	return &Inputs{fsys: fsys, root: root, cache: map[string][]string{}}
}

// Of returns the root-relative paths (directories and files) the
// kustomization in dir depends on, dir included.
func (in *Inputs) Of(dir string) []string {
	if got, ok := in.cache[dir]; ok {
		return got
	}
	in.cache[dir] = []string{dir} // cycle guard: a kustomization that includes itself
	out := []string{dir}
	abs := in.abs(dir)
	kf := KustomizationFile(in.fsys, abs)
	if kf == "" {
		in.cache[dir] = out
		return out
	}
	b, err := in.fsys.ReadFile(kf)
	var doc any
	if err == nil && yaml.Unmarshal(b, &doc) == nil {
		seen := map[string]bool{dir: true}
		walkStrings(doc, func(s string) {
			for _, cand := range candidates(s) {
				p := path.Clean(path.Join(dir, cand))
				if seen[p] || p == ".." || strings.HasPrefix(p, "../") || !in.fsys.Exists(in.abs(p)) {
					continue
				}
				seen[p] = true
				if in.fsys.IsDir(in.abs(p)) {
					out = append(out, in.Of(p)...)
				} else {
					out = append(out, p)
				}
			}
		})
	}
	in.cache[dir] = out
	return out
}

func (in *Inputs) abs(p string) string { return filepath.Join(in.root, filepath.FromSlash(p)) }

// candidates are the paths a kustomization string may name: itself, or
// the file part of a generator's "key=path".
func candidates(s string) []string {
	if s == "" || strings.ContainsAny(s, "\n\r") || strings.Contains(s, "://") || len(s) > 512 {
		return nil
	}
	if _, after, ok := strings.Cut(s, "="); ok {
		return []string{s, after}
	}
	return []string{s}
}

func walkStrings(v any, fn func(string)) {
	switch t := v.(type) {
	case string:
		fn(t)
	case []any:
		for _, x := range t {
			walkStrings(x, fn)
		}
	case map[string]any:
		for _, k := range sortedKeys(t) {
			walkStrings(t[k], fn)
		}
	}
}

// Affected returns the overlays (in their order) whose inputs include a
// changed path. changed are root-relative, slash-separated paths of files
// added, modified or deleted.
func (in *Inputs) Affected(overlays, changed []string) []string {
	var out []string
	for _, o := range overlays {
		if touches(in.Of(o), changed) {
			out = append(out, o)
		}
	}
	return out
}

func touches(inputs, changed []string) bool {
	for _, c := range changed {
		for _, i := range inputs {
			if c == i || strings.HasPrefix(c, i+"/") {
				return true
			}
		}
	}
	return false
}
