package probe

import (
	"math"
	"testing"
)

// The reference values were computed with exact rational arithmetic
// (Python's fractions and math.comb: every binomial probability summed
// exactly, then rounded once) and with 60-digit decimals for Wilson's
// bounds, z = qnorm(0.995) = 2.575829303548900384…; R's binom.test and
// prop.test(correct = FALSE)'s Wilson interval agree with them.
func TestBinomTest(t *testing.T) {
	for _, tc := range []struct {
		k, n int
		p    float64
		want float64
	}{
		// The seed's counts at 20/40/60% with 50 requests.
		{14, 50, 0.2, 0.15861372708585236},
		{19, 50, 0.4, 0.885441447170476},
		{28, 50, 0.6, 0.566737485513647},
		{9, 50, 0.2, 0.8601809948256846},
		{320, 400, 0.8, 1.0},
		{80, 400, 0.2, 1.0},
		{60, 400, 0.2, 0.012258848252468669},
		{0, 400, 0.2, 3.16304539138654e-39},
		{3, 10, 0.5, 0.34375},
		{5, 10, 0.5, 1.0},
		{0, 50, 0.01, 1.0},
		{200, 1000, 0.2, 1.0},
		{250, 1000, 0.2, 0.00012262983509634857},
		// Degenerate shares: weight 0 and 100.
		{0, 400, 0, 1},
		{1, 400, 0, 0},
		{400, 400, 1, 1},
		{399, 400, 1, 0},
	} {
		got := BinomTest(tc.k, tc.n, tc.p)
		if !near(got, tc.want) {
			t.Errorf("BinomTest(%d, %d, %v) = %.17g, want %.17g", tc.k, tc.n, tc.p, got, tc.want)
		}
	}
	if got := BinomTest(5, 4, 0.5); !math.IsNaN(got) {
		t.Errorf("BinomTest(5, 4, 0.5) = %v, want NaN for k > n", got)
	}
}

func TestWilson(t *testing.T) {
	for _, tc := range []struct {
		k, n   int
		lo, hi float64
	}{
		{14, 50, 0.1499462066571462, 0.4616007136986101},
		{80, 400, 0.15356646877459562, 0.25622348775370185},
		{0, 400, 0.0, 0.01631659421382909},
		{400, 400, 0.9836834057861709, 1.0},
		{28, 50, 0.38292475132866405, 0.7230169976652207},
		{1, 1, 0.13097754328018588, 1.0},
	} {
		lo, hi := Wilson(tc.k, tc.n, 0.99)
		if !near(lo, tc.lo) || !near(hi, tc.hi) {
			t.Errorf("Wilson(%d, %d, 0.99) = [%.17g, %.17g], want [%.17g, %.17g]", tc.k, tc.n, lo, hi, tc.lo, tc.hi)
		}
	}
	if lo, hi := Wilson(0, 0, 0.99); lo != 0 || hi != 1 {
		t.Errorf("Wilson with no trials = [%v, %v], want [0, 1]", lo, hi)
	}
}

// near compares to 1e-9, relative for values far from zero.
func near(got, want float64) bool {
	return math.Abs(got-want) <= 1e-9*math.Max(math.Abs(want), 1e-300) || (want == 0 && got == 0)
}

func TestExpectedShare(t *testing.T) {
	seed := Routing{Weight: 20, Header: "X-Canary", HeaderValue: "iwantsit"}
	always := Routing{Weight: 40, Header: "X-Canary"}
	for _, tc := range []struct {
		name    string
		r       Routing
		headers map[string]string
		want    float64
	}{
		{"weight", seed, nil, 0.2},
		{"header matches", seed, map[string]string{"X-Canary": "iwantsit"}, 1},
		{"header name is case-insensitive", seed, map[string]string{"x-canary": "iwantsit"}, 1},
		{"wrong value falls to the weight (the seed: 50/50 old at weight 0)", seed, map[string]string{"X-Canary": "huari"}, 0.2},
		{"no value annotation: always", always, map[string]string{"X-Canary": "always"}, 1},
		{"no value annotation: never", always, map[string]string{"X-Canary": "never"}, 0},
		{"no value annotation: other value falls to the weight", always, map[string]string{"X-Canary": "yes"}, 0.4},
		{"promoted", Routing{Promoted: true, Header: "X-Canary", HeaderValue: "iwantsit"}, map[string]string{"X-Canary": "iwantsit"}, 1},
		{"aborted, header or not", Routing{Aborted: true, Weight: 0, Header: "X-Canary", HeaderValue: "iwantsit"}, map[string]string{"X-Canary": "iwantsit"}, 0},
		{"setCanaryScale step: weight 0", Routing{Weight: 0, Header: "X-Canary", HeaderValue: "iwantsit"}, nil, 0},
	} {
		if got := tc.r.ExpectedShare(tc.headers); got != tc.want {
			t.Errorf("%s: ExpectedShare = %v, want %v", tc.name, got, tc.want)
		}
	}
}
