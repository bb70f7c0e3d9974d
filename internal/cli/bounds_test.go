package cli

import (
	"net"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/rolloutgen/rolloutgen/internal/input"
)

// runBounded is run with a generous deadline: the point of these tests is
// that gen does not block, so a hang must fail, not stall the suite.
func runBounded(t *testing.T, dir string, args ...string) (code int, stdout, stderr string) {
	t.Helper()
	type result struct {
		code     int
		out, err string
	}
	done := make(chan result, 1)
	go func() {
		c, o, e := run(t, dir, args...)
		done <- result{c, o, e}
	}()
	select {
	case r := <-done:
		return r.code, r.out, r.err
	case <-time.After(2 * time.Minute):
		t.Fatalf("gen %v did not return", args)
	}
	return 0, "", ""
}

// Issue 11.8: gen.yaml is read only when it is a regular file of at most
// input.MaxConfig; /dev/zero and a FIFO are refused before they are opened.
func TestConfigInputIsBounded(t *testing.T) {
	dir := t.TempDir()
	fifo := filepath.Join(dir, "fifo.yaml")
	if err := syscall.Mkfifo(fifo, 0o644); err != nil {
		t.Fatal(err)
	}
	big := filepath.Join(dir, "big.yaml")
	if err := os.WriteFile(big, []byte("apiVersion: x\n#"+strings.Repeat("x", input.MaxConfig)+"\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, tt := range []struct{ config, want string }{
		{"/dev/zero", "not a regular file"},
		{fifo, "not a regular file"},
		{big, "too large"},
	} {
		for _, cmd := range []string{"render", "validate", "build"} {
			code, _, stderr := runBounded(t, dir, cmd, "--config", tt.config)
			if code != ExitUsage || !strings.Contains(stderr, tt.want) || strings.Count(strings.TrimSpace(stderr), "\n") > 0 {
				t.Errorf("gen %s --config %s: exit %d, stderr %q; want 2 and one line with %q", cmd, tt.config, code, stderr, tt.want)
			}
		}
	}
}

// Issue 11.8: a YAML file over 16 MiB in a build is refused, not loaded.
func TestBuildInputIsBounded(t *testing.T) {
	dir := renderedDemo(t)
	overlay := filepath.Join(dir, "overlays", "dev", "rollouts-demo")
	big := "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: big\ndata:\n  x: \"" + strings.Repeat("x", 17<<20) + "\"\n"
	if err := os.WriteFile(filepath.Join(overlay, "big.yaml"), []byte(big), 0o644); err != nil {
		t.Fatal(err)
	}
	editFile(t, dir, "overlays/dev/rollouts-demo/kustomization.yaml", "resources:\n", "resources:\n- big.yaml\n")
	code, _, stderr := runBounded(t, dir, "build", "--env", "dev")
	if code == 0 || !strings.Contains(stderr, "too large") {
		t.Errorf("gen build: exit %d, stderr %q; want the file refused as too large", code, stderr)
	}
}

// silentServer accepts connections on 127.0.0.1 and never answers.
func silentServer(t *testing.T) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	var mu sync.Mutex
	var conns []net.Conn
	go func() {
		for {
			c, err := l.Accept()
			if err != nil {
				return
			}
			mu.Lock()
			conns = append(conns, c)
			mu.Unlock()
		}
	}()
	t.Cleanup(func() {
		l.Close()
		mu.Lock()
		defer mu.Unlock()
		for _, c := range conns {
			c.Close()
		}
	})
	return l.Addr().String()
}

// Issue 11.8: a kustomization naming a remote resource is refused at once
// without --allow-remote; with it, --remote-timeout ends a fetch from a
// server that never answers.
func TestRemoteResourcesRefusedOrTimedOut(t *testing.T) {
	dir := t.TempDir()
	addr := silentServer(t)
	k := "resources:\n- http://" + addr + "/manifests.yaml\n"
	if err := os.WriteFile(filepath.Join(dir, "kustomization.yaml"), []byte(k), 0o644); err != nil {
		t.Fatal(err)
	}
	code, stdout, stderr := runBounded(t, dir, "validate", ".")
	if code == 0 || !strings.Contains(stdout+stderr, "--allow-remote") {
		t.Errorf("without --allow-remote: exit %d, out %q %q; want a refusal naming --allow-remote", code, stdout, stderr)
	}
	code, stdout, stderr = runBounded(t, dir, "validate", ".", "--allow-remote", "--remote-timeout", "500ms")
	if code == 0 || !strings.Contains(stdout+stderr, "--remote-timeout") {
		t.Errorf("with --allow-remote: exit %d, out %q %q; want a timeout naming --remote-timeout", code, stdout, stderr)
	}
}
