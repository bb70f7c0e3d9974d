package kube

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func TestNewKubeClientNoConfig(t *testing.T) {
	_, err := NewClient(Config{HomeDir: t.TempDir()})
	if !errors.Is(err, ErrNoKubeConfig) {
		t.Fatalf("err = %v, want ErrNoKubeConfig", err)
	}
}

func TestNewKubeClientUnknownContext(t *testing.T) {
	kubeconfig := filepath.Join(t.TempDir(), "config")
	writeKubeconfig(t, kubeconfig, "https://127.0.0.1:1")
	_, err := NewClient(Config{Path: kubeconfig, Context: "nope"})
	if err == nil || !strings.Contains(err.Error(), `"nope"`) {
		t.Fatalf("err = %v, want it to name the context", err)
	}
}

func writeKubeconfig(t *testing.T, path, server string) {
	t.Helper()
	cfg := `apiVersion: v1
kind: Config
clusters: [{name: c, cluster: {server: "` + server + `", insecure-skip-tls-verify: true}}]
users: [{name: u, user: {token: t0ken}}]
contexts: [{name: test, context: {cluster: c, user: u}}, {name: other, context: {cluster: c, user: u}}]
current-context: other
`
	if err := os.WriteFile(path, []byte(cfg), 0o600); err != nil {
		t.Fatal(err)
	}
}

// TestRequestTimeout: a LIST slower than Config.Timeout fails with
// client-go's timeout; a negative Timeout sets no bound, and the same LIST
// succeeds.
func TestRequestTimeout(t *testing.T) {
	srv := httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		// A slow API server: a fixed delay of the fake server, not a wait
		// of the test.
		time.Sleep(300 * time.Millisecond)
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write([]byte(`{"apiVersion":"argoproj.io/v1alpha1","kind":"ApplicationList","metadata":{"resourceVersion":"7"},"items":[]}`))
	}))
	t.Cleanup(srv.Close)
	kubeconfig := filepath.Join(t.TempDir(), "config")
	writeKubeconfig(t, kubeconfig, srv.URL)
	list := func(timeout time.Duration) error {
		c, err := NewClient(Config{Path: kubeconfig, Timeout: timeout})
		if err != nil {
			t.Fatal(err)
		}
		_, err = c.List(context.Background(), Kind{GVR: Applications, Namespace: "argo"})
		return err
	}
	if err := list(20 * time.Millisecond); err == nil || !strings.Contains(err.Error(), "Timeout") {
		t.Errorf("Timeout 20ms against a 300ms server: err = %v, want client-go's timeout", err)
	}
	if err := list(-1); err != nil {
		t.Errorf("no timeout: %v", err)
	}
}
