package argocd

import (
	"context"
	"fmt"
	"net/url"
	"path"
	"sort"
	"strings"
)

// RefreshAnnotation is the annotation Argo CD's application controller
// watches: on seeing it, it compares the app with Git at once and removes it.
const (
	RefreshAnnotation = "argocd.argoproj.io/refresh"
	// RefreshNormal re-reads Git (a "hard" refresh also drops the
	// repo-server's manifest cache, which a tag bump does not need).
	RefreshNormal = "normal"
)

// Applications lists and annotates Argo CD Applications in a namespace.
type Applications interface {
	List(ctx context.Context, namespace string) ([]Application, error)
	Annotate(ctx context.Context, namespace, name, key, value string) error
}

// Target says which Applications a push concerns: those with a source in
// one of RepoURLs (spellings of the pushed repository: the URL gen.yaml
// renders into the Applications, the remote's URL) at one of Paths
// (repository-relative, as in spec.source.path).
type Target struct {
	Namespace string
	RepoURLs  []string
	Paths     []string
}

// Result names the Applications that were asked to refresh, sorted. Empty
// means none matched: not an error, but worth a warning.
type Result struct {
	Refreshed []string
}

// Refresh annotates every Application matching t. It stops at the first
// failure to annotate, returning what it refreshed so far.
func Refresh(ctx context.Context, apps Applications, t Target) (Result, error) {
	list, err := apps.List(ctx, t.Namespace)
	if err != nil {
		return Result{}, fmt.Errorf("list Argo CD Applications in namespace %q: %w", t.Namespace, err)
	}
	want := map[string]bool{}
	for _, p := range t.Paths {
		want[cleanPath(p)] = true
	}
	repos := map[string]bool{}
	for _, u := range t.RepoURLs {
		if u != "" {
			repos[NormalizeRepoURL(u)] = true
		}
	}
	var matched []string
	for _, a := range list {
		for _, s := range a.Sources {
			if repos[NormalizeRepoURL(s.RepoURL)] && want[cleanPath(s.Path)] {
				matched = append(matched, a.Name)
				break
			}
		}
	}
	sort.Strings(matched)
	var res Result
	for _, name := range matched {
		if err := apps.Annotate(ctx, t.Namespace, name, RefreshAnnotation, RefreshNormal); err != nil {
			return res, fmt.Errorf("annotate Application %s/%s with %s=%s: %w", t.Namespace, name, RefreshAnnotation, RefreshNormal, err)
		}
		res.Refreshed = append(res.Refreshed, name)
	}
	return res, nil
}

// NormalizeRepoURL makes two spellings of one repository compare equal the
// way Argo CD matches repositories: case, a trailing slash and a ".git"
// suffix do not matter, nor credentials in an http(s) URL. Different
// transports (https vs ssh) stay different.
func NormalizeRepoURL(u string) string {
	u = strings.TrimSpace(u)
	if p, err := url.Parse(u); err == nil && (p.Scheme == "http" || p.Scheme == "https") && p.User != nil {
		p.User = nil
		u = p.String()
	}
	u = strings.ToLower(u)
	u = strings.TrimSuffix(u, "/")
	return strings.TrimSuffix(u, ".git")
}

func cleanPath(p string) string {
	p = path.Clean("/" + strings.TrimSpace(p))
	return strings.TrimPrefix(p, "/")
}
