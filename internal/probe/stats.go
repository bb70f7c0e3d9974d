package probe

import "math"

// Wilson returns the Wilson score interval for k successes in n trials at
// confidence level conf (e.g. 0.99): the interval of shares p whose
// normal-approximation test would not reject k/n. Unlike k/n ± z·se it
// stays inside [0, 1] and is not empty at k = 0 or k = n.
// Wilson, E. B. (1927), JASA 22(158): 209–212.
func Wilson(k, n int, conf float64) (lo, hi float64) {
	if n <= 0 {
		return 0, 1
	}
	z := math.Sqrt2 * math.Erfinv(conf)
	fn, fk := float64(n), float64(k)
	z2 := z * z
	center := (fk + z2/2) / (fn + z2)
	half := z / (fn + z2) * math.Sqrt(fk*(fn-fk)/fn+z2/4)
	return math.Max(0, center-half), math.Min(1, center+half)
}

// BinomTest is the two-sided exact binomial test of k successes in n
// trials against share p: the probability, under p, of every outcome no
// more likely than k. It is R's binom.test (the same 1+1e-7 tolerance for
// outcomes as likely as k), so its p-values can be checked against R's.
func BinomTest(k, n int, p float64) float64 {
	switch {
	case n <= 0 || k < 0 || k > n:
		return math.NaN()
	case p <= 0:
		if k == 0 {
			return 1
		}
		return 0
	case p >= 1:
		if k == n {
			return 1
		}
		return 0
	}
	d := binomLogPMF(k, n, p)
	limit := d + math.Log1p(1e-7)
	// Sum the smaller terms in order of size so the tail keeps its precision.
	var sum float64
	for i := 0; i <= n; i++ {
		if l := binomLogPMF(i, n, p); l <= limit {
			sum += math.Exp(l)
		}
	}
	return math.Min(1, sum)
}

// binomLogPMF is log P(X = k) for X ~ Binomial(n, p), 0 < p < 1.
func binomLogPMF(k, n int, p float64) float64 {
	lc := lgamma(float64(n)+1) - lgamma(float64(k)+1) - lgamma(float64(n-k)+1)
	return lc + float64(k)*math.Log(p) + float64(n-k)*math.Log1p(-p)
}

func lgamma(x float64) float64 {
	v, _ := math.Lgamma(x)
	return v
}
