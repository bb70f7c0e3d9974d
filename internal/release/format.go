package release

import (
	"fmt"
	"io"
	"strings"
	"text/tabwriter"
)

// WriteTable writes rows as gen status's text table: APP, ENV, GIT, LIVE,
// STEP, WEIGHT, VERDICT (fits 80 columns for usual names); wide adds Argo
// CD's sync, revision and health, the Rollout's phase, the canary
// Ingress's weight, images, replicas and pause. WEIGHT is the weight the
// controller set; when the canary Ingress routes another, both show
// ("20% ≠ ing 10%").
func WriteTable(w io.Writer, rows []Row, wide bool) error {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	head := []string{"APP", "ENV", "GIT", "LIVE", "STEP", "WEIGHT", "VERDICT"}
	if wide {
		head = append(head, "SYNC", "REVISION", "HEALTH", "PHASE", "INGRESS", "STABLE", "CANARY", "READY", "PAUSE")
	}
	fmt.Fprintln(tw, strings.Join(head, "\t"))
	for _, r := range rows {
		git := r.Git.Version.String()
		if r.Git.Error != "" {
			git = "?"
		}
		if r.Git.Remote != nil {
			git += " (remote " + r.Git.Remote.String() + ")"
		}
		live, step, weight := "-", "-", "-"
		if ro := r.Rollout; ro != nil {
			if ro.StableImage != "" {
				_, v := ParseImage(ro.StableImage)
				live = v.String()
			}
			if ro.Steps > 0 {
				k := int64(0)
				if ro.Step != nil {
					k = *ro.Step
				}
				step = fmt.Sprintf("%d/%d", k, ro.Steps)
			}
			if ro.Weight != nil {
				weight = fmt.Sprintf("%d%%", *ro.Weight)
			}
			if ro.WeightMismatch {
				weight += fmt.Sprintf(" ≠ ing %d%%", *ro.IngressWeight)
			}
		}
		cols := []string{r.App, r.Env, orDash(git), live, step, weight, r.Verdict}
		if wide {
			sync, rev, health, phase, ingress, stable, canary, ready, pause := "-", "-", "-", "-", "-", "-", "-", "-", "-"
			if a := r.Application; a != nil {
				sync, rev, health = orDash(a.Sync), orDash(shortRev(a.Revision)), orDash(a.Health)
			}
			if ro := r.Rollout; ro != nil {
				phase, stable, canary = orDash(ro.Phase), orDash(ro.StableImage), orDash(ro.CanaryImage)
				ready = fmt.Sprintf("%d/%d", ro.ReadyReplicas, ro.Replicas)
				if ro.IngressWeight != nil {
					ingress = fmt.Sprintf("%d%%", *ro.IngressWeight)
				}
				if ro.PauseReason != "" {
					pause = ro.PauseReason
					if !ro.PausedSince.IsZero() {
						pause += " since " + ro.PausedSince.UTC().Format("15:04:05Z")
					}
				}
			}
			cols = append(cols, sync, rev, health, phase, ingress, stable, canary, ready, pause)
		}
		fmt.Fprintln(tw, strings.Join(cols, "\t"))
	}
	return tw.Flush()
}

func orDash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}

func shortRev(h string) string {
	if len(h) > 7 {
		return h[:7]
	}
	return h
}
