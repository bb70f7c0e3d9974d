package render

import (
	"bytes"
	"errors"
	"fmt"
	"io/fs"
	"sort"
	"strings"
	"text/template"

	"sigs.k8s.io/kustomize/kyaml/yaml"

	"github.com/rolloutgen/rolloutgen/internal/config"
	"github.com/rolloutgen/rolloutgen/internal/kustomize"
	"github.com/rolloutgen/rolloutgen/templates"
)

// File is one rendered file, at a slash-separated path relative to the
// repository root.
type File struct {
	Path string
	Data []byte
	// Notes name the fields render owns that the file on disk sets
	// otherwise (an overlay's images: entry); --check prints them.
	Notes []string
}

// Owned are the top-level directories gen render owns: files under them
// that it no longer renders are removed, and --check reports them.
var owned = []string{"base", "overlays", "argocd"}

// ReadFunc reads a file of the current repository by its slash path; it
// returns an error wrapping fs.ErrNotExist for a missing file.
type ReadFunc func(path string) ([]byte, error)

// Renderer renders with one parsed template set.
type Renderer struct {
	tmpl *template.Template
}

// New parses the embedded templates.
func New() (*Renderer, error) {
	t, err := template.New("").Option("missingkey=error").ParseFS(templates.FS, "*.tmpl")
	if err != nil {
		return nil, fmt.Errorf("parse templates: %w", err)
	}
	return &Renderer{tmpl: t}, nil
}

// Render returns every file for cfg, sorted by path. read gives the
// current overlays, whose images: entries are kept as they are (they
// belong to gen bump). Every file is parsed back before it is returned.
func (r *Renderer) Render(cfg *config.Config, read ReadFunc) ([]File, error) {
	var files []File
	add := func(p, tmpl string, data any) error {
		var b bytes.Buffer
		if err := r.tmpl.ExecuteTemplate(&b, tmpl, data); err != nil {
			return fmt.Errorf("render %s: %w", p, err)
		}
		if strings.HasSuffix(p, ".yaml") {
			if _, err := yaml.Parse(b.String()); err != nil {
				return fmt.Errorf("render %s: output does not parse back: %w", p, err)
			}
		}
		files = append(files, File{Path: p, Data: b.Bytes()})
		return nil
	}
	for i := range cfg.Apps {
		a := &cfg.Apps[i]
		dir := config.BaseDir(a.Name)
		d := newAppData(a)
		if err := add(dir+"/rollout.yaml", "rollout.yaml.tmpl", d); err != nil {
			return nil, err
		}
		stable, canary := d, d
		stable.ServiceName, stable.Role = d.StableService, "stable"
		canary.ServiceName, canary.Role = d.CanaryService, "canary"
		if err := add(dir+"/service-stable.yaml", "service.yaml.tmpl", stable); err != nil {
			return nil, err
		}
		if err := add(dir+"/service-canary.yaml", "service.yaml.tmpl", canary); err != nil {
			return nil, err
		}
		if err := add(dir+"/ingress.yaml", "ingress.yaml.tmpl", d); err != nil {
			return nil, err
		}
		if err := add(dir+"/kustomization.yaml", "base-kustomization.yaml.tmpl", d); err != nil {
			return nil, err
		}
		// Copied, not templated: the base's configurations: names it, and
		// kustomize only loads files inside the kustomization's own root.
		files = append(files, File{Path: dir + "/rollout-transform.yaml", Data: templates.RolloutTransform()})
	}
	for i := range cfg.Environments {
		e := &cfg.Environments[i]
		for j := range cfg.Apps {
			a := &cfg.Apps[j]
			p := config.OverlayDir(e.Name, a.Name) + "/kustomization.yaml"
			var current []byte
			if read != nil {
				var err error
				current, err = read(p)
				if err != nil && !errors.Is(err, fs.ErrNotExist) {
					return nil, err // names the file, or the symlink on its path
				}
			}
			kept, err := keepImage(current, p, a.Image)
			if err != nil {
				return nil, err
			}
			if err := add(p, "overlay-kustomization.yaml.tmpl", newOverlayData(a, cfg.Resolve(a, e))); err != nil {
				return nil, err
			}
			f := &files[len(files)-1]
			f.Notes = kept.Notes
			if kept.From != "" {
				if f.Data, _, err = kustomize.KeepVersion(f.Data, a.Image, current, kept.From); err != nil {
					return nil, fmt.Errorf("%s: %w", p, err)
				}
			}
		}
	}
	if err := r.renderArgoCD(cfg, add); err != nil {
		return nil, err
	}
	if err := r.renderCI(cfg, add); err != nil {
		return nil, err
	}
	sortFiles(files)
	return files, nil
}

func (r *Renderer) renderArgoCD(cfg *config.Config, add func(p, tmpl string, data any) error) error {
	base := argoData{
		Project:        cfg.ArgoCD.Project,
		ArgoNamespace:  cfg.ArgoCD.Namespace,
		RepoURL:        quote(cfg.Repo.URL),
		TargetRevision: quote(cfg.Repo.TargetRevision),
	}
	proj := base
	proj.Description = describeProject(cfg)
	for _, e := range cfg.Environments {
		proj.Namespaces = append(proj.Namespaces, e.Namespace)
	}
	// The root app-of-apps deploys Applications and the AppProject into
	// Argo CD's own namespace.
	proj.Namespaces = append(proj.Namespaces, cfg.ArgoCD.Namespace)
	if err := add("argocd/project.yaml", "appproject.yaml.tmpl", proj); err != nil {
		return err
	}
	root := base
	root.Name = config.RootApplicationName(cfg.ArgoCD.Project)
	root.Path = quote("argocd")
	root.Recurse = true
	root.Namespace = cfg.ArgoCD.Namespace
	if err := add("argocd/root.yaml", "application.yaml.tmpl", root); err != nil {
		return err
	}
	for _, e := range cfg.Environments {
		for _, a := range cfg.Apps {
			app := base
			app.Name = config.ApplicationName(a.Name, e.Name)
			app.Path = quote(config.OverlayDir(e.Name, a.Name))
			app.Namespace = e.Namespace
			app.CreateNamespace = true
			if err := add("argocd/apps/"+app.Name+".yaml", "application.yaml.tmpl", app); err != nil {
				return err
			}
		}
	}
	return nil
}

// renderCI writes the GitOps repository's own CI: a GitHub Actions
// workflow that calls a plain script, so any CI system can run the same
// checks (gen render --check, gen validate). The names stay clear of the
// project's own .ci/.
func (r *Renderer) renderCI(cfg *config.Config, add func(p, tmpl string, data any) error) error {
	d := ciData{TargetRevision: quote(cfg.Repo.TargetRevision), GenVersion: cfg.CI.GenVersion, GoVersion: ciGoVersion}
	if err := add(".github/workflows/gitops.yaml", "gitops-workflow.yaml.tmpl", d); err != nil {
		return err
	}
	return add("hack/gitops-ci.sh", "gitops-ci.sh.tmpl", d)
}

// ciData feeds the CI templates.
type ciData struct {
	TargetRevision string
	// GenVersion is ci.genVersion, a release tag (validated: no shell
	// metacharacters); empty makes the script fail rather than float.
	GenVersion string
	GoVersion  string
}

// ciGoVersion is the Go release the rendered workflow installs to build
// gen at ci.genVersion: a fixed release, never "stable", so the workflow
// is the same every time it runs (and every time it is rendered).
const ciGoVersion = "1.26.8"

func sortFiles(files []File) {
	sort.Slice(files, func(i, j int) bool { return files[i].Path < files[j].Path })
}
