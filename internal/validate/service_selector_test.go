package validate

import (
	"strings"
	"testing"
)

// A Service the Rollout routes through whose selector has a label the
// Rollout's pods lack: the controller (argo-rollouts v1.10.1
// validation_references.go ValidateService) rejects the Rollout at the
// field naming the Service, and accepts the Service. So does gen, once per
// label, and the Service gets no further "selects no pod" warning.
func TestRoutedServiceSelectorOnRollout(t *testing.T) {
	svc := func(name, sel string) string {
		return "---\napiVersion: v1\nkind: Service\nmetadata: {name: " + name + "}\nspec: {selector: {" + sel + "}, ports: [{port: 80}]}\n"
	}
	for _, c := range []struct {
		name, strategy, services string
		want                     []string
	}{
		{
			name: "ping-pong",
			strategy: `      pingPong: {pingService: ping, pongService: pong}
      trafficRouting:
        alb: {ingress: app, rootService: root, servicePort: 80}
      steps: [{setWeight: 20}]
`,
			services: svc("ping", "app: app, tier: web") + svc("pong", "app: other"),
			want: []string{
				`rollout.yaml: Rollout/app: spec.strategy.canary.pingPong.pingService: Service "ping" selects label tier=web, which is not a label of this Rollout's pods (pod labels: app=app) — make Service "ping"'s spec.selector a subset of spec.template.metadata.labels (the controller rejects the Rollout)`,
				`rollout.yaml: Rollout/app: spec.strategy.canary.pingPong.pongService: Service "pong" selects label app=other, which is not a label of this Rollout's pods (pod labels: app=app) — make Service "pong"'s spec.selector a subset of spec.template.metadata.labels (the controller rejects the Rollout)`,
				`rollout.yaml: Rollout/app: spec.strategy.canary.trafficRouting.alb.ingress: warning: Ingress "app" is not in the files checked — add the Ingress to the files checked (a directory is checked as one set) or fix the name`,
			},
		},
		{
			name:     "rollouts-pod-template-hash is the controller's own label",
			strategy: "      canaryService: c\n      stableService: s\n",
			services: svc("c", "app: app, rollouts-pod-template-hash: abc") + svc("s", "app: app"),
		},
	} {
		t.Run(c.name, func(t *testing.T) {
			got := runClass(t, classCase{files: map[string]string{"rollout.yaml": rollout + c.strategy + c.services}})
			var lines []string
			for _, f := range got {
				lines = append(lines, f.String())
			}
			if strings.Join(lines, "\n") != strings.Join(c.want, "\n") {
				t.Errorf("got:\n%s\nwant:\n%s", strings.Join(lines, "\n"), strings.Join(c.want, "\n"))
			}
		})
	}
}

func TestBlueGreenServiceSelectorOnRollout(t *testing.T) {
	ro := strings.Replace(rollout, "    canary:\n", "    blueGreen: {activeService: active, previewService: preview}\n", 1)
	files := map[string]string{"rollout.yaml": ro + `---
apiVersion: v1
kind: Service
metadata: {name: active}
spec: {selector: {app: app}, ports: [{port: 80}]}
---
apiVersion: v1
kind: Service
metadata: {name: preview}
spec: {selector: {app: web}, ports: [{port: 80}]}
`}
	got := runClass(t, classCase{files: files})
	want := `rollout.yaml: Rollout/app: spec.strategy.blueGreen.previewService: Service "preview" selects label app=web, which is not a label of this Rollout's pods (pod labels: app=app) — make Service "preview"'s spec.selector a subset of spec.template.metadata.labels (the controller rejects the Rollout)`
	if len(got) != 1 || got[0].String() != want {
		t.Errorf("got %v, want %s", got, want)
	}
}

// ALB traffic routing: argo-rollouts v1.10.1 validation_references.go
// validateAlbIngress requires a rule whose backend is alb.rootService when
// set, else the stable Service, in each Ingress alb.ingress and
// alb.ingresses name; the port (use-annotation) is not checked.
func TestALBIngressBackend(t *testing.T) {
	ingress := func(name, backend string) string {
		return "---\napiVersion: networking.k8s.io/v1\nkind: Ingress\nmetadata: {name: " + name + ", annotations: {kubernetes.io/ingress.class: alb}}\n" +
			"spec: {rules: [{host: " + name + ".example.com, http: {paths: [{path: /, pathType: Prefix, backend: {service: {name: " + backend + ", port: {name: use-annotation}}}}]}}]}\n"
	}
	services := "---\napiVersion: v1\nkind: Service\nmetadata: {name: canary}\nspec: {selector: {app: app}, ports: [{port: 80}]}\n" +
		"---\napiVersion: v1\nkind: Service\nmetadata: {name: stable}\nspec: {selector: {app: app}, ports: [{port: 80}]}\n"
	const canary = "      canaryService: canary\n      stableService: stable\n"
	const steps = "      steps: [{setWeight: 20}]\n"
	for _, c := range []struct {
		name, strategy, objects string
		want                    []string
	}{
		{
			name:     "stable Service backend accepted",
			strategy: canary + "      trafficRouting:\n        alb: {ingress: web, servicePort: 80}\n" + steps,
			objects:  services + ingress("web", "stable"),
		},
		{
			name:     "rootService backend accepted, on every Ingress",
			strategy: canary + "      trafficRouting:\n        alb: {ingresses: [web-1, web-2], rootService: root, servicePort: 80}\n" + steps,
			objects:  services + ingress("web-1", "root") + ingress("web-2", "root"),
		},
		{
			name:     "Ingress routes to the stable Service but rootService is set",
			strategy: canary + "      trafficRouting:\n        alb: {ingresses: [web-1, web-2], rootService: root, servicePort: 80}\n" + steps,
			objects:  services + ingress("web-1", "root") + ingress("web-2", "stable"),
			want: []string{
				`rollout.yaml: Rollout/app: spec.strategy.canary.trafficRouting.alb.ingresses[1]: Ingress "web-2" has no rule whose backend is the root Service (alb.rootService) "root" — point an Ingress rule's backend at service root (port name use-annotation)`,
			},
		},
		{
			name:     "Ingress routes to the canary Service",
			strategy: canary + "      trafficRouting:\n        alb: {ingress: web, servicePort: 80}\n" + steps,
			objects:  services + ingress("web", "canary"),
			want: []string{
				`rollout.yaml: Rollout/app: spec.strategy.canary.trafficRouting.alb.ingress: Ingress "web" has no rule whose backend is the stable Service "stable" — point an Ingress rule's backend at service stable (port name use-annotation)`,
			},
		},
		{
			name:     "Ingress not among the files",
			strategy: canary + "      trafficRouting:\n        alb: {ingress: web, servicePort: 80}\n" + steps,
			objects:  services,
			want: []string{
				`rollout.yaml: Rollout/app: spec.strategy.canary.trafficRouting.alb.ingress: warning: Ingress "web" is not in the files checked — add the Ingress to the files checked (a directory is checked as one set) or fix the name`,
			},
		},
		{
			name:     "ping-pong without rootService",
			strategy: "      pingPong: {pingService: canary, pongService: stable}\n      trafficRouting:\n        alb: {ingress: web, servicePort: 80}\n" + steps,
			objects:  services + ingress("web", "stable"),
			want: []string{
				`rollout.yaml: Rollout/app: spec.strategy.canary.trafficRouting.alb.rootService: is required with ALB and pingPong — name the Service the Ingress rules point at; the controller routes it to ping or pong`,
			},
		},
	} {
		t.Run(c.name, func(t *testing.T) {
			got := runClass(t, classCase{files: map[string]string{"rollout.yaml": rollout + c.strategy + c.objects}})
			var lines []string
			for _, f := range got {
				lines = append(lines, f.String())
			}
			if strings.Join(lines, "\n") != strings.Join(c.want, "\n") {
				t.Errorf("got:\n%s\nwant:\n%s", strings.Join(lines, "\n"), strings.Join(c.want, "\n"))
			}
		})
	}
}
