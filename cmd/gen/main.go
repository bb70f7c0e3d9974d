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
	code := cli.Run(ctx, os.Args[1:], cli.SystemDeps())
	stop()
	os.Exit(code)
}
