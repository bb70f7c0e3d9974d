// Package bump is the act that starts a release: pin an overlay's image to
// a new tag and publish it, in the order Flux's image automation uses —
// edit (internal/kustomize) → build check (krusty, before anything is
// written) → commit → push, re-applying the same edit on a newer remote
// head when another push lands first.
//
// It knows neither go-git nor the command line: the repository, the
// pusher, the filesystem the overlay builds from, the clock and the log
// are passed in (small interfaces declared here; internal/cli adapts
// internal/gitrepo to them).
package bump
