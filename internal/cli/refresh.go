package cli

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"strings"

	"github.com/spf13/pflag"

	"github.com/rolloutgen/rolloutgen/internal/argocd"
	"github.com/rolloutgen/rolloutgen/internal/gitrepo"
)

// refreshOptions are the flags of the Argo CD refresh after a push
// (gen bump --push --refresh), with the client they need.
type refreshOptions struct {
	enabled    bool
	kubeconfig string
	context    string
	namespace  string

	// newClient builds the kube client; tests pass a fake.
	newClient func(argocd.KubeConfig) (argocd.Applications, error)
}

func (r *refreshOptions) addFlags(f *pflag.FlagSet) {
	f.BoolVar(&r.enabled, "refresh", false, "after the push, ask Argo CD to re-read Git now (annotate the Applications of the bumped overlay argocd.argoproj.io/refresh=normal) instead of waiting for its poll")
	f.StringVar(&r.kubeconfig, "kubeconfig", "", "kubeconfig for --refresh (default: KUBECONFIG, then ~/.kube/config)")
	f.StringVar(&r.context, "context", "", "kubeconfig context for --refresh (default: the current context)")
	f.StringVar(&r.namespace, "argocd-namespace", "", "namespace Argo CD runs in, for --refresh (default: gen.yaml argocd.namespace, else argocd)")
}

// refreshAfterPush asks Argo CD to look at the pushed commit at once. The
// push already counts, so every failure here is a warning on stderr, never
// an error: without kube access Argo CD still finds the commit at its next
// poll. cfgNamespace is gen.yaml's argocd.namespace ("" without gen.yaml).
func (r *refreshOptions) refreshAfterPush(ctx context.Context, deps Deps, cfgNamespace string, t argocd.Target) {
	if !r.enabled {
		return
	}
	t.Namespace = r.namespace
	if t.Namespace == "" {
		t.Namespace = cfgNamespace
	}
	if t.Namespace == "" {
		t.Namespace = "argocd"
	}
	warn := func(format string, args ...any) {
		fmt.Fprintf(deps.Stderr, "gen: warning: pushed, but Argo CD was not asked to refresh: "+format+
			"; it will find the commit at its next Git poll (every 3 minutes by default)\n", args...)
	}
	newClient := r.newClient
	if newClient == nil {
		newClient = func(c argocd.KubeConfig) (argocd.Applications, error) { return argocd.NewKubeClient(c) }
	}
	client, err := newClient(argocd.KubeConfig{
		Path:    r.kubeconfig,
		Env:     deps.Getenv("KUBECONFIG"),
		HomeDir: deps.Getenv("HOME"),
		Context: r.context,
	})
	if err != nil {
		if errors.Is(err, argocd.ErrNoKubeConfig) {
			warn("no kubeconfig (set KUBECONFIG or pass --kubeconfig)")
			return
		}
		warn("%v", err)
		return
	}
	res, err := argocd.Refresh(ctx, client, t)
	if len(res.Refreshed) > 0 {
		fmt.Fprintf(deps.Stderr, "asked Argo CD to refresh: %s\n", strings.Join(qualify(t.Namespace, res.Refreshed), ", "))
	}
	switch {
	case err != nil:
		warn("%v", err)
	case len(res.Refreshed) == 0:
		var repos []string
		for _, u := range t.RepoURLs {
			if u != "" {
				repos = append(repos, gitrepo.RedactURL(u))
			}
		}
		warn("no Application in namespace %q has source %s at %s", t.Namespace, strings.Join(repos, " or "), strings.Join(t.Paths, ", "))
	}
}

func qualify(ns string, names []string) []string {
	out := make([]string, len(names))
	for i, n := range names {
		out[i] = filepath.ToSlash(ns + "/" + n)
	}
	return out
}
