//go:build e2e

package e2e

import (
	"context"
	"time"
)

// fakeIngressController plays the one part of an ingress controller Argo CD
// looks at: it publishes 127.0.0.1 in status.loadBalancer of every Ingress
// (including the canary Ingress the Rollouts controller creates), without
// which Argo CD keeps calling the Ingress, and so the app, Progressing.
// It runs until ctx ends; errors are retried on the next tick, since the
// API server may be briefly busy.
func (c *cluster) fakeIngressController(ctx context.Context, logf func(string, ...any)) {
	const patch = `{"status":{"loadBalancer":{"ingress":[{"ip":"127.0.0.1"}]}}}`
	for {
		select {
		case <-ctx.Done():
			return
		case <-time.After(300 * time.Millisecond):
		}
		list, err := c.ingresses(ctx)
		if err != nil {
			continue
		}
		for _, in := range list {
			if len(in.Status.LoadBalancer.Ingress) > 0 {
				continue
			}
			if _, err := c.kubectl(ctx, "patch", "ingress", in.Metadata.Name, "-n", in.Metadata.Namespace,
				"--subresource=status", "--type=merge", "-p", patch); err == nil {
				logf("ingress status: %s/%s -> 127.0.0.1", in.Metadata.Namespace, in.Metadata.Name)
			}
		}
	}
}
