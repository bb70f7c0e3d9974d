// Package schemas holds the CustomResourceDefinition schemas gen validate
// checks Rollouts, Applications and AppProjects against: the
// openAPIV3Schema of each CRD's storage version as published by Argo
// Rollouts v1.10.1 and Argo CD v3.5.7 (the versions the end-to-end cluster
// runs), trimmed of descriptions. Each file records the module, version and
// file it was taken from; regenerate them with go generate after changing
// the versions in crdgen.
package schemas

//go:generate go run ./crdgen -out . -transform-out ../../../templates/rollout-transform.yaml
