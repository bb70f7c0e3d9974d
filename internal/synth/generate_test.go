package synth

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/rolloutgen/rolloutgen/internal/config"
	"github.com/rolloutgen/rolloutgen/internal/render"

	"github.com/rolloutgen/rolloutgen/internal/testtool"
)

func requireGit(t *testing.T) {
	t.Helper()
	testtool.Require(t, "git")
}

// gitIn runs git in dir with a fixed identity and returns its trimmed
// output.
func gitIn(t *testing.T, dir string, args ...string) string {
	t.Helper()
	cmd := exec.Command("git", append([]string{"-C", dir}, args...)...)
	cmd.Env = append(os.Environ(), "GIT_AUTHOR_NAME=T", "GIT_AUTHOR_EMAIL=t@example.com",
		"GIT_COMMITTER_NAME=T", "GIT_COMMITTER_EMAIL=t@example.com")
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("git %v: %v\n%s", args, err, out)
	}
	return strings.TrimSpace(string(out))
}

func TestGenerate(t *testing.T) {
	requireGit(t)
	o := Options{Apps: 7, Commits: 20, Seed: 42}
	rendered, err := o.Render()
	if err != nil {
		t.Fatal(err)
	}
	if len(rendered)+1 != o.Files() {
		t.Fatalf("render wrote %d files (+ gen.yaml), Files() = %d: update Files", len(rendered), o.Files())
	}
	gen := func() (string, string) {
		dir := filepath.Join(t.TempDir(), "repo")
		if err := Generate(context.Background(), dir, o); err != nil {
			t.Fatal(err)
		}
		if n := len(strings.Split(gitIn(t, dir, "ls-files"), "\n")); n != o.Files() {
			t.Errorf("%d files, want %d", n, o.Files())
		}
		if got := gitIn(t, dir, "rev-list", "--count", "HEAD"); got != "21" {
			t.Errorf("%s commits, want 21", got)
		}
		if got := gitIn(t, dir, "status", "--porcelain"); got != "" {
			t.Errorf("status = %q", got)
		}
		gitIn(t, dir, "fsck", "--strict")
		for _, c := range strings.Split(gitIn(t, dir, "rev-list", "HEAD~20..HEAD"), "\n") {
			if got := gitIn(t, dir, "diff-tree", "--no-commit-id", "--name-only", "-r", c); !strings.HasPrefix(got, "overlays/") || strings.Contains(got, "\n") {
				t.Errorf("commit %s touches %q, want one overlay", c, got)
			}
		}
		if got := gitIn(t, dir, "log", "-1", "--format=%s"); !strings.HasPrefix(got, "bump app-") || !strings.Contains(got, " -> v1.0.19") {
			t.Errorf("last commit message %q, want gen bump's default", got)
		}
		// gen render --check: the bumps changed only images: entries,
		// which render keeps.
		again, err := renderCheck(dir)
		if err != nil {
			t.Fatal(err)
		}
		if !again.Empty() {
			t.Errorf("gen render --check on the generated repo: %v", again.Lines())
		}
		return dir, gitIn(t, dir, "rev-parse", "HEAD")
	}
	dir, h1 := gen()
	_, h2 := gen()
	if h1 != h2 {
		t.Errorf("same seed gave %s and %s", h1, h2)
	}

	// The CLI contender writes the same bytes as SetTag (gen bump's editor).
	p := OverlayPath("prod", AppName(3))
	old, err := os.ReadFile(filepath.Join(dir, p))
	if err != nil {
		t.Fatal(err)
	}
	want, err := SetTag(old, "v9.9.9")
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command("sh", "-c", CLIBumpScript, "sh", p, "v9.9.9")
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "GIT_AUTHOR_NAME=T", "GIT_AUTHOR_EMAIL=t@example.com",
		"GIT_COMMITTER_NAME=T", "GIT_COMMITTER_EMAIL=t@example.com")
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("CLIBumpScript: %v\n%s", err, out)
	}
	got, err := os.ReadFile(filepath.Join(dir, p))
	if err != nil {
		t.Fatal(err)
	}
	if string(got) != string(want) || string(got) == string(old) {
		t.Errorf("CLIBumpScript wrote\n%s\nSetTag writes\n%s", got, want)
	}
}

// renderCheck is gen render --check in dir: render the committed gen.yaml
// against the files there (so images: entries are kept) and compare.
func renderCheck(dir string) (render.Drift, error) {
	r, err := render.New()
	if err != nil {
		return render.Drift{}, err
	}
	cfg, err := config.Load(filepath.Join(dir, "gen.yaml"))
	if err != nil {
		return render.Drift{}, err
	}
	files, err := r.Render(cfg, render.DirReader(dir))
	if err != nil {
		return render.Drift{}, err
	}
	return render.Compare(dir, files)
}

func TestSetTag(t *testing.T) {
	files, err := Options{Apps: 1}.Render()
	if err != nil {
		t.Fatal(err)
	}
	var overlay []byte
	for _, f := range files {
		if f.Path == OverlayPath("staging", AppName(0)) {
			overlay = f.Data
		}
	}
	got, err := SetTag(overlay, "v2.0.1")
	if err != nil {
		t.Fatal(err)
	}
	want := strings.Replace(string(overlay), `  newTag: "v1"`, `  newTag: "v2.0.1"`, 1)
	if string(got) != want || want == string(overlay) {
		t.Errorf("SetTag:\n%s\nwant\n%s", got, want)
	}
	if _, err := SetTag([]byte("kind: Kustomization\n"), "v2"); err == nil {
		t.Error("SetTag on an overlay without images: succeeded")
	}
}
