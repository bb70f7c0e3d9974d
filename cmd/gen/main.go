// Command gen renders, bumps and validates an Argo CD + Argo Rollouts GitOps repository.
package main

import (
	"context"
	"os"
	"os/signal"
	"syscall"

	"github.com/rolloutgen/rolloutgen/internal/cli"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	go func() {
		// The first signal cancels ctx and the command stops at its next
		// check; a second one then kills gen at once.
		<-ctx.Done()
		stop()
	}()
	code := cli.Run(ctx, os.Args[1:], cli.SystemDeps())
	stop()
	os.Exit(code)
}
