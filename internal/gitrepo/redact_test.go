package gitrepo

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"strings"
	"testing"

	"github.com/rolloutgen/rolloutgen/internal/gittest"
)

func TestRedactURL(t *testing.T) {
	tests := []struct{ in, want string }{
		{"https://user:s3cret@example.com/org/repo.git", "https://***@example.com/org/repo.git"},
		{"https://ghp_TOKEN@example.com/org/repo.git", "https://***@example.com/org/repo.git"},
		{"https://example.com/org/repo.git", "https://example.com/org/repo.git"},
		{"http://u:p%40ss@127.0.0.1:8080/r.git", "http://***@127.0.0.1:8080/r.git"},
		{"ssh://git@example.com/org/repo.git", "ssh://git@example.com/org/repo.git"},
		{"ssh://git:pw@example.com/org/repo.git", "ssh://git:***@example.com/org/repo.git"},
		{"git@example.com:org/repo.git", "git@example.com:org/repo.git"},
		{"/srv/git/repo.git", "/srv/git/repo.git"},
		{"file:///srv/git/repo.git", "file:///srv/git/repo.git"},
		// Does not parse as a URL (bad escape) yet still carries a secret.
		{"https://user:s3c%zzret@example.com/r.git", "https://***@example.com/r.git"},
	}
	for _, tt := range tests {
		if got := RedactURL(tt.in); got != tt.want {
			t.Errorf("RedactURL(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestPlainHTTPCredentialsRefused(t *testing.T) {
	tests := []struct {
		url     string
		env     func(string) string
		wantErr bool
	}{
		{url: "http://example.com/r.git", env: env(EnvToken, testToken), wantErr: true},
		{url: "http://u:" + testToken + "@example.com/r.git", wantErr: true},
		{url: "http://example.com/r.git"},
		{url: "https://example.com/r.git", env: env(EnvToken, testToken)},
		{url: "http://127.0.0.1:8080/r.git", env: env(EnvToken, testToken)},
		{url: "http://localhost/r.git", env: env(EnvToken, testToken)},
	}
	for _, tt := range tests {
		ep, err := ResolveEndpoint(tt.url, AuthOptions{Getenv: tt.env})
		if (err != nil) != tt.wantErr {
			t.Errorf("ResolveEndpoint(%s): err = %v, want error %v", RedactURL(tt.url), err, tt.wantErr)
		}
		if err != nil && strings.Contains(err.Error(), testToken) {
			t.Errorf("error shows the token: %v", err)
		}
		if ep != nil {
			ep.Close()
		}
	}
}

func TestSecretsRedactEncodings(t *testing.T) {
	var s secrets
	s.add("p@ss/w:rd S3cret", "")
	for _, form := range []string{"p@ss/w:rd S3cret", url.QueryEscape("p@ss/w:rd S3cret"), url.PathEscape("p@ss/w:rd S3cret")} {
		msg := s.redact("error near " + form + " here")
		if strings.Contains(msg, "S3cret") {
			t.Errorf("redact left %q in %q", form, msg)
		}
	}
	sentinel := errors.New("sentinel")
	err := s.wrap(fmt.Errorf("echo p@ss/w:rd S3cret: %w", sentinel))
	if !errors.Is(err, sentinel) || strings.Contains(err.Error(), "S3cret") {
		t.Errorf("wrap = %v; want the sentinel kept and the secret gone", err)
	}
	if errors.Unwrap(err) != nil {
		t.Error("a redacted error unwraps to its unredacted cause")
	}
}

// TestTokenNeverShown: a token in the URL and in the environment appears in
// no error, log line, endpoint string or result, whether the push succeeds,
// is refused, or points at a repository that does not exist.
func TestTokenNeverShown(t *testing.T) {
	r := gittest.NewRemote(t, seedFiles())
	srv := gittest.NewHTTPServer(t, r, gittest.HTTPAuth{Token: testToken})
	withToken := func(path, tok string) string {
		u, _ := url.Parse(srv.URL(path))
		u.User = url.User(tok)
		return u.String()
	}
	cases := []struct {
		name string
		url  string
		env  func(string) string
	}{
		{"url ok", withToken(r.Name, testToken), nil},
		{"env ok", srv.URL(r.Name), env(EnvToken, testToken)},
		{"url wrong", withToken(r.Name, testToken+"x"), nil},
		{"env wrong", srv.URL(r.Name), env(EnvToken, testToken+"x", EnvUsername, "bob")},
		{"url missing repo", withToken("missing.git", testToken), nil},
		{"env missing repo", srv.URL("missing.git"), env(EnvToken, testToken)},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			var shown []string
			logf := func(f string, a ...any) { shown = append(shown, fmt.Sprintf(f, a...)) }
			ep := mustEndpoint(t, tc.url, AuthOptions{Getenv: tc.env})
			shown = append(shown, ep.String(), fmt.Sprint(ep), fmt.Sprintf("%+v", *ep))
			repo, c := localCommit(t, r.Clone(t), app1, "tok-"+tc.name)
			r.Commit(t, "move on", map[string]string{"README.md": tc.name})
			var sl sleeps
			res, err := push(context.Background(), pushRequest{
				Storer: repo.Storer, Remote: ep, Branch: "main", Commit: c,
				Retry:   Retry{Sleep: sl.sleep, Logf: logf},
				Reapply: reapplyEdit(repo.Storer, nil, app1, testCommitMeta("b"), tagEdit("tok-"+tc.name)),
			})
			shown = append(shown, fmt.Sprintf("%+v", res))
			if err != nil {
				shown = append(shown, err.Error(), fmt.Sprintf("%+v", err))
			}
			rb, err := bumpRemote(context.Background(), remoteBump{
				Remote: ep, Path: app1, Edit: tagEdit("tok2-" + tc.name), Retry: Retry{Logf: logf},
			})
			shown = append(shown, fmt.Sprintf("%+v", rb.Push))
			if err != nil {
				shown = append(shown, err.Error())
			}
			for _, s := range shown {
				if strings.Contains(s, "S3cretT0ken") {
					t.Errorf("secret shown: %s", s)
				}
			}
			t.Logf("shown: %q", shown)
		})
	}
}
