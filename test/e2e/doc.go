// Package e2e proves the whole loop on real components: a gen-rendered
// GitOps repository served over HTTP, a local control plane (etcd,
// kube-apiserver, controller manager, scheduler, kwok fake nodes), the Argo
// Rollouts controller and Argo CD's repo-server and application controller.
// A `gen bump` commit is synced by Argo CD and walks a real canary Rollout.
//
// Everything but this file is behind the e2e build tag, so `go test ./...`
// stays fast; `make e2e` builds the pinned tools (hack/e2e-tools.sh) and
// runs the scenario. See README.md in this directory.
package e2e
