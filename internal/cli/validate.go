package cli

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"net/url"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"

	"github.com/rolloutgen/rolloutgen/internal/config"
	"github.com/rolloutgen/rolloutgen/internal/gitrepo"
	"github.com/rolloutgen/rolloutgen/internal/kustomize"
	"github.com/rolloutgen/rolloutgen/internal/validate"

	"github.com/spf13/cobra"
)

// validateOptions are gen validate's flags and arguments.
type validateOptions struct {
	g       *globalOptions
	env     string
	app     string
	output  string
	strict  bool
	classes []string
	since   string
	kube    string
	paths   []string
	build   kustomize.Builder
	// classesSet tells an explicit --nginx-ingress-classes from the default.
	classesSet bool
}

func newValidateCmd(g *globalOptions) *cobra.Command {
	opts := &validateOptions{g: g}
	cmd := &cobra.Command{
		Use:   "validate [PATH...]",
		Short: "Check overlays and Argo CD manifests for what the API server, Argo Rollouts or Argo CD would reject",
		Long: `Builds every selected overlay in-process and checks each object against the
upstream schemas (k8s.io/api, the Rollout, Application and AppProject CRDs)
and the links a canary release depends on; checks everything under argocd/
too. Given PATHs (kustomization directories, directories of YAML, or YAML
files) it checks those instead and needs no gen.yaml.

A directory is checked as one set: links resolve across its files, and
each kustomization in it is built. Files that are not manifests are
skipped and counted on stderr: Helm charts, kustomize Components (built by
the kustomizations that use them), the inputs of a kustomization checked,
kind/kuttl/k3d and KRM function configs, YAML without apiVersion and kind,
dotfiles. A single file is checked with its directory's other manifests as
context. Symlinks are read only when they resolve inside the repository.

One finding a line: <overlay or file>: <Kind>/<name>: <field>: <problem> — <fix>.
Exit 1 when there is an error; warnings alone exit 0 unless --strict.`,
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.paths = args
			opts.classesSet = cmd.Flags().Changed("nginx-ingress-classes")
			return runValidate(cmd.Context(), opts)
		},
	}
	f := cmd.Flags()
	f.StringVar(&opts.env, "env", "", "validate only this environment's overlays")
	f.StringVar(&opts.app, "app", "", "validate only this app's overlays")
	f.BoolVar(&opts.strict, "strict", false, "treat warnings as errors")
	f.StringSliceVar(&opts.classes, "nginx-ingress-classes", nil, "ingress classes the Argo Rollouts controller manages (default: gen.yaml's rollouts.nginxIngressClasses, or nginx for PATHs)")
	f.StringVar(&opts.since, "since", "", "validate only overlays whose inputs changed since this Git revision")
	f.StringVar(&opts.kube, "kube-version", "", fmt.Sprintf("Kubernetes release the manifests target, e.g. 1.34: API versions it no longer serves are errors (default 1.%d, the pinned k8s.io/api)", validate.DefaultKubeMinor))
	addBuildFlags(f, &opts.build)
	addOutputFlag(cmd, &opts.output, "text", "json")
	cmd.Example = `  gen validate
  gen validate --env prod --strict
  gen validate --since origin/main -o json
  gen validate path/to/overlay manifests/`
	return cmd
}

func runValidate(ctx context.Context, opts *validateOptions) error {
	if err := checkOutput(opts.output, "text", "json"); err != nil {
		return err
	}
	minor, err := kubeMinor(opts.kube)
	if err != nil {
		return err
	}
	req, classes, cfgFile, err := validateTargets(opts)
	if err != nil {
		return err
	}
	if opts.since != "" {
		if err := narrowToChanged(ctx, &req, opts.since, cfgFile); err != nil {
			return err
		}
	}
	v := validate.New(validate.Options{NginxIngressClasses: classes, KubeMinor: minor})
	report, err := v.Run(ctx, req)
	if err != nil {
		return err
	}
	findings := report.Findings
	out := opts.g.deps.Stdout
	sum := validate.Summarize(len(req.Overlays), len(req.Files), report)
	if opts.output == "json" {
		err = validate.WriteJSON(out, sum, findings)
	} else {
		err = validate.WriteText(out, findings)
		summarize(opts, sum, report)
	}
	if err != nil {
		return err
	}
	if validate.HasErrors(findings, opts.strict) {
		return errSilentFailure
	}
	return nil
}

// validateTargets decides what to check: the PATHs given, or gen.yaml's
// overlays plus argocd/. cfgFile is gen.yaml's root-relative name, "" for
// PATHs.
func validateTargets(opts *validateOptions) (req validate.Request, classes []string, cfgFile string, err error) {
	classes = opts.classes
	if len(opts.paths) > 0 {
		if opts.env != "" || opts.app != "" {
			return req, nil, "", usagef("--env and --app select overlays from gen.yaml; with PATHs, name the overlays instead")
		}
		root := opts.g.deps.Dir
		repoRoot, urls := repoOf(root)
		req = validate.Request{FS: validate.OnDiskWithin(repoRoot), Root: root, RepoURLs: urls, Build: opts.build}
		for _, p := range opts.paths {
			if err := addPath(&req, opts.g.path(p)); err != nil {
				return req, nil, "", err
			}
		}
		dropInputs(&req)
		req.ContextFiles = notIn(req.ContextFiles, req.Files)
		return req, classes, "", nil
	}
	cfg, root, err := opts.g.loadConfig()
	if err != nil {
		return req, nil, "", err
	}
	if !opts.classesSet {
		classes = cfg.Rollouts.NginxIngressClasses
	}
	repoRoot, urls := repoOf(root)
	if cfg.Repo.URL != "" {
		urls = append(urls, cfg.Repo.URL)
	}
	req = validate.Request{FS: validate.OnDiskWithin(repoRoot), Root: root, RepoURLs: urls, Build: opts.build}
	overlays, err := selectOverlays(cfg, opts.env, opts.app)
	if err != nil {
		return req, nil, "", err
	}
	// Applications of overlays outside --env/--app are still checked, but
	// their paths are not built.
	req.SkipApplicationPathBuilds = opts.env != "" || opts.app != ""
	for _, ov := range overlays {
		req.Overlays = append(req.Overlays, ov.Dir())
	}
	req.Files, err = yamlFiles(root, filepath.Join(root, "argocd"))
	if err != nil && !errors.Is(err, fs.ErrNotExist) {
		return req, nil, "", err
	}
	rel, err := filepath.Rel(root, opts.g.path(opts.g.configPath))
	if err != nil {
		rel = config.FileName
	}
	return req, classes, filepath.ToSlash(rel), nil
}

// addPath adds one PATH: a kustomization directory is built; another
// directory is searched for kustomizations and YAML files, which are
// checked as one set; a file is checked as plain YAML with its siblings as
// context. What is not a manifest is skipped with its reason.
func addPath(req *validate.Request, abs string) error {
	st, err := os.Stat(abs)
	if err != nil {
		return usagef("%v", err)
	}
	if err := validate.Within(req.FS, abs); err != nil {
		return usagef("%v", err)
	}
	if !st.IsDir() {
		rel := relSlash(req.Root, abs)
		reason := skipReason(req, abs)
		if reason == "" && inHelmChart(req, filepath.Dir(abs)) {
			reason = validate.SkipHelm
		}
		if reason != "" {
			req.Skipped = append(req.Skipped, validate.Skip{File: rel, Reason: reason})
			return nil
		}
		req.Files = append(req.Files, rel)
		siblings, _ := os.ReadDir(filepath.Dir(abs))
		for _, e := range siblings {
			p := filepath.Join(filepath.Dir(abs), e.Name())
			if e.Type().IsRegular() && isYAML(p) && p != abs && !strings.HasPrefix(e.Name(), ".") && skipReason(req, p) == "" {
				req.ContextFiles = append(req.ContextFiles, relSlash(req.Root, p))
			}
		}
		return nil
	}
	return filepath.WalkDir(abs, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		skipAll := func(reason string) error {
			if d.Name() == ".git" {
				return filepath.SkipDir // git's own files, not the project's
			}
			_ = filepath.WalkDir(p, func(q string, e fs.DirEntry, err error) error {
				if err == nil && !e.IsDir() && isYAML(q) {
					req.Skipped = append(req.Skipped, validate.Skip{File: relSlash(req.Root, q), Reason: reason})
				}
				return nil
			})
			return filepath.SkipDir
		}
		if d.IsDir() {
			switch {
			case p != abs && strings.HasPrefix(d.Name(), "."):
				return skipAll(validate.SkipDotfile)
			case validate.IsHelmChart(req.FS, p):
				return skipAll(validate.SkipHelm)
			case validate.IsComponent(req.FS, p):
				return skipAll(validate.SkipComponent)
			case validate.KustomizationFile(req.FS, p) != "":
				req.Overlays = append(req.Overlays, relSlash(req.Root, p))
				return filepath.SkipDir // its files are its resources and patches
			}
			return nil
		}
		if !isYAML(p) {
			return nil
		}
		if reason := skipReason(req, p); reason != "" {
			req.Skipped = append(req.Skipped, validate.Skip{File: relSlash(req.Root, p), Reason: reason})
			return nil
		}
		req.Files = append(req.Files, relSlash(req.Root, p))
		return nil
	})
}

// skipReason is why the YAML file p is not checked, or "".
func skipReason(req *validate.Request, p string) string {
	if strings.HasPrefix(filepath.Base(p), ".") {
		return validate.SkipDotfile
	}
	if err := validate.Within(req.FS, p); err != nil {
		return validate.SkipOutsideRoot
	}
	b, err := req.FS.ReadFile(p)
	if err != nil {
		return "" // reading it again reports the problem as a finding
	}
	return validate.ClassifyFile(b)
}

// inHelmChart tells whether dir is a Helm chart or inside one (up to the
// validation root).
func inHelmChart(req *validate.Request, dir string) bool {
	for d := dir; ; d = filepath.Dir(d) {
		if validate.IsHelmChart(req.FS, d) {
			return true
		}
		if d == req.Root || d == filepath.Dir(d) || !strings.HasPrefix(d, req.Root) {
			return false
		}
	}
}

// dropInputs moves plain files that a kustomization being checked reads
// (its patches, configurations, resources in other directories) to the
// skipped list: they are checked as part of its build, and a patch alone
// is no manifest.
func dropInputs(req *validate.Request) {
	if len(req.Overlays) == 0 || len(req.Files) == 0 {
		return
	}
	in := validate.NewInputs(req.FS, req.Root)
	inputs := map[string]bool{}
	for _, o := range req.Overlays {
		for _, p := range in.Of(o) {
			inputs[p] = true
		}
	}
	kept := req.Files[:0]
	for _, f := range req.Files {
		if inputs[f] {
			req.Skipped = append(req.Skipped, validate.Skip{File: f, Reason: validate.SkipInput})
			continue
		}
		kept = append(kept, f)
	}
	req.Files = kept
}

// notIn is list without the entries of drop, each once.
func notIn(list, drop []string) []string {
	seen := map[string]bool{}
	for _, d := range drop {
		seen[d] = true
	}
	var out []string
	for _, l := range list {
		if !seen[l] {
			seen[l] = true
			out = append(out, l)
		}
	}
	return out
}

// repoOf returns the root of the Git repository holding dir (dir itself
// outside one) and the URLs of its origin remote, without credentials.
func repoOf(dir string) (string, []string) {
	r, err := gitrepo.Open(dir)
	if err != nil {
		return dir, nil
	}
	u, err := r.RemoteURL("origin")
	if err != nil {
		return r.Root(), nil
	}
	if p, err := url.Parse(u); err == nil && p.User != nil {
		p.User = nil
		u = p.String()
	}
	return r.Root(), []string{u}
}

// kubeMinor parses --kube-version: 1.34, v1.34 or v1.34.4.
func kubeMinor(v string) (int, error) {
	if v == "" {
		return 0, nil
	}
	parts := strings.Split(strings.TrimPrefix(v, "v"), ".")
	if len(parts) < 2 || parts[0] != "1" {
		return 0, usagef("--kube-version %q: use a Kubernetes release such as 1.34", v)
	}
	minor, err := strconv.Atoi(parts[1])
	if err != nil || minor < 0 {
		return 0, usagef("--kube-version %q: use a Kubernetes release such as 1.34", v)
	}
	return minor, nil
}

func yamlFiles(root, dir string) ([]string, error) {
	var out []string
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if !d.IsDir() && isYAML(p) {
			out = append(out, relSlash(root, p))
		}
		return nil
	})
	sort.Strings(out)
	return out, err
}

func isYAML(p string) bool { return strings.HasSuffix(p, ".yaml") || strings.HasSuffix(p, ".yml") }

func relSlash(root, p string) string {
	rel, err := filepath.Rel(root, p)
	if err != nil {
		return filepath.ToSlash(p)
	}
	return filepath.ToSlash(rel)
}

// narrowToChanged keeps the overlays whose inputs changed since rev, and
// the plain files if any of them changed (Applications are checked with
// their AppProjects, so all or none). A changed gen.yaml can change the
// managed ingress classes: then everything is checked.
func narrowToChanged(ctx context.Context, req *validate.Request, rev, cfgFile string) error {
	changed, err := gitrepo.ChangedFiles(ctx, req.Root, rev)
	if errors.Is(err, gitrepo.ErrUnknownRevision) {
		return usagef("--since: %v", err)
	}
	if err != nil {
		return err
	}
	for _, c := range changed {
		if c == cfgFile {
			return nil
		}
	}
	req.Overlays = validate.Affected(req.FS, req.Root, req.Overlays, changed, 0)
	// Overlays whose inputs did not change are not rebuilt for the
	// Applications pointing at them.
	req.SkipApplicationPathBuilds = true
	filesChanged := false
	for _, f := range req.Files {
		for _, c := range changed {
			if f == c {
				filesChanged = true
			}
		}
	}
	if !filesChanged {
		req.Files = nil
	}
	return nil
}

// summarize tells on stderr what was checked, so an empty stdout is
// visibly a pass and not a run that checked nothing.
func summarize(opts *validateOptions, sum validate.Summary, report validate.Report) {
	skipped := ""
	if s := validate.SkipSummary(report.Skipped); s != "" {
		skipped = "; " + s
	}
	fmt.Fprintf(opts.g.deps.Stderr, "gen validate: %d overlays, %d files: %d errors, %d warnings%s\n",
		sum.Overlays, sum.Files, sum.Errors, sum.Warnings, skipped)
}
