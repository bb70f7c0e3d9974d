// Command rollouts-demo is the seed's demo service: GET /api/check answers
// {"message":"<version>"} (the body the seed's gin handler writes), GET
// /healthz answers 200 for the readiness probe. The version is set at build
// time:
//
//	go build -ldflags "-X main.version=v2" ./cmd/rollouts-demo
//
// It listens on $LISTEN_ADDR (default :8080) and stops on SIGINT or SIGTERM.
// Standard library only, so the image holds one static binary.
package main

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"os"
	"os/signal"
	"syscall"
	"time"
)

// version is what /api/check answers; set with -ldflags "-X main.version=vN".
var version = "dev"

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, listenAddr(os.Getenv), version); err != nil {
		fmt.Fprintln(os.Stderr, "rollouts-demo:", err)
		os.Exit(1)
	}
}

func listenAddr(getenv func(string) string) string {
	if a := getenv("LISTEN_ADDR"); a != "" {
		return a
	}
	return ":8080"
}

func run(ctx context.Context, addr, version string) error {
	srv := &http.Server{
		Addr:              addr,
		Handler:           newHandler(version),
		ReadHeaderTimeout: 5 * time.Second,
	}
	errc := make(chan error, 1)
	go func() { errc <- srv.ListenAndServe() }()
	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
		shutdown, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		if err := srv.Shutdown(shutdown); err != nil {
			return err
		}
		if err := <-errc; !errors.Is(err, http.ErrServerClosed) {
			return err
		}
		return nil
	}
}
