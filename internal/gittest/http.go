package gittest

import (
	"crypto/subtle"
	"io"
	"net"
	"net/http"
	"net/http/cgi"
	"net/http/httptest"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// HTTPAuth is what the smart-HTTP server demands. Zero value: anonymous.
type HTTPAuth struct {
	// Username and Password: basic auth must match both.
	Username, Password string
	// Token: accepted as the basic-auth password with any user name (as
	// GitHub and GitLab do) or as a bearer token.
	Token string
}

func (a HTTPAuth) none() bool { return a == HTTPAuth{} }

// check returns the authenticated user, or "" when r is refused.
func (a HTTPAuth) check(r *http.Request) string {
	eq := func(x, y string) bool { return subtle.ConstantTimeCompare([]byte(x), []byte(y)) == 1 }
	if a.none() {
		return "anonymous"
	}
	if a.Token != "" {
		if h := r.Header.Get("Authorization"); strings.HasPrefix(h, "Bearer ") && eq(strings.TrimPrefix(h, "Bearer "), a.Token) {
			return "token"
		}
		if u, p, ok := r.BasicAuth(); ok && u != "" && eq(p, a.Token) {
			return u
		}
	}
	if a.Username != "" {
		if u, p, ok := r.BasicAuth(); ok && eq(u, a.Username) && eq(p, a.Password) {
			return u
		}
	}
	return ""
}

// HTTPServer serves Root's repositories with the real git http-backend.
type HTTPServer struct {
	srv  *httptest.Server
	Root string
}

// URL is the smart-HTTP URL of the repository named name under Root.
func (s *HTTPServer) URL(name string) string { return s.srv.URL + "/" + name }

// NewHTTPServer serves remote's root on 127.0.0.1 through git http-backend,
// refusing requests that do not satisfy auth with 401.
func NewHTTPServer(t testing.TB, remote *Remote, auth HTTPAuth) *HTTPServer {
	t.Helper()
	RequireGit(t)
	out, err := exec.Command("git", "--exec-path").Output()
	if err != nil {
		t.Fatalf("git --exec-path: %v", err)
	}
	backend := filepath.Join(strings.TrimSpace(string(out)), "git-http-backend")
	home := Home(t)
	h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		user := auth.check(r)
		if user == "" {
			w.Header().Set("WWW-Authenticate", `Basic realm="gittest"`)
			http.Error(w, "authentication required", http.StatusUnauthorized)
			return
		}
		cgiH := &cgi.Handler{
			Path: backend,
			Root: "/",
			// receive-pack's messages reach the client in the protocol; a
			// copy on the test's stderr would only be noise.
			Stderr: io.Discard,
			Env: []string{
				"GIT_PROJECT_ROOT=" + remote.Root,
				"GIT_HTTP_EXPORT_ALL=1",
				"REMOTE_USER=" + user,
				"HOME=" + home,
				"GIT_CONFIG_NOSYSTEM=1",
			},
		}
		cgiH.ServeHTTP(w, r)
	})
	srv := httptest.NewUnstartedServer(h)
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	srv.Listener = l
	srv.Start()
	t.Cleanup(srv.Close)
	return &HTTPServer{srv: srv, Root: remote.Root}
}
