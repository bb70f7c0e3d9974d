package cli

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"strings"

	"github.com/spf13/pflag"

	"github.com/rolloutgen/rolloutgen/internal/argocd"
	"github.com/rolloutgen/rolloutgen/internal/config"
	"github.com/rolloutgen/rolloutgen/internal/gitrepo"
	"github.com/rolloutgen/rolloutgen/internal/kube"
)

// refreshOptions are the flags of the Argo CD refresh after a push
// (gen bump --push --refresh), with the client they need.
type refreshOptions struct {
	enabled bool
	kube    kubeOptions

	// newApps builds the Applications client; tests pass a fake.
	newApps func(Deps, *kubeOptions) (argocd.Applications, error)
}

func (r *refreshOptions) addFlags(f *pflag.FlagSet) {
	f.BoolVar(&r.enabled, "refresh", false, "after the push, ask Argo CD to re-read Git now (annotate the Applications of the bumped overlay argocd.argoproj.io/refresh=normal) instead of waiting for its poll")
	r.kube.addFlags(f, "for --refresh")
}

// refreshAfterPush asks Argo CD to look at the pushed commit at once. The
// push already counts, so every failure here is a warning on stderr, never
// an error: without kube access Argo CD still finds the commit at its next
// poll. cfg is gen.yaml (nil without one).
func (r *refreshOptions) refreshAfterPush(ctx context.Context, deps Deps, cfg *config.Config, t argocd.Target) {
	if !r.enabled {
		return
	}
	t.Namespace = r.kube.argoNamespace(cfg)
	warn := func(format string, args ...any) {
		fmt.Fprintf(deps.Stderr, "gen: warning: pushed, but Argo CD was not asked to refresh: "+format+
			"; it will find the commit at its next Git poll (every 3 minutes by default)\n", args...)
	}
	newApps := r.newApps
	if newApps == nil {
		newApps = func(deps Deps, k *kubeOptions) (argocd.Applications, error) {
			c, err := k.client(deps)
			if err != nil {
				return nil, err
			}
			return argocd.NewKubeClient(c), nil
		}
	}
	client, err := newApps(deps, &r.kube)
	if err != nil {
		if errors.Is(err, kube.ErrNoKubeConfig) {
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
