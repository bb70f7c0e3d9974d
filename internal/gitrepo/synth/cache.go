package synth

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
)

// Cached returns a repository with options o under root, generating it
// only when no complete one is there yet: benchmark runs share it instead
// of paying the generation (about a minute for 5,000 apps) each time. The
// benchmarks add commits to it; that does not change what they measure.
func Cached(ctx context.Context, root string, o Options) (string, error) {
	dir := DirFor(root, o)
	marker := filepath.Join(dir, ".git", "synth-complete")
	if _, err := os.Stat(marker); err == nil {
		return dir, nil
	}
	if err := os.RemoveAll(dir); err != nil {
		return "", fmt.Errorf("synth: %w", err)
	}
	if err := Generate(ctx, dir, o); err != nil {
		return "", err
	}
	if err := os.WriteFile(marker, nil, 0o644); err != nil {
		return "", fmt.Errorf("synth: %w", err)
	}
	return dir, nil
}

// CLIBumpScript is the git CLI contender of the bump benchmarks, run as
// sh -c CLIBumpScript sh FILE TAG in the repository: what a person or a CI
// script does without gen.
const CLIBumpScript = `sed -i "s/^  newTag: [^ ]*/  newTag: $2/" "$1" && git add "$1" && git commit -q -m "bump $1 to $2"`
