//go:build e2e

package e2e

import (
	"context"
	"fmt"
	"io"
	"time"
)

// dumpState writes what a failed run needs to be understood: the tail of
// every component's log and the YAML of the objects the scenario walks.
func (c *cluster) dumpState(w io.Writer) {
	c.procs.dumpLogs(w, 40)
	if c.kubeconfig == "" {
		return
	}
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	for _, what := range [][]string{
		{"rollouts.argoproj.io", "-A"},
		{"replicasets", "-A"},
		{"ingresses", "-A"},
		{"applications.argoproj.io", "-A"},
		{"pods", "-A", "-o", "wide"},
		{"events", "-A", "--sort-by=.lastTimestamp"},
	} {
		args := append([]string{"get"}, what...)
		if len(what) == 2 {
			args = append(args, "-o", "yaml")
		}
		out, err := c.kubectl(ctx, args...)
		if err != nil {
			fmt.Fprintf(w, "===== kubectl %v: %v\n", args, err)
			continue
		}
		fmt.Fprintf(w, "===== kubectl %v =====\n%s\n", args, out)
	}
}
