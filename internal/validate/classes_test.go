package validate

import (
	"context"
	"strings"
	"testing"

	"sigs.k8s.io/kustomize/kyaml/filesys"
)

// Minimal manifests, one per class of the precision issue: the false
// positives gen raised on manifests the API server and the controllers
// accept (want no error), and the false negatives it let through (want
// the error). Each names the upstream rule in the code it tests.

const (
	// pod is a minimal valid pod template body, indented for spec.template.
	podSpec = `    spec:
      containers: [{name: app, image: app:v1}]`
	rollout = `apiVersion: argoproj.io/v1alpha1
kind: Rollout
metadata: {name: app}
spec:
  selector: {matchLabels: {app: app}}
  template:
    metadata: {labels: {app: app}}
` + podSpec + `
  strategy:
    canary:
`
)

type classCase struct {
	name  string
	files map[string]string // root-relative path → content; *.yaml outside dirs with a kustomization are plain files
	// overlays are built (kustomization directories).
	overlays []string
	opts     Options
	// want are substrings each found in some finding; errors and warnings
	// are the exact counts by severity.
	want             []string
	errors, warnings int
}

func runClass(t *testing.T, c classCase) []Finding {
	t.Helper()
	fs := filesys.MakeFsInMemory()
	var files []string
	for p, content := range c.files {
		if err := fs.WriteFile("/r/"+p, []byte(content)); err != nil {
			t.Fatal(err)
		}
		inOverlay := false
		for _, o := range c.overlays {
			if strings.HasPrefix(p, o+"/") {
				inOverlay = true
			}
		}
		if !inOverlay && !strings.Contains(p, "/") {
			files = append(files, p)
		}
	}
	got, err := New(c.opts).Validate(context.Background(), Request{FS: fs, Root: "/r", Files: files, Overlays: c.overlays,
		RepoURLs: []string{"https://git.example.com/this.git"}})
	if err != nil {
		t.Fatal(err)
	}
	return got
}

func checkClass(t *testing.T, c classCase) {
	t.Helper()
	got := runClass(t, c)
	var lines []string
	errs, warns := 0, 0
	for _, f := range got {
		lines = append(lines, f.String())
		if f.Severity == Error {
			errs++
		} else {
			warns++
		}
	}
	all := strings.Join(lines, "\n")
	for _, w := range c.want {
		if !strings.Contains(all, w) {
			t.Errorf("no finding contains %q; findings:\n%s", w, all)
		}
	}
	if errs != c.errors || warns != c.warnings {
		t.Errorf("%d errors and %d warnings, want %d and %d; findings:\n%s", errs, warns, c.errors, c.warnings, all)
	}
}

// The false positives: each manifest is accepted upstream.
func TestAcceptedUpstream(t *testing.T) {
	for _, c := range []classCase{
		{name: "generateName without name", files: map[string]string{"job.yaml": `apiVersion: batch/v1
kind: Job
metadata: {generateName: presync-, annotations: {argocd.argoproj.io/hook: PreSync}}
spec:
  template:
    spec:
      restartPolicy: Never
      containers: [{name: hook, image: hook:v1}]
`}},
		{name: "numeric targetPort without declared containerPort", files: map[string]string{"app.yaml": `apiVersion: apps/v1
kind: Deployment
metadata: {name: app}
spec:
  selector: {matchLabels: {app: app}}
  template:
    metadata: {labels: {app: app}}
` + podSpec + `
---
apiVersion: v1
kind: Service
metadata: {name: app}
spec:
  selector: {app: app}
  ports: [{port: 80, targetPort: 8080}]
`}},
		{name: "selector on the StatefulSet pod-name label", files: map[string]string{"sts.yaml": `apiVersion: apps/v1
kind: StatefulSet
metadata: {name: db}
spec:
  serviceName: db
  selector: {matchLabels: {app: db}}
  template:
    metadata: {labels: {app: db}}
    spec:
      containers: [{name: db, image: db:v1, ports: [{containerPort: 5432}]}]
---
apiVersion: v1
kind: Service
metadata: {name: db-0}
spec:
  selector: {app: db, statefulset.kubernetes.io/pod-name: db-0}
  ports: [{port: 5432}]
`}},
		{name: "Services and Ingress in sibling files", files: map[string]string{
			"rollout.yaml": rollout + `      canaryService: app-canary
      stableService: app-stable
      trafficRouting: {nginx: {stableIngress: app}}
      steps: [{setWeight: 20}]
`,
			"services.yaml": `apiVersion: v1
kind: Service
metadata: {name: app-canary}
spec: {selector: {app: app}, ports: [{port: 80}]}
---
apiVersion: v1
kind: Service
metadata: {name: app-stable}
spec: {selector: {app: app}, ports: [{port: 80}]}
`,
			"ingress.yaml": `apiVersion: networking.k8s.io/v1
kind: Ingress
metadata: {name: app}
spec:
  ingressClassName: nginx
  rules: [{host: app.example.com, http: {paths: [{path: /, pathType: Prefix, backend: {service: {name: app-stable, port: {number: 80}}}}]}}]
`}},
		{name: "Istio with a DestinationRule needs no canary or stable Service", files: map[string]string{"rollout.yaml": rollout + `      trafficRouting:
        istio:
          virtualService: {name: app}
          destinationRule: {name: app, canarySubsetName: canary, stableSubsetName: stable}
      steps: [{setWeight: 20}]
`}},
		{name: "ALB with ping-pong needs no canary or stable Service", files: map[string]string{"rollout.yaml": rollout + `      pingPong: {pingService: ping, pongService: pong}
      trafficRouting:
        alb: {ingress: app, rootService: root, servicePort: 80}
      steps: [{setWeight: 20}]
`}, warnings: 3}, // ping, pong and the Ingress are not among the files checked
		{name: "setCanaryScale beside setHeaderRoute in one step", files: map[string]string{"rollout.yaml": rollout + `      trafficRouting:
        managedRoutes: [{name: header}]
        istio:
          virtualService: {name: app}
          destinationRule: {name: app, canarySubsetName: canary, stableSubsetName: stable}
      steps:
        - setCanaryScale: {replicas: 1}
          setHeaderRoute: {name: header, match: [{headerName: X-Canary, headerValue: {exact: "yes"}}]}
`}},
		{name: "Service selecting an Experiment's pods", files: map[string]string{"exp.yaml": `apiVersion: argoproj.io/v1alpha1
kind: Experiment
metadata: {name: exp}
spec:
  templates:
    - name: baseline
      selector: {matchLabels: {app: exp, role: baseline}}
      template:
        metadata: {labels: {app: exp, role: baseline}}
        spec:
          containers: [{name: app, image: app:v1}]
---
apiVersion: apps/v1
kind: Deployment
metadata: {name: other}
spec:
  selector: {matchLabels: {app: other}}
  template:
    metadata: {labels: {app: other}}
    spec:
      containers: [{name: app, image: app:v1}]
---
apiVersion: v1
kind: Service
metadata: {name: baseline}
spec: {selector: {app: exp, role: baseline}, ports: [{port: 80}]}
`}},
		{name: "setWeight above 100 under maxTrafficWeight", files: map[string]string{"rollout.yaml": rollout + `      canaryService: c
      stableService: s
      trafficRouting: {maxTrafficWeight: 1000, nginx: {stableIngress: app}}
      steps: [{setWeight: 150}]
`}, warnings: 3}, // c, s and app are not among the files checked
		{name: "AppProject destination by name, Application by server", files: map[string]string{"argo.yaml": `apiVersion: argoproj.io/v1alpha1
kind: AppProject
metadata: {name: team}
spec:
  sourceRepos: ["*"]
  destinations: [{name: in-cluster, namespace: team-*}, {name: prod-eu, namespace: "*"}]
---
apiVersion: argoproj.io/v1alpha1
kind: Application
metadata: {name: a}
spec:
  project: team
  source: {repoURL: https://git.example.com/other.git, path: apps/a}
  destination: {server: https://kubernetes.default.svc, namespace: team-a}
---
apiVersion: argoproj.io/v1alpha1
kind: Application
metadata: {name: b}
spec:
  project: team
  source: {repoURL: https://git.example.com/other.git, path: apps/b}
  destination: {server: https://prod-eu.example.com, namespace: b}
`}},
		{name: "RBAC names with a colon", files: map[string]string{"rbac.yaml": `apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRole
metadata: {name: "system:aggregate-to-view:rollouts"}
rules: []
`}},
		{name: "Application path in another repository", files: map[string]string{"app.yaml": `apiVersion: argoproj.io/v1alpha1
kind: Application
metadata: {name: guestbook}
spec:
  project: default
  source: {repoURL: https://github.com/argoproj/argocd-example-apps.git, path: guestbook}
  destination: {server: https://kubernetes.default.svc, namespace: guestbook}
`}},
		{name: "setCanaryScale above spec.replicas is gen's policy, a warning", files: map[string]string{"rollout.yaml": rollout + `      trafficRouting:
        istio:
          virtualService: {name: app}
          destinationRule: {name: app, canarySubsetName: canary, stableSubsetName: stable}
      steps: [{setCanaryScale: {replicas: 3}}]
`}, want: []string{"setCanaryScale.replicas: warning: 3 exceeds spec.replicas 1"}, warnings: 1},
		{name: "pause durations the controller accepts", files: map[string]string{"rollout.yaml": rollout + `      steps:
        - pause: {duration: 300}
        - pause: {duration: "300"}
        - pause: {duration: 1h30m}
        - pause: {duration: 500ms}
        - pause: {}
`}},
		{name: "maxSurge 0 with maxUnavailable left to its default", files: map[string]string{"rollout.yaml": rollout + `      maxSurge: 0
      steps: [{setWeight: 20}]
`}},
		{name: "removed API version, targeting a release that still serves it", opts: Options{KubeMinor: 24}, files: map[string]string{"pdb.yaml": `apiVersion: policy/v1beta1
kind: PodDisruptionBudget
metadata: {name: app}
spec: {minAvailable: 1, selector: {matchLabels: {app: app}}}
`}},
	} {
		t.Run(c.name, func(t *testing.T) { checkClass(t, c) })
	}
}

// The false negatives: each manifest is rejected upstream.
func TestRejectedUpstream(t *testing.T) {
	for _, c := range []classCase{
		{name: "empty kustomization", overlays: []string{"o"}, files: map[string]string{"o/kustomization.yaml": "# nothing\n"},
			want: []string{"kustomization.yaml is empty"}, errors: 1},
		{name: "maxSurge 0 and maxUnavailable 0", files: map[string]string{"rollout.yaml": rollout + `      maxSurge: 0
      maxUnavailable: "0%"
      steps: [{setWeight: 20}]
`}, want: []string{"spec.strategy.canary.maxSurge: maxSurge and maxUnavailable are both 0"}, errors: 1},
		{name: "AnalysisTemplate schema", files: map[string]string{"at.yaml": `apiVersion: argoproj.io/v1alpha1
kind: AnalysisTemplate
metadata: {name: ok}
spec:
  metrics:
    - name: m
      intervall: 5m
      provider: {prometheus: {query: up}}
`}, want: []string{"spec.metrics[0].intervall: unknown field"}, errors: 1},
		{name: "ClusterAnalysisTemplate, AnalysisRun and Experiment schemas", files: map[string]string{"a.yaml": `apiVersion: argoproj.io/v1alpha1
kind: ClusterAnalysisTemplate
metadata: {name: c}
spec: {metrics: [{name: m, provder: {}}]}
---
apiVersion: argoproj.io/v1alpha1
kind: AnalysisRun
metadata: {name: r}
spec: {}
---
apiVersion: argoproj.io/v1alpha1
kind: Experiment
metadata: {name: e}
spec: {templatez: []}
`}, want: []string{"ClusterAnalysisTemplate/c: spec.metrics[0].provder: unknown field", "AnalysisRun/r: spec.metrics: required field is missing", "Experiment/e: spec.templatez: unknown field"}, errors: 5},
		{name: "Deployment without a selector", files: map[string]string{"d.yaml": `apiVersion: apps/v1
kind: Deployment
metadata: {name: app}
spec:
  template:
    metadata: {labels: {app: app}}
` + podSpec + `
`}, want: []string{"Deployment/app: spec.selector: is required"}, errors: 1},
		{name: "Service port 0, port 99999, type Nope", files: map[string]string{"s.yaml": `apiVersion: v1
kind: Service
metadata: {name: a}
spec: {type: Nope, ports: [{name: a, port: 0}, {name: b, port: 99999}]}
`}, want: []string{`spec.type: "Nope" is not a Service type`, "spec.ports[0].port: 0: must be between 1 and 65535", "spec.ports[1].port: 99999"}, errors: 3},
		{name: "Service without ports", files: map[string]string{"s.yaml": `apiVersion: v1
kind: Service
metadata: {name: a}
spec: {selector: {app: a}}
`}, want: []string{"spec.ports: is required"}, errors: 1},
		{name: "Job without restartPolicy", files: map[string]string{"j.yaml": `apiVersion: batch/v1
kind: Job
metadata: {name: j}
spec:
  template:
    spec:
      containers: [{name: j, image: j:v1}]
`}, want: []string{"spec.template.spec.restartPolicy"}, errors: 1},
		{name: "Ingress path without pathType", files: map[string]string{"i.yaml": `apiVersion: networking.k8s.io/v1
kind: Ingress
metadata: {name: i}
spec:
  rules: [{host: a.example.com, http: {paths: [{path: /, backend: {service: {name: a, port: {number: 80}}}}]}}]
`}, want: []string{"spec.rules[0].http.paths[0].pathType: is required"}, errors: 1},
		{name: "duplicate fields in a plain file", files: map[string]string{"cm.yaml": `apiVersion: v1
kind: ConfigMap
metadata:
  name: a
  name: b
data: {}
`}, want: []string{"metadata.name (line 5): duplicate field"}, errors: 1},
		{name: "API version the target no longer serves", files: map[string]string{"i.yaml": `apiVersion: extensions/v1beta1
kind: Ingress
metadata: {name: i}
spec: {}
---
apiVersion: policy/v1beta1
kind: PodDisruptionBudget
metadata: {name: p}
spec: {}
`}, want: []string{"extensions/v1beta1 Ingress is not served since Kubernetes 1.22 (target 1.36)", "policy/v1beta1 PodDisruptionBudget is not served since Kubernetes 1.25"}, errors: 2},
		{name: "Application from a kustomize build", overlays: []string{"argocd"}, files: map[string]string{
			"argocd/kustomization.yaml": "resources: [app.yaml]\n",
			"argocd/app.yaml": `apiVersion: argoproj.io/v1alpha1
kind: Application
metadata: {name: a}
spec:
  project: missing
  source: {repoURL: https://git.example.com/this.git, path: overlays/nowhere}
  destination: {server: https://kubernetes.default.svc, namespace: a}
`}, want: []string{`spec.project: AppProject "missing" is not in the repository`, `spec.source.path: "overlays/nowhere" does not exist`}, errors: 2},
		{name: "Application path outside the repository", files: map[string]string{"app.yaml": `apiVersion: argoproj.io/v1alpha1
kind: Application
metadata: {name: a}
spec:
  project: default
  sources:
    - {repoURL: https://git.example.com/this.git, path: ../../etc}
    - {repoURL: https://git.example.com/other.git, path: /abs}
  destination: {server: https://kubernetes.default.svc, namespace: a}
`}, want: []string{`spec.sources[0].path: "../../etc" is outside the repository`, `spec.sources[1].path: "/abs" is outside the repository`}, errors: 2},
		{name: "pause durations the controller rejects", files: map[string]string{"rollout.yaml": rollout + `      steps:
        - pause: {duration: 99999999999h}
        - pause: {duration: "3000000000"}
        - pause: {duration: 5 minutes}
        - pause: {duration: 3000000000}
        - pause: {duration: 600000h}
        - pause: {duration: -5s}
`}, want: []string{"steps[0].pause.duration", "steps[1].pause.duration", `steps[2].pause.duration: "5 minutes" is neither`, "steps[3].pause.duration: 3000000000 does not fit", `steps[4].pause.duration: "600000h" is out of the controller's range`, "steps[5].pause.duration"}, errors: 6},
		{name: "stable Ingress whose rules do not name the stable Service", files: map[string]string{"r.yaml": rollout + `      canaryService: c
      stableService: s
      trafficRouting: {nginx: {stableIngress: app}}
      steps: [{setWeight: 20}]
---
apiVersion: v1
kind: Service
metadata: {name: c}
spec: {selector: {app: app}, ports: [{port: 80}]}
---
apiVersion: v1
kind: Service
metadata: {name: s}
spec: {selector: {app: app}, ports: [{port: 80}]}
---
apiVersion: networking.k8s.io/v1
kind: Ingress
metadata: {name: app}
spec:
  ingressClassName: nginx
  defaultBackend: {service: {name: s, port: {number: 80}}}
  rules: [{host: a.example.com, http: {paths: [{path: /, pathType: Prefix, backend: {service: {name: c, port: {number: 80}}}}]}}]
`}, want: []string{`no rule whose backend is the stable Service "s"`}, errors: 1},
	} {
		t.Run(c.name, func(t *testing.T) { checkClass(t, c) })
	}
}

// Things upstream accepts but that break a team's neighbours: warnings.
func TestWarnedAcrossApps(t *testing.T) {
	twoApps := func(ns2, label2, host2 string) map[string]string {
		app := func(name, ns, label, host string) string {
			return `apiVersion: apps/v1
kind: Deployment
metadata: {name: ` + name + `, namespace: ` + ns + `}
spec:
  selector: {matchLabels: {app: ` + label + `}}
  template:
    metadata: {labels: {app: ` + label + `}}
` + podSpec + `
---
apiVersion: networking.k8s.io/v1
kind: Ingress
metadata: {name: ` + name + `, namespace: ` + ns + `}
spec:
  ingressClassName: nginx
  rules: [{host: ` + host + `, http: {paths: [{path: /, pathType: Prefix, backend: {service: {name: ` + name + `, port: {number: 80}}}}]}}]
`
		}
		return map[string]string{
			"a/kustomization.yaml": "resources: [app.yaml]\n", "a/app.yaml": app("a", "team", "web", "a.example.com"),
			"b/kustomization.yaml": "resources: [app.yaml]\n", "b/app.yaml": app("b", ns2, label2, host2),
		}
	}
	for _, c := range []classCase{
		{name: "selectors overlap in one namespace", overlays: []string{"a", "b"}, files: twoApps("team", "web", "b.example.com"),
			want: []string{`b (b/app.yaml): Deployment/b: spec.selector: warning: overlaps Deployment/a's selector in namespace "team"`}, warnings: 1},
		{name: "same host and path", overlays: []string{"a", "b"}, files: twoApps("other", "web", "a.example.com"),
			want: []string{`a (a/app.yaml): Ingress/a: spec.rules: warning: host "a.example.com" path "/" is also routed by Ingress other/b`}, warnings: 1},
		{name: "apart", overlays: []string{"a", "b"}, files: twoApps("other", "web", "b.example.com")},
		{name: "AppProject named default", files: map[string]string{"p.yaml": `apiVersion: argoproj.io/v1alpha1
kind: AppProject
metadata: {name: default}
spec: {sourceRepos: ["*"], destinations: [{server: "*", namespace: "*"}]}
`}, want: []string{`AppProject/default: metadata.name: warning: AppProject "default" replaces the project Argo CD creates`}, warnings: 1},
	} {
		t.Run(c.name, func(t *testing.T) { checkClass(t, c) })
	}
}
