package release

import (
	"fmt"
	"strconv"
	"strings"
)

// Condition is a state gen wait waits for.
type Condition struct {
	// State is synced, healthy, paused, step, promoted or aborted.
	State string
	// Step is N of step=N.
	Step int64
}

func (c Condition) String() string {
	if c.State == "step" {
		return fmt.Sprintf("step=%d", c.Step)
	}
	return c.State
}

// ParseCondition reads --for.
func ParseCondition(s string) (Condition, error) {
	if n, ok := strings.CutPrefix(s, "step="); ok {
		k, err := strconv.ParseInt(n, 10, 64)
		if err != nil || k < 0 {
			return Condition{}, fmt.Errorf("%q: want step=N with N a step index (0 or more)", s)
		}
		return Condition{State: "step", Step: k}, nil
	}
	switch s {
	case "synced", "healthy", "paused", "promoted", "aborted":
		return Condition{State: s}, nil
	}
	return Condition{}, fmt.Errorf("%q: want synced, healthy, paused, step=N, promoted or aborted", s)
}

// Contains reports whether the commit rev contains the wanted revision
// (is it or a descendant); the caller answers from Git.
type Contains func(rev string) (bool, error)

// Check says whether row has reached c, or failed for good (a non-empty
// failure, one line). contains is nil unless a revision is wanted.
func (c Condition) Check(row Row, contains Contains) (reached bool, failure string, err error) {
	a, ro := row.Application, row.Rollout
	if a == nil || ro == nil {
		return false, "", nil
	}
	if a.Operation == "Failed" || a.Operation == "Error" {
		return false, fmt.Sprintf("sync %s: %s", strings.ToLower(a.Operation), oneLine(a.OperationMessage)), nil
	}
	if c.State == "aborted" {
		return ro.Aborted, "", nil
	}
	if ro.Aborted {
		return false, "aborted: " + oneLine(ro.Message), nil
	}
	if row.Degraded() {
		return false, row.Verdict, nil
	}
	switch c.State {
	case "synced":
		if a.Sync != "Synced" {
			return false, "", nil
		}
		if contains == nil {
			return true, "", nil
		}
		if a.Revision == "" {
			return false, "", nil
		}
		ok, err := contains(a.Revision)
		return ok, "", err
	case "healthy":
		// A Rollout paused at a step is Suspended to Argo CD: a state,
		// never Healthy.
		return a.Health == "Healthy" && ro.FullyPromoted && !ro.Paused && ro.Phase == "Healthy", "", nil
	case "paused":
		return ro.Paused || a.Health == "Suspended", "", nil
	case "step":
		return ro.Step != nil && *ro.Step == c.Step, "", nil
	case "promoted":
		return ro.FullyPromoted && !ro.Paused && ro.Phase == "Healthy", "", nil
	}
	return false, "", fmt.Errorf("unknown condition %q", c.State)
}
