// Command synthrepo writes a synthetic GitOps monorepo for benchmarks: the
// repository gen itself produces for a gen.yaml with -apps apps, then
// -commits bumps.
//
//	go run ./internal/synth/cmd/synthrepo -apps 5000 -commits 2000 -dir /tmp/big
//
// With -cache ROOT instead of -dir it reuses (or makes once) a repository
// under ROOT and prints its path on stdout, for scripts.
package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"time"

	"github.com/rolloutgen/rolloutgen/internal/synth"
)

func main() {
	var o synth.Options
	dir := flag.String("dir", "", "directory to create")
	cache := flag.String("cache", "", "reuse or make the repository under this directory and print its path")
	flag.IntVar(&o.Apps, "apps", 200, "number of apps")
	flag.IntVar(&o.Commits, "commits", 2000, "bump commits after the initial one")
	flag.Uint64Var(&o.Seed, "seed", 1, "RNG seed")
	flag.BoolVar(&o.NoCheckout, "no-checkout", false, "leave no index or worktree files")
	flag.Parse()
	if (*dir == "") == (*cache == "") {
		fmt.Fprintln(os.Stderr, "synthrepo: give exactly one of -dir and -cache")
		os.Exit(2)
	}
	start := time.Now()
	if *cache != "" {
		d, err := synth.Cached(context.Background(), *cache, o)
		if err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(1)
		}
		fmt.Println(d)
		return
	}
	if err := synth.Generate(context.Background(), *dir, o); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	fmt.Fprintf(os.Stderr, "synthrepo: %d files, %d commits in %s: %s\n", o.Files(), o.Commits+1, time.Since(start).Round(time.Millisecond), *dir)
}
