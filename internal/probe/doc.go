// Package probe sends real requests to an app's Ingress and tells which
// version answered them: it counts answers per version and errors per
// kind, and judges the canary's share with a Wilson interval and an exact
// binomial test, as the seed's "50 requests per step" walk does by eye.
// It knows nothing of Kubernetes: the caller passes the URL, the Host and
// the expected share.
package probe
