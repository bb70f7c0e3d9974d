package gitrepo

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

// TestCommitFileRacesGitCommit runs bumps and git add + git commit by the
// CLI in the same repository at the same time. Each side may be refused
// (a lock held, the branch moved) and retries; no successful commit of
// either side may be lost.
//
// git commit reads the index before it locks it (builtin/commit.c,
// prepare_index) and writes that copy back: when a bump lands in between,
// git's commit fails (the branch moved) but its stale index replaces the
// bump's. Git commits racing each other do the same. The bump is then in
// history and the file in the worktree, with a stale index entry: the next
// bump refuses with ErrDirtyFile, which the loop repairs like a user would
// (git checkout HEAD -- file) and counts.
func TestCommitFileRacesGitCommit(t *testing.T) {
	const rounds = 25
	g := seedRepo(t)
	r, err := Open(g.dir)
	if err != nil {
		t.Fatal(err)
	}
	retryable := func(err error) bool {
		return errors.Is(err, ErrRefMoved) || errors.Is(err, ErrRefLocked) || errors.Is(err, ErrIndexLocked)
	}
	var (
		wg                               sync.WaitGroup
		bumps, cliOK                     []string
		bumpErr, cliErr                  error
		bumpRetries, cliRetries, clobber int
	)
	cliDone := make(chan struct{})
	wg.Add(2)
	go func() {
		defer wg.Done()
		// Bumps are much faster than git commits: keep bumping until the
		// CLI is done so the two really overlap (capped, to stay under
		// git gc --auto's loose-object threshold).
		for i := 0; i < rounds || !isClosed(cliDone) && i < 300; i++ {
			for attempt := 0; ; attempt++ {
				if attempt > 500 {
					bumpErr = fmt.Errorf("bump %d: no success in %d attempts", i, attempt)
					return
				}
				res, err := r.CommitFile(context.Background(), CommitFileRequest{
					Path:    bumpPath,
					Content: []byte(fmt.Sprintf("images:\n- name: app1\n  newTag: bump-%d\n", i)),
					Meta:    nowMeta(fmt.Sprintf("bump-%d", i)),
				})
				switch {
				case err == nil:
					bumps = append(bumps, res.Commit.String())
				case retryable(err):
					bumpRetries++
					continue
				case errors.Is(err, ErrDirtyFile):
					clobber++
					if out, err := g.gitErr("checkout", "HEAD", "--", bumpPath); err != nil && !strings.Contains(out, "lock") {
						bumpErr = fmt.Errorf("repair: %v\n%s", err, out)
						return
					}
					continue
				default:
					bumpErr = fmt.Errorf("bump %d attempt %d: %w", i, attempt, err)
					return
				}
				break
			}
		}
	}()
	go func() {
		defer wg.Done()
		defer close(cliDone)
		for i := 0; i < rounds; i++ {
			g.write("cli.txt", fmt.Sprintf("cli %d\n", i))
			for attempt := 0; ; attempt++ {
				out, err := g.gitErr("add", "cli.txt")
				if err == nil {
					out, err = g.gitErr("commit", "-q", "-m", fmt.Sprintf("cli-%d", i))
				}
				if err == nil {
					cliOK = append(cliOK, fmt.Sprintf("cli-%d", i))
					break
				}
				cliRetries++
				if !strings.Contains(out, "lock") || attempt > 500 {
					idx, _ := os.Stat(filepath.Join(g.dir, ".git", "index"))
					wt, _ := os.Stat(filepath.Join(g.dir, "cli.txt"))
					ls, _ := g.gitErr("ls-files", "-s", "--debug", "cli.txt")
					head, _ := g.gitErr("ls-tree", "HEAD", "cli.txt")
					blob, _ := g.gitErr("hash-object", "cli.txt")
					log, _ := g.gitErr("log", "--format=%h %s", "-5")
					cliErr = fmt.Errorf("git commit %d attempt %d: %v\n%s\nindex mtime %v, cli.txt mtime %v ino %v blob %s\nindex entry %s\nHEAD %s\nlog %s", i, attempt, err, out,
						idx.ModTime().UnixNano(), wt.ModTime().UnixNano(), wt.Sys().(*syscall.Stat_t).Ino, blob, ls, head, log)
					return
				}
			}
		}
	}()
	wg.Wait()
	if bumpErr != nil || cliErr != nil {
		t.Fatal(errors.Join(bumpErr, cliErr))
	}
	t.Logf("%d bumps (%d refused as locked/moved, %d index entries clobbered by git commit), %d git commits (%d refused)",
		len(bumps), bumpRetries, clobber, len(cliOK), cliRetries)
	for _, c := range bumps {
		if _, err := g.gitErr("merge-base", "--is-ancestor", c, "HEAD"); err != nil {
			t.Errorf("bump commit %s is not reachable from HEAD: lost", c)
		}
	}
	subjects := "\n" + g.git("log", "--format=%s") + "\n"
	for _, s := range cliOK {
		if !strings.Contains(subjects, "\n"+s+"\n") {
			t.Errorf("git commit %q is not in the history: lost", s)
		}
	}
	if got, want := g.git("rev-list", "--count", "HEAD"), fmt.Sprint(1+len(bumps)+len(cliOK)); got != want {
		t.Errorf("%s commits, want %s", got, want)
	}
	if got := g.git("rev-list", "--count", "--merges", "HEAD"); got != "0" {
		t.Errorf("history has %s merges, want linear", got)
	}
	if got := strings.Count(g.git("reflog", "--format=%gs", "main"), "\n") + 1; got != 1+len(bumps)+len(cliOK) {
		t.Errorf("reflog of main has %d entries, want %d", got, 1+len(bumps)+len(cliOK))
	}
	g.git("checkout", "HEAD", "--", bumpPath) // a clobber after the last bump
	assertHealthy(t, g, "")
}

func isClosed(c chan struct{}) bool {
	select {
	case <-c:
		return true
	default:
		return false
	}
}

// nowMeta dates the commit now: reflog entries older than 90 days are
// expired by the git gc --auto that git commit may start.
func nowMeta(msg string) CommitMeta {
	m := testMeta(msg)
	m.Author.When = time.Now()
	m.Committer.When = m.Author.When
	return m
}
