package validate_test

import (
	"context"
	"os"

	"github.com/rolloutgen/rolloutgen/internal/validate"

	"sigs.k8s.io/kustomize/kyaml/filesys"
)

// A Rollout whose canary and stable Service are the same, checked as a
// plain file.
func ExampleValidator_Validate() {
	fs := filesys.MakeFsInMemory()
	_ = fs.WriteFile("/repo/rollout.yaml", []byte(`apiVersion: argoproj.io/v1alpha1
kind: Rollout
metadata:
  name: web
spec:
  selector: {matchLabels: {app: web}}
  template:
    metadata: {labels: {app: web}}
    spec:
      containers: [{name: web, image: web:v1}]
  strategy:
    canary:
      canaryService: web
      stableService: web
      steps: [{setWeight: 20}]
---
apiVersion: v1
kind: Service
metadata: {name: web}
spec:
  selector: {app: web}
  ports: [{port: 80, targetPort: 8080}]
`))
	findings, _ := validate.New(validate.Options{}).Validate(context.Background(),
		validate.Request{FS: fs, Root: "/repo", Files: []string{"rollout.yaml"}})
	_ = validate.WriteText(os.Stdout, findings)
	// Output:
	// rollout.yaml: Rollout/web: spec.strategy.canary.canaryService: equals stableService "web" — use two Services: the controller points the stable one at the old pods and the canary one at the new pods
}
