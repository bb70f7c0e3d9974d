package kube

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
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
