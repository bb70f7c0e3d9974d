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
