package gitrepo

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/rolloutgen/rolloutgen/internal/gittest"
)

// gitRepo is a repository made with the git CLI for tests that compare
// gitrepo's commits against git's; the git CLI helpers are gittest's.
type gitRepo struct {
	t    testing.TB
	dir  string
	home string
}

// newGitRepo makes an empty repository on branch main with the git CLI.
func newGitRepo(t testing.TB) *gitRepo {
	t.Helper()
	gittest.RequireGit(t)
	base := t.TempDir()
	g := &gitRepo{t: t, dir: filepath.Join(base, "repo"), home: filepath.Join(base, "home")}
	if err := os.MkdirAll(g.home, 0o755); err != nil {
		t.Fatal(err)
	}
	gittest.Git(t, g.home, base, "init", "-q", "-b", "main", g.dir)
	return g
}

// git runs the git CLI in the repo and returns trimmed stdout.
func (g *gitRepo) git(args ...string) string {
	g.t.Helper()
	return gittest.Git(g.t, g.home, g.dir, args...)
}

func (g *gitRepo) gitErr(args ...string) (string, error) {
	return gittest.GitErr(g.home, g.dir, args...)
}

func (g *gitRepo) write(path, content string) {
	g.t.Helper()
	gittest.WriteFiles(g.t, g.dir, map[string]string{path: content})
}

// commitFiles writes files and commits them all with the git CLI.
func (g *gitRepo) commitFiles(msg string, files map[string]string) {
	g.t.Helper()
	gittest.WriteFiles(g.t, g.dir, files)
	g.git("add", "-A")
	g.git("commit", "-q", "-m", msg)
}

func (g *gitRepo) gitEnvErr(env []string, args ...string) (string, error) {
	cmd := exec.Command("git", args...)
	cmd.Dir = g.dir
	cmd.Env = append(gittest.Env(g.home), env...)
	out, err := cmd.CombinedOutput()
	return strings.TrimRight(string(out), "\n"), err
}
