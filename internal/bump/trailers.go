package bump

import (
	"fmt"
	"strings"
)

// Commit trailers gen writes, spelled once: gen status and gen rollback
// read them back.
const (
	// TrailerGenChange is on every commit gen makes: app/env. It is how
	// gen recognises its own commits.
	TrailerGenChange = "Gen-Change"
	// TrailerPromotedFrom names the environment a promotion copied from.
	TrailerPromotedFrom = "Promoted-From"
	// TrailerSourceCommit is the commit that set the promoted entry in
	// the source environment.
	TrailerSourceCommit = "Source-Commit"
	// TrailerReverts is the commit that set the entry a rollback undoes.
	TrailerReverts = "Reverts"
	// TrailerGatesSkipped is the --reason of a promotion with --force.
	TrailerGatesSkipped = "Gates-Skipped"
)

// Trailer is one "Key: value" line at the end of a commit message.
type Trailer struct {
	Key, Value string
}

// Kind is which command commits: its default message differs.
type Kind string

// The commands that commit, through the one Bumper.
const (
	KindBump     Kind = "bump"
	KindPromote  Kind = "promote"
	KindRollback Kind = "rollback"
)

// withTrailers appends the trailers block: Gen-Change first (when the
// request names an app), then ts in order. Values are one line.
func withTrailers(msg string, req Request) (string, error) {
	var ts []Trailer
	if req.App != "" {
		ts = append(ts, Trailer{TrailerGenChange, req.App + "/" + req.Env})
	}
	ts = append(ts, req.Trailers...)
	if len(ts) == 0 {
		return msg, nil
	}
	var b strings.Builder
	b.WriteString(strings.TrimRight(msg, "\n"))
	b.WriteString("\n\n")
	for _, t := range ts {
		if strings.ContainsAny(t.Value, "\r\n") {
			return "", fmt.Errorf("trailer %s: the value must be one line", t.Key)
		}
		fmt.Fprintf(&b, "%s: %s\n", t.Key, t.Value)
	}
	return b.String(), nil
}
