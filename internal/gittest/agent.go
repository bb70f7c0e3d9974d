package gittest

import (
	"crypto/ed25519"
	"net"
	"os"
	"path/filepath"
	"sync"
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
	sock := filepath.Join(dir, "agent.sock")
	l, err := net.Listen("unix", sock)
	if err != nil {
		t.Fatal(err)
	}
	conns := &connSet{}
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		for {
			conn, err := l.Accept()
			if err != nil {
				return
			}
			conns.add(conn)
			wg.Add(1)
			go func() {
				defer wg.Done()
				defer conn.Close()
				_ = agent.ServeAgent(ring, conn)
			}()
		}
	}()
	t.Cleanup(func() {
		l.Close()
		conns.closeAll()
		wg.Wait()
		os.RemoveAll(dir)
	})
	return sock
}

// connSet lets a server's cleanup cut connections a client left open, so a
// test that forgot to close never hangs the cleanup.
type connSet struct {
	mu    sync.Mutex
	conns []net.Conn
}

func (s *connSet) add(c net.Conn) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.conns = append(s.conns, c)
}

func (s *connSet) closeAll() {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, c := range s.conns {
		c.Close()
	}
}
