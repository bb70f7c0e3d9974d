package synth

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
)

// Cached returns a repository with options o under root (at DirFor(root,
// o)), generating it only when no complete one is there yet: benchmark
// runs share it instead of paying the generation each time. The
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
