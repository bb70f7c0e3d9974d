package cli

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"

	"github.com/spf13/cobra"

	"github.com/rolloutgen/rolloutgen/internal/atomicfile"
	"github.com/rolloutgen/rolloutgen/internal/config"
	"github.com/rolloutgen/rolloutgen/templates"
)

type initOptions struct {
	*globalOptions
	force  bool
	output string
}

func newInitCmd(g *globalOptions) *cobra.Command {
	o := &initOptions{globalOptions: g}
	c := &cobra.Command{
		Use:   "init",
		Short: "Write a gen.yaml that reproduces the canary demo",
		Long: `Write a gen.yaml reproducing the seed's canary demo: app rollouts-demo,
v2 live on 5 replicas, port 8080 behind Service port 9999, ingress class
ack-nginx, header X-Canary: iwantsit, environments dev, staging and prod.`,
		Example: `  gen init
  gen init --config platform/gen.yaml --force -o json`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error { return runInit(cmd.Context(), o) },
	}
	c.Flags().BoolVar(&o.force, "force", false, "overwrite an existing gen.yaml")
	addOutputFlag(c, &o.output, "text", "json")
	return c
}

func runInit(_ context.Context, o *initOptions) error {
	if err := checkOutput(o.output, "text", "json"); err != nil {
		return err
	}
	p := o.path(o.configPath)
	if _, err := os.Stat(p); err == nil && !o.force {
		return usagef("%s already exists; pass --force to overwrite it", o.configPath)
	} else if err != nil && !errors.Is(err, fs.ErrNotExist) {
		return err
	}
	data := templates.DemoConfig()
	if _, err := config.Parse(config.FileName, data); err != nil {
		return fmt.Errorf("built-in demo config is invalid: %w", err)
	}
	if err := atomicfile.Write(p, data, 0o644); err != nil {
		return err
	}
	if o.output == "json" {
		return writeJSON(o.deps.Stdout, map[string]string{"wrote": o.configPath})
	}
	fmt.Fprintf(o.deps.Stderr, "wrote %s\n", o.configPath)
	return nil
}
