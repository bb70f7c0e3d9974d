package gitrepo

import (
	"context"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"syscall"
	"testing"
)

const (
	crashRepoEnv = "GITREPO_TEST_CRASH_REPO"
	crashStepEnv = "GITREPO_TEST_CRASH_STEP"
)

// TestCrashHelperProcess is not a test: TestCommitFileCrash re-executes
// the test binary to run it as a child that kills itself with SIGKILL (no
// deferred cleanup runs) right after the named step of CommitFile.
func TestCrashHelperProcess(t *testing.T) {
	dir := os.Getenv(crashRepoEnv)
	if dir == "" {
		t.Skip("helper process for TestCommitFileCrash")
	}
	r, err := Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	step := os.Getenv(crashStepEnv)
	r.afterStep = func(s string) {
		if s == step {
			syscall.Kill(os.Getpid(), syscall.SIGKILL)
		}
	}
	if _, err := r.CommitFile(context.Background(), CommitFileRequest{Path: bumpPath, Content: []byte(bumped), Meta: testMeta("bump")}); err != nil {
		t.Fatal(err)
	}
}

func TestCommitFileCrash(t *testing.T) {
	for _, step := range []string{"objects", "locked", "worktree", "index", "reflog", "ref"} {
		t.Run(step, func(t *testing.T) {
			g := seedRepo(t)
			// Other work in progress that must survive whatever happens.
			g.write("overlays/dev/app2/kustomization.yaml", "images: [staged]\n")
			g.git("add", "overlays/dev/app2/kustomization.yaml")
			g.write("README.md", "modified, not staged\n")
			const others = " M README.md\nM  overlays/dev/app2/kustomization.yaml"
			old := g.git("rev-parse", "HEAD")
			oldContent, _ := os.ReadFile(filepath.Join(g.dir, bumpPath))

			cmd := exec.Command(os.Args[0], "-test.run=^TestCrashHelperProcess$", "-test.count=1")
			cmd.Env = append(gitEnv(g.home), crashRepoEnv+"="+g.dir, crashStepEnv+"="+step)
			out, err := cmd.CombinedOutput()
			var ee *exec.ExitError
			if !errors.As(err, &ee) || ee.Sys().(syscall.WaitStatus).Signal() != syscall.SIGKILL {
				t.Fatalf("helper was not killed at %q: %v\n%s", step, err, out)
			}

			g.git("fsck", "--strict", "--no-dangling")
			head := g.git("rev-parse", "HEAD")
			content, _ := os.ReadFile(filepath.Join(g.dir, bumpPath))
			if string(content) != string(oldContent) && string(content) != bumped {
				t.Fatalf("worktree file is torn: %q", content)
			}
			status := g.git("status", "--porcelain")
			locks := staleLocks(t, g)
			t.Logf("killed after %q: HEAD moved %v, status %q, stale locks %v", step, head != old, status, locks)
			if head == old {
				// Unchanged, except that the bump may already be in the
				// file (and, after the index step, staged).
				var rest []string
				for _, l := range strings.Split(status, "\n") {
					switch l {
					case " M " + bumpPath, "M  " + bumpPath:
						if string(content) != bumped {
							t.Errorf("status %q but the file holds the old content", l)
						}
					default:
						rest = append(rest, l)
					}
				}
				if got := strings.Join(rest, "\n"); got != others {
					t.Errorf("other paths changed: status %q, want %q", got, others)
				}
				return
			}
			// Complete: exactly the bump, on top of the old commit.
			if got := g.git("rev-parse", "HEAD^@"); got != old {
				t.Errorf("new HEAD's parents = %q, want %s", got, old)
			}
			if got := g.git("diff-tree", "--no-commit-id", "--name-only", "-r", "HEAD~1", "HEAD"); got != bumpPath {
				t.Errorf("commit touches %q", got)
			}
			if status != others {
				t.Errorf("status = %q, want %q", status, others)
			}
			if got := g.git("reflog", "-1", "--format=%H", "main"); got != head {
				t.Errorf("reflog of main ends at %s, want %s", got, head)
			}
			if len(locks) != 0 && step == "ref" {
				t.Errorf("locks left after the commit completed: %v", locks)
			}
		})
	}
}

// staleLocks lists *.lock files left in .git, which git would refuse to
// work with until removed — what a killed git leaves too.
func staleLocks(t *testing.T, g *gitRepo) []string {
	var locks []string
	filepath.WalkDir(filepath.Join(g.dir, ".git"), func(p string, d os.DirEntry, err error) error {
		if err == nil && strings.HasSuffix(p, ".lock") {
			rel, _ := filepath.Rel(filepath.Join(g.dir, ".git"), p)
			locks = append(locks, rel)
		}
		return nil
	})
	sort.Strings(locks)
	return locks
}
