// Command benchbump measures one local bump as whole processes, A/B
// interleaved in one run on the same synthetic repository:
//
//	A  the gitrepo commit engine (this binary re-executed with -bump-one:
//	   open, read the overlay, set the tag, commit)
//	B  the git CLI: sed -i + git add F + git commit
//
// It prints median wall times, the ratio A/B, peak RSS of each (the
// child's rusage, what /usr/bin/time -f %M reports) and the load average
// before and after, for each app count:
//
//	go run ./internal/synth/cmd/benchbump -apps 200,5000 -rounds 15
package main

import (
	"context"
	"flag"
	"fmt"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/rolloutgen/rolloutgen/internal/gitrepo"
	"github.com/rolloutgen/rolloutgen/internal/synth"
)

func main() {
	bumpOne := flag.Bool("bump-one", false, "internal: run contender A once (-repo, -path, -tag)")
	repo := flag.String("repo", "", "internal: repository for -bump-one")
	path := flag.String("path", "", "internal: overlay for -bump-one")
	tag := flag.String("tag", "", "internal: tag for -bump-one")
	apps := flag.String("apps", "200,5000", "comma-separated app counts")
	rounds := flag.Int("rounds", 15, "measured rounds per contender and app count")
	commits := flag.Int("commits", 2000, "history length of generated repos")
	cache := flag.String("cache", filepath.Join(os.TempDir(), "rolloutgen-synth"), "where generated repos are kept between runs")
	flag.Parse()
	if *bumpOne {
		if err := runBumpOne(*repo, *path, *tag); err != nil {
			fmt.Fprintln(os.Stderr, "bump-one:", err)
			os.Exit(1)
		}
		return
	}
	failed := false
	for _, s := range strings.Split(*apps, ",") {
		n, err := strconv.Atoi(strings.TrimSpace(s))
		if err != nil {
			fmt.Fprintf(os.Stderr, "benchbump: -apps: %q is not a number\n", s)
			os.Exit(2)
		}
		if err := measure(synth.Options{Apps: n, Commits: *commits, Seed: 1}, *cache, *rounds); err != nil {
			fmt.Fprintln(os.Stderr, "benchbump:", err)
			failed = true
		}
	}
	if failed {
		os.Exit(1)
	}
}

// runBumpOne is contender A: what gen bump does for the Git part, in a
// fresh process.
func runBumpOne(dir, path, tag string) error {
	r, err := gitrepo.Open(dir)
	if err != nil {
		return err
	}
	old, err := os.ReadFile(filepath.Join(r.Root(), filepath.FromSlash(path)))
	if err != nil {
		return err
	}
	author, committer, err := gitrepo.ResolveIdentity(gitrepo.IdentityFlags{}, os.Getenv, r, time.Now())
	if err != nil {
		return err
	}
	content, err := synth.SetTag(old, tag)
	if err != nil {
		return fmt.Errorf("%s: %w", path, err)
	}
	_, err = r.CommitFile(context.Background(), gitrepo.CommitFileRequest{
		Path:    path,
		Content: content,
		Meta:    gitrepo.CommitMeta{Message: "bump " + path + " to " + tag, Author: author, Committer: committer},
	})
	return err
}

type sample struct {
	wall  time.Duration
	rssKB int64
}

func measure(o synth.Options, cache string, rounds int) error {
	fmt.Fprintf(os.Stderr, "benchbump: %d apps (%d files): repository under %s (generated on first use)\n", o.Apps, o.Files(), cache)
	dir, err := synth.Cached(context.Background(), cache, o)
	if err != nil {
		return err
	}
	self, err := os.Executable()
	if err != nil {
		return err
	}
	env := append(os.Environ(),
		"GIT_AUTHOR_NAME=Bench", "GIT_AUTHOR_EMAIL=bench@example.com",
		"GIT_COMMITTER_NAME=Bench", "GIT_COMMITTER_EMAIL=bench@example.com")
	rng := rand.New(rand.NewPCG(uint64(time.Now().UnixNano()), 7))
	envs := []string{"dev", "staging", "prod"}
	seq := 0
	next := func() (string, string) {
		seq++
		p := synth.OverlayPath(envs[rng.IntN(len(envs))], synth.AppName(rng.IntN(o.Apps)))
		return p, fmt.Sprintf("bench-%d-%d", time.Now().Unix(), seq)
	}
	runA := func() (sample, error) {
		p, tag := next()
		return run(exec.Command(self, "-bump-one", "-repo", dir, "-path", p, "-tag", tag), dir, env)
	}
	runB := func() (sample, error) {
		p, tag := next()
		return run(exec.Command("sh", "-c", synth.CLIBumpScript, "sh", p, tag), dir, env)
	}
	load0 := loadavg()
	// One unmeasured round of each warms the page cache for both.
	if _, err := runA(); err != nil {
		return fmt.Errorf("%d apps: gitrepo: %w", o.Apps, err)
	}
	if _, err := runB(); err != nil {
		return fmt.Errorf("%d apps: git CLI: %w", o.Apps, err)
	}
	var as, bs []sample
	for i := 0; i < rounds; i++ {
		// Alternate who goes first so neither always inherits the
		// other's cache state.
		for j := 0; j < 2; j++ {
			if (i+j)%2 == 0 {
				s, err := runA()
				if err != nil {
					return fmt.Errorf("%d apps round %d: gitrepo: %w", o.Apps, i, err)
				}
				as = append(as, s)
			} else {
				s, err := runB()
				if err != nil {
					return fmt.Errorf("%d apps round %d: git CLI: %w", o.Apps, i, err)
				}
				bs = append(bs, s)
			}
		}
	}
	load1 := loadavg()
	status, err := exec.Command("git", "-C", dir, "status", "--porcelain").Output()
	if err != nil || len(status) != 0 {
		return fmt.Errorf("%d apps: git status after the run: %q %v", o.Apps, status, err)
	}
	ma, mb := median(as), median(bs)
	fmt.Printf("local bump, %d apps (%d files), %d rounds each, A/B interleaved\n", o.Apps, o.Files(), rounds)
	fmt.Printf("  gitrepo CommitFile         median %6.3fs  peak RSS %5.1f MiB\n", ma.Seconds(), float64(peakRSS(as))/1024)
	fmt.Printf("  git CLI sed+add+commit     median %6.3fs  peak RSS %5.1f MiB\n", mb.Seconds(), float64(peakRSS(bs))/1024)
	fmt.Printf("  ratio gitrepo/CLI %.2f   load average before %s, after %s\n", ma.Seconds()/mb.Seconds(), load0, load1)
	return nil
}

func run(cmd *exec.Cmd, dir string, env []string) (sample, error) {
	cmd.Dir = dir
	cmd.Env = env
	var stderr strings.Builder
	cmd.Stderr = &stderr
	start := time.Now()
	err := cmd.Run()
	wall := time.Since(start)
	if err != nil {
		return sample{}, fmt.Errorf("%s: %w\n%s", strings.Join(cmd.Args, " "), err, stderr.String())
	}
	var rss int64
	if ru, ok := cmd.ProcessState.SysUsage().(*syscall.Rusage); ok {
		rss = ru.Maxrss // KiB on Linux; covers the child's reaped descendants
	}
	return sample{wall: wall, rssKB: rss}, nil
}

func median(s []sample) time.Duration {
	d := make([]time.Duration, len(s))
	for i := range s {
		d[i] = s[i].wall
	}
	slices.Sort(d)
	return d[len(d)/2]
}

func peakRSS(s []sample) int64 {
	var m int64
	for _, x := range s {
		m = max(m, x.rssKB)
	}
	return m
}

func loadavg() string {
	b, err := os.ReadFile("/proc/loadavg")
	if err != nil {
		return "unknown"
	}
	f := strings.Fields(string(b))
	if len(f) < 3 {
		return "unknown"
	}
	return strings.Join(f[:3], " ")
}
