package validate

import (
	"context"
	"strings"
	"testing"

	"sigs.k8s.io/kustomize/kyaml/filesys"
)

// seedObjects is the seed's app in one file: valid as it stands. Each case
// below breaks it in one way.
const seedObjects = `apiVersion: argoproj.io/v1alpha1
kind: Rollout
metadata:
  name: demo
spec:
  replicas: 5
  selector:
    matchLabels:
      app: argocd-demo
  template:
    metadata:
      labels:
        app: argocd-demo
    spec:
      containers:
        - name: demo
          image: registry.example.com/demo:v2
          ports:
            - name: http
              containerPort: 8080
          resources:
            requests:
              memory: 64Mi
            limits:
              memory: 128Mi
  strategy:
    canary:
      canaryService: demo-canary
      stableService: demo-stable
      trafficRouting:
        nginx:
          stableIngress: demo-stable
          additionalIngressAnnotations:
            canary-by-header: X-Canary
            canary-by-header-value: iwantsit
      steps:
        - setCanaryScale: {replicas: 1}
        - pause: {}
        - setWeight: 20
---
apiVersion: v1
kind: Service
metadata:
  name: demo-stable
spec:
  selector:
    app: argocd-demo
  ports:
    - port: 9999
      targetPort: 8080
---
apiVersion: v1
kind: Service
metadata:
  name: demo-canary
spec:
  selector:
    app: argocd-demo
  ports:
    - port: 9999
      targetPort: 8080
---
apiVersion: networking.k8s.io/v1
kind: Ingress
metadata:
  name: demo-stable
spec:
  ingressClassName: ack-nginx
  rules:
    - host: demo.example.com
      http:
        paths:
          - path: /
            pathType: Prefix
            backend:
              service:
                name: demo-stable
                port:
                  number: 9999
`

// argoObjects are an AppProject and an Application of the seed.
const argoObjects = `apiVersion: argoproj.io/v1alpha1
kind: AppProject
metadata:
  name: demo
  namespace: argo
spec:
  sourceRepos:
    - https://git.example.com/demo.git
  destinations:
    - server: https://kubernetes.default.svc
      namespace: demo-*
---
apiVersion: argoproj.io/v1alpha1
kind: Application
metadata:
  name: demo-dev
  namespace: argo
spec:
  project: demo
  source:
    repoURL: https://git.example.com/demo.git
    targetRevision: main
    path: overlays/dev/demo
  destination:
    server: https://kubernetes.default.svc
    namespace: demo-dev
`

const overlayKustomization = "resources: [app.yaml]\n"

// edit applies old→new replacements, failing when one does not apply.
func edit(t *testing.T, s string, pairs ...string) string {
	t.Helper()
	for i := 0; i+1 < len(pairs); i += 2 {
		if !strings.Contains(s, pairs[i]) {
			t.Fatalf("fixture lacks %q", pairs[i])
		}
		s = strings.Replace(s, pairs[i], pairs[i+1], 1)
	}
	return s
}

// runOn validates app.yaml (the seed objects) and argocd.yaml, with
// overlays/dev/demo a kustomization of the seed objects for the path checks.
func runOn(t *testing.T, app, argo string, classes ...string) []string {
	t.Helper()
	fs := filesys.MakeFsInMemory()
	write := func(p, s string) {
		if err := fs.WriteFile("/r/"+p, []byte(s)); err != nil {
			t.Fatal(err)
		}
	}
	write("app.yaml", app)
	write("argocd.yaml", argo)
	write("overlays/dev/demo/kustomization.yaml", overlayKustomization)
	write("overlays/dev/demo/app.yaml", seedObjects)
	write("overlays/broken/kustomization.yaml", "resources: [missing.yaml]\n")
	if len(classes) == 0 {
		classes = []string{"ack-nginx"}
	}
	got, err := New(Options{NginxIngressClasses: classes}).Validate(context.Background(),
		Request{FS: fs, Root: "/r", Files: []string{"app.yaml", "argocd.yaml"}, RepoURLs: []string{"https://git.example.com/demo.git"}})
	if err != nil {
		t.Fatal(err)
	}
	lines := make([]string, len(got))
	for i, f := range got {
		lines[i] = f.String()
	}
	return lines
}

func TestSeedObjectsAreClean(t *testing.T) {
	if got := runOn(t, seedObjects, argoObjects); len(got) != 0 {
		t.Fatalf("unexpected findings:\n%s", strings.Join(got, "\n"))
	}
}

func TestChecks(t *testing.T) {
	cases := []struct {
		name    string
		app     []string // replacements in seedObjects
		argo    []string // replacements in argoObjects
		classes []string
		want    []string
	}{
		{name: "Rollout unknown field", app: []string{"      steps:", "      stepz: []\n      steps:"}, want: []string{
			"app.yaml: Rollout/demo: spec.strategy.canary.stepz: unknown field (the API server would drop it) — remove it or fix its spelling; see the Rollout CRD of github.com/argoproj/argo-rollouts@v1.10.1",
		}},
		{name: "Rollout wrong type", app: []string{"replicas: 5", `replicas: "five"`}, want: []string{
			"app.yaml: Rollout/demo: spec.replicas: must be of type integer, not string — fix the value to match the Rollout CRD of github.com/argoproj/argo-rollouts@v1.10.1",
		}},
		{name: "Service unknown field", app: []string{"  name: demo-stable\nspec:\n  selector:", "  name: demo-stable\nspec:\n  selectr: {}\n  selector:"}, want: []string{
			"app.yaml: Service/demo-stable: spec.selectr: unknown field (the API server would reject or drop it) — remove it or fix its spelling; see kubectl explain service",
		}},
		{name: "Service wrong type", app: []string{"    - port: 9999", `    - port: "nine"`}, want: []string{
			"app.yaml: Service/demo-stable: spec.ports.port: must be of type integer, not string — see kubectl explain service",
		}},
		{name: "Ingress wrong type", app: []string{"number: 9999", `number: "x"`}, want: []string{
			"app.yaml: Ingress/demo-stable: spec.rules.http.paths.backend.service.port.number: must be of type integer, not string — see kubectl explain ingress",
		}},
		{name: "pod template quantity", app: []string{"memory: 128Mi", "memory: invalid"}, want: []string{
			"app.yaml: Rollout/demo: spec.template.spec.containers[0].resources.limits.memory: \"invalid\" is not a valid quantity — use a Kubernetes quantity such as 128Mi, 1Gi, 500m or 2",
		}},
		{name: "pod template container name", app: []string{"- name: demo\n          image", "- name: Demo_1\n          image"}, want: []string{
			"app.yaml: Rollout/demo: spec.template.spec.containers[0].name: \"Demo_1\" is not a valid container name: a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and must start and end with an alphanumeric character (e.g. 'my-name',  or '123-abc', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?') — use lower-case letters, digits and '-'",
		}},
		{name: "pod template container port", app: []string{"containerPort: 8080", "containerPort: 70000"}, want: []string{
			"app.yaml: Rollout/demo: spec.template.spec.containers[0].ports[0].containerPort: 70000: must be between 1 and 65535, inclusive — use a port number from 1 to 65535",
			"app.yaml: Service/demo-canary: spec.ports[0].targetPort: warning: 8080 reaches no containerPort of the selected pods (70000 http) — set targetPort to a containerPort number or name of the pod template",
			"app.yaml: Service/demo-stable: spec.ports[0].targetPort: warning: 8080 reaches no containerPort of the selected pods (70000 http) — set targetPort to a containerPort number or name of the pod template",
		}},
		{name: "probe names no container port", app: []string{"          resources:\n            requests:", "          readinessProbe:\n            httpGet: {path: /, port: web}\n          resources:\n            requests:"}, want: []string{
			`app.yaml: Rollout/demo: spec.template.spec.containers[0].readinessProbe.httpGet.port: "web" names no port of container "demo" — use one of the container's port names or a port number`,
		}},
		{name: "pod template request above limit", app: []string{"memory: 64Mi", "memory: 256Mi"}, want: []string{
			"app.yaml: Rollout/demo: spec.template.spec.containers[0].resources.requests.memory: request 256Mi exceeds limit 128Mi — lower the request or raise the limit",
		}},
		{name: "metadata name", app: []string{"name: demo-canary\nspec", "name: Demo_Canary\nspec"}, want: []string{
			"app.yaml: Rollout/demo: spec.strategy.canary.canaryService: warning: Service \"demo-canary\" is not in the files checked — add the Service to the files checked (a directory is checked as one set) or fix the name",
			"app.yaml: Service/Demo_Canary: metadata.name: \"Demo_Canary\": a DNS-1035 label must consist of lower case alphanumeric characters or '-', start with an alphabetic character, and end with an alphanumeric character (e.g. 'my-name',  or 'abc-123', regex used for validation is '[a-z]([-a-z0-9]*[a-z0-9])?') — fix the value",
		}},
		{name: "selector does not match pod labels", app: []string{"    matchLabels:\n      app: argocd-demo", "    matchLabels:\n      app: other"}, want: []string{
			"app.yaml: Rollout/demo: spec.selector: selector app=other does not match the pod template labels app=argocd-demo — make spec.selector.matchLabels equal spec.template.metadata.labels (the controller rejects the Rollout)",
		}},
		{name: "routed Service selects other pods: reported on the Rollout", app: []string{"name: demo-canary\nspec:\n  selector:\n    app: argocd-demo", "name: demo-canary\nspec:\n  selector:\n    app: argo-demo"}, want: []string{
			"app.yaml: Rollout/demo: spec.strategy.canary.canaryService: Service \"demo-canary\" selects label app=argo-demo, which is not a label of this Rollout's pods (pod labels: app=argocd-demo) — make Service \"demo-canary\"'s spec.selector a subset of spec.template.metadata.labels (the controller rejects the Rollout)",
		}},
		{name: "targetPort number reaches no containerPort", app: []string{"targetPort: 8080", "targetPort: 8081"}, want: []string{
			"app.yaml: Service/demo-stable: spec.ports[0].targetPort: warning: 8081 reaches no containerPort of the selected pods (8080 http) — set targetPort to a containerPort number or name of the pod template",
		}},
		{name: "targetPort name reaches no containerPort", app: []string{"targetPort: 8080", "targetPort: web"}, want: []string{
			"app.yaml: Service/demo-stable: spec.ports[0].targetPort: warning: \"web\" reaches no containerPort of the selected pods (8080 http) — set targetPort to a containerPort number or name of the pod template",
		}},
		{name: "canaryService equals stableService", app: []string{"canaryService: demo-canary", "canaryService: demo-stable"}, want: []string{
			"app.yaml: Rollout/demo: spec.strategy.canary.canaryService: equals stableService \"demo-stable\" — use two Services: the controller points the stable one at the old pods and the canary one at the new pods",
		}},
		{name: "canaryService not in the build", app: []string{"canaryService: demo-canary", "canaryService: demo-canry"}, want: []string{
			"app.yaml: Rollout/demo: spec.strategy.canary.canaryService: warning: Service \"demo-canry\" is not in the files checked — add the Service to the files checked (a directory is checked as one set) or fix the name",
		}},
		{name: "stableService missing with trafficRouting", app: []string{"      stableService: demo-stable\n", ""}, want: []string{
			"app.yaml: Rollout/demo: spec.strategy.canary.stableService: is required with this trafficRouting — name the stable Service",
		}},
		{name: "stableIngress not in the build", app: []string{"stableIngress: demo-stable", "stableIngress: demo-stabel"}, want: []string{
			"app.yaml: Rollout/demo: spec.strategy.canary.trafficRouting.nginx.stableIngress: warning: Ingress \"demo-stabel\" is not in the files checked — add the Ingress to the files checked (a directory is checked as one set) or fix the name",
		}},
		{name: "stableIngress backend is another Service", app: []string{"name: demo-stable\n                port", "name: demo-canary\n                port"}, want: []string{
			"app.yaml: Rollout/demo: spec.strategy.canary.trafficRouting.nginx.stableIngress: Ingress \"demo-stable\" has no rule whose backend is the stable Service \"demo-stable\" — point an Ingress rule's backend at service demo-stable",
		}},
		{name: "stableIngress backend is another port", app: []string{"number: 9999", "number: 80"}, want: []string{
			"app.yaml: Rollout/demo: spec.strategy.canary.trafficRouting.nginx.stableIngress: warning: Ingress \"demo-stable\" routes to the stable Service \"demo-stable\" on none of its ports (9999) — use one of the Service's ports in the Ingress backend",
		}},
		{name: "annotation with nginx prefix is accepted (the controller adds it only when missing)", app: []string{"canary-by-header: X-Canary", "nginx.ingress.kubernetes.io/canary-by-header: X-Canary"}, want: []string{}},
		{name: "header not a token", app: []string{"canary-by-header: X-Canary", `canary-by-header: "X Canary"`}, want: []string{
			"app.yaml: Rollout/demo: spec.strategy.canary.trafficRouting.nginx.additionalIngressAnnotations.canary-by-header: \"X Canary\" is not an HTTP header name (token) — use letters, digits and '-', e.g. X-Canary",
		}},
		{name: "header without value", app: []string{"            canary-by-header-value: iwantsit\n", ""}, want: []string{
			"app.yaml: Rollout/demo: spec.strategy.canary.trafficRouting.nginx.additionalIngressAnnotations.canary-by-header: warning: is set without canary-by-header-value, so nginx sends a request to the canary only when the header's value is \"always\" — add canary-by-header-value with the value that selects the canary",
		}},
		{name: "committed canary Ingress", app: []string{"kind: Ingress\nmetadata:\n  name: demo-stable\n", "kind: Ingress\nmetadata:\n  name: demo-demo-stable-canary\nspec:\n  ingressClassName: ack-nginx\n  defaultBackend: {service: {name: demo-canary, port: {number: 9999}}}\n---\napiVersion: networking.k8s.io/v1\nkind: Ingress\nmetadata:\n  name: demo-stable\n"}, want: []string{
			"app.yaml: Ingress/demo-demo-stable-canary: metadata.name: is the canary Ingress the Argo Rollouts controller creates and owns for Rollout \"demo\" — remove it from the repository; the controller generates it from the stable Ingress",
		}},
		{name: "ingress class not managed", classes: []string{"nginx"}, want: []string{
			"app.yaml: Ingress/demo-stable: spec.ingressClassName: warning: class \"ack-nginx\" is not managed by the Argo Rollouts controller (managed: nginx), so it will not create the canary Ingress — start the controller with --nginx-ingress-classes=ack-nginx and declare the class in gen.yaml rollouts.nginxIngressClasses (for a bare PATH, pass --nginx-ingress-classes to gen validate)",
		}},
		{name: "setWeight above 100", app: []string{"setWeight: 20", "setWeight: 120"}, want: []string{
			"app.yaml: Rollout/demo: spec.strategy.canary.steps[2].setWeight: 120 is outside 0..100 — use a weight from 0 to 100 (spec.strategy.canary.trafficRouting.maxTrafficWeight, default 100)",
		}},
		{name: "setCanaryScale without trafficRouting", app: []string{"      trafficRouting:\n        nginx:\n          stableIngress: demo-stable\n          additionalIngressAnnotations:\n            canary-by-header: X-Canary\n            canary-by-header-value: iwantsit\n", ""}, want: []string{
			"app.yaml: Rollout/demo: spec.strategy.canary.steps[0].setCanaryScale: requires trafficRouting (the controller rejects the Rollout) — add spec.strategy.canary.trafficRouting, or drop setCanaryScale: without traffic routing setWeight scales the canary",
		}},
		{name: "setCanaryScale above replicas", app: []string{"{replicas: 1}", "{replicas: 6}"}, want: []string{
			"app.yaml: Rollout/demo: spec.strategy.canary.steps[0].setCanaryScale.replicas: warning: 6 exceeds spec.replicas 5; the controller runs at most 5 canary pods — use at most spec.replicas canary pods",
		}},
		{name: "unknown step type", app: []string{"- setWeight: 20", "- setWieght: 20"}, want: []string{
			"app.yaml: Rollout/demo: spec.strategy.canary.steps[2]: no known step type — use one of analysis, experiment, pause, plugin, setCanaryScale, setHeaderRoute, setMirrorRoute, setWeight",
			"app.yaml: Rollout/demo: spec.strategy.canary.steps[2].setWieght: unknown field (the API server would drop it) — remove it or fix its spelling; see the Rollout CRD of github.com/argoproj/argo-rollouts@v1.10.1",
		}},
		{name: "two step types in one step", app: []string{"- setWeight: 20", "- setWeight: 20\n          pause: {}"}, want: []string{
			"app.yaml: Rollout/demo: spec.strategy.canary.steps[2]: sets more than one of analysis, experiment, pause and setWeight (pause, setWeight) — split it into one step each",
		}},
		{name: "Application unknown field", argo: []string{"  project: demo", "  projct: demo\n  project: demo"}, want: []string{
			"argocd.yaml: Application/demo-dev: spec.projct: unknown field (the API server would drop it) — remove it or fix its spelling; see the Application CRD of github.com/argoproj/argo-cd/v3@v3.5.7",
		}},
		{name: "Application project missing", argo: []string{"project: demo", "project: demo-typo"}, want: []string{
			"argocd.yaml: Application/demo-dev: spec.project: AppProject \"demo-typo\" is not in the repository — add the AppProject under argocd/ or fix the name",
		}},
		{name: "Application repoURL not allowed", argo: []string{"repoURL: https://git.example.com/demo.git", "repoURL: https://git.example.com/other.git"}, want: []string{
			"argocd.yaml: Application/demo-dev: spec.source.repoURL: \"https://git.example.com/other.git\" is not allowed by AppProject \"demo\" (sourceRepos: https://git.example.com/demo.git) — add the repository to the AppProject's spec.sourceRepos or fix the URL",
		}},
		{name: "Application destination not allowed", argo: []string{"namespace: demo-dev", "namespace: kube-system"}, want: []string{
			"argocd.yaml: Application/demo-dev: spec.destination.namespace: namespace \"kube-system\" on server https://kubernetes.default.svc is not allowed by AppProject \"demo\" — add the destination to the AppProject's spec.destinations or fix the namespace",
		}},
		{name: "Application path missing", argo: []string{"path: overlays/dev/demo", "path: overlays/dev/dmo"}, want: []string{
			"argocd.yaml: Application/demo-dev: spec.source.path: \"overlays/dev/dmo\" does not exist in the repository — fix the path or render the overlay with gen render",
		}},
		{name: "Application path does not build", argo: []string{"path: overlays/dev/demo", "path: overlays/broken"}, want: []string{
			"argocd.yaml: Application/demo-dev: spec.source.path: \"overlays/broken\" does not build: accumulating resources: accumulation err='accumulating resources from 'missing.yaml': 'overlays/broken/missing.yaml' doesn't exist': must build at directory: not a valid directory: 'overlays/broken/missing.yaml' doesn't exist — fix the kustomization (try gen build or kubectl kustomize there)",
		}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got := runOn(t, edit(t, seedObjects, c.app...), edit(t, argoObjects, c.argo...), c.classes...)
			if strings.Join(got, "\n") != strings.Join(c.want, "\n") {
				t.Errorf("got:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(c.want, "\n"))
			}
		})
	}
}

// Deployments get the same pod template checks; a Rollout that takes its
// template from a Deployment (workloadRef) is not held to a template of
// its own.
func TestDeploymentsAndWorkloadRef(t *testing.T) {
	const objs = `apiVersion: apps/v1
kind: Deployment
metadata: {name: api}
spec:
  selector: {matchLabels: {app: api}}
  template:
    metadata: {labels: {app: api}}
    spec:
      containers:
        - name: api
          image: api:v1
          ports: [{containerPort: 8080}]
          resources: {limits: {memory: lots}}
---
apiVersion: argoproj.io/v1alpha1
kind: Rollout
metadata: {name: api}
spec:
  replicas: 2
  selector: {matchLabels: {app: api}}
  workloadRef: {apiVersion: apps/v1, kind: Deployment, name: api}
  strategy:
    canary:
      steps: [{setWeight: 50}]
---
apiVersion: v1
kind: Service
metadata: {name: api}
spec:
  selector: {app: api}
  ports: [{port: 80, targetPort: 8080}]
`
	got := runOn(t, objs, argoObjects)
	want := []string{
		`app.yaml: Deployment/api: spec.template.spec.containers[0].resources.limits.memory: "lots" is not a valid quantity — use a Kubernetes quantity such as 128Mi, 1Gi, 500m or 2`,
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("got:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
}
