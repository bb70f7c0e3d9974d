package gitrepo

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// requireGit skips on a developer machine without git, but fails in CI,
// where a missing tool means the tests did not run.
func requireGit(t testing.TB) {
	t.Helper()
	if _, err := exec.LookPath("git"); err != nil {
		if os.Getenv("CI") != "" {
			t.Fatalf("git CLI not found and CI is set: %v", err)
		}
		t.Skipf("SKIP: git CLI not found (%v); these tests need the real git", err)
	}
}

// gitEnv isolates the git CLI from the developer's configuration and pins
// identities and dates so hashes are reproducible.
func gitEnv(home string) []string {
	env := []string{}
	for _, kv := range os.Environ() {
		if strings.HasPrefix(kv, "GIT_") || strings.HasPrefix(kv, "HOME=") || strings.HasPrefix(kv, "XDG_CONFIG_HOME=") {
			continue
		}
		env = append(env, kv)
	}
	return append(env,
		"HOME="+home,
		"XDG_CONFIG_HOME="+filepath.Join(home, ".config"),
		"GIT_CONFIG_NOSYSTEM=1",
		"GIT_AUTHOR_NAME=Test Author", "GIT_AUTHOR_EMAIL=author@example.com",
		"GIT_COMMITTER_NAME=Test Committer", "GIT_COMMITTER_EMAIL=committer@example.com",
	)
}

type gitRepo struct {
	t    testing.TB
	dir  string
	home string
}

// newGitRepo makes an empty repository on branch main with the git CLI.
func newGitRepo(t testing.TB) *gitRepo {
	t.Helper()
	requireGit(t)
	base := t.TempDir()
	g := &gitRepo{t: t, dir: filepath.Join(base, "repo"), home: filepath.Join(base, "home")}
	if err := os.MkdirAll(g.home, 0o755); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command("git", "init", "-q", "-b", "main", g.dir)
	cmd.Env = gitEnv(g.home)
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("git init: %v\n%s", err, out)
	}
	return g
}

// git runs the git CLI in the repo and returns trimmed stdout.
func (g *gitRepo) git(args ...string) string {
	g.t.Helper()
	out, err := g.gitErr(args...)
	if err != nil {
		g.t.Fatalf("git %s: %v\n%s", strings.Join(args, " "), err, out)
	}
	return out
}

func (g *gitRepo) gitErr(args ...string) (string, error) {
	cmd := exec.Command("git", args...)
	cmd.Dir = g.dir
	cmd.Env = gitEnv(g.home)
	out, err := cmd.CombinedOutput()
	return strings.TrimRight(string(out), "\n"), err
}

func (g *gitRepo) write(path, content string) {
	g.t.Helper()
	full := filepath.Join(g.dir, filepath.FromSlash(path))
	if err := os.MkdirAll(filepath.Dir(full), 0o755); err != nil {
		g.t.Fatal(err)
	}
	if err := os.WriteFile(full, []byte(content), 0o644); err != nil {
		g.t.Fatal(err)
	}
}

// commitFiles writes files and commits them all with the git CLI.
func (g *gitRepo) commitFiles(msg string, files map[string]string) {
	g.t.Helper()
	for p, c := range files {
		g.write(p, c)
	}
	g.git("add", "-A")
	g.git("commit", "-q", "-m", msg)
}

func (g *gitRepo) gitEnvErr(env []string, args ...string) (string, error) {
	cmd := exec.Command("git", args...)
	cmd.Dir = g.dir
	cmd.Env = append(gitEnv(g.home), env...)
	out, err := cmd.CombinedOutput()
	return strings.TrimRight(string(out), "\n"), err
}
