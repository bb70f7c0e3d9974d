// Package cli wires the gen commands: one file per command, each a
// newXCmd(deps) building xOptions and a runX(ctx, opts) holding the work.
// Commands only connect flags to the domain packages under internal/;
// exit codes are mapped in one place (exit.go).
package cli
