package cli

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/rolloutgen/rolloutgen/internal/gittest"
)

// A pull request can commit symlinks; gen bump must not write through
// them, nor follow them to read. Each case links part of the bumped path
// to a victim directory outside the repository, and checks: non-zero
// exit, the link named, the victim untouched, the repository as it was.
func TestBumpRefusesSymlinksOnTheOverlayPath(t *testing.T) {
	const app = "overlays/dev/rollouts-demo"
	for _, tt := range []struct {
		name   string
		link   string // the path that becomes a symlink
		commit bool   // committed (a pull request) or only in the worktree
	}{
		{"overlay directory, committed", app, true},
		{"overlay directory, worktree only", app, false},
		{"environment directory", "overlays/dev", true},
		{"kustomization.yaml", app + "/kustomization.yaml", true},
	} {
		t.Run(tt.name, func(t *testing.T) {
			home, dir := renderedRepo(t)
			// The victim mirrors the repository, so a bump that followed
			// the link would find a clean overlay that builds, and write
			// there.
			victim := t.TempDir()
			for _, d := range []string{"base", "overlays"} {
				copyTree(t, filepath.Join(dir, d), filepath.Join(victim, d))
			}
			src := filepath.Join(dir, filepath.FromSlash(tt.link))
			target := filepath.Join(victim, filepath.FromSlash(tt.link))
			if err := os.RemoveAll(src); err != nil {
				t.Fatal(err)
			}
			if err := os.Symlink(target, src); err != nil {
				t.Fatal(err)
			}
			if tt.commit {
				gittest.Git(t, home, dir, "add", "-A")
				gittest.Git(t, home, dir, "commit", "-q", "-m", "link")
			}
			victimBefore := treeDigest(t, []string{victim})
			repoBefore := treeDigest(t, []string{dir})
			code, _, stderr := gen(t, home, dir, nil, "bump", "--tag", "v9")
			if code == 0 {
				t.Fatalf("exit 0: the bump went through the symlink\n%s", stderr)
			}
			if !strings.Contains(stderr, `"`+tt.link+`" is a symbolic link`) {
				t.Errorf("the error does not name the link %q:\n%s", tt.link, stderr)
			}
			if after := treeDigest(t, []string{victim}); after != victimBefore {
				t.Errorf("the link's target changed:\n%s", diffLines(victimBefore, after))
			}
			if after := treeDigest(t, []string{dir}); after != repoBefore {
				t.Errorf("the repository changed:\n%s", diffLines(repoBefore, after))
			}
		})
	}
}

func copyTree(t *testing.T, from, to string) {
	t.Helper()
	err := filepath.Walk(from, func(p string, fi os.FileInfo, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(from, p)
		dst := filepath.Join(to, rel)
		if fi.IsDir() {
			return os.MkdirAll(dst, 0o755)
		}
		if err := os.MkdirAll(filepath.Dir(dst), 0o755); err != nil {
			return err
		}
		b, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		return os.WriteFile(dst, b, 0o644)
	})
	if err != nil {
		t.Fatal(err)
	}
}
