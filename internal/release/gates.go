package release

import (
	"fmt"
	"strings"
	"time"
)

// Gate is one check gen promote makes on the source environment before
// anything is written.
type Gate struct {
	Name   string `json:"name"`
	OK     bool   `json:"ok"`
	Detail string `json:"detail"`
}

// GateInput is what the gates judge: the source row, the entry to
// promote, the commit that set it there, and the soak asked for.
type GateInput struct {
	Row          Row
	Want         Version
	SourceCommit string
	// Contains answers whether a revision Argo CD synced contains
	// SourceCommit.
	Contains Contains
	Soak     time.Duration
	Now      time.Time
}

// PromoteGates checks, in order: the source Application is Synced at a
// revision containing the source commit; it is Healthy; its Rollout is
// fully promoted at the image (stable = current, weight 0, not paused, not
// aborted); and with a soak, Healthy for that long while the stable
// ReplicaSet runs the image.
func PromoteGates(in GateInput) ([]Gate, error) {
	a, ro := in.Row.Application, in.Row.Rollout
	if a == nil || ro == nil {
		return []Gate{{Name: "found", Detail: in.Row.Verdict}}, nil
	}
	var gates []Gate
	synced := Gate{Name: "synced"}
	switch {
	case a.Sync != "Synced":
		synced.Detail = fmt.Sprintf("Argo CD says %s", orUnknown(a.Sync))
	case a.Revision == "":
		synced.Detail = "Synced, at no revision yet"
	default:
		ok, err := in.Contains(a.Revision)
		if err != nil {
			return nil, err
		}
		synced.OK = ok
		synced.Detail = fmt.Sprintf("Synced at %s", shortRev(a.Revision))
		if !ok {
			synced.Detail += fmt.Sprintf(", which does not contain %s (the commit that set %s)", shortRev(in.SourceCommit), in.Want)
		}
	}
	gates = append(gates, synced)
	gates = append(gates, Gate{Name: "healthy", OK: a.Health == "Healthy", Detail: "Argo CD says " + orUnknown(a.Health)})

	_, stable := ParseImage(ro.StableImage)
	promoted := Gate{Name: "promoted", Detail: fmt.Sprintf("stable runs %s", orUnknown(stable.String()))}
	var why []string
	if !ro.FullyPromoted {
		_, canary := ParseImage(ro.CanaryImage)
		step := ""
		if ro.Step != nil {
			step = fmt.Sprintf(" at step %d/%d", *ro.Step, ro.Steps)
		}
		why = append(why, fmt.Sprintf("canary %s%s", canary, step))
	}
	if ro.Weight != nil && *ro.Weight != 0 && !ro.FullyPromoted {
		why = append(why, fmt.Sprintf("weight %d%%", *ro.Weight))
	}
	if ro.Paused {
		why = append(why, "paused")
	}
	if ro.Aborted {
		why = append(why, "aborted")
	}
	if stable != in.Want && ro.FullyPromoted {
		why = append(why, fmt.Sprintf("not %s", in.Want))
	}
	if len(why) > 0 {
		promoted.Detail += ", " + strings.Join(why, ", ")
	}
	promoted.OK = len(why) == 0 && stable == in.Want
	gates = append(gates, promoted)

	if in.Soak > 0 {
		soak := Gate{Name: "soak"}
		switch {
		case ro.HealthySince.IsZero():
			soak.Detail = "the Rollout is not Healthy"
		case stable != in.Want:
			soak.Detail = fmt.Sprintf("stable runs %s, not %s", stable, in.Want)
		default:
			up := in.Now.Sub(ro.HealthySince).Truncate(time.Second)
			soak.OK = up >= in.Soak
			soak.Detail = fmt.Sprintf("Healthy for %s of %s", up, in.Soak)
		}
		gates = append(gates, soak)
	}
	return gates, nil
}

// Failed lists the gates that failed, as "name: detail".
func Failed(gates []Gate) []string {
	var out []string
	for _, g := range gates {
		if !g.OK {
			out = append(out, g.Name+": "+g.Detail)
		}
	}
	return out
}

func orUnknown(s string) string {
	if s == "" {
		return "Unknown"
	}
	return s
}
