package gittest

import (
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"github.com/rolloutgen/rolloutgen/internal/testtool"
)

// RequireGit skips when the git CLI is missing on a developer machine, and
// fails when CI is set: there a missing tool means the tests did not run.
func RequireGit(t testing.TB) {
	t.Helper()
	testtool.Require(t, "git")
}

// Env isolates the git CLI from the developer's configuration (home is a
// temporary directory) and pins identities so tests do not depend on them.
func Env(home string) []string {
	var env []string
	for _, kv := range os.Environ() {
		if strings.HasPrefix(kv, "GIT_") || strings.HasPrefix(kv, "HOME=") || strings.HasPrefix(kv, "XDG_CONFIG_HOME=") || strings.HasPrefix(kv, "SSH_") {
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

// Home returns a fresh, empty home directory for the git CLI.
func Home(t testing.TB) string {
	t.Helper()
	h := filepath.Join(t.TempDir(), "home")
	if err := os.MkdirAll(h, 0o755); err != nil {
		t.Fatal(err)
	}
	return h
}

// Git runs the git CLI in dir with Env(home) and returns trimmed stdout and
// stderr; it fails the test on error.
func Git(t testing.TB, home, dir string, args ...string) string {
	t.Helper()
	out, err := GitErr(home, dir, args...)
	if err != nil {
		t.Fatalf("git %s (in %s): %v\n%s", strings.Join(args, " "), dir, err, out)
	}
	return out
}

// GitErr is Git without failing: for outcomes a test expects to fail.
func GitErr(home, dir string, args ...string) (string, error) {
	cmd := exec.Command("git", args...)
	cmd.Dir = dir
	cmd.Env = Env(home)
	out, err := cmd.CombinedOutput()
	return strings.TrimRight(string(out), "\n"), err
}

// Remote is a bare repository on disk with branch main.
type Remote struct {
	// Dir is the bare repository; Root is its parent, the directory the
	// HTTP and SSH servers serve, so the repository's URL path is Name.
	Dir, Root, Name string
	Home            string
}

// FileURL is the repository's file:// URL.
func (r *Remote) FileURL() string { return "file://" + r.Dir }

// NewRemote makes a bare repository named remote.git whose main branch has
// one commit holding files (path → content).
func NewRemote(t testing.TB, files map[string]string) *Remote {
	t.Helper()
	RequireGit(t)
	root := t.TempDir()
	r := &Remote{Root: root, Name: "remote.git", Dir: filepath.Join(root, "remote.git"), Home: Home(t)}
	Git(t, r.Home, root, "init", "-q", "--bare", "-b", "main", r.Dir)
	// Pushes over smart HTTP run as an anonymous CGI user unless the server
	// sets one; allow them explicitly, as a hosting service would.
	Git(t, r.Home, r.Dir, "config", "http.receivepack", "true")
	work := filepath.Join(t.TempDir(), "seed")
	Git(t, r.Home, root, "init", "-q", "-b", "main", work)
	WriteFiles(t, work, files)
	Git(t, r.Home, work, "add", "-A")
	Git(t, r.Home, work, "commit", "-q", "-m", "seed")
	Git(t, r.Home, work, "push", "-q", r.Dir, "main")
	return r
}

// WriteFiles writes path → content under dir, creating directories.
func WriteFiles(t testing.TB, dir string, files map[string]string) {
	t.Helper()
	paths := make([]string, 0, len(files))
	for p := range files {
		paths = append(paths, p)
	}
	sort.Strings(paths)
	for _, p := range paths {
		full := filepath.Join(dir, filepath.FromSlash(p))
		if err := os.MkdirAll(filepath.Dir(full), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(full, []byte(files[p]), 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

// Clone clones the remote into a new directory with the git CLI and
// returns it; the clone's origin is the remote's file path.
func (r *Remote) Clone(t testing.TB) string {
	t.Helper()
	dir := filepath.Join(t.TempDir(), "clone")
	Git(t, r.Home, r.Root, "clone", "-q", r.Dir, dir)
	return dir
}

// Commit makes a commit on main of the remote, from a throwaway clone,
// writing files: another pusher moving the remote on.
func (r *Remote) Commit(t testing.TB, msg string, files map[string]string) string {
	t.Helper()
	dir := r.Clone(t)
	WriteFiles(t, dir, files)
	Git(t, r.Home, dir, "add", "-A")
	Git(t, r.Home, dir, "commit", "-q", "-m", msg)
	Git(t, r.Home, dir, "push", "-q", "origin", "main")
	return Git(t, r.Home, dir, "rev-parse", "HEAD")
}

// Git runs the git CLI inside the bare repository.
func (r *Remote) Git(t testing.TB, args ...string) string {
	t.Helper()
	return Git(t, r.Home, r.Dir, args...)
}

// Show returns the content of path on main.
func (r *Remote) Show(t testing.TB, path string) string {
	t.Helper()
	return r.Git(t, "show", "main:"+path)
}

// Fsck fails the test unless git fsck --strict finds the remote clean.
func (r *Remote) Fsck(t testing.TB) {
	t.Helper()
	r.Git(t, "fsck", "--strict", "--no-progress")
}
