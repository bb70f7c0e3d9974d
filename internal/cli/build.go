package cli

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/spf13/cobra"
	"sigs.k8s.io/kustomize/kyaml/filesys"

	"github.com/rolloutgen/rolloutgen/internal/atomicfile"
	"github.com/rolloutgen/rolloutgen/internal/config"
	"github.com/rolloutgen/rolloutgen/internal/kustomize"
)

type buildOptions struct {
	*globalOptions
	env, app string
	outDir   string
}

func newBuildCmd(g *globalOptions) *cobra.Command {
	o := &buildOptions{globalOptions: g}
	c := &cobra.Command{
		Use:   "build",
		Short: "Build overlays in-process with kustomize and print the YAML",
		Long: `Build the selected overlays with kustomize in-process (the output is
byte-identical to kubectl kustomize) and print them as one YAML stream, or
write one file per overlay, <env>-<app>.yaml, with --out-dir.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error { return runBuild(cmd.Context(), o) },
	}
	c.Flags().StringVar(&o.env, "env", "", "build only this environment")
	c.Flags().StringVar(&o.app, "app", "", "build only this app")
	c.Flags().StringVar(&o.outDir, "out-dir", "", "write one file per overlay into this directory")
	return c
}

// overlay is one environment × app.
type overlay struct{ Env, App string }

func (o overlay) Dir() string { return config.OverlayDir(o.Env, o.App) }

// checkNames makes --env and --app name an environment and an app of
// gen.yaml (empty names are not checked); an unknown one is a usage error
// that lists the names there are.
func checkNames(cfg *config.Config, env, app string) error {
	if _, ok := cfg.Environment(env); env != "" && !ok {
		return usagef("--env %q: no such environment in gen.yaml; environments: %s", env, strings.Join(cfg.EnvironmentNames(), ", "))
	}
	if _, ok := cfg.App(app); app != "" && !ok {
		return usagef("--app %q: no such app in gen.yaml; apps: %s", app, strings.Join(cfg.AppNames(), ", "))
	}
	return nil
}

// selectOverlays lists the overlays matching --env and --app, in
// environment then app order; an unknown name is a usage error.
func selectOverlays(cfg *config.Config, env, app string) ([]overlay, error) {
	if err := checkNames(cfg, env, app); err != nil {
		return nil, err
	}
	var out []overlay
	for _, e := range cfg.Environments {
		for _, a := range cfg.Apps {
			if (env == "" || env == e.Name) && (app == "" || app == a.Name) {
				out = append(out, overlay{Env: e.Name, App: a.Name})
			}
		}
	}
	return out, nil
}

func runBuild(_ context.Context, o *buildOptions) error {
	cfg, root, err := o.loadConfig()
	if err != nil {
		return err
	}
	overlays, err := selectOverlays(cfg, o.env, o.app)
	if err != nil {
		return err
	}
	fsys := filesys.MakeFsOnDisk()
	if o.outDir != "" {
		if err := os.MkdirAll(o.path(o.outDir), 0o755); err != nil {
			return err
		}
	}
	written := map[string]overlay{} // config rejects colliding names; never overwrite one anyway
	for i, ov := range overlays {
		out, err := kustomize.Build(fsys, filepath.Join(root, filepath.FromSlash(ov.Dir())))
		if err != nil {
			return fmt.Errorf("%s: %w", ov.Dir(), err)
		}
		if o.outDir != "" {
			name := config.BuildFileName(ov.Env, ov.App)
			if other, ok := written[name]; ok {
				return usagef("--out-dir: overlays %s and %s would both be written to %q", ov.Dir(), other.Dir(), name)
			}
			written[name] = ov
			p := filepath.Join(o.path(o.outDir), name)
			if err := atomicfile.Write(p, out, 0o644); err != nil {
				return err
			}
			fmt.Fprintf(o.deps.Stderr, "wrote %s\n", p)
			continue
		}
		if i > 0 {
			fmt.Fprintln(o.deps.Stdout, "---")
		}
		if _, err := o.deps.Stdout.Write(out); err != nil {
			return err
		}
	}
	return nil
}
