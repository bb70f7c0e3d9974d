package forge

import (
	"strings"
	"testing"
)

func TestDetect(t *testing.T) {
	tests := []struct {
		name                    string
		remote, forge, forgeURL string
		wantKind                Kind
		wantAPI, wantPath       string
		wantOwner, wantRepo     string
	}{
		{name: "github https", remote: "https://github.com/acme/deploy.git",
			wantKind: GitHub, wantAPI: "https://api.github.com", wantPath: "acme/deploy", wantOwner: "acme", wantRepo: "deploy"},
		{name: "github scp ssh", remote: "git@github.com:acme/deploy.git",
			wantKind: GitHub, wantAPI: "https://api.github.com", wantPath: "acme/deploy", wantOwner: "acme", wantRepo: "deploy"},
		{name: "github ssh url with port", remote: "ssh://git@github.com:22/acme/deploy",
			wantKind: GitHub, wantAPI: "https://api.github.com", wantPath: "acme/deploy", wantOwner: "acme", wantRepo: "deploy"},
		{name: "https with token in user info", remote: "https://x-access-token:s3cr3t@github.com/acme/deploy",
			wantKind: GitHub, wantAPI: "https://api.github.com", wantPath: "acme/deploy", wantOwner: "acme", wantRepo: "deploy"},
		{name: "gitlab nested groups", remote: "https://gitlab.com/acme/platform/gitops/deploy.git",
			wantKind: GitLab, wantAPI: "https://gitlab.com/api/v4", wantPath: "acme/platform/gitops/deploy", wantOwner: "acme/platform/gitops", wantRepo: "deploy"},
		{name: "gitlab nested groups over scp ssh", remote: "git@gitlab.com:acme/platform/deploy.git",
			wantKind: GitLab, wantAPI: "https://gitlab.com/api/v4", wantPath: "acme/platform/deploy", wantOwner: "acme/platform", wantRepo: "deploy"},
		{name: "codeberg is gitea", remote: "https://codeberg.org/acme/deploy",
			wantKind: Gitea, wantAPI: "https://codeberg.org/api/v1", wantPath: "acme/deploy", wantOwner: "acme", wantRepo: "deploy"},
		{name: "gitea.com", remote: "git@gitea.com:acme/deploy.git",
			wantKind: Gitea, wantAPI: "https://gitea.com/api/v1", wantPath: "acme/deploy", wantOwner: "acme", wantRepo: "deploy"},
		{name: "self-hosted gitea over http keeps scheme and port", remote: "http://127.0.0.1:3000/gen/deploy.git", forge: "gitea",
			wantKind: Gitea, wantAPI: "http://127.0.0.1:3000/api/v1", wantPath: "gen/deploy", wantOwner: "gen", wantRepo: "deploy"},
		{name: "self-hosted ssh port is not the API port", remote: "ssh://git@git.example.com:2222/acme/deploy.git", forge: "gitlab",
			wantKind: GitLab, wantAPI: "https://git.example.com/api/v4", wantPath: "acme/deploy", wantOwner: "acme", wantRepo: "deploy"},
		{name: "github enterprise default root", remote: "git@ghe.example.com:acme/deploy.git", forge: "github",
			wantKind: GitHub, wantAPI: "https://ghe.example.com/api/v3", wantPath: "acme/deploy", wantOwner: "acme", wantRepo: "deploy"},
		{name: "https with an explicit port on github.com", remote: "https://github.com:443/acme/deploy",
			wantKind: GitHub, wantAPI: "https://api.github.com", wantPath: "acme/deploy", wantOwner: "acme", wantRepo: "deploy"},
		{name: "forgejo is gitea", remote: "https://git.example.org/acme/deploy", forge: "forgejo",
			wantKind: Gitea, wantAPI: "https://git.example.org/api/v1", wantPath: "acme/deploy", wantOwner: "acme", wantRepo: "deploy"},
		{name: "forge-url wins, trailing slash dropped", remote: "git@git.example.com:acme/deploy.git", forge: "gitlab", forgeURL: "https://example.com/gitlab/api/v4/",
			wantKind: GitLab, wantAPI: "https://example.com/gitlab/api/v4", wantPath: "acme/deploy", wantOwner: "acme", wantRepo: "deploy"},
		{name: "forge flag overrides the host", remote: "https://github.com/acme/deploy", forge: "gitea", forgeURL: "https://mirror.example.com/api/v1",
			wantKind: Gitea, wantAPI: "https://mirror.example.com/api/v1", wantPath: "acme/deploy", wantOwner: "acme", wantRepo: "deploy"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r, err := Detect(tt.remote, tt.forge, tt.forgeURL)
			if err != nil {
				t.Fatalf("Detect: %v", err)
			}
			if r.Kind != tt.wantKind || r.APIBase != tt.wantAPI || r.Path != tt.wantPath {
				t.Errorf("Detect = %+v, want {%s %s %s}", r, tt.wantKind, tt.wantAPI, tt.wantPath)
			}
			if r.Owner() != tt.wantOwner || r.Repo() != tt.wantRepo {
				t.Errorf("Owner, Repo = %q, %q; want %q, %q", r.Owner(), r.Repo(), tt.wantOwner, tt.wantRepo)
			}
		})
	}
}

func TestDetectErrors(t *testing.T) {
	tests := []struct {
		name, remote, forge, forgeURL string
		want                          string // in the message
	}{
		{name: "unknown host without --forge", remote: "https://git.example.com/acme/deploy", want: "pass --forge github|gitlab|gitea"},
		{name: "bad --forge", remote: "https://github.com/acme/deploy", forge: "bitbucket", want: `--forge "bitbucket"`},
		{name: "github needs owner/repo", remote: "https://github.com/acme/platform/deploy", want: "owner/repo"},
		{name: "too short", remote: "git@gitlab.com:deploy.git", want: "owner/repo"},
		{name: "local path", remote: "/srv/git/deploy.git", want: "not a URL"},
		{name: "file scheme", remote: "file:///srv/git/deploy.git", want: `scheme "file"`},
		{name: "empty", remote: "", want: "remote URL is empty"},
		{name: "bad --forge-url", remote: "https://github.com/acme/deploy", forgeURL: "api.example.com", want: "--forge-url"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Detect(tt.remote, tt.forge, tt.forgeURL)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("Detect error = %v, want one containing %q", err, tt.want)
			}
		})
	}
}

func TestDetectErrorHidesUserInfo(t *testing.T) {
	_, err := Detect("https://oauth2:glpat-s3cr3t@gitlab.com/deploy", "", "")
	if err == nil {
		t.Fatal("want an error for a one-segment path")
	}
	if strings.Contains(err.Error(), "s3cr3t") {
		t.Errorf("error shows the token from the URL: %v", err)
	}
}
