package gittest

import (
	"crypto/ed25519"
	"net"
	"os"
	"path/filepath"
	"testing"

	"golang.org/x/crypto/ssh/agent"
)

// NewAgent runs an in-process ssh-agent holding keys on a unix socket and
// returns the socket path (the value for SSH_AUTH_SOCK). The socket lives
// in a short temporary directory: unix socket paths are limited to ~108
// bytes and t.TempDir paths of long test names exceed that.
func NewAgent(t testing.TB, keys ...ed25519.PrivateKey) string {
	t.Helper()
	ring := agent.NewKeyring()
	for _, k := range keys {
		if err := ring.Add(agent.AddedKey{PrivateKey: k}); err != nil {
			t.Fatal(err)
		}
	}
	dir, err := os.MkdirTemp("", "gen-agent")
	if err != nil {
		t.Fatal(err)
	}
	// Cleanups run last-registered first: the directory goes after the
	// server has stopped.
	t.Cleanup(func() { os.RemoveAll(dir) })
	sock := filepath.Join(dir, "agent.sock")
	l, err := net.Listen("unix", sock)
	if err != nil {
		t.Fatal(err)
	}
	serveUntilCleanup(t, l, func(conn net.Conn) {
		defer conn.Close()
		_ = agent.ServeAgent(ring, conn)
	})
	return sock
}
