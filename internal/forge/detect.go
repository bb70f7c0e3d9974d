package forge

import (
	"fmt"
	"net/url"
	"strings"
)

// Kind names a forge family.
type Kind string

const (
	GitHub Kind = "github"
	GitLab Kind = "gitlab"
	Gitea  Kind = "gitea" // Gitea and Forgejo (Codeberg) share the API
)

// TokenVar is the environment variable the forge's own tools read.
func (k Kind) TokenVar() string {
	switch k {
	case GitHub:
		return "GITHUB_TOKEN"
	case GitLab:
		return "GITLAB_TOKEN"
	case Gitea:
		return "GITEA_TOKEN"
	}
	return "GEN_GIT_TOKEN"
}

// knownHosts maps public forges to their kind; anything else needs --forge.
var knownHosts = map[string]Kind{
	"github.com":   GitHub,
	"gitlab.com":   GitLab,
	"gitea.com":    Gitea,
	"codeberg.org": Gitea,
}

// Remote says where a repository's pull requests live.
type Remote struct {
	Kind Kind
	// APIBase is the REST API root without a trailing slash:
	// https://api.github.com, https://gitlab.example.com/api/v4,
	// https://codeberg.org/api/v1.
	APIBase string
	// Path is "owner/repo"; on GitLab it may be "group/sub/project".
	Path string
}

// Owner and Repo split Path at its last slash.
func (r Remote) Owner() string { o, _ := r.split(); return o }
func (r Remote) Repo() string  { _, n := r.split(); return n }

func (r Remote) split() (string, string) {
	i := strings.LastIndex(r.Path, "/")
	if i < 0 {
		return "", r.Path
	}
	return r.Path[:i], r.Path[i+1:]
}

// Detect finds the forge, API root and repository path of a Git remote
// URL: https://host/owner/repo(.git), ssh://[user@]host[:port]/owner/repo.git
// or scp-like user@host:owner/repo.git. forgeFlag (--forge) overrides the
// guess from the host and is required for self-hosted forges; forgeURL
// (--forge-url) overrides the API root, for forges not served at the usual
// path of the remote's host.
func Detect(remoteURL, forgeFlag, forgeURL string) (Remote, error) {
	scheme, host, path, err := parseRemote(remoteURL)
	if err != nil {
		return Remote{}, err
	}
	var r Remote
	switch Kind(forgeFlag) {
	case GitHub, GitLab, Gitea:
		r.Kind = Kind(forgeFlag)
	case "forgejo": // Forgejo serves Gitea's API
		r.Kind = Gitea
	case "":
		k, ok := knownHosts[strings.ToLower(hostname(host))]
		if !ok {
			return Remote{}, fmt.Errorf("cannot tell which forge serves %q: pass --forge github|gitlab|gitea, and --forge-url with its API root if it is not at the usual path", host)
		}
		r.Kind = k
	default:
		return Remote{}, fmt.Errorf("--forge %q: want github, gitlab or gitea (forgejo is gitea)", forgeFlag)
	}

	segs := strings.Split(path, "/")
	if len(segs) < 2 || (r.Kind != GitLab && len(segs) != 2) {
		return Remote{}, fmt.Errorf("remote %q: want a repository path like owner/repo, got %q", redactURL(remoteURL), path)
	}
	for _, s := range segs {
		if s == "" {
			return Remote{}, fmt.Errorf("remote %q: empty segment in repository path %q", redactURL(remoteURL), path)
		}
	}
	r.Path = path

	if forgeURL != "" {
		u, err := url.Parse(forgeURL)
		if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
			return Remote{}, fmt.Errorf("--forge-url %q: want an http(s) URL of the forge's API root, like https://git.example.com/api/v4", redactURL(forgeURL))
		}
		u.User = nil
		r.APIBase = strings.TrimSuffix(u.String(), "/")
		return r, nil
	}
	r.APIBase = defaultAPIBase(r.Kind, scheme, host)
	return r, nil
}

// defaultAPIBase is where each forge serves its REST API on a host.
func defaultAPIBase(k Kind, scheme, host string) string {
	if scheme != "http" {
		// ssh remotes: the API is on https, on its default port.
		if scheme != "https" {
			host = hostname(host)
		}
		scheme = "https"
	}
	switch k {
	case GitHub:
		if strings.EqualFold(hostname(host), "github.com") {
			return "https://api.github.com"
		}
		return scheme + "://" + host + "/api/v3"
	case GitLab:
		return scheme + "://" + host + "/api/v4"
	default:
		return scheme + "://" + host + "/api/v1"
	}
}

// parseRemote returns the scheme ("ssh" for scp-like), host (with port for
// URLs) and the repository path without slashes at the ends or ".git".
func parseRemote(remote string) (scheme, host, path string, err error) {
	if remote == "" {
		return "", "", "", fmt.Errorf("remote URL is empty: pass a remote that points at the forge")
	}
	if strings.Contains(remote, "://") {
		u, perr := url.Parse(remote)
		if perr != nil {
			return "", "", "", fmt.Errorf("remote %q: not a URL", redactURL(remote))
		}
		switch u.Scheme {
		case "https", "http", "ssh", "git+ssh", "ssh+git":
		default:
			return "", "", "", fmt.Errorf("remote %q: scheme %q cannot reach a forge; use https or ssh", redactURL(remote), u.Scheme)
		}
		scheme, host, path = u.Scheme, u.Host, u.Path
		if strings.Contains(scheme, "ssh") {
			scheme = "ssh"
		}
	} else {
		// scp-like: [user@]host:path
		colon := strings.Index(remote, ":")
		if colon <= 0 || strings.Contains(remote[:colon], "/") {
			return "", "", "", fmt.Errorf("remote %q: not a URL nor user@host:owner/repo; --pr needs a remote on a forge", redactURL(remote))
		}
		at := strings.LastIndex(remote[:colon], "@")
		scheme, host, path = "ssh", remote[at+1:colon], remote[colon+1:]
	}
	if host == "" {
		return "", "", "", fmt.Errorf("remote %q: no host", redactURL(remote))
	}
	path = strings.Trim(path, "/")
	path = strings.TrimSuffix(path, ".git")
	return scheme, host, path, nil
}

// hostname drops a port.
func hostname(host string) string {
	if i := strings.LastIndex(host, ":"); i >= 0 && !strings.Contains(host[i:], "]") {
		return host[:i]
	}
	return host
}

// redactURL drops user info (it may hold a token) from URLs quoted in errors.
func redactURL(s string) string {
	u, err := url.Parse(s)
	if err != nil || u.User == nil || !strings.Contains(s, "://") {
		return s
	}
	u.User = nil
	return u.String()
}
