// Package kube is gen's one way into the cluster: it loads the kubeconfig
// as kubectl does and reads and patches the objects gen cares about
// (Argo CD Applications, Argo Rollouts Rollouts, ReplicaSets, Events)
// through client-go's dynamic client, so gen needs neither Argo CD's nor
// Argo Rollouts' Go modules.
//
// Reads are one LIST per kind (cluster-wide or per namespace, never a GET
// per app); Watch keeps those lists current from one WATCH per kind and
// re-lists a kind when the API server answers 410 Gone. Status, wait,
// canary, the promote gates and bump --refresh all go through here.
package kube
