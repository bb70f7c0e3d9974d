//go:build e2e

package e2e

import (
	"context"
	"fmt"
	"net"
	"time"
)

// poll calls check until it reports done, the timeout passes, or a
// component dies. check returns what it saw, so a timeout says what the wait
// was stuck on. every is the interval; zero means 100 ms growing to 500 ms
// (a measurement passes a fixed 100 ms).
func poll(ctx context.Context, what string, timeout, every time.Duration, alive func() error, check func() (done bool, seen string, err error)) (time.Duration, error) {
	start := time.Now()
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	interval := 100 * time.Millisecond
	if every > 0 {
		interval = every
	}
	var seen string
	var lastErr error
	for {
		done, s, err := check()
		if done && err == nil {
			return time.Since(start), nil
		}
		seen, lastErr = s, err
		if alive != nil {
			if err := alive(); err != nil {
				return time.Since(start), fmt.Errorf("waiting for %s: %w", what, err)
			}
		}
		select {
		case <-ctx.Done():
			return time.Since(start), fmt.Errorf("waiting for %s: %w after %s; last seen: %s (last error: %v)",
				what, errTimeout, timeout, seen, lastErr)
		case <-time.After(interval):
		}
		if every == 0 && interval < 500*time.Millisecond {
			interval += 50 * time.Millisecond
		}
	}
}

// freePorts returns n distinct ports free on 127.0.0.1 right now.
func freePorts(n int) ([]int, error) {
	var ls []net.Listener
	defer func() {
		for _, l := range ls {
			l.Close()
		}
	}()
	ports := make([]int, 0, n)
	for range n {
		l, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			return nil, fmt.Errorf("pick a free port: %w", err)
		}
		ls = append(ls, l)
		ports = append(ports, l.Addr().(*net.TCPAddr).Port)
	}
	return ports, nil
}
