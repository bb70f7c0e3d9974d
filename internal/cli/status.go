package cli

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"sync"

	"github.com/spf13/cobra"
	"sigs.k8s.io/yaml"

	"github.com/rolloutgen/rolloutgen/internal/gitrepo"
	"github.com/rolloutgen/rolloutgen/internal/kube"
	"github.com/rolloutgen/rolloutgen/internal/release"
)

type statusOptions struct {
	*globalOptions
	kube kubeOptions

	app, env string
	watch    bool
	fetch    bool
	remote   string
	output   string
}

func newStatusCmd(g *globalOptions) *cobra.Command {
	o := &statusOptions{globalOptions: g}
	c := &cobra.Command{
		Use:   "status [--app APP] [--env ENV] [--watch]",
		Short: "Show each app × environment: Git, Argo CD, the Rollout and one verdict",
		Long: `One row per app and environment, in promotion order: the tag in the
overlay at HEAD (and on the remote-tracking branch when it differs), what
Argo CD and Argo Rollouts report, and a verdict read first: "live v2",
"canary v3 20% paused", "git v4 ≠ live v2", "out of sync", "degraded: …",
"live v2, rollback (window)".

The cluster is read with one LIST per kind. Without kube access gen shows
the Git columns and warns. --watch redraws on every watch event until every
row is Synced and Healthy, paused at a step, or Degraded (exit 1 if any is
Degraded). One cluster holds Argo CD and every environment.`,
		Example: `  gen status
  gen status --app rollouts-demo --env dev --watch
  gen status --fetch -o wide
  gen status -o json | jq '.rows[] | select(.env == "prod") | .verdict'`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error { return runStatus(cmd.Context(), o) },
	}
	f := c.Flags()
	f.StringVar(&o.app, "app", "", "show only this app")
	f.StringVar(&o.env, "env", "", "show only this environment")
	f.BoolVar(&o.watch, "watch", false, "redraw on every change until every row is settled (Synced and Healthy, paused, or Degraded)")
	f.BoolVar(&o.fetch, "fetch", false, "fetch the remote branch first, so the remote column is current")
	f.StringVar(&o.remote, "remote", "origin", "remote whose tracking branch is compared with HEAD")
	f.StringVarP(&o.output, "output", "o", "text", "output format: text|wide|json|yaml")
	o.kube.addFlags(f, "")
	return c
}

// statusReport is gen status -o json|yaml.
type statusReport struct {
	SchemaVersion int           `json:"schemaVersion"`
	Rows          []release.Row `json:"rows"`
	Warnings      []string      `json:"warnings,omitempty"`
}

func runStatus(ctx context.Context, o *statusOptions) error {
	switch o.output {
	case "text", "wide", "json", "yaml":
	default:
		return usagef("--output %q: want text, wide, json or yaml", o.output)
	}
	cfg, root, err := o.loadConfig()
	if err != nil {
		return err
	}
	if err := checkNames(cfg, o.env, o.app); err != nil {
		return err
	}
	repo, err := gitrepo.Open(root)
	if err != nil {
		return err
	}
	targets := release.Targets(cfg, o.kube.argoNamespace(cfg), o.app, o.env)
	remoteRef := ""
	if branch, _, err := repo.Head(); err == nil {
		if o.fetch {
			if err := repo.FetchTracking(ctx, o.remote, branch); err != nil {
				return fmt.Errorf("--fetch: %w", err)
			}
		}
		remoteRef = gitrepo.RemoteTrackingRef(o.remote, branch)
	}
	// The Git columns are read while the API server answers the LISTs:
	// over 3,000 overlays each took a second or more, one after the other.
	gitStates := make(chan map[string]release.GitState, 1)
	go func() { gitStates <- release.GitStates(repoAt{repo, root}, remoteRef, targets) }()
	git := sync.OnceValue(func() map[string]release.GitState { return <-gitStates })
	rep := statusReport{SchemaVersion: release.SchemaVersion}

	client, err := o.kube.client(o.deps)
	if err != nil {
		if o.watch {
			return fmt.Errorf("--watch needs the cluster: %w", err)
		}
		rep.Warnings = append(rep.Warnings, noClusterWarning(err))
		return o.print(rep, release.Observe(targets, git(), nil))
	}
	kinds := release.Kinds(targets)
	if !o.watch {
		snap, err := client.List(ctx, kinds...)
		if err != nil {
			rep.Warnings = append(rep.Warnings, noClusterWarning(err))
			return o.print(rep, release.Observe(targets, git(), nil))
		}
		return o.print(rep, release.Observe(targets, git(), snap))
	}
	degraded := false
	err = client.Watch(ctx, kinds, func(s *kube.Snapshot) (bool, error) {
		rows := release.Observe(targets, git(), s)
		if err := o.print(rep, rows); err != nil {
			return true, err
		}
		for _, r := range rows {
			if !r.Settled() {
				return false, nil
			}
		}
		for _, r := range rows {
			degraded = degraded || r.Degraded()
		}
		return true, nil
	})
	if err != nil {
		if errors.Is(err, context.Canceled) {
			return nil
		}
		return err
	}
	if degraded {
		return errSilentFailure
	}
	return nil
}

// noClusterWarning is the one line gen prints when the cluster is
// optional and cannot be read.
func noClusterWarning(err error) string {
	if errors.Is(err, kube.ErrNoKubeConfig) {
		return "no kube access (set KUBECONFIG or pass --kubeconfig): showing Git only"
	}
	return fmt.Sprintf("cannot read the cluster (%v): showing Git only", err)
}

// print writes one rendering of rows (warnings go to stderr in text).
func (o *statusOptions) print(rep statusReport, rows []release.Row) error {
	rep.Rows = rows
	w := o.deps.Stdout
	switch o.output {
	case "json", "yaml":
		return writeStructured(w, o.output, rep)
	}
	for _, warn := range rep.Warnings {
		fmt.Fprintf(o.deps.Stderr, "gen: warning: %s\n", warn)
	}
	if o.watch {
		fmt.Fprintln(w)
	}
	return release.WriteTable(w, rows, o.output == "wide")
}

// writeStructured writes v as indented JSON, or as YAML with the JSON
// field names (as kubectl -o yaml does).
func writeStructured(w io.Writer, format string, v any) error {
	if format == "yaml" {
		b, err := yaml.Marshal(v)
		if err != nil {
			return err
		}
		_, err = w.Write(b)
		return err
	}
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(v)
}

// repoAt reads files of the repository holding gen.yaml, whose paths are
// relative to gen.yaml's directory.
type repoAt struct {
	repo *gitrepo.Repo
	root string
}

// ResolveCommit resolves rev once for many reads (release.GitStates).
func (r repoAt) ResolveCommit(rev string) (string, error) { return r.repo.ResolveCommit(rev) }

func (r repoAt) ReadFile(rev, path string) ([]byte, error) {
	sub, err := repoRel(r.repo.Root(), r.root)
	if err != nil {
		return nil, err
	}
	if sub != "." {
		path = sub + "/" + path
	}
	return r.repo.ReadFile(rev, path)
}
