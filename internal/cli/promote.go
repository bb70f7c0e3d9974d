package cli

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/rolloutgen/rolloutgen/internal/bump"
	"github.com/rolloutgen/rolloutgen/internal/config"
	"github.com/rolloutgen/rolloutgen/internal/gitrepo"
	"github.com/rolloutgen/rolloutgen/internal/release"
)

type promoteOptions struct {
	bumpOptions

	from, to string
	all      bool
	force    bool
	reason   string
	soak     time.Duration
}

func newPromoteCmd(g *globalOptions) *cobra.Command {
	o := &promoteOptions{bumpOptions: bumpOptions{globalOptions: g}}
	c := &cobra.Command{
		Use:   "promote --app APP [--from ENV] --to ENV [--push]",
		Short: "Copy an app's image from one environment's overlay to the next, after gates (gen canary promote moves a Rollout step)",
		Long: `gen promote moves an image between environments; gen canary promote moves
a Rollout's canary forward inside one.

Copies the source overlay's tag and digest into the target overlay as one
commit (trailers Promoted-From and Source-Commit), through the same commit
and push path as gen bump. --to defaults to the environment after --from,
--from to the one before --to.

Gates, checked before anything is written, on the source environment: the
Application is Synced at a revision containing the commit that set the tag,
and Healthy; the Rollout is fully promoted at that image (stable = current,
not paused, not aborted); with --soak D, Healthy for D. --force --reason
TEXT skips them and records the reason (trailer Gates-Skipped). --dry-run
prints the gates and the commit and writes nothing. --all promotes every
app whose source is ahead, one commit each, and exits 1 if any is refused.`,
		Example: `  gen promote --app rollouts-demo --to staging --push
  gen promote --app rollouts-demo --from staging --to prod --soak 30m --dry-run
  gen promote --all --to prod --push
  gen promote --app rollouts-demo --to prod --force --reason "hotfix for INC-42"`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error { return runPromote(cmd.Context(), o) },
	}
	f := c.Flags()
	f.StringVar(&o.app, "app", "", "app to promote (default: the only app in gen.yaml)")
	f.StringVar(&o.from, "from", "", "source environment (default: the one before --to)")
	f.StringVar(&o.to, "to", "", "target environment (default: the one after --from)")
	f.BoolVar(&o.all, "all", false, "promote every app whose source is ahead of the target")
	f.BoolVar(&o.force, "force", false, "skip the gates (needs --reason)")
	f.StringVar(&o.reason, "reason", "", "why the gates are skipped: one line, at most 200 characters (recorded as Gates-Skipped)")
	f.DurationVar(&o.soak, "soak", 0, "require the source Rollout Healthy for this long at the image")
	o.addCommitFlags(f)
	o.addHistoryFlags(f)
	return c
}

type promoteReport struct {
	SchemaVersion int            `json:"schemaVersion"`
	App           string         `json:"app"`
	From          string         `json:"from"`
	To            string         `json:"to"`
	Version       string         `json:"version"`
	SourceCommit  string         `json:"sourceCommit"`
	Gates         []release.Gate `json:"gates,omitempty"`
	Refused       []string       `json:"refused,omitempty"`
}

func (o *promoteOptions) validate(cfg *config.Config) error {
	names := cfg.EnvironmentNames()
	idx := func(flag, env string) (int, error) {
		for i, n := range names {
			if n == env {
				return i, nil
			}
		}
		return 0, usagef("%s %q: no such environment in gen.yaml; environments: %s", flag, env, strings.Join(names, ", "))
	}
	switch {
	case o.from == "":
		i, err := idx("--to", o.to)
		if err != nil {
			return err
		}
		if i == 0 {
			return usagef("--to %q is the first environment: nothing promotes into it", o.to)
		}
		o.from = names[i-1]
	case o.to == "":
		i, err := idx("--from", o.from)
		if err != nil {
			return err
		}
		if i == len(names)-1 {
			return usagef("--from %q is the last environment: nothing to promote to", o.from)
		}
		o.to = names[i+1]
	default:
		if _, err := idx("--from", o.from); err != nil {
			return err
		}
		if _, err := idx("--to", o.to); err != nil {
			return err
		}
	}
	if o.from == o.to {
		return usagef("--from and --to are both %q", o.from)
	}
	if o.force && strings.TrimSpace(o.reason) == "" {
		return usagef("--force needs --reason TEXT: it is recorded in the commit")
	}
	if o.reason != "" && (!o.force || strings.ContainsAny(o.reason, "\r\n") || len(o.reason) > 200) {
		return usagef("--reason: one line of at most 200 characters, with --force")
	}
	if o.all && o.app != "" {
		return usagef("--all promotes every app; it cannot be combined with --app")
	}
	return nil
}

// validateFlags checks what needs no gen.yaml, before anything is opened
// or cloned.
func (o *promoteOptions) validateFlags() error {
	if o.from == "" && o.to == "" {
		return usagef("pass --to ENV (or --from ENV): which environments to promote between")
	}
	if o.path != "" {
		return usagef("--path: gen promote works on gen.yaml's apps")
	}
	return o.validateHistoryFlags()
}

func runPromote(ctx context.Context, o *promoteOptions) error {
	if err := o.validateFlags(); err != nil {
		return err
	}
	return o.withWork(ctx, func(w *bumpWork) error { return o.promoteIn(ctx, w) })
}

// promoteIn promotes the selected apps in w, one commit each.
func (o *promoteOptions) promoteIn(ctx context.Context, w *bumpWork) error {
	if w.cfg == nil {
		return usagef("--path: gen promote works on gen.yaml's apps")
	}
	if err := o.validate(w.cfg); err != nil {
		return err
	}
	apps := []string{o.app}
	if o.all {
		apps = w.cfg.AppNames()
	}
	hist := w.src.History(o.maxDepth)
	var refused []string
	for _, app := range apps {
		if err := o.promoteOne(ctx, w, hist, app); err != nil {
			if !o.all || !errors.Is(err, errRefused) {
				return err
			}
			refused = append(refused, err.Error())
		}
	}
	if len(refused) > 0 {
		fmt.Fprintf(o.deps.Stderr, "gen: refused: %d of %d apps:\n  %s\n", len(refused), len(apps), strings.Join(refused, "\n  "))
		return errSilentFailure
	}
	return nil
}

// errRefused marks a promotion a gate refused (exit 1).
var errRefused = errors.New("refused")

func (o *promoteOptions) promoteOne(ctx context.Context, w *bumpWork, hist *gitrepo.History, app string) error {
	src, err := w.targetFor(app, o.from, "")
	if err != nil {
		return err
	}
	dst, err := w.targetFor(src.App, o.to, "")
	if err != nil {
		return err
	}
	srcFile, dstFile := src.Dir+"/kustomization.yaml", dst.Dir+"/kustomization.yaml"
	eh, err := release.ReadEntryHistory(ctx, hist, srcFile, src.Image)
	if err != nil {
		if !o.force || !errors.Is(err, release.ErrHistoryEnds) {
			return historyErr(fmt.Sprintf("promote %s %s -> %s", src.App, o.from, o.to), hist, err, "--force --reason to promote anyway")
		}
		// --force skips the gates, the only reader of Source-Commit: the
		// commit goes without the trailer rather than with a guess.
		fmt.Fprintf(o.deps.Stderr, "gen: warning: promote %s %s -> %s: %v; --force: committing without a Source-Commit trailer\n", src.App, o.from, o.to, err)
		eh.SetBy = ""
	}
	want := eh.Current
	if cur, err := release.EntryAt(hist, "HEAD", dstFile, dst.Image); err == nil && cur == want {
		if !o.all || o.output == "text" {
			fmt.Fprintf(o.deps.Stdout, "%s/%s: already at %s; nothing to promote\n", src.App, o.to, want)
		}
		return nil
	}
	name := fmt.Sprintf("promote %s %s -> %s (%s)", src.App, o.from, o.to, want)
	rep := promoteReport{SchemaVersion: release.SchemaVersion, App: src.App, From: o.from, To: o.to, Version: want.String(), SourceCommit: eh.SetBy}
	if !o.force {
		gates, err := o.gates(ctx, w, hist, src.App, eh, want)
		if err != nil {
			return fmt.Errorf("%s: %w", name, err)
		}
		rep.Gates = gates
		rep.Refused = release.Failed(gates)
		if o.dryRun || len(rep.Refused) > 0 {
			if err := o.printGates(rep); err != nil {
				return err
			}
		}
		if len(rep.Refused) > 0 {
			return fmt.Errorf("%s %w: %s/%s: %s", name, errRefused, src.App, o.from, strings.Join(rep.Refused, "; "))
		}
	}
	run := o.bumpOptions
	run.app, run.env, run.tag, run.digest = src.App, o.to, want.Tag, want.Digest
	run.kind, run.from = bump.KindPromote, o.from
	run.trailers = []bump.Trailer{{Key: bump.TrailerPromotedFrom, Value: o.from}}
	if eh.SetBy != "" {
		run.trailers = append(run.trailers, bump.Trailer{Key: bump.TrailerSourceCommit, Value: eh.SetBy})
	}
	if o.force {
		run.trailers = append(run.trailers, bump.Trailer{Key: bump.TrailerGatesSkipped, Value: o.reason})
	}
	run.gates = rep.Gates
	w.target = dst
	return run.commit(ctx, w)
}

// gates reads the source environment once (one LIST per kind) and judges it.
func (o *promoteOptions) gates(ctx context.Context, w *bumpWork, hist *gitrepo.History, app string, eh release.EntryHistory, want release.Version) ([]release.Gate, error) {
	client, err := o.refresh.kube.client(o.deps)
	if err != nil {
		return nil, fmt.Errorf("the gates need the cluster (%w); --force --reason skips them", err)
	}
	targets := release.Targets(w.cfg, o.refresh.kube.argoNamespace(w.cfg), app, o.from)
	snap, err := client.List(ctx, release.Kinds(targets)...)
	if err != nil {
		return nil, fmt.Errorf("the gates need the cluster: %w", err)
	}
	contains, err := w.contains(ctx, hist, o.remote, eh.SetBy)
	if err != nil {
		return nil, err
	}
	row := release.Observe(targets, nil, snap)[0]
	return release.PromoteGates(release.GateInput{Row: row, Want: want, SourceCommit: eh.SetBy, Contains: contains, Soak: o.soak, Now: o.now()})
}

func (o *promoteOptions) printGates(rep promoteReport) error {
	if o.output != "text" {
		return writeStructured(o.deps.Stdout, o.output, rep)
	}
	fmt.Fprintf(o.deps.Stdout, "gates of %s/%s for %s -> %s:\n", rep.App, rep.From, rep.Version, rep.To)
	for _, g := range rep.Gates {
		mark := "ok     "
		if !g.OK {
			mark = "REFUSED"
		}
		fmt.Fprintf(o.deps.Stdout, "  %s %-8s %s\n", mark, g.Name, g.Detail)
	}
	return nil
}
