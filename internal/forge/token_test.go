package forge

import (
	"strings"
	"testing"
)

func TestToken(t *testing.T) {
	tests := []struct {
		name    string
		kind    Kind
		env     map[string]string
		want    string
		wantErr string
	}{
		{name: "GEN_GIT_TOKEN first", kind: GitHub, env: map[string]string{"GEN_GIT_TOKEN": "gen", "GITHUB_TOKEN": "gh"}, want: "gen"},
		{name: "github falls back", kind: GitHub, env: map[string]string{"GITHUB_TOKEN": "gh", "GITLAB_TOKEN": "gl"}, want: "gh"},
		{name: "gitlab falls back", kind: GitLab, env: map[string]string{"GITHUB_TOKEN": "gh", "GITLAB_TOKEN": "gl"}, want: "gl"},
		{name: "gitea falls back", kind: Gitea, env: map[string]string{"GITEA_TOKEN": "gt"}, want: "gt"},
		{name: "another forge's token is not used", kind: Gitea, env: map[string]string{"GITHUB_TOKEN": "gh"}, wantErr: "set GEN_GIT_TOKEN or GITEA_TOKEN"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := Token(tt.kind, func(k string) string { return tt.env[k] })
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("Token error = %v, want %q", err, tt.wantErr)
				}
				return
			}
			if err != nil || got != tt.want {
				t.Fatalf("Token = %q, %v; want %q", got, err, tt.want)
			}
		})
	}
}
