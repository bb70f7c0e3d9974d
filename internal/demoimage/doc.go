// Package demoimage builds the demo app's OCI images without Docker: it
// compiles cmd/rollouts-demo with the version stamped in, puts the static
// binary into a one-layer image with go-containerregistry and pushes it.
// Images are reproducible: the same binary gives the same digest.
package demoimage
