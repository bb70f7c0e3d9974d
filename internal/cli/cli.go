package cli

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"runtime/debug"
	"time"

	"github.com/rolloutgen/rolloutgen/internal/config"
	"github.com/rolloutgen/rolloutgen/internal/kube"

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
	// Now is the clock (commit dates); nil means time.Now.
	Now func() time.Time
	// SetGCPercent tunes the process's garbage collector
	// (debug.SetGCPercent in production); nil leaves it alone, as tests
	// running many commands in one process want.
	SetGCPercent func(int) int
	// SetMemoryLimit sets the collector's soft memory limit
	// (debug.SetMemoryLimit in production); nil leaves it alone.
	SetMemoryLimit func(int64) int64
	// NewKube builds the kube client of commands that read the cluster;
	// nil means kube.NewClient (tests pass client-go's fake).
	NewKube func(kube.Config) (*kube.Client, error)
}

// SystemDeps returns the process's real streams, environment and directory.
func SystemDeps() Deps {
	dir, err := os.Getwd()
	if err != nil {
		dir = "."
	}
	return Deps{Stdout: os.Stdout, Stderr: os.Stderr, Getenv: os.Getenv, Dir: dir, Now: time.Now, SetGCPercent: debug.SetGCPercent, SetMemoryLimit: debug.SetMemoryLimit}
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
	g := &globalOptions{deps: deps}
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
	root.PersistentFlags().StringVarP(&g.configPath, "config", "c", config.FileName, "path of gen.yaml; the repository root is its directory")
	root.SetFlagErrorFunc(func(_ *cobra.Command, err error) error { return usageErr(err) })
	root.AddCommand(
		newVersionCmd(deps),
		newInitCmd(g),
		newRenderCmd(g),
		newBuildCmd(g),
		newBumpCmd(g),
		newValidateCmd(g),
		newProbeCmd(g),
		newStatusCmd(g),
		newWaitCmd(g),
		newCanaryCmd(g),
		newPromoteCmd(g),
		newRollbackCmd(g),
	)
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

// globalOptions are the flags every command shares.
type globalOptions struct {
	deps       Deps
	configPath string
}

// path resolves p against the working directory.
func (g *globalOptions) path(p string) string {
	if filepath.IsAbs(p) {
		return p
	}
	return filepath.Join(g.deps.Dir, p)
}

// loadConfig loads gen.yaml; a missing or invalid file is a configuration
// error (exit 2). It returns the repository root: gen.yaml's directory.
func (g *globalOptions) loadConfig() (*config.Config, string, error) {
	p := g.path(g.configPath)
	cfg, err := config.Load(p)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, "", usagef("%s not found; run gen init to write one, or pass --config", g.configPath)
	}
	if err != nil {
		return nil, "", usageErr(err)
	}
	return cfg, filepath.Dir(p), nil
}
