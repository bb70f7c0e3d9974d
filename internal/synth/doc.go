// Package synth makes synthetic inputs for benchmarks: a gen.yaml with any
// number of apps over the demo's three environments.
package synth
