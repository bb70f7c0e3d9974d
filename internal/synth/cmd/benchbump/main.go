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
	"time"

	"github.com/rolloutgen/rolloutgen/internal/gitrepo"
	"github.com/rolloutgen/rolloutgen/internal/synth"
	"github.com/rolloutgen/rolloutgen/internal/synth/abbench"
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
	failed, err := abbench.ForEachCount(os.Stderr, "benchbump", "apps", *apps, func(n int) error {
		return measure(synth.Options{Apps: n, Commits: *commits, Seed: 1}, *cache, *rounds)
	})
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(2)
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
	env := abbench.GitIdentityEnv()
	rng := rand.New(rand.NewPCG(uint64(time.Now().UnixNano()), 7))
	envs := []string{"dev", "staging", "prod"}
	seq := 0
	next := func() (string, string) {
		seq++
		p := synth.OverlayPath(envs[rng.IntN(len(envs))], synth.AppName(rng.IntN(o.Apps)))
		return p, fmt.Sprintf("bench-%d-%d", time.Now().Unix(), seq)
	}
	runA := func() (abbench.Sample, error) {
		p, tag := next()
		return abbench.Run(exec.Command(self, "-bump-one", "-repo", dir, "-path", p, "-tag", tag), dir, env)
	}
	runB := func() (abbench.Sample, error) {
		p, tag := next()
		return abbench.Run(exec.Command("sh", "-c", synth.CLIBumpScript, "sh", p, tag), dir, env)
	}
	res, err := abbench.Interleave(fmt.Sprintf("%d apps", o.Apps), rounds,
		abbench.Contender{Name: "gitrepo", Run: runA},
		abbench.Contender{Name: "git CLI", Run: runB})
	if err != nil {
		return err
	}
	status, err := exec.Command("git", "-C", dir, "status", "--porcelain").Output()
	if err != nil || len(status) != 0 {
		return fmt.Errorf("%d apps: git status after the run: %q %v", o.Apps, status, err)
	}
	ma, mb := abbench.Median(res.A), abbench.Median(res.B)
	fmt.Printf("local bump, %d apps (%d files), %d rounds each, A/B interleaved\n", o.Apps, o.Files(), rounds)
	fmt.Printf("  gitrepo CommitFile         median %6.3fs  peak RSS %5.1f MiB\n", ma.Seconds(), float64(abbench.PeakRSSKB(res.A))/1024)
	fmt.Printf("  git CLI sed+add+commit     median %6.3fs  peak RSS %5.1f MiB\n", mb.Seconds(), float64(abbench.PeakRSSKB(res.B))/1024)
	fmt.Printf("  ratio gitrepo/CLI %.2f   load average before %s, after %s\n", ma.Seconds()/mb.Seconds(), res.LoadBefore, res.LoadAfter)
	return nil
}
