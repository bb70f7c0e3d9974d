package cli

import (
	"context"
	"errors"
	"fmt"

	"github.com/spf13/cobra"

	"github.com/rolloutgen/rolloutgen/internal/bump"
	"github.com/rolloutgen/rolloutgen/internal/config"
	"github.com/rolloutgen/rolloutgen/internal/gitrepo"
	"github.com/rolloutgen/rolloutgen/internal/kube"
	"github.com/rolloutgen/rolloutgen/internal/kustomize"
	"github.com/rolloutgen/rolloutgen/internal/release"
)

type rollbackOptions struct {
	bumpOptions
	commit string
}

func newRollbackCmd(g *globalOptions) *cobra.Command {
	o := &rollbackOptions{bumpOptions: bumpOptions{globalOptions: g}}
	c := &cobra.Command{
		Use:   "rollback (--env ENV [--app APP] | --path DIR [--image NAME]) [--tag TAG [--digest D] | --commit REV]",
		Short: "Commit the overlay back to what runs (or to a tag or commit), so Git tells the truth again",
		Long: `Set an overlay's images: entry back and commit it, through the same commit
and push path as gen bump (message "rollback <app>/<env>: <current> ->
<target>", trailer Reverts: <the commit that set the current entry>).

The default target is what runs: the image of the Rollout's stable
ReplicaSet. Mid-canary that sends the Rollout straight back to stable;
after an abort it makes Git agree with the cluster. Without kube access,
the entry before the current one in the file's Git history, with a
warning. --tag or --commit REV (the entry at REV) name the target.

--path DIR [--image NAME] rolls back any kustomization directory, as gen
bump --path does (no gen.yaml: the default target is the previous entry
in the file's history, with a warning). With --repo-url the depth-1 clone
is deepened in doubling steps up to --max-depth commits to read history;
where it ends before the answer gen says so and asks for --tag or
--commit.

Refused when the target is the current entry. If the remote head changed
the entry since gen read it, gen fails at once naming the new entry: it
never overwrites a newer fix.`,
		Example: `  gen rollback --env dev --push
  gen rollback --app rollouts-demo --env prod --tag v2 --push
  gen rollback --env staging --commit HEAD~3 --dry-run
  gen rollback --path clusters/prod/web --image example.com/web --push
  gen rollback --repo-url https://git.example.com/org/gitops.git --env prod --max-depth 500`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error { return runRollback(cmd.Context(), o) },
	}
	f := c.Flags()
	f.StringVar(&o.app, "app", "", "app to roll back (default: the only app in gen.yaml)")
	f.StringVar(&o.env, "env", "", "environment to roll back (required)")
	f.StringVar(&o.tag, "tag", "", "tag to roll back to (default: what the stable ReplicaSet runs)")
	f.StringVar(&o.digest, "digest", "", "digest to pin with --tag")
	f.StringVar(&o.commit, "commit", "", "roll back to the entry the overlay had at this commit")
	f.StringVar(&o.path, "path", "", "kustomization directory to roll back instead of an app's overlay (no gen.yaml needed; the target defaults to the previous entry in its history)")
	f.StringVar(&o.image, "image", "", "with --path: the images: entry to roll back (default: the only entry)")
	o.addCommitFlags(f)
	o.addHistoryFlags(f)
	return c
}

func (o *rollbackOptions) validateFlags() error {
	switch {
	case o.path == "" && o.env == "":
		return usagef("--env is required (or --path DIR in a repository without gen.yaml)")
	case o.path != "" && (o.app != "" || o.env != ""):
		return usagef("--path rolls back a directory directly; it cannot be combined with --app or --env")
	case o.commit != "" && o.tag != "":
		return usagef("--tag and --commit both name the target: pass one")
	case o.digest != "" && o.tag == "":
		return usagef("--digest goes with --tag")
	}
	if o.tag != "" {
		if err := kustomize.ValidateTag(o.tag); err != nil {
			return usagef("--tag: %w", err)
		}
	}
	if o.digest != "" {
		if err := kustomize.ValidateDigest(o.digest); err != nil {
			return usagef("--digest: %w", err)
		}
	}
	if o.image != "" {
		if err := kustomize.ValidateImageName(o.image); err != nil {
			return usagef("--image: %w", err)
		}
	}
	return o.validateHistoryFlags()
}

func runRollback(ctx context.Context, o *rollbackOptions) error {
	if err := o.validateFlags(); err != nil {
		return err
	}
	return o.withWork(ctx, func(w *bumpWork) error { return o.rollbackIn(ctx, w) })
}

// rollbackIn picks the target of w's overlay and commits it.
func (o *rollbackOptions) rollbackIn(ctx context.Context, w *bumpWork) (err error) {
	name := w.target.Dir
	if w.cfg != nil {
		if w.target, err = w.targetFor(o.app, o.env, o.image); err != nil {
			return err
		}
		name = w.target.App + "/" + w.target.Env
	}
	hist := w.src.History(o.maxDepth)
	file := w.target.Dir + "/kustomization.yaml"
	data, err := hist.ReadFile("HEAD", file)
	if err != nil {
		if w.cfg == nil {
			return usagef("--path %s: %w", o.path, err)
		}
		return fmt.Errorf("rollback %s: %w", name, err)
	}
	image := w.target.Image
	if image == "" {
		// --path without --image: the entry a bump would edit.
		if image, err = bump.PickImage(data, file, ""); err != nil {
			return usageErr(err)
		}
	}
	eh, err := release.ReadEntryHistory(ctx, hist, file, image)
	if err != nil {
		return historyErr("rollback "+name, hist, err, "--tag or --commit")
	}
	var target release.Version
	switch {
	case o.tag != "":
		target = release.Version{Tag: o.tag, Digest: o.digest}
	case o.commit != "":
		hash, err := hist.Resolve(ctx, o.commit)
		if err != nil {
			if errors.Is(err, gitrepo.ErrRevisionNotFound) {
				return usageErr(historyErr("--commit", hist, err, "--tag, or --max-depth for more history"))
			}
			return usagef("--commit: %w", err)
		}
		if target, err = release.EntryAt(hist, hash, file, image); err != nil {
			return usagef("--commit %q: %w", o.commit, err)
		}
	case w.cfg == nil:
		// No gen.yaml: nothing names the Rollout that runs this overlay.
		if eh.Previous == nil {
			return fmt.Errorf("rollback %s: %s %s is the file's first entry: no earlier one to go back to; pass --tag or --commit", name, image, eh.Current)
		}
		target = *eh.Previous
		fmt.Fprintf(o.deps.Stderr, "gen: warning: --path: no gen.yaml names the Rollout: rolling back to the previous entry in Git history (%s), not to what runs\n", target)
	default:
		if target, err = o.running(ctx, w.cfg, w.target.App, w.target.Env); err != nil {
			if !errors.Is(err, kube.ErrNoKubeConfig) {
				return fmt.Errorf("rollback %s: %w; pass --tag or --commit", name, err)
			}
			if eh.Previous == nil {
				return fmt.Errorf("rollback %s: no kube access and %s %s is the file's first entry; pass --tag or --commit", name, image, eh.Current)
			}
			target = *eh.Previous
			fmt.Fprintf(o.deps.Stderr, "gen: warning: no kube access: rolling back to the previous entry in Git history (%s), not to what runs\n", target)
		}
	}
	if target == eh.Current {
		return fmt.Errorf("rollback %s: refused: the overlay already pins %s", name, target)
	}
	if target.Tag == "" {
		return fmt.Errorf("rollback %s: the target %s has no tag; pass --tag", name, target)
	}
	if err := kustomize.ValidateTag(target.Tag); err != nil {
		return usagef("--tag: %w", err)
	}
	run := o.bumpOptions
	run.image, run.tag, run.digest = image, target.Tag, target.Digest
	run.kind, run.reverts = bump.KindRollback, eh.SetBy
	run.trailers = []bump.Trailer{{Key: bump.TrailerReverts, Value: eh.SetBy}}
	cur := kustomize.Version{Tag: eh.Current.Tag, Digest: eh.Current.Digest}
	run.expect = &cur
	w.target.Image = image
	return run.commit(ctx, w)
}

// running is what the stable ReplicaSet of app's Rollout in env runs.
func (o *rollbackOptions) running(ctx context.Context, cfg *config.Config, app, env string) (release.Version, error) {
	client, err := o.refresh.kube.client(o.deps)
	if err != nil {
		return release.Version{}, err
	}
	targets := release.Targets(cfg, o.refresh.kube.argoNamespace(cfg), app, env)
	snap, err := client.List(ctx, release.Kinds(targets)...)
	if err != nil {
		return release.Version{}, fmt.Errorf("read the cluster: %w", err)
	}
	row := release.Observe(targets, nil, snap)[0]
	if row.Rollout == nil || row.Rollout.StableImage == "" {
		return release.Version{}, fmt.Errorf("no stable ReplicaSet found (%s)", row.Verdict)
	}
	_, v := release.ParseImage(row.Rollout.StableImage)
	return v, nil
}
