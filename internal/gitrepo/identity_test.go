package gitrepo

import (
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"
)

func TestResolveIdentity(t *testing.T) {
	now := time.Date(2026, 5, 6, 7, 8, 9, 0, time.UTC)
	tests := []struct {
		name          string
		flags         IdentityFlags
		env           map[string]string
		global, repo  string // config file contents
		wantAuthor    string // "name <email> unix tz"
		wantCommitter string
		wantErr       string
	}{
		{
			name:          "flags win",
			flags:         IdentityFlags{AuthorName: "Flag A", AuthorEmail: "fa@x", CommitterName: "Flag C", CommitterEmail: "fc@x"},
			env:           map[string]string{"GIT_AUTHOR_NAME": "Env A", "GIT_AUTHOR_EMAIL": "ea@x"},
			repo:          "[user]\n\tname = Repo\n\temail = repo@x\n",
			wantAuthor:    "Flag A <fa@x> 1778051289 +0000",
			wantCommitter: "Flag C <fc@x> 1778051289 +0000",
		},
		{
			name:          "environment over config, per field",
			env:           map[string]string{"GIT_AUTHOR_NAME": "Env A", "GIT_COMMITTER_EMAIL": "ec@x"},
			repo:          "[user]\n\tname = Repo\n\temail = repo@x\n",
			wantAuthor:    "Env A <repo@x> 1778051289 +0000",
			wantCommitter: "Repo <ec@x> 1778051289 +0000",
		},
		{
			name:          "repo config over global, author.* over user.*",
			global:        "[user]\n\tname = Global\n\temail = global@x\n",
			repo:          "[author]\n\tname = Repo Author\n[user]\n\temail = repo@x\n",
			wantAuthor:    "Repo Author <repo@x> 1778051289 +0000",
			wantCommitter: "Global <repo@x> 1778051289 +0000",
		},
		{
			name:          "global only",
			global:        "[user]\n\tname = Global\n\temail = global@x\n",
			wantAuthor:    "Global <global@x> 1778051289 +0000",
			wantCommitter: "Global <global@x> 1778051289 +0000",
		},
		{
			name:          "committer defaults to author flags",
			flags:         IdentityFlags{AuthorName: "Bot", AuthorEmail: "bot@x"},
			wantAuthor:    "Bot <bot@x> 1778051289 +0000",
			wantCommitter: "Bot <bot@x> 1778051289 +0000",
		},
		{
			name:          "dates from the environment",
			flags:         IdentityFlags{AuthorName: "A", AuthorEmail: "a@x"},
			env:           map[string]string{"GIT_AUTHOR_DATE": "@1700000000 +0130", "GIT_COMMITTER_DATE": "2005-04-07T22:13:13+02:00"},
			wantAuthor:    "A <a@x> 1700000000 +0130",
			wantCommitter: "A <a@x> 1112904793 +0200",
		},
		{
			name:          "RFC 2822 date",
			flags:         IdentityFlags{AuthorName: "A", AuthorEmail: "a@x"},
			env:           map[string]string{"GIT_AUTHOR_DATE": "Thu, 07 Apr 2005 22:13:13 +0200"},
			wantAuthor:    "A <a@x> 1112904793 +0200",
			wantCommitter: "A <a@x> 1778051289 +0000",
		},
		{
			name:          "bare seconds",
			flags:         IdentityFlags{AuthorName: "A", AuthorEmail: "a@x"},
			env:           map[string]string{"GIT_AUTHOR_DATE": "1700000000"},
			wantAuthor:    "A <a@x> 1700000000 +0000",
			wantCommitter: "A <a@x> 1778051289 +0000",
		},
		{name: "bad date", flags: IdentityFlags{AuthorName: "A", AuthorEmail: "a@x"}, env: map[string]string{"GIT_AUTHOR_DATE": "yesterday"}, wantErr: "GIT_AUTHOR_DATE"},
		{name: "none", wantErr: "no author identity"},
		{name: "name without email", flags: IdentityFlags{AuthorName: "A"}, wantErr: "no author identity"},
		{name: "EMAIL fallback", flags: IdentityFlags{AuthorName: "A"}, env: map[string]string{"EMAIL": "e@x"}, wantAuthor: "A <e@x> 1778051289 +0000", wantCommitter: "A <e@x> 1778051289 +0000"},
		// As git var GIT_AUTHOR_IDENT: '<' and '>' dropped, crud trimmed.
		{name: "angle brackets dropped as git does", flags: IdentityFlags{AuthorName: " A <b> ", AuthorEmail: "<a@x>"}, wantAuthor: "A b <a@x> 1778051289 +0000", wantCommitter: "A b <a@x> 1778051289 +0000"},
		{name: "name of crud only", flags: IdentityFlags{AuthorName: ".,;", AuthorEmail: "a@x"}, wantErr: "no author identity"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			g := newGitRepo(t)
			home := t.TempDir()
			env := map[string]string{"HOME": home, "GIT_CONFIG_NOSYSTEM": "1"}
			for k, v := range tt.env {
				env[k] = v
			}
			if tt.global != "" {
				if err := os.WriteFile(filepath.Join(home, ".gitconfig"), []byte(tt.global), 0o644); err != nil {
					t.Fatal(err)
				}
			}
			if tt.repo != "" {
				f, err := os.OpenFile(filepath.Join(g.dir, ".git", "config"), os.O_APPEND|os.O_WRONLY, 0)
				if err != nil {
					t.Fatal(err)
				}
				f.WriteString(tt.repo)
				f.Close()
			}
			getenv := func(k string) string { return env[k] }
			r, err := OpenEnv(g.dir, getenv)
			if err != nil {
				t.Fatal(err)
			}
			a, c, err := ResolveIdentity(tt.flags, getenv, r, now)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("err = %v, want %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			format := func(name, email string, when time.Time) string {
				return name + " <" + email + "> " + strconv.FormatInt(when.Unix(), 10) + " " + when.Format("-0700")
			}
			if got := format(a.Name, a.Email, a.When); got != tt.wantAuthor {
				t.Errorf("author = %q, want %q", got, tt.wantAuthor)
			}
			if got := format(c.Name, c.Email, c.When); got != tt.wantCommitter {
				t.Errorf("committer = %q, want %q", got, tt.wantCommitter)
			}
		})
	}
}

// TestParseIdentMatchesGitCommitAuthor: what `git commit --author`
// records is what ParseIdent returns, bots' bracketed names, quotes and
// comments included.
func TestParseIdentMatchesGitCommitAuthor(t *testing.T) {
	g := newGitRepo(t)
	for _, id := range []string{
		"github-actions[bot] <41898282+github-actions[bot]@users.noreply.github.com>",
		"dependabot[bot] <49699333+dependabot[bot]@users.noreply.github.com>",
		`"Quoted Name" <a@b>`,
		"Name (comment) <a@b>",
		`A "nick" B <a@b>`,
		"O'Brien <o@b>",
		"  .Lead; Trail,  <  a@b  >",
		"x<y> <a@b>",
		"Name <a@b> trailing",
		"Name<a@b>",
	} {
		g.git("commit", "-q", "--allow-empty", "-m", "x", "--author", id)
		want := g.git("log", "-1", "--format=%an|%ae")
		name, email, err := ParseIdent(id)
		if err != nil {
			t.Errorf("%q: %v (git records %q)", id, err, want)
			continue
		}
		if got := name + "|" + email; got != want {
			t.Errorf("%q: got %q, git records %q", id, got, want)
		}
	}
	for _, bad := range []string{"<a@b>", ".,; <a@b>", "Name", "Name <a@b"} {
		if _, _, err := ParseIdent(bad); err == nil {
			t.Errorf("%q: accepted; git refuses it", bad)
		}
	}
}
