package cli

import (
	"context"
	"fmt"
	"path/filepath"

	"github.com/spf13/cobra"

	"github.com/rolloutgen/rolloutgen/internal/input"
	"github.com/rolloutgen/rolloutgen/internal/render"
)

type renderOptions struct {
	*globalOptions
	check  bool
	output string
}

// renderResult is gen render's -o json output.
type renderResult struct {
	Files   int      `json:"files"`
	Check   bool     `json:"check"`
	Missing []string `json:"missing"`
	Changed []string `json:"changed"`
	Extra   []string `json:"extra"`
}

// boundedReader reads rendered paths under root as render.DirReader does,
// but only regular files of bounded size, and not after a signal.
func boundedReader(ctx context.Context, root string) render.ReadFunc {
	return func(p string) ([]byte, error) {
		return input.ReadFile(ctx, filepath.Join(root, filepath.FromSlash(p)), input.MaxFile)
	}
}

func newRenderCmd(g *globalOptions) *cobra.Command {
	o := &renderOptions{globalOptions: g}
	c := &cobra.Command{
		Use:   "render",
		Short: "Render base/, overlays/ and argocd/ from gen.yaml",
		Long: `Render the GitOps repository from gen.yaml: a kustomize base per app, an
overlay per environment and app, and the Argo CD AppProject and
Applications. gen render owns base/, overlays/ and argocd/: files there that
gen.yaml no longer describes are removed. The images: entries of existing
overlays belong to gen bump and are kept.

With --check nothing is written: it lists each missing, changed or extra
file and exits 1 when there is any.`,
		Example: `  gen render
  gen render --check            # in CI: exit 1 when the files differ from gen.yaml
  gen render --check -o json`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error { return runRender(cmd.Context(), o) },
	}
	c.Flags().BoolVar(&o.check, "check", false, "write nothing; exit 1 listing files that differ from gen.yaml")
	addOutputFlag(c, &o.output, "text", "json")
	return c
}

func runRender(ctx context.Context, o *renderOptions) error {
	if err := checkOutput(o.output, "text", "json"); err != nil {
		return err
	}
	cfg, root, err := o.loadConfig()
	if err != nil {
		return err
	}
	r, err := render.New()
	if err != nil {
		return err
	}
	files, err := r.Render(cfg, boundedReader(ctx, root))
	if err != nil {
		return err
	}
	drift, err := render.Compare(root, files)
	if err != nil {
		return err
	}
	// A signal stops the render here, before its first write.
	if err := ctx.Err(); err != nil {
		return err
	}
	result := renderResult{Files: len(files), Check: o.check, Missing: nonNil(drift.Missing), Changed: nonNil(drift.Changed), Extra: nonNil(drift.Extra)}
	if o.check && o.output == "json" {
		if err := writeJSON(o.deps.Stdout, result); err != nil {
			return err
		}
		if !drift.Empty() {
			return errSilentFailure
		}
		return nil
	}
	if o.check {
		if drift.Empty() {
			fmt.Fprintf(o.deps.Stderr, "%d files match gen.yaml\n", len(files))
			return nil
		}
		for _, l := range drift.Lines() {
			fmt.Fprintln(o.deps.Stdout, l)
		}
		fmt.Fprintf(o.deps.Stderr, "drift: the files above differ from gen.yaml; run gen render and commit the result\n")
		return errSilentFailure
	}
	if err := render.Write(root, files, drift); err != nil {
		return err
	}
	if err := ctx.Err(); err != nil {
		// The writes finished (each atomic); say the run was interrupted
		// all the same, as the caller asked it to stop.
		return err
	}
	if o.output == "json" {
		return writeJSON(o.deps.Stdout, result)
	}
	for _, l := range drift.Lines() {
		fmt.Fprintln(o.deps.Stderr, l)
	}
	fmt.Fprintf(o.deps.Stderr, "rendered %d files (%d written, %d removed)\n", len(files), len(drift.Missing)+len(drift.Changed), len(drift.Extra))
	return nil
}

// nonNil makes an empty list print as [] in JSON.
func nonNil(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}
