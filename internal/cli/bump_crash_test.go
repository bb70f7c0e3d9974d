package cli

import (
	"fmt"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/rolloutgen/rolloutgen/internal/gittest"
	"github.com/rolloutgen/rolloutgen/internal/testtool"
)

// Killing gen bump at any point leaves the repository unchanged or with
// the whole commit, never in between.
func TestBumpKilledAtAnyPoint(t *testing.T) {
	home, dir := renderedRepo(t)
	file := filepath.Join(dir, devOverlay)
	outcomes := map[string]int{}
	rng := rand.New(rand.NewPCG(testtool.Seed(t), 2))
	for i := range 12 {
		before := gittest.Git(t, home, dir, "rev-parse", "HEAD")
		old := readFile(t, file)
		tag := fmt.Sprintf("k%d", i)
		cmd := exec.Command(genBinary(t), "bump", "--tag", tag)
		cmd.Dir, cmd.Env = dir, gittest.Env(home)
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		time.Sleep(time.Duration(rng.IntN(60)) * time.Millisecond)
		cmd.Process.Kill()
		cmd.Wait()
		// A killed git leaves its lock files behind too, and a user
		// removes them. Killed while holding them (between the worktree
		// rename and the branch rename, the order gitrepo.CommitFile
		// documents), the file may already be the new one with the branch
		// still old: whole, never torn.
		locked := false
		for _, l := range []string{"index.lock", "refs/heads/main.lock", "HEAD.lock"} {
			if os.Remove(filepath.Join(dir, ".git", l)) == nil {
				outcomes["stale "+l]++
				locked = true
			}
		}
		after := gittest.Git(t, home, dir, "rev-parse", "HEAD")
		now := readFile(t, file)
		switch {
		case after == before && locked && now == strings.Replace(old, `newTag: "`+oldTag(old)+`"`, `newTag: "`+tag+`"`, 1):
			// As with a killed git commit, the user finds the bump staged or
			// modified but not committed; it is whole.
			outcomes["killed in the locked window: new file, old branch"]++
			gittest.Git(t, home, dir, "reset", "-q", "--", devOverlay)
			gittest.Git(t, home, dir, "checkout", "--", devOverlay)
		case after == before:
			if locked && gittest.Git(t, home, dir, "status", "--porcelain") != "" {
				// Killed between the index rename and the branch rename.
				outcomes["killed in the locked window: staged, not committed"]++
				gittest.Git(t, home, dir, "reset", "-q", "--", devOverlay)
			}
			if now != old {
				t.Fatalf("round %d: branch unchanged but the file changed (locks held: %v):\n%s", i, locked, now)
			}
			outcomes["unchanged"]++
		case gittest.Git(t, home, dir, "rev-parse", "HEAD^") == before:
			if !strings.Contains(now, `newTag: "`+tag+`"`) {
				t.Fatalf("round %d: committed but the file is not the bump:\n%s", i, now)
			}
			outcomes["committed"]++
		default:
			t.Fatalf("round %d: HEAD moved to %s, not one commit after %s", i, after, before)
		}
		if st := gittest.Git(t, home, dir, "status", "--porcelain"); st != "" {
			t.Fatalf("round %d: status not clean:\n%s", i, st)
		}
		gittest.Git(t, home, dir, "fsck", "--strict", "--no-progress")
	}
	t.Logf("outcomes: %v", outcomes)
}

// oldTag is the overlay's current newTag value.
func oldTag(overlay string) string {
	i := strings.Index(overlay, `newTag: "`)
	rest := overlay[i+len(`newTag: "`):]
	return rest[:strings.IndexByte(rest, '"')]
}

// A git commit run by the git CLI at the same moment is never lost: the
// two serialise on git's ref lock (one may fail and is retried, as a user
// would), and both end up in a linear history.
func TestBumpConcurrentGitCommit(t *testing.T) {
	home, dir := renderedRepo(t)
	const rounds = 8
	var wg sync.WaitGroup
	var bumpErrs, gitErrs []string
	var mu sync.Mutex
	wg.Add(2)
	go func() {
		defer wg.Done()
		for i := range rounds {
			for try := 0; ; try++ {
				code, _, stderr := gen(t, home, dir, nil, "bump", "--tag", fmt.Sprintf("g%d", i))
				if code == 0 {
					break
				}
				if try > 20 {
					mu.Lock()
					bumpErrs = append(bumpErrs, stderr)
					mu.Unlock()
					break
				}
				time.Sleep(10 * time.Millisecond)
			}
		}
	}()
	go func() {
		defer wg.Done()
		for i := range rounds {
			p := filepath.Join(dir, fmt.Sprintf("notes-%d.txt", i))
			os.WriteFile(p, []byte("note\n"), 0o644)
			for try := 0; ; try++ {
				_, err1 := gittest.GitErr(home, dir, "add", filepath.Base(p))
				out, err2 := gittest.GitErr(home, dir, "commit", "-q", "-m", "note "+fmt.Sprint(i), "--", filepath.Base(p))
				if err1 == nil && err2 == nil {
					break
				}
				if try > 20 {
					mu.Lock()
					gitErrs = append(gitErrs, out)
					mu.Unlock()
					break
				}
				time.Sleep(10 * time.Millisecond)
			}
		}
	}()
	wg.Wait()
	if len(bumpErrs)+len(gitErrs) > 0 {
		t.Fatalf("gave up: bump %q, git %q", bumpErrs, gitErrs)
	}
	log := gittest.Git(t, home, dir, "log", "--format=%s")
	for i := range rounds {
		if !strings.Contains(log, fmt.Sprintf("note %d\n", i)) && !strings.HasSuffix(log, fmt.Sprintf("note %d", i)) {
			t.Errorf("git commit %d lost:\n%s", i, log)
		}
		if !strings.Contains(log, fmt.Sprintf("-> g%d", i)) {
			t.Errorf("bump %d lost:\n%s", i, log)
		}
	}
	if st := gittest.Git(t, home, dir, "status", "--porcelain"); st != "" {
		t.Errorf("status:\n%s", st)
	}
	gittest.Git(t, home, dir, "fsck", "--strict", "--no-progress")
}
