package main

import (
	"net"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/rolloutgen/rolloutgen/internal/testtool"
)

func TestHandler(t *testing.T) {
	h := newHandler("v3")
	for _, tc := range []struct {
		method, path string
		code         int
		body, ctype  string
	}{
		{"GET", "/api/check", 200, `{"message":"v3"}`, "application/json; charset=utf-8"},
		{"GET", "/healthz", 200, "ok\n", "text/plain; charset=utf-8"},
		{"GET", "/", 404, "404 page not found\n", "text/plain; charset=utf-8"},
		{"POST", "/api/check", 405, "Method Not Allowed\n", "text/plain; charset=utf-8"},
	} {
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, httptest.NewRequest(tc.method, tc.path, nil))
		if rec.Code != tc.code || rec.Body.String() != tc.body || rec.Header().Get("Content-Type") != tc.ctype {
			t.Errorf("%s %s = %d %q (%s), want %d %q (%s)", tc.method, tc.path,
				rec.Code, rec.Body.String(), rec.Header().Get("Content-Type"), tc.code, tc.body, tc.ctype)
		}
	}
}

func TestListenAddr(t *testing.T) {
	env := map[string]string{}
	getenv := func(k string) string { return env[k] }
	if got := listenAddr(getenv); got != ":8080" {
		t.Errorf("default listen address = %q, want :8080", got)
	}
	env["LISTEN_ADDR"] = "10.244.0.7:8080"
	if got := listenAddr(getenv); got != "10.244.0.7:8080" {
		t.Errorf("listen address = %q, want $LISTEN_ADDR", got)
	}
}

// TestBinary builds the program with a version stamped in, as the image
// builder does, runs it on a free port and stops it with SIGTERM.
func TestBinary(t *testing.T) {
	if testing.Short() {
		t.Skip("builds a binary")
	}
	bin := filepath.Join(t.TempDir(), "rollouts-demo")
	build := exec.Command("go", "build", "-ldflags", "-X main.version=v4", "-o", bin, ".")
	build.Env = append(os.Environ(), "CGO_ENABLED=0")
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	addr := freeAddr(t)
	cmd := exec.Command(bin)
	cmd.Env = append(os.Environ(), "LISTEN_ADDR="+addr)
	var stderr strings.Builder
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	t.Cleanup(func() { _ = cmd.Process.Kill() })

	body := testtool.PollGet(t, "http://"+addr+"/api/check", "rollouts-demo", done)
	if body != `{"message":"v4"}` {
		t.Errorf("/api/check = %q, want the stamped version v4", body)
	}
	if err := cmd.Process.Signal(os.Interrupt); err != nil {
		t.Fatal(err)
	}
	select {
	case err := <-done:
		if err != nil {
			t.Errorf("exit after SIGINT: %v (stderr %q), want 0", err, stderr.String())
		}
	case <-time.After(30 * time.Second):
		t.Fatal("rollouts-demo did not stop within 30 s of SIGINT")
	}
}

func freeAddr(t *testing.T) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().String()
}
