// Command synthrepo writes a synthetic GitOps monorepo for benchmarks:
//
//	go run ./internal/gitrepo/synth/cmd/synthrepo -apps 5000 -commits 2000 -dir /tmp/big
package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"time"

	"github.com/rolloutgen/rolloutgen/internal/gitrepo/synth"
)

func main() {
	var o synth.Options
	dir := flag.String("dir", "", "directory to create (required)")
	flag.IntVar(&o.Apps, "apps", 200, "number of apps")
	flag.IntVar(&o.Commits, "commits", 2000, "bump commits after the initial one")
	flag.Uint64Var(&o.Seed, "seed", 1, "RNG seed")
	flag.BoolVar(&o.NoCheckout, "no-checkout", false, "leave no index or worktree files")
	flag.Parse()
	if *dir == "" {
		fmt.Fprintln(os.Stderr, "synthrepo: -dir is required")
		os.Exit(2)
	}
	start := time.Now()
	if err := synth.Generate(context.Background(), *dir, o); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	fmt.Fprintf(os.Stderr, "synthrepo: %d files, %d commits in %s: %s\n", o.Files(), o.Commits+1, time.Since(start).Round(time.Millisecond), *dir)
}
