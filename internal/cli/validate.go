package cli

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
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
	req, classes, cfgFile, err := validateTargets(opts)
	if err != nil {
		return err
	}
	if opts.since != "" {
		if err := narrowToChanged(ctx, &req, opts.since, cfgFile); err != nil {
			return err
		}
	}
	v := validate.New(validate.Options{NginxIngressClasses: classes})
	findings, err := v.Validate(ctx, req)
	if err != nil {
		return err
	}
	out := opts.g.deps.Stdout
	if opts.output == "json" {
		err = validate.WriteJSON(out, findings)
	} else {
		err = validate.WriteText(out, findings)
		summarize(opts, req, findings)
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
	fsys := kustomize.OnDisk()
	classes = opts.classes
	if len(opts.paths) > 0 {
		if opts.env != "" || opts.app != "" {
			return req, nil, "", usagef("--env and --app select overlays from gen.yaml; with PATHs, name the overlays instead")
		}
		root := opts.g.deps.Dir
		req = validate.Request{FS: fsys, Root: root, Build: opts.build}
		for _, p := range opts.paths {
			if err := addPath(&req, opts.g.path(p)); err != nil {
				return req, nil, "", err
			}
		}
		return req, classes, "", nil
	}
	cfg, root, err := opts.g.loadConfig()
	if err != nil {
		return req, nil, "", err
	}
	if !opts.classesSet {
		classes = cfg.Rollouts.NginxIngressClasses
	}
	req = validate.Request{FS: fsys, Root: root, Build: opts.build}
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
// directory is searched for kustomizations and YAML files; a file is
// checked as plain YAML.
func addPath(req *validate.Request, abs string) error {
	st, err := os.Stat(abs)
	if err != nil {
		return usagef("%v", err)
	}
	if !st.IsDir() {
		req.Files = append(req.Files, relSlash(req.Root, abs))
		return nil
	}
	return filepath.WalkDir(abs, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() {
			if p != abs && strings.HasPrefix(d.Name(), ".") {
				return filepath.SkipDir // .git, .github: not manifests
			}
			if validate.KustomizationFile(req.FS, p) != "" {
				req.Overlays = append(req.Overlays, relSlash(req.Root, p))
				return filepath.SkipDir // its files are its resources and patches
			}
			return nil
		}
		if isYAML(p) {
			req.Files = append(req.Files, relSlash(req.Root, p))
		}
		return nil
	})
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
func summarize(opts *validateOptions, req validate.Request, findings []validate.Finding) {
	var errs, warns int
	for _, f := range findings {
		if f.Severity == validate.Error {
			errs++
		} else {
			warns++
		}
	}
	fmt.Fprintf(opts.g.deps.Stderr, "gen validate: %d overlays, %d files: %d errors, %d warnings\n",
		len(req.Overlays), len(req.Files), errs, warns)
}
