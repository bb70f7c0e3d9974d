package probe

import "strings"

// Routing is what the Rollouts controller has told the ingress controller,
// read from the Rollout (gen probe --expect auto).
type Routing struct {
	// Weight is the canary weight the controller set (0..100).
	Weight int
	// Promoted: no canary runs (the stable ReplicaSet is the current one).
	Promoted bool
	// Aborted: the canary was aborted; all traffic is back on stable.
	Aborted bool
	// Header and HeaderValue are the canary Ingress's canary-by-header and
	// canary-by-header-value ("" when unset).
	Header, HeaderValue string
}

// HeaderRoutes reports whether a request carrying these headers goes to the
// canary by header, by ingress-nginx's rule for canary-by-header: with a
// canary-by-header-value, the header must carry exactly that value (any
// other value falls through to the weight: ingress-nginx balancer.lua,
// route_to_alternative_balancer); without
// one, "always" routes to the canary and "never" away from it; any other
// value, or no such header, leaves the request to the weight.
// (ingress-nginx docs, annotations: canary-by-header, canary-by-header-value;
// Traefik's ingress-nginx provider implements the same in
// pkg/provider/kubernetes/ingress-nginx.)
func (r Routing) HeaderRoutes(headers map[string]string) (toCanary, decided bool) {
	if r.Header == "" {
		return false, false
	}
	for k, v := range headers {
		if !strings.EqualFold(k, r.Header) {
			continue
		}
		if r.HeaderValue != "" {
			return v == r.HeaderValue, v == r.HeaderValue
		}
		switch v {
		case "always":
			return true, true
		case "never":
			return false, true
		}
	}
	return false, false
}

// ExpectedShare is the share of answers the current (canary) version
// should give for requests carrying headers: all of them once promoted
// (the current version is the stable one), none after an abort, all of
// them when the header routes to the canary, else the weight.
func (r Routing) ExpectedShare(headers map[string]string) float64 {
	switch {
	case r.Promoted:
		return 1
	case r.Aborted:
		return 0
	}
	if toCanary, decided := r.HeaderRoutes(headers); decided {
		if toCanary {
			return 1
		}
		return 0
	}
	return float64(r.Weight) / 100
}
