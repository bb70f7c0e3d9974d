//go:build e2e

package e2e

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
)

// tools locates the pinned binaries and module files hack/e2e-tools.sh
// built, plus the Debian and system tools the scenario runs.
type tools struct {
	dir string // ROLLOUTGEN_TOOLS_DIR
	gen string // the gen binary under test
}

func findTools() (tools, error) {
	dir := os.Getenv("ROLLOUTGEN_TOOLS_DIR")
	if dir == "" {
		home, err := os.UserHomeDir()
		if err != nil {
			return tools{}, fmt.Errorf("ROLLOUTGEN_TOOLS_DIR unset and no home directory: %w", err)
		}
		dir = filepath.Join(home, ".cache", "rolloutgen", "tools")
	}
	t := tools{dir: dir, gen: os.Getenv("GEN_BIN")}
	if t.gen == "" {
		return t, fmt.Errorf("GEN_BIN is unset: run the scenario with `make e2e`, which builds bin/gen and passes its path")
	}
	var missing []string
	for _, b := range []string{"kube-apiserver", "kube-controller-manager", "kube-scheduler", "rollouts-controller", "argocd", "kwok", "kustomize", "traefik", "gitea", "git-verify-wrapper.sh", "gpg-wrapper.sh"} {
		if _, err := os.Stat(t.bin(b)); err != nil {
			missing = append(missing, b)
		}
	}
	for _, d := range []string{"rollouts-crds", "argocd-crds", "kwok-stages", "gitea"} {
		if _, err := os.Stat(t.share(d)); err != nil {
			missing = append(missing, "share/"+d)
		}
	}
	for _, b := range []string{"etcd", "redis-server", "git", "kubectl", t.gen} {
		if _, err := exec.LookPath(b); err != nil {
			missing = append(missing, b)
		}
	}
	if len(missing) > 0 {
		return t, fmt.Errorf("end-to-end tools missing from %s or PATH: %s; run `make tools` (hack/e2e-tools.sh), whose log names any tool that failed to build",
			dir, strings.Join(missing, ", "))
	}
	return t, nil
}

func (t tools) bin(name string) string   { return filepath.Join(t.dir, "bin", name) }
func (t tools) share(name string) string { return filepath.Join(t.dir, "share", name) }
