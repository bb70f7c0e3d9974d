package cli

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/rolloutgen/rolloutgen/internal/gitrepo"
	"github.com/rolloutgen/rolloutgen/internal/kube"
	"github.com/rolloutgen/rolloutgen/internal/release"
)

type waitOptions struct {
	*globalOptions
	kube kubeOptions

	app, env string
	forState string
	revision string
	remote   string
	timeout  time.Duration
	output   string
}

func newWaitCmd(g *globalOptions) *cobra.Command {
	o := &waitOptions{globalOptions: g}
	c := &cobra.Command{
		Use:   "wait --for synced|healthy|paused|step=N|promoted|aborted [--app APP] [--env ENV]",
		Short: "Block until the selected apps reach a state (watches, no polling)",
		Long: `Wait on watches of the Applications and Rollouts until every selected app
and environment is in the state:

  synced     Argo CD Synced; with --revision REV, at REV or a descendant
  healthy    Argo CD Healthy and the Rollout fully promoted (a Rollout
             paused at a step is Suspended: never healthy)
  paused     the Rollout paused at a step
  step=N     status.currentStepIndex == N (the k of k/n in gen status)
  promoted   the Rollout fully promoted (stable = current) and Healthy
  aborted    the Rollout aborted

Exit 0 when reached; 1 on a terminal failure (Degraded, aborted, a failed
sync) or at --timeout, with one line saying which and why.`,
		Example: `  gen wait --app rollouts-demo --env dev --for paused
  gen wait --env dev --for synced --revision HEAD --timeout 3m
  gen wait --env staging --for step=3
  gen wait --env prod --for healthy`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error { return runWait(cmd.Context(), o) },
	}
	f := c.Flags()
	f.StringVar(&o.app, "app", "", "app to wait for (default: every app)")
	f.StringVar(&o.env, "env", "", "environment to wait for (default: every environment)")
	f.StringVar(&o.forState, "for", "", "state to wait for: synced|healthy|paused|step=N|promoted|aborted (required)")
	f.StringVar(&o.revision, "revision", "", "with --for synced: a commit Argo CD must have synced (or a descendant of it)")
	f.StringVar(&o.remote, "remote", "origin", "remote to fetch from once when a revision is not known locally")
	f.DurationVar(&o.timeout, "timeout", 5*time.Minute, "give up after this long (exit 1)")
	f.StringVarP(&o.output, "output", "o", "text", "output format: text|json|yaml")
	o.kube.addFlags(f, "")
	return c
}

func runWait(ctx context.Context, o *waitOptions) error {
	if err := checkOutput(o.output, "text", "json", "yaml"); err != nil {
		return err
	}
	if o.forState == "" {
		return usagef("--for is required: synced|healthy|paused|step=N|promoted|aborted")
	}
	cond, err := release.ParseCondition(o.forState)
	if err != nil {
		return usagef("--for %w", err)
	}
	if o.revision != "" && cond.State != "synced" {
		return usagef("--revision goes with --for synced")
	}
	if o.timeout <= 0 {
		return usagef("--timeout %s: want a positive duration", o.timeout)
	}
	cfg, root, err := o.loadConfig()
	if err != nil {
		return err
	}
	if err := checkNames(cfg, o.env, o.app); err != nil {
		return err
	}
	var contains release.Contains
	if o.revision != "" {
		repo, err := gitrepo.Open(root)
		if err != nil {
			return err
		}
		if contains, err = containsRevision(ctx, repo, o.remote, o.revision); err != nil {
			return err
		}
	}
	targets := release.Targets(cfg, o.kube.argoNamespace(cfg), o.app, o.env)
	client, err := o.kube.client(o.deps)
	if err != nil {
		return fmt.Errorf("gen wait needs the cluster: %w", err)
	}
	return waitFor(ctx, o.deps, client, targets, cond, contains, o.timeout, o.output)
}

// waitReport is gen wait -o json|yaml: the apps and environments that
// reached the state.
type waitReport struct {
	SchemaVersion int           `json:"schemaVersion"`
	For           string        `json:"for"`
	Reached       []waitReached `json:"reached"`
}

type waitReached struct {
	App string `json:"app"`
	Env string `json:"env"`
}

// waitFor watches targets until each reaches cond: nil, or an error naming
// the first app/env that failed or, at the deadline, every one not there.
func waitFor(ctx context.Context, deps Deps, client *kube.Client, targets []release.Target, cond release.Condition, contains release.Contains, timeout time.Duration, output string) error {
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	var pending []string
	err := client.Watch(ctx, release.Kinds(targets), func(s *kube.Snapshot) (bool, error) {
		pending = pending[:0]
		for _, row := range release.Observe(targets, nil, s) {
			reached, failure, err := cond.Check(row, contains)
			if err != nil {
				return true, err
			}
			if failure != "" {
				return true, fmt.Errorf("%s/%s: %s (waiting for %s)", row.App, row.Env, failure, cond)
			}
			if !reached {
				pending = append(pending, fmt.Sprintf("%s/%s is %s", row.App, row.Env, row.Verdict))
			}
		}
		return len(pending) == 0, nil
	})
	if errors.Is(err, context.DeadlineExceeded) {
		return fmt.Errorf("timed out after %s waiting for %s: %s", timeout, cond, strings.Join(pending, "; "))
	}
	if err != nil {
		return err
	}
	if output != "text" && output != "" {
		rep := waitReport{SchemaVersion: release.SchemaVersion, For: fmt.Sprint(cond), Reached: []waitReached{}}
		for _, t := range targets {
			rep.Reached = append(rep.Reached, waitReached{App: t.App, Env: t.Env})
		}
		return writeStructured(deps.Stdout, output, rep)
	}
	for _, t := range targets {
		fmt.Fprintf(deps.Stdout, "%s/%s: %s\n", t.App, t.Env, cond)
	}
	return nil
}

// containsRevision resolves want (fetching once if it is not known) and
// answers whether a revision Argo CD reports contains it, fetching once
// more the first time such a revision is not known locally.
func containsRevision(ctx context.Context, repo *gitrepo.Repo, remote, want string) (release.Contains, error) {
	fetched := false
	if !repo.HasCommit(ctx, want) {
		if err := repo.FetchRemote(ctx, remote); err != nil {
			return nil, fmt.Errorf("--revision %q is not known locally and fetching %s failed: %w", want, remote, err)
		}
		fetched = true
	}
	hash, err := repo.CommitHash(ctx, want)
	if err != nil {
		return nil, usagef("--revision: %w", err)
	}
	return func(rev string) (bool, error) {
		if !repo.HasCommit(ctx, rev) {
			if fetched {
				return false, nil
			}
			fetched = true
			if err := repo.FetchRemote(ctx, remote); err != nil {
				return false, fmt.Errorf("Argo CD synced %s, unknown here, and fetching %s failed: %w", rev, remote, err)
			}
			if !repo.HasCommit(ctx, rev) {
				return false, nil
			}
		}
		return repo.IsAncestor(ctx, hash, rev)
	}, nil
}
