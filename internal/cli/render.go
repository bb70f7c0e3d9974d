package cli

import (
	"context"
	"fmt"

	"github.com/spf13/cobra"

	"github.com/rolloutgen/rolloutgen/internal/render"
)

type renderOptions struct {
	*globalOptions
	check  bool
	strict bool
}

func newRenderCmd(g *globalOptions) *cobra.Command {
	o := &renderOptions{globalOptions: g}
	c := &cobra.Command{
		Use:   "render",
		Short: "Render base/, overlays/ and argocd/ from gen.yaml",
		Long: `Render the GitOps repository from gen.yaml: a kustomize base per app, an
overlay per environment and app, and the Argo CD AppProject and
Applications. gen render owns what it writes under base/, overlays/ and
argocd/: its files that gen.yaml no longer describes are removed; any other
file there is reported as unowned and never touched. The newTag and digest
of existing overlays belong to gen bump and are kept.

A render is all or nothing: a render that fails part way is rolled back,
and one that was killed is rolled back by the next gen render. Symlinks on
the paths it writes are refused, never followed.

With --check nothing is written: it lists each missing, changed, extra or
unowned file and exits 1 when any but unowned is listed (with --strict,
unowned too), or when an interrupted render's journal is there.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error { return runRender(cmd.Context(), o) },
	}
	c.Flags().BoolVar(&o.check, "check", false, "write nothing; exit 1 listing files that differ from gen.yaml")
	c.Flags().BoolVar(&o.strict, "strict", false, "with --check, unowned files under base/, overlays/, argocd/ fail too")
	return c
}

func runRender(_ context.Context, o *renderOptions) error {
	if o.strict && !o.check {
		return usagef("--strict needs --check")
	}
	cfg, root, err := o.loadConfig()
	if err != nil {
		return err
	}
	if o.check {
		if j, ok, err := render.Pending(root); err != nil {
			return err
		} else if ok {
			return fmt.Errorf("%s: %w", j, render.ErrUnfinished)
		}
	} else if rolled, err := render.Recover(root); err != nil {
		return err
	} else if rolled {
		fmt.Fprintln(o.deps.Stderr, "rolled back an interrupted render")
	}
	r, err := render.New()
	if err != nil {
		return err
	}
	files, err := r.Render(cfg, render.DirReader(root))
	if err != nil {
		return err
	}
	drift, err := render.Compare(root, files)
	if err != nil {
		return err
	}
	if o.check {
		if drift.Empty() && (len(drift.Unowned) == 0 || !o.strict) {
			for _, l := range drift.Lines() {
				fmt.Fprintln(o.deps.Stderr, "warning: "+l)
			}
			fmt.Fprintf(o.deps.Stderr, "%d files match gen.yaml\n", len(files))
			return nil
		}
		for _, l := range drift.Lines() {
			fmt.Fprintln(o.deps.Stdout, l)
		}
		fmt.Fprintf(o.deps.Stderr, "drift: the files above differ from gen.yaml; run gen render and commit the result (unowned files are not gen's: move them out of base/, overlays/, argocd/)\n")
		return errSilentFailure
	}
	if err := render.Write(root, files, drift); err != nil {
		return err
	}
	for _, l := range drift.Lines() {
		fmt.Fprintln(o.deps.Stderr, l)
	}
	fmt.Fprintf(o.deps.Stderr, "rendered %d files (%d written, %d removed, %d unowned left alone)\n", len(files), len(drift.Missing)+len(drift.Changed), len(drift.Extra), len(drift.Unowned))
	return nil
}
