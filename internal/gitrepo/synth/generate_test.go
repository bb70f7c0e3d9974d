package synth

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

func TestGenerate(t *testing.T) {
	if _, err := exec.LookPath("git"); err != nil {
		if os.Getenv("CI") != "" {
			t.Fatalf("git CLI not found and CI is set: %v", err)
		}
		t.Skipf("SKIP: git CLI not found: %v", err)
	}
	o := Options{Apps: 7, Commits: 20, Seed: 42}
	gen := func() (string, string) {
		dir := filepath.Join(t.TempDir(), "repo")
		if err := Generate(context.Background(), dir, o); err != nil {
			t.Fatal(err)
		}
		git := func(args ...string) string {
			out, err := exec.Command("git", append([]string{"-C", dir}, args...)...).CombinedOutput()
			if err != nil {
				t.Fatalf("git %v: %v\n%s", args, err, out)
			}
			return strings.TrimSpace(string(out))
		}
		if n := len(strings.Split(git("ls-files"), "\n")); n != o.Files() {
			t.Errorf("%d files, want %d", n, o.Files())
		}
		if got := git("rev-list", "--count", "HEAD"); got != "21" {
			t.Errorf("%s commits, want 21", got)
		}
		if got := git("status", "--porcelain"); got != "" {
			t.Errorf("status = %q", got)
		}
		git("fsck", "--strict")
		for _, c := range strings.Split(git("rev-list", "HEAD~20..HEAD"), "\n") {
			if got := git("diff-tree", "--no-commit-id", "--name-only", "-r", c); !strings.HasPrefix(got, "overlays/") || strings.Contains(got, "\n") {
				t.Errorf("commit %s touches %q, want one overlay", c, got)
			}
		}
		b, err := os.ReadFile(filepath.Join(dir, OverlayPath("dev", AppName(0))))
		if err != nil {
			t.Fatal(err)
		}
		if !strings.Contains(string(b), "# the release") {
			t.Errorf("overlay lost its comment: %s", b)
		}
		return dir, git("rev-parse", "HEAD")
	}
	_, h1 := gen()
	_, h2 := gen()
	if h1 != h2 {
		t.Errorf("same seed gave %s and %s", h1, h2)
	}
}

func TestSetTag(t *testing.T) {
	got := string(SetTag([]byte(Overlay("dev", "a", "v1")), "v2"))
	if got != Overlay("dev", "a", "v2") {
		t.Errorf("SetTag:\n%s", got)
	}
}
