// Package synth generates synthetic GitOps monorepos for benchmarks: N
// apps, each with five files under base/<app>/ and one kustomization per
// environment under overlays/<env>/<app>/ whose images: entry carries a
// comment, plus a history of commits that each bump one random overlay.
//
// Commits are streamed into git fast-import (thousands of git commit
// calls would take far longer), then the repository is packed with git gc
// and checked out. The RNG is seeded, so a given Options always yields the
// same repository, hashes included. One generator serves every benchmark.
package synth
