package validate

import (
	"context"
	"path/filepath"
	"runtime"
	"strings"
	"sync"

	"sigs.k8s.io/kustomize/kyaml/filesys"

	"github.com/rolloutgen/rolloutgen/internal/kustomize"
)

// Request says what one validation run checks.
type Request struct {
	// FS is where the repository is read from (filesys.MakeFsOnDisk() in
	// production, an in-memory one in tests).
	FS filesys.FileSystem
	// Build bounds the builds (remote resources, file sizes); the zero
	// value refuses remote resources.
	Build kustomize.Builder
	// Root is the repository root; every location is relative to it, and
	// Application paths are resolved against it.
	Root string
	// Overlays are root-relative, slash-separated kustomization directories
	// to build and check, each on its own.
	Overlays []string
	// Files are root-relative plain YAML files, checked together (so an
	// Application finds its AppProject) including the Argo CD checks.
	Files []string
	// Workers bounds parallel builds; 0 means one per CPU.
	Workers int
	// SkipApplicationPathBuilds makes the Argo CD checks only look for a
	// kustomization at an Application's path when this run did not build
	// it, instead of building it: for runs narrowed with --env, --app or
	// --since, where the other overlays are out of scope (or unchanged).
	SkipApplicationPathBuilds bool
}

// Validate runs every check and returns the findings, sorted. The error is
// only for a cancelled context; problems with the input are findings.
func (v *Validator) Validate(ctx context.Context, req Request) ([]Finding, error) {
	workers := req.Workers
	if workers <= 0 {
		workers = runtime.GOMAXPROCS(0)
	}
	results := make([]overlayResult, len(req.Overlays))
	jobs := make(chan int)
	var wg sync.WaitGroup
	for w := 0; w < workers; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range jobs {
				results[i] = v.checkOverlay(ctx, req, req.Overlays[i])
			}
		}()
	}
	var cancelled error
	for i := range req.Overlays {
		if cancelled = ctx.Err(); cancelled != nil {
			break
		}
		jobs <- i
	}
	close(jobs)
	wg.Wait()
	if cancelled == nil {
		// A signal during the last builds: their results are not to be
		// trusted (a cancelled build reads as a failed one).
		cancelled = ctx.Err()
	}
	if cancelled != nil {
		return nil, cancelled
	}
	var out []Finding
	built := &buildCache{req: req, results: map[string]string{}}
	for i, r := range results {
		out = append(out, r.findings...)
		built.results[req.Overlays[i]] = r.buildErr
	}
	if len(req.Files) > 0 {
		u, fs := readFiles(req.FS, req.Root, req.Files)
		out = append(out, fs...)
		out = append(out, v.checkUnit(u)...)
		out = append(out, checkArgoCD(u, built)...)
	}
	Sort(out)
	return out, nil
}

type overlayResult struct {
	findings []Finding
	buildErr string
}

func (v *Validator) checkOverlay(ctx context.Context, req Request, dir string) overlayResult {
	u, err := buildOverlay(ctx, req.Build, req.FS, req.Root, dir)
	if err != nil {
		msg := buildMessage(req.Root, err)
		return overlayResult{buildErr: msg, findings: []Finding{{
			Severity: Error, Location: dir, Problem: "kustomize build failed: " + msg,
			Fix: "fix the kustomization (gen build or kubectl kustomize shows the same error)",
		}}}
	}
	return overlayResult{findings: v.checkUnit(u)}
}

// buildMessage shortens krusty's error: paths relative to the root, and
// without the "kustomize build DIR:" prefix the finding already says.
func buildMessage(root string, err error) string {
	msg := err.Error()
	if i := strings.Index(msg, ": "); strings.HasPrefix(msg, "kustomize build ") && i > 0 {
		msg = msg[i+2:]
	}
	return strings.ReplaceAll(msg, filepath.Clean(root)+string(filepath.Separator), "")
}

// buildCache answers the Argo CD path checks from this run's builds and
// builds what the run did not cover.
type buildCache struct {
	req     Request
	results map[string]string
}

func (b *buildCache) checkPath(dir string) (string, bool) {
	if msg, ok := b.results[dir]; ok {
		return msg, true
	}
	abs := filepath.Join(b.req.Root, filepath.FromSlash(dir))
	if !b.req.FS.IsDir(abs) {
		return "", false
	}
	if KustomizationFile(b.req.FS, abs) == "" || b.req.SkipApplicationPathBuilds {
		return "", true // a plain directory of manifests, or out of scope
	}
	msg := ""
	if _, err := buildOverlay(context.Background(), b.req.Build, b.req.FS, b.req.Root, dir); err != nil {
		msg = buildMessage(b.req.Root, err)
	}
	b.results[dir] = msg
	return msg, true
}
