package forge

import (
	"fmt"
	"net/http"
)

// New returns the Client for r's forge, authenticated with token. hc is the
// HTTP client the SDK uses (nil: a default one); tests pass their server's.
func New(r Remote, token string, hc *http.Client) (Client, error) {
	if hc == nil {
		hc = &http.Client{}
	}
	switch r.Kind {
	case GitHub:
		return newGitHub(r, token, hc)
	case GitLab:
		return newGitLab(r, token, hc)
	case Gitea:
		return newGitea(r, token, hc), nil
	}
	return nil, fmt.Errorf("forge %q: want github, gitlab or gitea", r.Kind)
}
