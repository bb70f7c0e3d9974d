// Command benchremote measures one remote-mode bump as whole processes, A/B
// interleaved in one run against the same bare remote over file://:
//
//	A  gen's remote mode (this binary re-executed with -bump-one: depth-1
//	   in-memory clone without checkout, set the tag, commit, push)
//	B  the git CLI at its cheapest: clone --depth 1 --single-branch
//	   --sparse, sparse-checkout add DIR, sed, commit, push
//
// It prints median wall times, the ratio A/B, each side's peak RSS (the
// children's rusage) and the load average before and after:
//
//	go run ./internal/synth/cmd/benchremote -apps 200,5000 -rounds 9
package main

import (
	"context"
	"flag"
	"fmt"
	"io/fs"
	"os"
	"os/exec"
	"path"
	"path/filepath"
	"time"

	"github.com/rolloutgen/rolloutgen/internal/gitrepo"
	"github.com/rolloutgen/rolloutgen/internal/synth"
	"github.com/rolloutgen/rolloutgen/internal/synth/abbench"
)

func main() {
	bumpOne := flag.Bool("bump-one", false, "internal: run contender A once (-url, -path, -tag)")
	url := flag.String("url", "", "internal: remote for -bump-one")
	file := flag.String("path", "", "internal: overlay for -bump-one")
	tag := flag.String("tag", "", "internal: tag for -bump-one")
	apps := flag.String("apps", "200,5000", "comma-separated app counts")
	rounds := flag.Int("rounds", 9, "measured rounds per contender and app count")
	commits := flag.Int("commits", 2000, "history length of generated repos")
	cache := flag.String("cache", filepath.Join(os.TempDir(), "rolloutgen-synth"), "where generated repos are kept between runs")
	flag.Parse()
	if *bumpOne {
		if err := runBumpOne(*url, *file, *tag); err != nil {
			fmt.Fprintln(os.Stderr, "bump-one:", err)
			os.Exit(1)
		}
		return
	}
	failed, err := abbench.ForEachCount(os.Stderr, "benchremote", "apps", *apps, func(n int) error {
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

// runBumpOne is contender A: the Git part of gen bump --repo-url, in a
// fresh process.
func runBumpOne(url, file, tag string) error {
	ep, err := gitrepo.ResolveEndpoint(url, gitrepo.AuthOptions{Getenv: os.Getenv})
	if err != nil {
		return err
	}
	defer ep.Close()
	sig := gitrepo.Signature{Name: "Bench", Email: "bench@example.com", When: time.Now()}
	meta := gitrepo.CommitMeta{Message: "bump " + file + " to " + tag, Author: sig, Committer: sig}
	ctx := context.Background()
	src, err := gitrepo.CloneSource(ctx, gitrepo.PushTarget{Remote: ep, Branch: "main"})
	if err != nil {
		return err
	}
	defer src.Close()
	tree, err := src.Files()
	if err != nil {
		return err
	}
	old, err := fs.ReadFile(tree, file)
	if err != nil {
		return err
	}
	content, err := synth.SetTag(old, tag)
	if err != nil {
		return err
	}
	if _, err := src.CommitFile(ctx, file, content, meta, nil); err != nil {
		return err
	}
	_, err = src.Push(ctx, gitrepo.PushFile{Committed: true, Path: file, Meta: meta,
		Redo: func(_ context.Context, _ fs.FS, old []byte) ([]byte, string, bool, error) {
			content, err := synth.SetTag(old, tag)
			return content, "", err == nil, err
		},
	})
	return err
}

func measure(o synth.Options, cache string, rounds int) error {
	// The same cached repository as benchbump's (with its checkout, which
	// benchbump needs); here it is only the source of a bare clone.
	fmt.Fprintf(os.Stderr, "benchremote: %d apps (%d files): repository under %s (generated on first use)\n", o.Apps, o.Files(), cache)
	src, err := synth.Cached(context.Background(), cache, o)
	if err != nil {
		return err
	}
	work, err := os.MkdirTemp("", "benchremote")
	if err != nil {
		return err
	}
	defer os.RemoveAll(work)
	bare := filepath.Join(work, "remote.git")
	if out, err := exec.Command("git", "clone", "-q", "--bare", src, bare).CombinedOutput(); err != nil {
		return fmt.Errorf("clone --bare: %w\n%s", err, out)
	}
	url := "file://" + bare
	self, err := os.Executable()
	if err != nil {
		return err
	}
	env := abbench.GitIdentityEnv()
	seq := 0
	// Each bump goes to the next app, so no contender finds its change made
	// and none races another (they run one at a time).
	next := func() (string, string) {
		seq++
		return synth.OverlayPath("dev", synth.AppName(seq%o.Apps)), fmt.Sprintf("bench-%d-%d", time.Now().Unix(), seq)
	}
	runA := func() (abbench.Sample, error) {
		p, tag := next()
		return abbench.Run(exec.Command(self, "-bump-one", "-url", url, "-path", p, "-tag", tag), work, env)
	}
	runB := func() (abbench.Sample, error) {
		p, tag := next()
		dir := filepath.Join(work, fmt.Sprint("cli-", seq))
		defer os.RemoveAll(dir) // after the measurement: deleting is not the bump
		script := `git clone -q --depth 1 --single-branch --sparse "$1" "$2" && cd "$2" &&
git sparse-checkout add "$3" && sed -i "s/^  newTag: .*/  newTag: \"$5\"/" "$4" &&
git commit -q -m "bump $4 to $5" -- "$4" && git push -q origin main`
		return abbench.Run(exec.Command("sh", "-c", script, "sh", url, dir, path.Dir(p), p, tag), work, env)
	}
	res, err := abbench.Interleave(fmt.Sprintf("%d apps", o.Apps), rounds,
		abbench.Contender{Name: "gen", Run: runA},
		abbench.Contender{Name: "git CLI", Run: runB})
	if err != nil {
		return err
	}
	if out, err := exec.Command("git", "-C", bare, "fsck", "--strict", "--no-progress").CombinedOutput(); err != nil {
		return fmt.Errorf("%d apps: git fsck on the remote: %w\n%s", o.Apps, err, out)
	}
	ma, mb := abbench.Median(res.A), abbench.Median(res.B)
	fmt.Printf("remote bump, %d apps (%d files), %d rounds each, A/B interleaved, file:// remote\n", o.Apps, o.Files(), rounds)
	fmt.Printf("  gen remote mode            median %7.3fs  peak RSS %6.1f MiB\n", ma.Seconds(), float64(abbench.PeakRSSKB(res.A))/1024)
	fmt.Printf("  git CLI sparse depth-1     median %7.3fs  peak RSS %6.1f MiB\n", mb.Seconds(), float64(abbench.PeakRSSKB(res.B))/1024)
	fmt.Printf("  ratio gen/CLI %.2f   load average before %s, after %s\n", ma.Seconds()/mb.Seconds(), res.LoadBefore, res.LoadAfter)
	return nil
}
