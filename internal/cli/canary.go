package cli

import (
	"context"
	"errors"
	"fmt"

	"github.com/spf13/cobra"

	"github.com/rolloutgen/rolloutgen/internal/kube"
	"github.com/rolloutgen/rolloutgen/internal/release"
)

type canaryOptions struct {
	*globalOptions
	kube kubeOptions

	action   string
	app, env string
	full     bool
	output   string
}

func newCanaryCmd(g *globalOptions) *cobra.Command {
	c := &cobra.Command{
		Use:   "canary promote|abort|retry|pause --env ENV [--app APP]",
		Short: "Move a Rollout's canary in one environment (gen promote moves an image between environments)",
		Long: `Act on the Argo Rollouts canary of an app in one environment, as
kubectl argo rollouts does, through the same API fields; no plugin needed.

gen canary promote moves a Rollout to its next step; gen promote copies an
image from one environment's overlay to the next.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error { return cmd.Help() },
	}
	sub := []struct {
		action, short, long, example string
	}{
		{"promote", "Promote the Rollout to its next step (--full: to the end); gen promote moves an image between environments",
			`gen canary promote moves a Rollout's canary forward in one environment;
gen promote copies an image from one environment to the next.

Paused at a step: the pause ends and the next step runs. Not paused: the
current step is skipped, as kubectl argo rollouts promote does. --full
skips every remaining step, pause and analysis. Refused on an aborted
Rollout (gen canary retry) and on one with nothing to promote.`,
			`  gen canary promote --env dev
  gen canary promote --app rollouts-demo --env staging --full`},
		{"abort", "Abort the update: traffic and replicas go back to the stable ReplicaSet",
			`Abort the update in progress (status.abort), as kubectl argo rollouts abort
does. Git still names the new image: gen rollback makes Git agree with what
runs. Refused when no update is in progress or it is already aborted.`,
			`  gen canary abort --env dev`},
		{"retry", "Start an aborted update again",
			`Clear status.abort so the canary starts again from the first step, as
kubectl argo rollouts retry rollout does. Refused unless aborted.`,
			`  gen canary retry --env dev`},
		{"pause", "Pause the Rollout (spec.paused) until gen canary promote",
			`Set spec.paused, as kubectl argo rollouts pause does. Refused when already
paused.`,
			`  gen canary pause --env prod`},
	}
	for _, s := range sub {
		o := &canaryOptions{globalOptions: g, action: s.action}
		sc := &cobra.Command{
			Use:     s.action + " --env ENV [--app APP]",
			Short:   s.short,
			Long:    s.long,
			Example: s.example,
			Args:    cobra.NoArgs,
			RunE:    func(cmd *cobra.Command, _ []string) error { return runCanary(cmd.Context(), o) },
		}
		f := sc.Flags()
		f.StringVar(&o.app, "app", "", "app (default: the only app in gen.yaml)")
		f.StringVar(&o.env, "env", "", "environment (required)")
		if s.action == "promote" {
			f.BoolVar(&o.full, "full", false, "skip every remaining step, pause and analysis")
		}
		f.StringVarP(&o.output, "output", "o", "text", "output format: text|json|yaml")
		o.kube.addFlags(f, "")
		wrapArgs(sc)
		c.AddCommand(sc)
	}
	return c
}

type canaryReport struct {
	SchemaVersion int    `json:"schemaVersion"`
	App           string `json:"app"`
	Env           string `json:"env"`
	release.CanaryPlan
}

func runCanary(ctx context.Context, o *canaryOptions) error {
	if err := checkOutput(o.output); err != nil {
		return err
	}
	if o.env == "" {
		return usagef("--env is required")
	}
	cfg, _, err := o.loadConfig()
	if err != nil {
		return err
	}
	t, err := configTarget(cfg, o.app, o.env, "")
	if err != nil {
		return err
	}
	target := release.Targets(cfg, o.kube.argoNamespace(cfg), t.App, t.Env)[0]
	client, err := o.kube.client(o.deps)
	if err != nil {
		return fmt.Errorf("gen canary needs the cluster: %w", err)
	}
	snap, err := client.List(ctx, kube.Kind{GVR: kube.Rollouts, Namespace: target.Namespace})
	if err != nil {
		return err
	}
	u := snap.Get(kube.Rollouts, target.Namespace, target.Rollout)
	if u == nil {
		return fmt.Errorf("%s/%s: no Rollout %s in namespace %s", target.App, target.Env, target.Rollout, target.Namespace)
	}
	plan, err := release.PlanCanary(o.action, o.full, kube.NewRollout(u))
	if errors.Is(err, release.ErrRefused) {
		return fmt.Errorf("canary %s %s/%s: %w", o.action, target.App, target.Env, err)
	}
	if err != nil {
		return err
	}
	if err := plan.Apply(ctx, client, target.Namespace, target.Rollout); err != nil {
		return fmt.Errorf("canary %s %s/%s: patch Rollout %s/%s: %w", o.action, target.App, target.Env, target.Namespace, target.Rollout, err)
	}
	if o.output != "text" {
		return writeStructured(o.deps.Stdout, o.output, canaryReport{SchemaVersion: release.SchemaVersion, App: target.App, Env: target.Env, CanaryPlan: plan})
	}
	_, err = fmt.Fprintf(o.deps.Stdout, "%s/%s: %s\n", target.App, target.Env, plan.Summary)
	return err
}

// checkOutput accepts -o text|json|yaml.
func checkOutput(o string) error {
	if o != "text" && o != "json" && o != "yaml" {
		return usagef("--output %q: want text, json or yaml", o)
	}
	return nil
}
