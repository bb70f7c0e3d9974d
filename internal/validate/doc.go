// Package validate checks built overlays and plain manifests for what the
// API server, the Argo Rollouts controller or Argo CD would reject or
// silently mishandle: unknown fields and wrong types against the upstream
// schemas (k8s.io/api types, the Rollout/Application/AppProject CRDs), the
// Rollout's pod template as a PodTemplateSpec, and the links between
// objects that a canary release depends on (selectors, Service ports,
// stable Ingress, nginx annotations, steps, Argo CD projects).
//
// It reports findings and never edits anything. Builds go through
// internal/kustomize; the filesystem is passed in.
package validate
