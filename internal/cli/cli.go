package cli

import (
	"context"
	"fmt"
	"io"
	"os"

	"github.com/spf13/cobra"
)

// Version is set at build time with -ldflags "-X github.com/rolloutgen/rolloutgen/internal/cli.Version=...".
var Version = "dev"

// Deps are the side effects a command may use. Tests pass buffers and a
// fake environment; main passes the process's own.
type Deps struct {
	Stdout io.Writer
	Stderr io.Writer
	// Getenv reads the environment (os.Getenv in production).
	Getenv func(string) string
	// Dir is the working directory relative paths are resolved against.
	Dir string
}

// SystemDeps returns the process's real streams, environment and directory.
func SystemDeps() Deps {
	dir, err := os.Getwd()
	if err != nil {
		dir = "."
	}
	return Deps{Stdout: os.Stdout, Stderr: os.Stderr, Getenv: os.Getenv, Dir: dir}
}

// Run executes gen with args and returns the exit code.
func Run(ctx context.Context, args []string, deps Deps) int {
	root := newRootCmd(deps)
	root.SetArgs(args)
	err := root.ExecuteContext(ctx)
	if err != nil && err != errSilentFailure {
		fmt.Fprintf(deps.Stderr, "gen: %v\n", err)
	}
	return exitCode(err)
}

func newRootCmd(deps Deps) *cobra.Command {
	root := &cobra.Command{
		Use:           "gen",
		Short:         "Render, bump and validate an Argo CD + Argo Rollouts GitOps repository",
		Version:       Version,
		SilenceUsage:  true,
		SilenceErrors: true,
		Args:          cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return cmd.Help()
		},
	}
	root.SetOut(deps.Stdout)
	root.SetErr(deps.Stderr)
	root.SetVersionTemplate("gen {{.Version}}\n")
	root.SetFlagErrorFunc(func(_ *cobra.Command, err error) error { return usageErr(err) })
	root.AddCommand(newVersionCmd(deps))
	// Unknown sub-commands and bad arguments are usage errors too.
	for _, c := range root.Commands() {
		wrapArgs(c)
	}
	wrapArgs(root)
	return root
}

// wrapArgs makes argument validation failures exit 2, like flag errors.
func wrapArgs(c *cobra.Command) {
	if c.Args == nil {
		return
	}
	inner := c.Args
	c.Args = func(cmd *cobra.Command, args []string) error {
		return usageErr(inner(cmd, args))
	}
}

func newVersionCmd(deps Deps) *cobra.Command {
	return &cobra.Command{
		Use:   "version",
		Short: "Print the version of gen",
		Args:  cobra.NoArgs,
		RunE: func(*cobra.Command, []string) error {
			_, err := fmt.Fprintf(deps.Stdout, "gen %s\n", Version)
			return err
		},
	}
}
