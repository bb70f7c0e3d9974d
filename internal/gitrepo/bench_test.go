package gitrepo

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"

	"github.com/rolloutgen/rolloutgen/internal/gittest"
	"github.com/rolloutgen/rolloutgen/internal/synth"
)

// BenchmarkCommitFile bumps one random overlay per iteration, alternating
// CommitFile (open included) and the git CLI (sed + git add + git commit)
// on the same synthetic repository, and reports both and their ratio. The
// repositories are kept under $ROLLOUTGEN_SYNTH_CACHE (default: the temp
// dir) between runs; the first run generates them (about a minute for
// 5,000 apps). Whole-process figures with peak RSS:
// internal/synth/cmd/benchbump.
//
//	nice go test -run '^$' -bench CommitFile -benchtime 20x ./internal/gitrepo/
func BenchmarkCommitFile(b *testing.B) {
	gittest.RequireGit(b)
	cache := os.Getenv("ROLLOUTGEN_SYNTH_CACHE")
	if cache == "" {
		cache = filepath.Join(os.TempDir(), "rolloutgen-synth")
	}
	for _, apps := range []int{200, 5000} {
		b.Run(fmt.Sprintf("apps=%d", apps), func(b *testing.B) {
			o := synth.Options{Apps: apps, Commits: 2000, Seed: 1}
			dir, err := synth.Cached(context.Background(), cache, o)
			if err != nil {
				b.Fatal(err)
			}
			env := append(os.Environ(), "GIT_AUTHOR_NAME=Bench", "GIT_AUTHOR_EMAIL=bench@example.com",
				"GIT_COMMITTER_NAME=Bench", "GIT_COMMITTER_EMAIL=bench@example.com")
			envs := []string{"dev", "staging", "prod"}
			stamp := time.Now().UnixNano()
			pick := func(i int) (string, string) {
				// A different overlay each time, spread over the repository.
				n := (i*7919 + int(stamp%1000)) % (apps * len(envs))
				return synth.OverlayPath(envs[n%len(envs)], synth.AppName(n/len(envs))), fmt.Sprintf("b%d-%d", stamp, i)
			}
			var ours, cli time.Duration
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				path, tag := pick(2 * i)
				start := time.Now()
				r, err := Open(dir)
				if err != nil {
					b.Fatal(err)
				}
				old, err := os.ReadFile(filepath.Join(dir, path))
				if err != nil {
					b.Fatal(err)
				}
				content, err := synth.SetTag(old, tag)
				if err != nil {
					b.Fatal(err)
				}
				_, err = r.CommitFile(context.Background(), CommitFileRequest{
					Path: path, Content: content, Meta: nowMeta("bump " + path + " to " + tag),
				})
				if err != nil {
					b.Fatal(err)
				}
				ours += time.Since(start)

				path, tag = pick(2*i + 1)
				cmd := exec.Command("sh", "-c", synth.CLIBumpScript, "sh", path, tag)
				cmd.Dir, cmd.Env = dir, env
				start = time.Now()
				if out, err := cmd.CombinedOutput(); err != nil {
					b.Fatalf("git CLI bump: %v\n%s", err, out)
				}
				cli += time.Since(start)
			}
			b.ReportMetric(float64(ours.Nanoseconds())/float64(b.N), "gitrepo-ns/op")
			b.ReportMetric(float64(cli.Nanoseconds())/float64(b.N), "gitcli-ns/op")
			b.ReportMetric(ours.Seconds()/cli.Seconds(), "ratio")
		})
	}
}
