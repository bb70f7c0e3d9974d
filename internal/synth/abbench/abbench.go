package abbench

import (
	"fmt"
	"io"
	"os"
	"os/exec"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// Sample is one measured run of a contender.
type Sample struct {
	Wall  time.Duration
	RSSKB int64
}

// Contender is one side of an A/B run: Name labels its errors, Run makes
// one measured run.
type Contender struct {
	Name string
	Run  func() (Sample, error)
}

// Result holds the samples of both sides and the load average before the
// warm-up and after the last round.
type Result struct {
	A, B                  []Sample
	LoadBefore, LoadAfter string
}

// Interleave runs one unmeasured round of each contender, which warms the
// page cache for both, then rounds measured rounds of each, alternating
// who goes first so neither always inherits the other's cache state.
// Errors start with label.
func Interleave(label string, rounds int, a, b Contender) (Result, error) {
	res := Result{LoadBefore: LoadAverage()}
	if _, err := a.Run(); err != nil {
		return Result{}, fmt.Errorf("%s: %s: %w", label, a.Name, err)
	}
	if _, err := b.Run(); err != nil {
		return Result{}, fmt.Errorf("%s: %s: %w", label, b.Name, err)
	}
	for i := 0; i < rounds; i++ {
		for j := 0; j < 2; j++ {
			c, samples := a, &res.A
			if (i+j)%2 != 0 {
				c, samples = b, &res.B
			}
			s, err := c.Run()
			if err != nil {
				return Result{}, fmt.Errorf("%s round %d: %s: %w", label, i, c.Name, err)
			}
			*samples = append(*samples, s)
		}
	}
	res.LoadAfter = LoadAverage()
	return res, nil
}

// Run runs cmd in dir with env and measures its wall time and peak RSS.
func Run(cmd *exec.Cmd, dir string, env []string) (Sample, error) {
	cmd.Dir = dir
	cmd.Env = env
	var stderr strings.Builder
	cmd.Stderr = &stderr
	start := time.Now()
	err := cmd.Run()
	wall := time.Since(start)
	if err != nil {
		return Sample{}, fmt.Errorf("%s: %w\n%s", strings.Join(cmd.Args, " "), err, stderr.String())
	}
	var rss int64
	if ru, ok := cmd.ProcessState.SysUsage().(*syscall.Rusage); ok {
		rss = ru.Maxrss // KiB on Linux; the largest of the child and its reaped descendants
	}
	return Sample{Wall: wall, RSSKB: rss}, nil
}

// GitIdentityEnv is the process environment with a fixed git author and
// committer, so the git CLI contender commits without any configuration.
func GitIdentityEnv() []string {
	return append(os.Environ(),
		"GIT_AUTHOR_NAME=Bench", "GIT_AUTHOR_EMAIL=bench@example.com",
		"GIT_COMMITTER_NAME=Bench", "GIT_COMMITTER_EMAIL=bench@example.com")
}

// Median is the median wall time of s, which must not be empty.
func Median(s []Sample) time.Duration {
	d := make([]time.Duration, len(s))
	for i := range s {
		d[i] = s[i].Wall
	}
	slices.Sort(d)
	return d[len(d)/2]
}

// PeakRSSKB is the largest RSS in s, in KiB.
func PeakRSSKB(s []Sample) int64 {
	var m int64
	for _, x := range s {
		m = max(m, x.RSSKB)
	}
	return m
}

// LoadAverage is the 1, 5 and 15 minute load average from /proc/loadavg,
// or "unknown" where there is none.
func LoadAverage() string {
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

// ForEachCount calls measure for each comma-separated number in list, in
// order, after the ones before it have been measured. It returns an error
// naming the flag for the first entry that is not a number, and whether any
// measure call failed; each failure is written to stderr after prog, and the
// next count is still measured.
func ForEachCount(stderr io.Writer, prog, flagName, list string, measure func(n int) error) (failed bool, err error) {
	for _, s := range strings.Split(list, ",") {
		n, err := strconv.Atoi(strings.TrimSpace(s))
		if err != nil {
			return failed, fmt.Errorf("%s: -%s: %q is not a number", prog, flagName, s)
		}
		if err := measure(n); err != nil {
			fmt.Fprintln(stderr, prog+":", err)
			failed = true
		}
	}
	return failed, nil
}
