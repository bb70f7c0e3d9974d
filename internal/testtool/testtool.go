package testtool

import (
	"os"
	"os/exec"
	"testing"
)

// Require returns the path of tool, or ends the test: Skip when CI is
// unset, Fatal when it is set.
func Require(t testing.TB, tool string) string {
	t.Helper()
	p, err := exec.LookPath(tool)
	if err == nil {
		return p
	}
	if os.Getenv("CI") != "" {
		t.Fatalf("%s is required in CI and was not found on PATH: %v", tool, err)
	}
	t.Skipf("SKIPPING: %s not found on PATH (this fails when CI is set): %v", tool, err)
	return ""
}
