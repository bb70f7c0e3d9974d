package synth

import (
	"fmt"
	"regexp"
)

// defaultEnvs is the promotion chain of the generated repos.
func defaultEnvs() []string { return []string{"dev", "staging", "prod"} }

// AppName is the name of app i (0-based): app-00000, app-00001, …
func AppName(i int) string { return fmt.Sprintf("app-%05d", i) }

// Image is the image an app's overlays pin.
func Image(app string) string { return "registry.example.com/team/" + app }

// OverlayPath is the repo-relative path of an app's kustomization in env.
func OverlayPath(env, app string) string {
	return "overlays/" + env + "/" + app + "/kustomization.yaml"
}

// baseFiles are the five files of base/<app>/.
func baseFiles(app string) [][2]string {
	return [][2]string{
		{"kustomization.yaml", `apiVersion: kustomize.config.k8s.io/v1beta1
kind: Kustomization
resources:
- rollout.yaml
- service-active.yaml
- service-preview.yaml
- ingress.yaml
labels:
- pairs:
    app.kubernetes.io/name: ` + app + `
  includeSelectors: false
`},
		{"rollout.yaml", `apiVersion: argoproj.io/v1alpha1
kind: Rollout
metadata:
  name: ` + app + `
spec:
  replicas: 5
  revisionHistoryLimit: 2
  selector:
    matchLabels:
      app: ` + app + `
  template:
    metadata:
      labels:
        app: ` + app + `
    spec:
      containers:
      - name: ` + app + `
        image: ` + Image(app) + `:v0
        ports:
        - name: http
          containerPort: 8080
  strategy:
    blueGreen:
      activeService: ` + app + `-active
      previewService: ` + app + `-preview
      autoPromotionEnabled: false
`},
		{"service-active.yaml", service(app, "active")},
		{"service-preview.yaml", service(app, "preview")},
		{"ingress.yaml", `apiVersion: networking.k8s.io/v1
kind: Ingress
metadata:
  name: ` + app + `
spec:
  ingressClassName: ack-nginx
  rules:
  - host: ` + app + `.example.com
    http:
      paths:
      - path: /
        pathType: Prefix
        backend:
          service:
            name: ` + app + `-active
            port:
              name: http
`},
	}
}

func service(app, role string) string {
	return `apiVersion: v1
kind: Service
metadata:
  name: ` + app + `-` + role + `
spec:
  selector:
    app: ` + app + `
  ports:
  - name: http
    port: 80
    targetPort: http
`
}

// Overlay is the content of an app's kustomization in env at tag.
func Overlay(env, app, tag string) string {
	return `apiVersion: kustomize.config.k8s.io/v1beta1
kind: Kustomization
namespace: rollouts-demo-` + env + `
resources:
- ../../../base/` + app + `
images:
# the release: gen bump rewrites this entry, keep the comment
- name: ` + Image(app) + `
  newTag: ` + tag + ` # pinned by CI
`
}

var newTagLine = regexp.MustCompile(`(?m)^(  newTag: )\S+`)

// SetTag rewrites the newTag of an overlay made by Overlay, as sed would:
// the benchmarks' stand-in for the kustomization editor.
func SetTag(overlay []byte, tag string) []byte {
	return newTagLine.ReplaceAll(overlay, []byte("${1}"+tag))
}
