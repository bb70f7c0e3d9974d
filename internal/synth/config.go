package synth

import (
	"fmt"
	"strings"
)

// defaultEnvs is the demo's promotion chain.
func defaultEnvs() []string { return []string{"dev", "staging", "prod"} }

// AppName is the name of app i (0-based): app-0000, app-0001, …
func AppName(i int) string { return fmt.Sprintf("app-%04d", i) }

// Image is the image repository of an app: the name its overlays' images:
// entries match.
func Image(app string) string { return "registry.example.com/mono/" + app }

// GenYAML is a gen.yaml with n apps and the demo's three environments,
// each environment overriding every app's host, the shape of a real
// monorepo.
func GenYAML(n int) []byte { return genYAML(n, defaultEnvs()) }

func genYAML(n int, envs []string) []byte {
	var b strings.Builder
	b.WriteString("apiVersion: rolloutgen.dev/v1alpha1\nkind: GenConfig\nrepo: {url: https://git.example.com/mono.git}\nargocd: {project: mono}\napps:\n")
	for i := 0; i < n; i++ {
		fmt.Fprintf(&b, "  - {name: %s, image: %s, tag: v1, replicas: 3, ingress: {host: %s.example.com}}\n", AppName(i), Image(AppName(i)), AppName(i))
	}
	b.WriteString("environments:\n")
	for _, env := range envs {
		fmt.Fprintf(&b, "  - name: %s\n    apps:\n", env)
		for i := 0; i < n; i++ {
			fmt.Fprintf(&b, "      %s: {host: %s.%s.example.com}\n", AppName(i), AppName(i), env)
		}
	}
	return []byte(b.String())
}
