package validate

import (
	"fmt"
	"path"
	"strings"
)

// applicationView is what the Argo CD checks read of an Application.
type applicationView struct {
	Spec struct {
		Project     string                 `json:"project"`
		Source      *applicationSource     `json:"source"`
		Sources     []applicationSource    `json:"sources"`
		Destination applicationDestination `json:"destination"`
	} `json:"spec"`
}

type applicationSource struct {
	RepoURL string `json:"repoURL"`
	Path    string `json:"path"`
	Chart   string `json:"chart"`
}

type applicationDestination struct {
	Server    string `json:"server"`
	Name      string `json:"name"`
	Namespace string `json:"namespace"`
}

type appProjectView struct {
	Spec struct {
		SourceRepos  []string                 `json:"sourceRepos"`
		Destinations []applicationDestination `json:"destinations"`
	} `json:"spec"`
}

// pathChecker answers whether a root-relative directory exists and builds;
// the run shares overlay builds with it.
type pathChecker interface {
	// checkPath returns "" when dir exists and, if it holds a kustomization,
	// builds; otherwise the problem.
	checkPath(dir string) (problem string, exists bool)
}

// projectIndex holds the AppProjects of every unit of a run, so an
// Application built from one overlay finds a project in argocd/.
type projectIndex map[string]*appProjectView

func (idx projectIndex) add(u *unit) {
	for _, o := range u.objects {
		if o.kind == "AppProject" && o.group() == "argoproj.io" {
			var p appProjectView
			if o.decodeLoose(&p) {
				idx[o.name] = &p
			}
		}
	}
}

// checkArgoCD checks Applications against their AppProjects and the
// repository: what Argo CD would refuse to sync or fail to render. repos
// are the normalised URLs of this repository (see Request.RepoURLs): only
// an Application source from one of them has its path checked here.
func checkArgoCD(u *unit, projects projectIndex, paths pathChecker, repos []string) []Finding {
	var out []Finding
	for _, o := range u.objects {
		if o.kind == "AppProject" && o.group() == "argoproj.io" && o.name == "default" {
			// Argo CD creates the project "default" itself and every
			// Application without a project of its own falls under it
			// (argo-cd v3.5.7 server/project; common.DefaultAppProjectName);
			// a repository's AppProject of that name replaces it.
			out = append(out, u.finding(Warning, o, "metadata.name", "AppProject \"default\" replaces the project Argo CD creates for every Application that names no other, restricting all of them",
				"give the project a name of its own and point the Applications at it"))
		}
	}
	for _, o := range u.objects {
		if o.kind != "Application" || o.group() != "argoproj.io" {
			continue
		}
		var a applicationView
		if !o.decodeLoose(&a) {
			continue // the CRD check reports the types
		}
		add := func(field, problem, fix string) { out = append(out, u.finding(Error, o, field, problem, fix)) }
		proj, ok := projects[a.Spec.Project]
		if !ok && a.Spec.Project != "default" && a.Spec.Project != "" {
			add("spec.project", fmt.Sprintf("AppProject %q is not in the repository", a.Spec.Project), "add the AppProject under argocd/ or fix the name")
		}
		sources := a.Spec.Sources
		prefix := "spec.sources"
		if a.Spec.Source != nil {
			sources = []applicationSource{*a.Spec.Source}
			prefix = "spec.source"
		}
		for i, s := range sources {
			sp := prefix
			if prefix == "spec.sources" {
				sp = fmt.Sprintf("%s[%d]", prefix, i)
			}
			if proj != nil && !globAllowed(proj.Spec.SourceRepos, normalizeRepo(s.RepoURL), normalizeRepo) {
				add(sp+".repoURL", fmt.Sprintf("%q is not allowed by AppProject %q (sourceRepos: %s)", s.RepoURL, a.Spec.Project, listOrNone(proj.Spec.SourceRepos)),
					"add the repository to the AppProject's spec.sourceRepos or fix the URL")
			}
			if s.Chart != "" || s.Path == "" {
				continue
			}
			// argo-cd v3.5.7 util/app/path/path.go Path: the repo-server
			// refuses an absolute path and one that leaves the checkout.
			clean := path.Clean(strings.TrimPrefix(s.Path, "./"))
			if path.IsAbs(s.Path) || clean == ".." || strings.HasPrefix(clean, "../") {
				add(sp+".path", fmt.Sprintf("%q is outside the repository", shortValue(s.Path)), "use a path relative to the repository root, inside it")
				continue
			}
			if paths == nil || !contains(repos, normalizeRepo(s.RepoURL)) {
				continue // another repository's paths are not in this checkout
			}
			if problem, exists := paths.checkPath(clean); !exists {
				add(sp+".path", fmt.Sprintf("%q does not exist in the repository", s.Path), "fix the path or render the overlay with gen render")
			} else if problem != "" {
				add(sp+".path", fmt.Sprintf("%q does not build: %s", s.Path, problem), "fix the kustomization (try gen build or kubectl kustomize there)")
			}
		}
		if proj != nil && !destinationAllowed(proj.Spec.Destinations, a.Spec.Destination) {
			add("spec.destination.namespace", fmt.Sprintf("namespace %q on %s is not allowed by AppProject %q", a.Spec.Destination.Namespace, destinationName(a.Spec.Destination), a.Spec.Project),
				"add the destination to the AppProject's spec.destinations or fix the namespace")
		}
	}
	return out
}

func destinationName(d applicationDestination) string {
	if d.Server != "" {
		return "server " + d.Server
	}
	return "cluster " + d.Name
}

func listOrNone(l []string) string {
	if len(l) == 0 {
		return "none"
	}
	return strings.Join(l, ", ")
}

// normalizeRepo compares repository URLs as Argo CD does: case and a
// trailing .git or slash do not matter.
func normalizeRepo(u string) string {
	u = strings.ToLower(strings.TrimSpace(u))
	u = strings.TrimSuffix(u, "/")
	return strings.TrimSuffix(u, ".git")
}

// globAllowed reports whether s is allowed by Argo CD style patterns: at
// least one pattern matches and no "!"-negated one does.
func globAllowed(patterns []string, s string, norm func(string) string) bool {
	allowed := false
	for _, p := range patterns {
		if neg, ok := strings.CutPrefix(p, "!"); ok {
			if globMatch(norm(neg), s) {
				return false
			}
			continue
		}
		if globMatch(norm(p), s) {
			allowed = true
		}
	}
	return allowed
}

// inClusterServer and inClusterName are the cluster Argo CD knows without
// a cluster secret (argo-cd v3.5.7 common.KubernetesInternalAPIServerAddr,
// "in-cluster").
const (
	inClusterServer = "https://kubernetes.default.svc"
	inClusterName   = "in-cluster"
)

// destinationAllowed follows argo-cd v3.5.7 pkg/apis/application/v1alpha1
// app_project_types.go IsDestinationPermitted: Argo CD first resolves the
// Application's destination to a cluster, which has both a server and a
// name, and a project destination matches by either. gen knows the
// server-name pair of the in-cluster cluster only; for another cluster
// named one way and permitted the other, it cannot tell, and does not
// report.
func destinationAllowed(dests []applicationDestination, d applicationDestination) bool {
	id := func(s string) string { return s }
	if d.Server == inClusterServer && d.Name == "" {
		d.Name = inClusterName
	} else if d.Name == inClusterName && d.Server == "" {
		d.Server = inClusterServer
	}
	for _, p := range dests {
		serverOK := (d.Server != "" && p.Server != "" && globMatch(p.Server, d.Server)) ||
			(d.Name != "" && p.Name != "" && globMatch(p.Name, d.Name))
		unknown := !serverOK && ((p.Name != "" && d.Name == "") || (p.Server != "" && d.Server == ""))
		if (serverOK || unknown) && globAllowed([]string{p.Namespace}, d.Namespace, id) {
			return true
		}
	}
	return false
}

// globMatch matches * (any run, '/' included, as Argo CD's glob does for
// URLs) and ? (one character).
func globMatch(pattern, s string) bool {
	if pattern == "*" {
		return true
	}
	for len(pattern) > 0 {
		switch pattern[0] {
		case '*':
			for i := len(s); i >= 0; i-- {
				if globMatch(pattern[1:], s[i:]) {
					return true
				}
			}
			return false
		case '?':
			if s == "" {
				return false
			}
			pattern, s = pattern[1:], s[1:]
		default:
			if s == "" || s[0] != pattern[0] {
				return false
			}
			pattern, s = pattern[1:], s[1:]
		}
	}
	return s == ""
}
