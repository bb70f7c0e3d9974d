// Package templates holds the Go text/templates gen renders and the demo
// gen.yaml that gen init writes, embedded into the binary.
package templates

import "embed"

// FS holds every template (*.tmpl), the demo config (gen.yaml) and Argo
// Rollouts' kustomize transform configuration (rollout-transform.yaml,
// copied verbatim into every base; regenerate it with go generate
// ./internal/validate/schemas).
//
//go:embed *.tmpl gen.yaml rollout-transform.yaml
var FS embed.FS

// RolloutTransform is Argo Rollouts' kustomize transform configuration as
// render writes it into each base.
func RolloutTransform() []byte {
	b, err := FS.ReadFile("rollout-transform.yaml")
	if err != nil {
		panic(err) // embedded at build time
	}
	return b
}

// DemoConfig is the gen.yaml gen init writes: the seed's canary demo.
func DemoConfig() []byte {
	b, err := FS.ReadFile("gen.yaml")
	if err != nil {
		panic(err) // embedded at build time
	}
	return b
}
