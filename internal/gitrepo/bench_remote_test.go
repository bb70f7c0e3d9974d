package gitrepo

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"testing"
	"time"

	"io/fs"

	"github.com/rolloutgen/rolloutgen/internal/gittest"
	"github.com/rolloutgen/rolloutgen/internal/synth"
)

// benchEnvInt reads a benchmark size from the environment (make bench sets
// GEN_BENCH_APPS=5000 for the large repo).
func benchEnvInt(name string, def int) int {
	if v, err := strconv.Atoi(os.Getenv(name)); err == nil && v > 0 {
		return v
	}
	return def
}

// BenchmarkRemoteBump compares remote mode (in-memory depth-1 clone with no
// checkout, one-file commit, push) with the git CLI doing the same job the
// cheapest way it can (clone --depth 1 --single-branch --sparse,
// sparse-checkout add, edit, commit, push), interleaved in one run against
// the same bare remote over file://. It reports gen/cli, the ratio to quote.
//
// gen runs in-process here; the CLI pays a process per step, as it would in
// a CI job. GEN_BENCH_APPS sets the repository size (default 200 apps,
// 2,405 files; 5000 gives 60,005 files, PERF.md's monorepo as gen renders
// it), and GEN_BENCH_CACHE where generated repositories are kept between
// runs.
func BenchmarkRemoteBump(b *testing.B) {
	gittest.RequireGit(b)
	home := gittest.Home(b)
	opts := synth.Options{Apps: benchEnvInt("GEN_BENCH_APPS", 200), Commits: 2000, Seed: 1, NoCheckout: true, Env: gittest.Env(home)}
	cache := os.Getenv("GEN_BENCH_CACHE")
	if cache == "" {
		cache = filepath.Join(os.TempDir(), "rolloutgen-bench")
	}
	start := time.Now()
	src, err := synth.Cached(context.Background(), cache, opts)
	if err != nil {
		b.Fatal(err)
	}
	b.Logf("%d files ready in %s (generated on first use)", opts.Files(), time.Since(start).Round(time.Second))
	bare := filepath.Join(b.TempDir(), "remote.git")
	gittest.Git(b, home, cache, "clone", "-q", "--bare", src, bare)
	url := "file://" + bare
	ep, err := ResolveEndpoint(url, AuthOptions{})
	if err != nil {
		b.Fatal(err)
	}
	defer ep.Close()
	meta := testCommitMeta("bench bump")
	work := b.TempDir()

	var genTime, cliTime time.Duration
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		// Each bump goes to a different app so neither contender finds
		// its change already made.
		genApp, cliApp := synth.AppName((2*i)%opts.Apps), synth.AppName((2*i+1)%opts.Apps)
		tag := fmt.Sprintf("bench-%d-%d", time.Now().UnixNano(), i)

		start := time.Now()
		res, err := bumpRemote(context.Background(), remoteBump{
			Remote: ep, Branch: "main", Path: synth.OverlayPath("dev", genApp), Meta: meta,
			Edit: func(_ context.Context, _ fs.FS, old []byte) ([]byte, string, bool, error) {
				content, err := synth.SetTag(old, tag)
				return content, "", err == nil, err
			},
		})
		genTime += time.Since(start)
		if err != nil || !res.Push.Pushed {
			b.Fatalf("gen remote bump: %+v %v", res, err)
		}
		runtime.GC() // do not bill gen's garbage to the CLI's turn

		dir := filepath.Join(work, fmt.Sprint(i))
		path := synth.OverlayPath("dev", cliApp)
		start = time.Now()
		gittest.Git(b, home, work, "clone", "-q", "--depth", "1", "--single-branch", "--sparse", url, dir)
		gittest.Git(b, home, dir, "sparse-checkout", "add", filepath.Dir(path))
		full := filepath.Join(dir, filepath.FromSlash(path))
		old, err := os.ReadFile(full)
		if err != nil {
			b.Fatal(err)
		}
		content, err := synth.SetTag(old, tag)
		if err != nil {
			b.Fatal(err)
		}
		if err := os.WriteFile(full, content, 0o644); err != nil {
			b.Fatal(err)
		}
		gittest.Git(b, home, dir, "commit", "-q", "-m", "bench bump", "--", path)
		gittest.Git(b, home, dir, "push", "-q", "origin", "main")
		cliTime += time.Since(start)
		b.StopTimer()
		os.RemoveAll(dir)
		b.StartTimer()
	}
	b.StopTimer()
	ratio := float64(genTime) / float64(cliTime)
	b.ReportMetric(ratio, "gen/cli")
	b.ReportMetric(float64(genTime.Milliseconds())/float64(b.N), "gen-ms/op")
	b.ReportMetric(float64(cliTime.Milliseconds())/float64(b.N), "cli-ms/op")
	load, _ := os.ReadFile("/proc/loadavg")
	b.Logf("remote bump, %d files, %d rounds: gen %s/op, git CLI %s/op, ratio %.2f (load %s)",
		opts.Files(), b.N, (genTime / time.Duration(b.N)).Round(time.Millisecond),
		(cliTime / time.Duration(b.N)).Round(time.Millisecond), ratio, string(load[:len(load)-1]))
	gittest.Git(b, home, bare, "fsck", "--strict", "--no-progress")
}
