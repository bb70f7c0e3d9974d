// Package synth makes synthetic GitOps monorepos for benchmarks, with the
// app count as the parameter: GenYAML writes a gen.yaml with N apps, and
// Generate makes the repository gen itself would hold for it.
//
// The first commit holds gen.yaml and exactly the files gen render
// writes for it, so gen render --check is clean, gen build and gen
// validate work and gen bump targets real overlays. Each later commit
// bumps the images: tag of one random overlay with the same editor gen
// bump uses, so the bytes are what gen bump would have committed.
// Commits are streamed into git fast-import (thousands of git commit
// calls would take far longer), then the repository is packed with git gc
// and checked out. The RNG is seeded, so given Options (and templates)
// always yield the same repository, hashes included.
package synth
