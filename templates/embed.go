// Package templates holds the Go text/templates gen renders and the demo
// gen.yaml that gen init writes, embedded into the binary.
package templates

import "embed"

// FS holds every template (*.tmpl) and the demo config (gen.yaml).
//
//go:embed *.tmpl gen.yaml
var FS embed.FS

// DemoConfig is the gen.yaml gen init writes: the seed's canary demo.
func DemoConfig() []byte {
	b, err := FS.ReadFile("gen.yaml")
	if err != nil {
		panic(err) // embedded at build time
	}
	return b
}
