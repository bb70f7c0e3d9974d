package probe

import (
	"fmt"
	"io"
	"maps"
	"math"
	"slices"
	"text/tabwriter"
)

// Confidence is the level of the reported Wilson interval.
const Confidence = 0.99

// Expectation is the canary share the routing should give.
type Expectation struct {
	Canary string  // the canary's version, as the app answers it
	Share  float64 // expected share of answers from Canary, 0..1
	Alpha  float64 // reject when the exact test's p-value is below (default 0.001)
}

// Verdict judges the observed canary share against an Expectation.
type Verdict struct {
	Canary     string  `json:"canary"`
	Observed   int     `json:"observed"` // answers from the canary
	Answered   int     `json:"answered"`
	Share      float64 `json:"share"`
	Expected   float64 `json:"expected"`
	WilsonLow  float64 `json:"wilsonLow"`
	WilsonHigh float64 `json:"wilsonHigh"`
	PValue     float64 `json:"pValue"`
	Alpha      float64 `json:"alpha"`
	Consistent bool    `json:"consistent"`
}

// Judge tests the canary's share with the exact binomial test and reports
// the 99% Wilson interval. With no answers at all it is inconsistent.
// The test fits balancers that pick a backend at random per request
// (ingress-nginx); a deterministic one (Traefik's weighted round robin)
// lands closer to the expectation than chance would, which the test
// accepts too.
func Judge(r Result, e Expectation) Verdict {
	alpha := e.Alpha
	if alpha <= 0 {
		alpha = 0.001
	}
	n := r.Answered()
	k := r.Versions[e.Canary]
	v := Verdict{Canary: e.Canary, Observed: k, Answered: n, Expected: e.Share, Alpha: alpha}
	if n == 0 {
		v.PValue = 0
		return v
	}
	v.Share = float64(k) / float64(n)
	v.WilsonLow, v.WilsonHigh = Wilson(k, n, Confidence)
	v.PValue = BinomTest(k, n, e.Share)
	v.Consistent = v.PValue >= alpha
	return v
}

// WriteTable prints the seed's table: answers per version, errors per
// kind, and the canary share with its interval when v is not nil.
func WriteTable(w io.Writer, r Result, v *Verdict) error {
	tw := tabwriter.NewWriter(w, 0, 8, 2, ' ', 0)
	fmt.Fprintf(tw, "VERSION\tANSWERS\tSHARE\n")
	n := r.Answered()
	for _, ver := range r.SortedVersions() {
		c := r.Versions[ver]
		fmt.Fprintf(tw, "%s\t%d/%d\t%.1f%%\n", quoteIfOdd(ver), c, r.Requests, 100*float64(c)/float64(max(n, 1)))
	}
	for _, kind := range slices.Sorted(maps.Keys(r.Errors)) {
		fmt.Fprintf(tw, "error: %s\t%d/%d\t\n", kind, r.Errors[kind], r.Requests)
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	if v == nil {
		return nil
	}
	verdict := "consistent"
	if !v.Consistent {
		verdict = "INCONSISTENT"
	}
	_, err := fmt.Fprintf(w, "canary %s: %d/%d = %.1f%% (99%% Wilson %.1f–%.1f%%), expected %.1f%%: p = %s, %s at alpha %g\n",
		quoteIfOdd(v.Canary), v.Observed, v.Answered, 100*v.Share, 100*v.WilsonLow, 100*v.WilsonHigh,
		100*v.Expected, formatP(v.PValue), verdict, v.Alpha)
	return err
}

// quoteIfOdd keeps plain versions readable and quotes anything a server
// could use to write escape codes onto the terminal.
func quoteIfOdd(s string) string {
	for _, r := range s {
		if r < 0x21 || r > 0x7e {
			return fmt.Sprintf("%q", s)
		}
	}
	if s == "" {
		return `""`
	}
	return s
}

func formatP(p float64) string {
	if p >= 0.001 || p == 0 || math.IsNaN(p) {
		return fmt.Sprintf("%.3f", p)
	}
	return fmt.Sprintf("%.1e", p)
}
