package gitrepo

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os/exec"
	"sort"
	"strings"
)

// ErrUnknownRevision is returned when a revision does not name a commit.
var ErrUnknownRevision = errors.New("unknown revision")

// ChangedFiles lists the files under dir that differ between rev and the
// working tree: committed, staged or not, deleted, and untracked files not
// ignored. Paths are slash-separated and relative to dir. It uses the git
// CLI: one diff against the index is far cheaper than go-git's full status
// on a large repository.
func ChangedFiles(ctx context.Context, dir, rev string) ([]string, error) {
	if _, err := gitCLI(ctx, dir, "rev-parse", "--verify", "--quiet", rev+"^{commit}"); err != nil {
		return nil, fmt.Errorf("%w %q in %s", ErrUnknownRevision, rev, dir)
	}
	// Both walk the working tree; on a large repository running them side
	// by side halves the wait.
	var untracked string
	var untrackedErr error
	done := make(chan struct{})
	go func() {
		defer close(done)
		untracked, untrackedErr = gitCLI(ctx, dir, "ls-files", "--others", "--exclude-standard", "-z")
	}()
	diff, err := gitCLI(ctx, dir, "diff", "--name-only", "--no-renames", "--relative", "-z", rev, "--")
	<-done
	if err != nil {
		return nil, err
	}
	if untrackedErr != nil {
		return nil, untrackedErr
	}
	seen := map[string]bool{}
	var out []string
	for _, p := range strings.Split(diff+untracked, "\x00") {
		if p != "" && !seen[p] {
			seen[p] = true
			out = append(out, p)
		}
	}
	sort.Strings(out)
	return out, nil
}

func gitCLI(ctx context.Context, dir string, args ...string) (string, error) {
	cmd := exec.CommandContext(ctx, "git", append([]string{"-C", dir}, args...)...)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		return "", fmt.Errorf("git %s: %v: %s", strings.Join(args, " "), err, strings.TrimSpace(stderr.String()))
	}
	return stdout.String(), nil
}
