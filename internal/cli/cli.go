package cli

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"github.com/rolloutgen/rolloutgen/internal/forge"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"runtime/debug"
	"strings"
	"time"

	"github.com/rolloutgen/rolloutgen/internal/config"
	"github.com/rolloutgen/rolloutgen/internal/input"
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
	// Forge builds the --pr client for a remote; nil means forge.New
	// (tests pass an in-memory fake).
	Forge func(remote forge.Remote, token string) (forge.Client, error)
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
	// With -o json a failure prints the error object on stdout, unless
	// the command already printed its own result there.
	stdout := &countingWriter{w: deps.Stdout}
	deps.Stdout = stdout
	root := newRootCmd(deps)
	root.SetArgs(args)
	cmd, err := root, unknownCommandHelp(root, args)
	if err == nil {
		cmd, err = root.ExecuteContextC(ctx)
	}
	if err != nil && ctx.Err() != nil && errors.Is(err, ctx.Err()) {
		// A signal (SIGINT, SIGTERM): the command stopped before its
		// next write; files are written atomically, never half.
		err = fmt.Errorf("interrupted (%v)", context.Cause(ctx))
	}
	code := exitCode(err)
	report(deps, cmd, args, err, code, stdout.n > 0)
	return code
}

// countingWriter counts the bytes written through it.
type countingWriter struct {
	w io.Writer
	n int64
}

func (c *countingWriter) Write(p []byte) (int, error) {
	n, err := c.w.Write(p)
	c.n += int64(n)
	return n, err
}

// unknownCommandHelp refuses `gen bogus --help` and `gen help bogus`:
// cobra would print the root's help and exit 0, as if bogus existed.
func unknownCommandHelp(root *cobra.Command, args []string) error {
	help := false
	for _, a := range args {
		help = help || a == "--help" || a == "-h"
	}
	if len(args) > 0 && args[0] == "help" {
		help, args = true, args[1:]
	}
	if !help {
		return nil
	}
	c, rest, err := root.Find(args)
	if err != nil || c != root {
		return nil
	}
	for _, a := range rest {
		if !strings.HasPrefix(a, "-") {
			return usagef("unknown command %q for \"gen\"", a)
		}
	}
	return nil
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
	root.Example = `  gen init && gen render && git add -A && git commit -m "gen render"
  gen bump --tag v3 --env staging --push
  gen validate --strict
  source <(gen completion bash)`
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
	root.InitDefaultHelpCmd()
	root.InitDefaultCompletionCmd()
	for _, c := range root.Commands() {
		switch c.Name() {
		case "help":
			c.Example = "  gen help bump"
		case "completion":
			c.Example = "  source <(gen completion bash)\n  gen completion zsh > \"${fpath[1]}/_gen\"\n  gen completion fish > ~/.config/fish/completions/gen.fish"
			for _, sub := range c.Commands() {
				sub.Example = "  gen completion " + sub.Name() + " > gen-completion." + sub.Name()
			}
		}
		completeFromConfig(c, g)
	}
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
	var output string
	c := &cobra.Command{
		Use:     "version",
		Short:   "Print the version of gen",
		Example: "  gen version\n  gen version -o json",
		Args:    cobra.NoArgs,
		RunE: func(*cobra.Command, []string) error {
			if err := checkOutput(output, "text", "json"); err != nil {
				return err
			}
			if output == "json" {
				return writeJSON(deps.Stdout, map[string]string{"version": Version})
			}
			_, err := fmt.Fprintf(deps.Stdout, "gen %s\n", Version)
			return err
		},
	}
	addOutputFlag(c, &output, "text", "json")
	return c
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
	// Bounded: a FIFO or /dev/zero as --config must neither block nor
	// exhaust memory.
	data, err := input.ReadFile(context.Background(), p, input.MaxConfig)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, "", usagef("%s not found; run gen init to write one, or pass --config", g.configPath)
	}
	if err != nil {
		return nil, "", usagef("--config: %w", err)
	}
	cfg, err := config.Parse(filepath.Base(p), data)
	if err != nil {
		return nil, "", usageErr(err)
	}
	return cfg, filepath.Dir(p), nil
}

// addOutputFlag adds -o/--output with formats (the first is the default),
// completed from that list.
func addOutputFlag(c *cobra.Command, p *string, formats ...string) {
	c.Flags().StringVarP(p, "output", "o", formats[0], "output format: "+strings.Join(formats, "|"))
	_ = c.RegisterFlagCompletionFunc("output", cobra.FixedCompletions(formats, cobra.ShellCompDirectiveNoFileComp))
}

// checkOutput makes an unknown -o value a usage error.
func checkOutput(value string, formats ...string) error {
	for _, f := range formats {
		if value == f {
			return nil
		}
	}
	list := strings.Join(formats[:len(formats)-1], ", ") + " or " + formats[len(formats)-1]
	return usagef("--output %q: use %s", value, list)
}

// writeJSON prints v indented, as every -o json output is.
func writeJSON(w io.Writer, v any) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(v)
}

// completeFromConfig completes --env and --app, where c has them, with
// the names in gen.yaml (the --config given on the command line).
func completeFromConfig(c *cobra.Command, g *globalOptions) {
	names := map[string]func(*config.Config) []string{
		"env": (*config.Config).EnvironmentNames,
		"app": (*config.Config).AppNames,
	}
	for flag, list := range names {
		if c.Flags().Lookup(flag) == nil {
			continue
		}
		_ = c.RegisterFlagCompletionFunc(flag, func(*cobra.Command, []string, string) ([]cobra.Completion, cobra.ShellCompDirective) {
			cfg, _, err := g.loadConfig()
			if err != nil {
				return nil, cobra.ShellCompDirectiveError
			}
			return list(cfg), cobra.ShellCompDirectiveNoFileComp
		})
	}
}
