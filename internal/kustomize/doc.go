// Package kustomize builds overlays in-process with krusty and edits the
// images: entries of kustomization files as byte splices: the file is
// parsed only to locate the newTag and digest scalars (or where to insert),
// and every other byte stays (splice.go). It imports no Git code.
//
// Where kustomize (api v0.21.2) honours configurations:, found by
// experiment (configurations_test.go):
//   - A kustomization's configurations: apply to everything it accumulates,
//     and they travel up: a base's (or component's) transformer
//     configuration is merged into every kustomization that includes it
//     (ResAccumulator.MergeConfig). So Argo Rollouts' transform
//     configuration listed once in base/<app>/kustomization.yaml makes an
//     overlay's namePrefix, nameSuffix and commonLabels rename
//     canaryService, stableService, stableIngress and the selectors
//     consistently. The older report that only the kustomization being
//     built counts does not hold for this version.
//   - The file must lie in or below the kustomization's own directory (the
//     default load restrictor refuses ../rollout-transform.yaml), so each
//     base carries its own copy; a shared component would also work.
//   - Without it the references keep their old names and the Rollout
//     points at Services and an Ingress that no longer exist.
//
// Kustomize has no schema for the Rollout, so a strategic merge patch that
// names one container replaces the whole containers list; overlays patch
// Rollouts with JSON 6902 instead.
package kustomize
