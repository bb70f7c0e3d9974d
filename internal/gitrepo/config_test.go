package gitrepo

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/rolloutgen/rolloutgen/internal/gittest"
)

// TestConfigMatchesGitConfigGet reads the same files and environment as
// `git config --get` and must print the same value for every key: every
// scope, include.path, includeIf gitdir:/onbranch:, GIT_CONFIG_COUNT,
// and the syntax corners (quotes, escapes, continuations, comments, old
// [section.sub] headers, bare booleans).
func TestConfigMatchesGitConfigGet(t *testing.T) {
	g := newGitRepo(t)
	g.commitFiles("one", map[string]string{"a.txt": "a\n"})
	g.git("checkout", "-q", "-b", "release/1")
	base := filepath.Dir(g.dir)
	write := func(rel, content string) string {
		t.Helper()
		p := filepath.Join(base, rel)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
		return p
	}
	system := write("etc/gitconfig", "[user]\n\tname = System\n\temail = sys@x\n[core]\n\tautocrlf = input\n[only]\n\tsystem = yes\n")
	global := write("home/global.cfg", `; global
[user]
	name = Global  ; a comment
	email = "  spaced@x  "
[include]
	path = inc/first.cfg
[alias]
	lg = "log --oneline \
--graph"
	esc = "tab\there \"quoted\" back\\slash"
	words = a   b	c   # spaces between words are single spaces
[Section.Sub]
	Key = old-style subsection
[section "Sub"]
	key = new-style subsection
[flags]
	bare
	empty =
[includeIf "onbranch:release/"]
	path = inc/release.cfg
[includeIf "onbranch:main"]
	path = inc/main.cfg
[includeIf "gitdir:`+g.dir+`/.git"]
	path = inc/gitdir.cfg
[includeIf "gitdir:elsewhere/"]
	path = inc/never.cfg
[includeIf "gitdir/i:**/REPO/"]
	path = inc/folded.cfg
`)
	write("home/inc/first.cfg", "[user]\n\temail = included@x\n[include]\n\tpath = ../inc/nested.cfg\n")
	write("home/inc/nested.cfg", "[nested]\n\tvalue = two levels\n")
	write("home/inc/release.cfg", "[branch]\n\twhich = release\n")
	write("home/inc/main.cfg", "[branch]\n\twhich = main\n")
	write("home/inc/gitdir.cfg", "[dir]\n\tmatched = exact\n")
	write("home/inc/never.cfg", "[dir]\n\tnever = set\n")
	write("home/inc/folded.cfg", "[dir]\n\tfolded = yes\n")
	g.git("config", "core.repositoryformatversion", "1")
	g.git("config", "extensions.worktreeConfig", "true")
	g.git("config", "user.name", "Local")
	g.git("config", "--worktree", "user.name", "Worktree")
	g.git("config", "--worktree", "core.filemode", "false")
	env := map[string]string{
		"HOME":               filepath.Join(base, "home"),
		"GIT_CONFIG_SYSTEM":  system,
		"GIT_CONFIG_GLOBAL":  global,
		"GIT_CONFIG_COUNT":   "2",
		"GIT_CONFIG_KEY_0":   "env.one",
		"GIT_CONFIG_VALUE_0": "from the environment",
		"GIT_CONFIG_KEY_1":   "User.Email",
		"GIT_CONFIG_VALUE_1": "env@x",
		// What `git -c` hands to the programs it runs: new and old format,
		// a value-less key, an escaped quote; read after GIT_CONFIG_COUNT.
		"GIT_CONFIG_PARAMETERS": `'env.two'='it'\''s here' 'Env.Flag' 'env.old=legacy=yes' 'user.email'='param@x'`,
	}
	r, err := OpenEnv(g.dir, func(k string) string { return env[k] })
	if err != nil {
		t.Fatal(err)
	}
	keys := []string{
		"user.name", "user.email", "core.autocrlf", "core.filemode", "only.system",
		"alias.lg", "alias.esc", "alias.words", "section.sub.key", "section.Sub.key",
		"flags.bare", "flags.empty", "nested.value", "branch.which", "dir.matched",
		"dir.never", "dir.folded", "env.one", "env.two", "env.flag", "env.old", "missing.key",
	}
	for _, k := range keys {
		cmd := exec.Command("git", "config", "--get", k)
		cmd.Dir = g.dir
		cmd.Env = []string{"PATH=" + os.Getenv("PATH")}
		for ek, ev := range env {
			cmd.Env = append(cmd.Env, ek+"="+ev)
		}
		out, err := cmd.Output()
		want, wantSet := strings.TrimSuffix(string(out), "\n"), err == nil
		got, set := r.config.get(k)
		if got != want || set != wantSet {
			t.Errorf("%s: got %q (set %v), git config --get says %q (set %v)", k, got, set, want, wantSet)
		}
	}
	// The same files without the environment's scopes.
	delete(env, "GIT_CONFIG_COUNT")
	delete(env, "GIT_CONFIG_PARAMETERS")
	env["GIT_CONFIG_NOSYSTEM"] = "1"
	r, err = OpenEnv(g.dir, func(k string) string { return env[k] })
	if err != nil {
		t.Fatal(err)
	}
	if v, ok := r.config.get("only.system"); ok {
		t.Errorf("GIT_CONFIG_NOSYSTEM: only.system = %q", v)
	}
	if v := r.config.value("user.email"); v != "included@x" {
		t.Errorf("user.email = %q, want the included file's", v)
	}
}

// TestConfigIncludeLoopIsAnError: git stops at 10 levels; so do we.
func TestConfigIncludeLoopIsAnError(t *testing.T) {
	dir := t.TempDir()
	p := filepath.Join(dir, "loop.cfg")
	if err := os.WriteFile(p, []byte("[include]\n\tpath = loop.cfg\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	_, err := loadConfig(configSource{getenv: envMap{"GIT_CONFIG_GLOBAL": p, "GIT_CONFIG_NOSYSTEM": "1"}.get})
	if err == nil || !strings.Contains(err.Error(), "nested deeper") {
		t.Fatalf("err = %v", err)
	}
}

// TestOpenRefusesUnknownExtensions: git refuses a version 1 repository
// with an extension it does not know (reftable on a newer git), and so
// does Open, naming it; version 0 ignores extensions as git does.
func TestOpenRefusesUnknownExtensions(t *testing.T) {
	for _, tt := range []struct {
		name    string
		config  []string
		wantErr string
	}{
		{"reftable", []string{"core.repositoryformatversion=1", "extensions.refStorage=reftable"}, `repository extension "refstorage"`},
		{"made up", []string{"core.repositoryformatversion=1", "extensions.frobnicate=true"}, `repository extension "frobnicate"`},
		{"sha256", []string{"core.repositoryformatversion=1", "extensions.objectFormat=sha256"}, `object format "sha256"`},
		{"version 2", []string{"core.repositoryformatversion=2"}, "repositoryformatversion 2"},
		{"known ones", []string{"core.repositoryformatversion=1", "extensions.worktreeConfig=true", "extensions.partialClone=origin", "extensions.preciousObjects=true"}, ""},
		{"version 0 ignores them", []string{"core.repositoryformatversion=0", "extensions.frobnicate=true"}, ""},
	} {
		t.Run(tt.name, func(t *testing.T) {
			g := newGitRepo(t)
			for _, kv := range tt.config {
				k, v, _ := strings.Cut(kv, "=")
				g.git("config", k, v)
			}
			_, err := OpenEnv(g.dir, gittestEnv(g.home))
			if tt.wantErr == "" {
				if err != nil {
					t.Fatal(err)
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Fatalf("err = %v, want %q", err, tt.wantErr)
			}
		})
	}
}

type envMap map[string]string

func (m envMap) get(k string) string { return m[k] }

// gittestEnv is the environment gittest gives the git CLI, as a getenv.
func gittestEnv(home string) func(string) string {
	m := envMap{}
	for _, kv := range gittest.Env(home) {
		k, v, _ := strings.Cut(kv, "=")
		m[k] = v
	}
	return m.get
}

// TestConfigParametersRefusesBogusFormat: a malformed GIT_CONFIG_PARAMETERS
// is an error naming the variable, as git's "bogus format".
func TestConfigParametersRefusesBogusFormat(t *testing.T) {
	for _, v := range []string{`user.name=x`, `'user.name'='unterminated`, `'nodot'`} {
		if _, err := parseConfigParameters(v); err == nil {
			t.Errorf("%q: no error", v)
		}
	}
}
