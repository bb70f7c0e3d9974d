package kustomize

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"strings"
	"sync/atomic"
	"time"

	"sigs.k8s.io/kustomize/api/krusty"
	"sigs.k8s.io/kustomize/api/resmap"
	"sigs.k8s.io/kustomize/kyaml/filesys"
	"sigs.k8s.io/yaml"

	"github.com/rolloutgen/rolloutgen/internal/input"
)

// DefaultRemoteTimeout bounds a build that fetches remote resources.
const DefaultRemoteTimeout = 30 * time.Second

// ErrRemote: a kustomization names a remote resource (a URL or a Git
// repository) and remote fetches are not allowed.
var ErrRemote = errors.New("names a remote resource; gen fetches nothing unless --allow-remote")

// Builder builds kustomizations as `kubectl kustomize` does, within
// bounds: no remote resource unless AllowRemote (a pull request must not
// make CI fetch URLs), then at most RemoteTimeout; every file read capped
// (input.MaxFile each, input.MaxBuild together); and the build stops when
// its context is done. The zero Builder is the safe default.
type Builder struct {
	AllowRemote bool
	// RemoteTimeout bounds a build with remote resources (0: the default).
	RemoteTimeout time.Duration
}

// options are those of `kubectl kustomize`: the legacy reorder makes the
// output byte-identical to it (Namespaces first, Services before workloads).
func options() *krusty.Options {
	o := krusty.MakeDefaultOptions()
	o.Reorder = krusty.ReorderOptionLegacy
	return o
}

// BuildResMap builds the kustomization in dir on fsys with the zero
// Builder and no deadline.
func BuildResMap(fsys filesys.FileSystem, dir string) (resmap.ResMap, error) {
	return Builder{}.BuildResMap(context.Background(), fsys, dir)
}

// Build builds the kustomization in dir on fsys and returns the YAML
// stream `kubectl kustomize dir` would print.
func Build(fsys filesys.FileSystem, dir string) ([]byte, error) {
	return Builder{}.Build(context.Background(), fsys, dir)
}

// Build is BuildResMap as the YAML stream `kubectl kustomize` prints.
func (b Builder) Build(ctx context.Context, fsys filesys.FileSystem, dir string) ([]byte, error) {
	m, err := b.BuildResMap(ctx, fsys, dir)
	if err != nil {
		return nil, err
	}
	out, err := m.AsYaml()
	if err != nil {
		return nil, fmt.Errorf("kustomize build %s: %w", dir, err)
	}
	return out, nil
}

// BuildResMap builds the kustomization in dir on fsys. krusty takes no
// context: it runs aside, reading through a filesystem that fails once ctx
// is done, and the call returns as soon as ctx is done or the remote
// timeout passes.
func (b Builder) BuildResMap(ctx context.Context, fsys filesys.FileSystem, dir string) (resmap.ResMap, error) {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	lfs := &limitFS{FileSystem: fsys, ctx: ctx}
	remote, err := remoteRefs(lfs, dir)
	if err != nil {
		return nil, fmt.Errorf("kustomize build %s: %w", dir, err)
	}
	var timeout <-chan time.Time
	if len(remote) > 0 {
		if !b.AllowRemote {
			return nil, fmt.Errorf("kustomize build %s: %w", dir, remote[0])
		}
		d := b.RemoteTimeout
		if d <= 0 {
			d = DefaultRemoteTimeout
		}
		t := time.NewTimer(d)
		defer t.Stop()
		timeout = t.C
	}
	type result struct {
		m   resmap.ResMap
		err error
	}
	done := make(chan result, 1)
	go func() {
		m, err := krusty.MakeKustomizer(options()).Run(lfs, dir)
		done <- result{m, err}
	}()
	select {
	case r := <-done:
		if r.err != nil {
			if err := ctx.Err(); err != nil {
				return nil, err
			}
			return nil, fmt.Errorf("kustomize build %s: %w", dir, r.err)
		}
		return r.m, nil
	case <-ctx.Done():
		return nil, ctx.Err()
	case <-timeout:
		return nil, fmt.Errorf("kustomize build %s: remote resources did not load within --remote-timeout %s", dir, b.RemoteTimeout)
	}
}

// limitFS is the filesystem a build reads through: it fails once ctx is
// done and caps each file and the build's total.
type limitFS struct {
	filesys.FileSystem
	ctx   context.Context
	total atomic.Int64
}

func (l *limitFS) ReadFile(p string) ([]byte, error) {
	if err := l.ctx.Err(); err != nil {
		return nil, err
	}
	data, err := l.FileSystem.ReadFile(p)
	if err != nil {
		return nil, err
	}
	if len(data) > input.MaxFile {
		return nil, fmt.Errorf("%s: %w: %d bytes, at most %d", p, input.ErrTooLarge, len(data), input.MaxFile)
	}
	if n := l.total.Add(int64(len(data))); n > input.MaxBuild {
		return nil, fmt.Errorf("%s: %w: the build's inputs exceed %d bytes", p, input.ErrTooLarge, input.MaxBuild)
	}
	return data, nil
}

func (l *limitFS) Open(p string) (filesys.File, error) {
	if err := l.ctx.Err(); err != nil {
		return nil, err
	}
	return l.FileSystem.Open(p)
}

// remoteRefs walks the kustomization tree under dir and describes each
// resource, base or component that is not on fsys and that kustomize
// would fetch (a URL, a Git repository spec).
func remoteRefs(fsys filesys.FileSystem, dir string) ([]error, error) {
	var out []error
	seen := map[string]bool{}
	var walk func(dir string) error
	walk = func(dir string) error {
		if seen[dir] || len(seen) > 10000 {
			return nil
		}
		seen[dir] = true
		file := kustomizationIn(fsys, dir)
		if file == "" {
			return nil
		}
		data, err := fsys.ReadFile(file)
		if err != nil {
			return err
		}
		var k struct {
			Resources  []string `json:"resources"`
			Bases      []string `json:"bases"`
			Components []string `json:"components"`
		}
		if yaml.Unmarshal(data, &k) != nil {
			return nil // kustomize reports it
		}
		for _, f := range []struct {
			name string
			list []string
		}{{"resources", k.Resources}, {"bases", k.Bases}, {"components", k.Components}} {
			for _, r := range f.list {
				p := r
				if !filepath.IsAbs(p) {
					p = filepath.Join(dir, r)
				}
				switch {
				case fsys.IsDir(p):
					if err := walk(p); err != nil {
						return err
					}
				case fsys.Exists(p):
				case looksRemote(r):
					out = append(out, fmt.Errorf("%s: %s: %q %w", file, f.name, r, ErrRemote))
				}
			}
		}
		return nil
	}
	err := walk(filepath.Clean(dir))
	return out, err
}

// kustomizationIn is dir's kustomization file under any name kustomize
// recognises ("" when there is none).
func kustomizationIn(fsys filesys.FileSystem, dir string) string {
	for _, n := range []string{"kustomization.yaml", "kustomization.yml", "Kustomization"} {
		if p := filepath.Join(dir, n); fsys.Exists(p) && !fsys.IsDir(p) {
			return p
		}
	}
	return ""
}

// looksRemote reports whether kustomize would fetch a missing path: a URL,
// an scp-like Git address, or a host/org/repo spec (its loader tries any
// such path as a Git repository, api/internal/git.NewRepoSpecFromURL).
func looksRemote(p string) bool {
	if strings.Contains(p, "://") || strings.HasPrefix(p, "git@") || strings.Contains(p, "?ref=") ||
		strings.Contains(p, "?version=") || strings.Contains(p, "_git/") {
		return true
	}
	first, _, _ := strings.Cut(p, "/")
	return strings.Contains(first, ".") && first != "." && first != ".." && strings.Contains(p, "/")
}
