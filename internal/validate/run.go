package validate

import (
	"context"
	"path/filepath"
	"runtime"
	"strings"
	"sync"

	"sigs.k8s.io/kustomize/kyaml/filesys"
)

// Request says what one validation run checks.
type Request struct {
	// FS is where the repository is read from (filesys.MakeFsOnDisk() in
	// production, an in-memory one in tests).
	FS filesys.FileSystem
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
	// RepoURLs are the URLs this repository is known by (gen.yaml's
	// argocd.repoURL, the origin remote). An Application source from one
	// of them has its path checked in this checkout; other repositories'
	// paths are not. Empty: no path is checked.
	RepoURLs []string
	// ContextFiles are plain files read with Files, so links resolve to
	// their objects, but not reported on: the siblings of a single file
	// given on the command line.
	ContextFiles []string
	// Skipped are files the caller left out as not manifests, with the
	// reason; they are counted in the Report.
	Skipped []Skip
}

// Skip is a file left out of the check, and why.
type Skip struct {
	File   string `json:"file"`
	Reason string `json:"reason"`
}

// Report is what a run found and what it left out.
type Report struct {
	Findings []Finding
	// Skipped are the files not checked because they are not Kubernetes
	// manifests (Helm charts, tool configs, kustomize Components, ...).
	Skipped []Skip
}

// Validate runs every check and returns the findings, sorted. The error is
// only for a cancelled context; problems with the input are findings.
func (v *Validator) Validate(ctx context.Context, req Request) ([]Finding, error) {
	r, err := v.Run(ctx, req)
	return r.Findings, err
}

// Run is Validate with the files left out reported too.
func (v *Validator) Run(ctx context.Context, req Request) (Report, error) {
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
				results[i] = v.checkOverlay(req, req.Overlays[i])
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
	if cancelled != nil {
		return Report{}, cancelled
	}
	var out []Finding
	built := &buildCache{req: req, results: map[string]string{}}
	var units []*unit
	for i, r := range results {
		out = append(out, r.findings...)
		built.results[req.Overlays[i]] = r.buildErr
		if r.unit != nil {
			units = append(units, r.unit)
		}
	}
	if len(req.Files) > 0 {
		// Context first: where a sibling holds an object of the same name
		// (alternative versions of one manifest), the file asked about wins.
		ctxSet := map[string]bool{}
		for _, f := range req.ContextFiles {
			ctxSet[f] = true
		}
		u, fs := readFiles(req.FS, req.Root, append(append([]string(nil), req.ContextFiles...), req.Files...), ctxSet)
		out = append(out, fs...)
		out = append(out, v.checkUnit(u)...)
		units = append(units, u)
	}
	projects := projectIndex{}
	for _, u := range units {
		projects.add(u)
	}
	repos := make([]string, len(req.RepoURLs))
	for i, r := range req.RepoURLs {
		repos[i] = normalizeRepo(r)
	}
	for _, u := range units {
		out = append(out, checkArgoCD(u, projects, built, repos)...)
	}
	out = append(out, checkAcrossUnits(deployed(req, units))...)
	if len(req.ContextFiles) > 0 {
		kept := out[:0]
		for _, f := range out {
			if !contains(req.ContextFiles, f.Location) {
				kept = append(kept, f)
			}
		}
		out = kept
	}
	Sort(out)
	return Report{Findings: out, Skipped: req.Skipped}, nil
}

// deployed leaves out the overlays that other overlays of the run include
// (a base checked beside its overlays): only what is applied can collide.
func deployed(req Request, units []*unit) []*unit {
	if len(req.Overlays) < 2 {
		return units
	}
	in := NewInputs(req.FS, req.Root)
	included := map[string]bool{}
	for _, o := range req.Overlays {
		for _, p := range in.Of(o)[1:] {
			included[p] = true
		}
	}
	var out []*unit
	for _, u := range units {
		if u.location == "" || !included[u.location] {
			out = append(out, u)
		}
	}
	return out
}

type overlayResult struct {
	findings []Finding
	buildErr string
	unit     *unit
}

func (v *Validator) checkOverlay(req Request, dir string) overlayResult {
	u, err := buildOverlay(req.FS, req.Root, dir)
	if err != nil {
		msg := buildMessage(req.Root, err)
		return overlayResult{buildErr: msg, findings: []Finding{{
			Severity: Error, Location: dir, Problem: "kustomize build failed: " + msg,
			Fix: "fix the kustomization (gen build or kubectl kustomize shows the same error)",
		}}}
	}
	return overlayResult{findings: v.checkUnit(u), unit: u}
}

// buildMessage shortens krusty's error: paths relative to the root, and
// without the "kustomize build DIR:" prefix the finding already says.
func buildMessage(root string, err error) string {
	msg := err.Error()
	if i := strings.Index(msg, ": "); strings.HasPrefix(msg, "kustomize build ") && i > 0 {
		msg = msg[i+2:]
	}
	return withoutContent(strings.ReplaceAll(msg, filepath.Clean(root)+string(filepath.Separator), ""))
}

// withoutContent keeps a parser's error from quoting the file it parsed:
// kyaml appends the offending node ("node contents:", "for node: ...")
// and YAML errors can run over lines. Only the first line is kept, cut
// before such a tail and at 300 characters; the field and file named
// before it say where to look.
func withoutContent(msg string) string {
	if i := strings.IndexAny(msg, "\r\n"); i >= 0 {
		msg = msg[:i]
	}
	for _, marker := range []string{"node contents:", "for node:", "in node:", "; content:", "object: '"} {
		if i := strings.Index(msg, marker); i >= 0 {
			msg = strings.TrimRight(msg[:i], " :;,") + " (content not shown)"
		}
	}
	if r := []rune(msg); len(r) > 300 {
		msg = string(r[:300]) + "…"
	}
	return msg
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
	if _, err := buildOverlay(b.req.FS, b.req.Root, dir); err != nil {
		msg = buildMessage(b.req.Root, err)
	}
	b.results[dir] = msg
	return msg, true
}
