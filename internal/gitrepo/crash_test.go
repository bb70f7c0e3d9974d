package gitrepo

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/rolloutgen/rolloutgen/internal/gittest"
	"github.com/rolloutgen/rolloutgen/internal/testtool"
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

// TestCommitFileCrash kills a bump right after each step of the worktree
// transaction (txnSteps, txn.go) and checks the crash-order invariants
// written down there: the branch old or complete, files whole, other
// paths untouched.
func TestCommitFileCrash(t *testing.T) {
	for _, step := range txnSteps {
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
			cmd.Env = append(gittest.Env(g.home), crashRepoEnv+"="+g.dir, crashStepEnv+"="+step)
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
			if len(locks) != 0 && (step == "ref" || step == "post-commit") {
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

const crashLoopEnv = "GITREPO_TEST_CRASH_LOOP"

// TestCrashLoopHelperProcess bumps in a loop until killed; a helper for
// TestCommitFileKilledAnytime.
func TestCrashLoopHelperProcess(t *testing.T) {
	dir := os.Getenv(crashLoopEnv)
	if dir == "" {
		t.Skip("helper process for TestCommitFileKilledAnytime")
	}
	r, err := Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	for i := 0; ; i++ {
		content := fmt.Sprintf("images:\n- name: app1\n  newTag: loop-%d-%d\n", os.Getpid(), i)
		if _, err := r.CommitFile(context.Background(), CommitFileRequest{Path: bumpPath, Content: []byte(content), Meta: nowMeta("loop")}); err != nil {
			t.Fatal(err)
		}
	}
}

// TestCommitFileKilledAnytime kills a process that bumps in a loop at
// random moments, not only between steps: the repository must always be
// unchanged-or-complete, with whole files and no corruption.
func TestCommitFileKilledAnytime(t *testing.T) {
	g := seedRepo(t)
	seed := g.git("rev-parse", "HEAD")
	rng := rand.New(rand.NewPCG(testtool.Seed(t), 1))
	for round := 0; round < 8; round++ {
		cmd := exec.Command(os.Args[0], "-test.run=^TestCrashLoopHelperProcess$", "-test.count=1")
		cmd.Env = append(gittest.Env(g.home), crashLoopEnv+"="+g.dir)
		var out strings.Builder
		cmd.Stdout, cmd.Stderr = &out, &out
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		time.Sleep(time.Duration(50+rng.IntN(150)) * time.Millisecond)
		cmd.Process.Kill()
		if err := cmd.Wait(); err == nil || !strings.Contains(err.Error(), "killed") {
			t.Fatalf("round %d: helper ended by itself: %v\n%s", round, err, out.String())
		}

		g.git("fsck", "--strict", "--no-dangling")
		content, _ := os.ReadFile(filepath.Join(g.dir, bumpPath))
		if !strings.HasPrefix(string(content), "images:\n- name: app1") || !strings.HasSuffix(string(content), "\n") {
			t.Fatalf("round %d: torn file %q", round, content)
		}
		// Every commit made is exactly one bump of the one file.
		for _, c := range strings.Fields(g.git("rev-list", seed+"..HEAD")) {
			if got := g.git("diff-tree", "--no-commit-id", "--name-only", "-r", c); got != bumpPath {
				t.Fatalf("round %d: commit %s touches %q", round, c, got)
			}
		}
		// What a kill may leave: git's lock files (git asks the user to
		// remove them), the bump in the worktree or index, a temp file.
		locks := staleLocks(t, g)
		for _, l := range locks {
			os.Remove(filepath.Join(g.dir, ".git", l))
		}
		for _, l := range strings.Split(g.git("status", "--porcelain", "--untracked-files=all"), "\n") {
			switch {
			case l == "", l == " M "+bumpPath, l == "M  "+bumpPath:
			case strings.HasPrefix(l, "?? overlays/dev/app1/.kustomization.yaml.tmp-"):
				os.Remove(filepath.Join(g.dir, strings.TrimPrefix(l, "?? ")))
			default:
				t.Fatalf("round %d: unexpected status line %q", round, l)
			}
		}
		t.Logf("round %d: %d commits so far, locks left %v", round, strings.Count(g.git("rev-list", seed+"..HEAD"), "\n")+1, locks)
		g.git("checkout", "HEAD", "--", bumpPath)
		assertHealthy(t, g, "")
	}
}
