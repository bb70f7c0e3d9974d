package cli

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"github.com/rolloutgen/rolloutgen/internal/atomicfile"
	"github.com/rolloutgen/rolloutgen/internal/config"
	"github.com/rolloutgen/rolloutgen/internal/kustomize"
)

type buildOptions struct {
	*globalOptions
	env, app string
	outDir   string
	output   string
	build    kustomize.Builder
}

// builtOverlay is one overlay in gen build's -o json output.
type builtOverlay struct {
	Env     string            `json:"env"`
	App     string            `json:"app"`
	Dir     string            `json:"dir"`
	File    string            `json:"file,omitempty"`
	Objects []json.RawMessage `json:"objects,omitempty"`
}

func newBuildCmd(g *globalOptions) *cobra.Command {
	o := &buildOptions{globalOptions: g}
	c := &cobra.Command{
		Use:   "build",
		Short: "Build overlays in-process with kustomize and print the YAML",
		Long: `Build the selected overlays with kustomize in-process (the output is
byte-identical to kubectl kustomize) and print them as one YAML stream, or
write one file per overlay, <env>-<app>.yaml, with --out-dir.`,
		Example: `  gen build --env dev | kubectl diff -f -
  gen build --app web --out-dir build/
  gen build --env prod -o json | jq '.[].objects[].kind'`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error { return runBuild(cmd.Context(), o) },
	}
	c.Flags().StringVar(&o.env, "env", "", "build only this environment")
	c.Flags().StringVar(&o.app, "app", "", "build only this app")
	c.Flags().StringVar(&o.outDir, "out-dir", "", "write one file per overlay into this directory")
	addBuildFlags(c.Flags(), &o.build)
	addOutputFlag(c, &o.output, "yaml", "json")
	return c
}

// addBuildFlags adds the flags that loosen a build's bounds: remote
// resources are refused unless --allow-remote, and then time out.
func addBuildFlags(f *pflag.FlagSet, b *kustomize.Builder) {
	f.BoolVar(&b.AllowRemote, "allow-remote", false, "let kustomize fetch remote resources (URLs, Git repositories); refused by default so a pull request cannot make CI fetch")
	f.DurationVar(&b.RemoteTimeout, "remote-timeout", kustomize.DefaultRemoteTimeout, "with --allow-remote: give up a build whose remote resources take longer")
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

func runBuild(ctx context.Context, o *buildOptions) error {
	if err := checkOutput(o.output, "yaml", "json"); err != nil {
		return err
	}
	cfg, root, err := o.loadConfig()
	if err != nil {
		return err
	}
	overlays, err := selectOverlays(cfg, o.env, o.app)
	if err != nil {
		return err
	}
	fsys := kustomize.OnDisk()
	if o.outDir != "" {
		if err := os.MkdirAll(o.path(o.outDir), 0o755); err != nil {
			return err
		}
	}
	results := []builtOverlay{}
	written := map[string]overlay{} // config rejects colliding names; never overwrite one anyway
	for i, ov := range overlays {
		m, err := o.build.BuildResMap(ctx, fsys, filepath.Join(root, filepath.FromSlash(ov.Dir())))
		if err != nil {
			if ctx.Err() != nil {
				return ctx.Err()
			}
			return fmt.Errorf("%s: %w", ov.Dir(), err)
		}
		out, err := m.AsYaml()
		if err != nil {
			return fmt.Errorf("%s: %w", ov.Dir(), err)
		}
		r := builtOverlay{Env: ov.Env, App: ov.App, Dir: ov.Dir()}
		switch {
		case o.outDir != "":
			name := config.BuildFileName(ov.Env, ov.App)
			if other, ok := written[name]; ok {
				return usagef("--out-dir: overlays %s and %s would both be written to %q", ov.Dir(), other.Dir(), name)
			}
			written[name] = ov
			r.File = filepath.Join(o.path(o.outDir), name)
			if err := atomicfile.Write(r.File, out, 0o644); err != nil {
				return err
			}
			if o.output != "json" {
				fmt.Fprintf(o.deps.Stderr, "wrote %s\n", r.File)
			}
		case o.output == "json":
			for _, res := range m.Resources() {
				b, err := res.MarshalJSON()
				if err != nil {
					return fmt.Errorf("%s: %w", ov.Dir(), err)
				}
				r.Objects = append(r.Objects, b)
			}
		default:
			if i > 0 {
				fmt.Fprintln(o.deps.Stdout, "---")
			}
			if _, err := o.deps.Stdout.Write(out); err != nil {
				return err
			}
		}
		results = append(results, r)
	}
	if o.output == "json" {
		return writeJSON(o.deps.Stdout, results)
	}
	return nil
}
