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
		Use:   "rollback --env ENV [--app APP] [--tag TAG [--digest D] | --commit REV]",
		Short: "Commit the overlay back to what runs (or to a tag or commit), so Git tells the truth again",
		Long: `Set an overlay's images: entry back and commit it, through the same commit
and push path as gen bump (message "rollback <app>/<env>: <current> ->
<target>", trailer Reverts: <the commit that set the current entry>).

The default target is what runs: the image of the Rollout's stable
ReplicaSet. Mid-canary that sends the Rollout straight back to stable;
after an abort it makes Git agree with the cluster. Without kube access,
the entry before the current one in the file's Git history, with a
warning. --tag or --commit REV (the entry at REV) name the target.

Refused when the target is the current entry. If the remote head changed
the entry since gen read it, gen fails at once naming the new entry: it
never overwrites a newer fix.`,
		Example: `  gen rollback --env dev --push
  gen rollback --app rollouts-demo --env prod --tag v2 --push
  gen rollback --env staging --commit HEAD~3 --dry-run`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error { return runRollback(cmd.Context(), o) },
	}
	f := c.Flags()
	f.StringVar(&o.app, "app", "", "app to roll back (default: the only app in gen.yaml)")
	f.StringVar(&o.env, "env", "", "environment to roll back (required)")
	f.StringVar(&o.tag, "tag", "", "tag to roll back to (default: what the stable ReplicaSet runs)")
	f.StringVar(&o.digest, "digest", "", "digest to pin with --tag")
	f.StringVar(&o.commit, "commit", "", "roll back to the entry the overlay had at this commit")
	o.addCommitFlags(f)
	return c
}

func runRollback(ctx context.Context, o *rollbackOptions) error {
	if o.env == "" {
		return usagef("--env is required")
	}
	if o.commit != "" && o.tag != "" {
		return usagef("--tag and --commit both name the target: pass one")
	}
	if o.digest != "" && o.tag == "" {
		return usagef("--digest goes with --tag")
	}
	cfg, root, err := o.loadConfig()
	if err != nil {
		return err
	}
	t, err := configTarget(cfg, o.app, o.env, "")
	if err != nil {
		return err
	}
	repo, err := gitrepo.Open(root)
	if err != nil {
		return err
	}
	file := t.Dir + "/kustomization.yaml"
	files := repoAt{repo, root}
	hist, err := release.ReadEntryHistory(ctx, historyAt{files, repo}, file, t.Image)
	if err != nil {
		return fmt.Errorf("rollback %s/%s: %w; pass --tag or --commit", t.App, t.Env, err)
	}
	var target release.Version
	switch {
	case o.tag != "":
		target = release.Version{Tag: o.tag, Digest: o.digest}
	case o.commit != "":
		hash, err := repo.CommitHash(ctx, o.commit)
		if err != nil {
			return usagef("--commit: %w", err)
		}
		if target, err = release.EntryAt(files, hash, file, t.Image); err != nil {
			return usagef("--commit %q: %w", o.commit, err)
		}
	default:
		if target, err = o.running(ctx, cfg, t.App, t.Env); err != nil {
			if !errors.Is(err, kube.ErrNoKubeConfig) {
				return fmt.Errorf("rollback %s/%s: %w; pass --tag or --commit", t.App, t.Env, err)
			}
			if hist.Previous == nil {
				return fmt.Errorf("rollback %s/%s: no kube access and %w; pass --tag or --commit", t.App, t.Env, release.ErrHistoryEnds)
			}
			target = *hist.Previous
			fmt.Fprintf(o.deps.Stderr, "gen: warning: no kube access: rolling back to the previous entry in Git history (%s), not to what runs\n", target)
		}
	}
	if target == hist.Current {
		return fmt.Errorf("rollback %s/%s: refused: the overlay already pins %s", t.App, t.Env, target)
	}
	if target.Tag == "" {
		return fmt.Errorf("rollback %s/%s: the target %s has no tag; pass --tag", t.App, t.Env, target)
	}
	if err := kustomize.ValidateTag(target.Tag); err != nil {
		return usagef("--tag: %w", err)
	}
	run := o.bumpOptions
	run.app, run.tag, run.digest = t.App, target.Tag, target.Digest
	run.kind, run.reverts = bump.KindRollback, hist.SetBy
	run.trailers = []bump.Trailer{{Key: bump.TrailerReverts, Value: hist.SetBy}}
	cur := kustomize.Version{Tag: hist.Current.Tag, Digest: hist.Current.Digest}
	run.expect = &cur
	return runBump(ctx, &run)
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
