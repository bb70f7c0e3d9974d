package synth

import (
	"fmt"
	"strings"
)

// Environments are those of the demo.
var environments = []string{"dev", "staging", "prod"}

// AppName is the name of the i-th synthetic app.
func AppName(i int) string { return fmt.Sprintf("app-%04d", i) }

// Image is the image repository of the i-th synthetic app.
func Image(i int) string { return "registry.example.com/mono/" + AppName(i) }

// GenYAML is a gen.yaml with n apps and three environments, each
// environment overriding every app's host, the shape of a real monorepo.
func GenYAML(n int) []byte {
	var b strings.Builder
	b.WriteString("apiVersion: rolloutgen.dev/v1alpha1\nkind: GenConfig\nrepo: {url: https://git.example.com/mono.git}\nargocd: {project: mono}\napps:\n")
	for i := 0; i < n; i++ {
		fmt.Fprintf(&b, "  - {name: %s, image: %s, tag: v1, replicas: 3, ingress: {host: %s.example.com}}\n", AppName(i), Image(i), AppName(i))
	}
	b.WriteString("environments:\n")
	for _, env := range environments {
		fmt.Fprintf(&b, "  - name: %s\n    apps:\n", env)
		for i := 0; i < n; i++ {
			fmt.Fprintf(&b, "      %s: {host: %s.%s.example.com}\n", AppName(i), AppName(i), env)
		}
	}
	return []byte(b.String())
}
