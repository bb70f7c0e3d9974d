package gittest

import (
	"net"
	"sync"
	"testing"
)

// serveUntilCleanup accepts connections on l and runs serve for each in its
// own goroutine (serve closes the connection) until the test's cleanup,
// which closes l, cuts connections still open and waits for every serve
// to return.
func serveUntilCleanup(t testing.TB, l net.Listener, serve func(net.Conn)) {
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
				serve(conn)
			}()
		}
	}()
	t.Cleanup(func() {
		l.Close()
		conns.closeAll()
		wg.Wait()
	})
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
