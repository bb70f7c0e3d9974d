package validate

import (
	"maps"
	"path"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"sync"

	"gopkg.in/yaml.v3"
	"sigs.k8s.io/kustomize/kyaml/filesys"
)

// Inputs traces what kustomizations read, for --since: a kustomization
// depends on every file in its own directory and on every path its
// kustomization file names (resources, components, patches, generators'
// files, configurations, ...), bases recursively. Tracing is done by
// loading the kustomization files, not by building, so it costs a YAML
// parse per directory. It errs on the side of including: every string
// under a field that holds paths counts when it names an existing path,
// whatever the field's nesting (patches[].path, generators' files, ...).
// Paths a kustomization names that no longer exist count too: deleting a
// base changes what its overlays build. It is safe for concurrent use.
type Inputs struct {
	fsys  filesys.FileSystem
	root  string
	mu    sync.Mutex
	cache map[string][]string
}

// NewInputs traces kustomizations under root on fsys.
func NewInputs(fsys filesys.FileSystem, root string) *Inputs {
	return &Inputs{fsys: fsys, root: root, cache: map[string][]string{}}
}

// Of returns the root-relative paths (directories and files) the
// kustomization in dir depends on, dir included.
func (in *Inputs) Of(dir string) []string {
	return in.of(dir, map[string]bool{})
}

// of traces dir; visiting guards against kustomizations that include
// each other.
func (in *Inputs) of(dir string, visiting map[string]bool) []string {
	in.mu.Lock()
	got, ok := in.cache[dir]
	in.mu.Unlock()
	if ok {
		return got
	}
	out := []string{dir}
	if visiting[dir] {
		return out
	}
	visiting[dir] = true
	defer delete(visiting, dir)
	kf := KustomizationFile(in.fsys, in.abs(dir))
	if kf == "" {
		return in.store(dir, out)
	}
	b, err := in.fsys.ReadFile(kf)
	var doc any
	if err == nil && yaml.Unmarshal(b, &doc) == nil {
		seen := map[string]bool{dir: true}
		walkPathStrings(doc, false, func(s string) {
			for _, cand := range candidates(s) {
				p := path.Clean(path.Join(dir, cand))
				if seen[p] || p == ".." || strings.HasPrefix(p, "../") {
					continue
				}
				seen[p] = true
				if !in.fsys.Exists(in.abs(p)) {
					// Named but gone: a deleted base, component or patch.
					// It is an input all the same, so --since marks the
					// overlay when the deletion is among the changes.
					out = append(out, p)
					continue
				}
				if in.fsys.IsDir(in.abs(p)) {
					out = append(out, in.of(p, visiting)...)
				} else {
					out = append(out, p)
				}
			}
		})
	}
	return in.store(dir, out)
}

func (in *Inputs) store(dir string, inputs []string) []string {
	in.mu.Lock()
	defer in.mu.Unlock()
	in.cache[dir] = inputs
	return inputs
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

// pathFields are the kustomization fields whose strings (or lists of
// strings) are paths, at any depth.
func pathFields() map[string]bool {
	return map[string]bool{
		"resources": true, "bases": true, "components": true, "crds": true,
		"configurations": true, "generators": true, "transformers": true, "validators": true,
		"patchesStrategicMerge": true, "path": true, "files": true, "envs": true, "env": true,
		"chartHome": true, "valuesFile": true, "additionalValuesFiles": true,
	}
}

// walkPathStrings calls fn for each string that sits under a path field.
func walkPathStrings(v any, isPath bool, fn func(string)) {
	fields := pathFields()
	var walk func(v any, isPath bool)
	walk = func(v any, isPath bool) {
		switch t := v.(type) {
		case string:
			if isPath {
				fn(t)
			}
		case []any:
			for _, x := range t {
				walk(x, isPath)
			}
		case map[string]any:
			for _, k := range slices.Sorted(maps.Keys(t)) {
				walk(t[k], fields[k])
			}
		}
	}
	walk(v, isPath)
}

// Affected returns the overlays (in their order) whose inputs include a
// changed path. changed are root-relative, slash-separated paths of files
// added, modified or deleted. The tracing runs on workers goroutines
// (0: one per CPU) sharing one cache, so a base is parsed about once.
func Affected(fsys filesys.FileSystem, root string, overlays, changed []string, workers int) []string {
	if workers <= 0 {
		workers = runtime.GOMAXPROCS(0)
	}
	hit := make([]bool, len(overlays))
	in := NewInputs(fsys, root)
	var wg sync.WaitGroup
	for w := 0; w < workers; w++ {
		wg.Add(1)
		go func(w int) {
			defer wg.Done()
			for i := w; i < len(overlays); i += workers {
				hit[i] = touches(in.Of(overlays[i]), changed)
			}
		}(w)
	}
	wg.Wait()
	var out []string
	for i, o := range overlays {
		if hit[i] {
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
