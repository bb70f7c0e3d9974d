// Package release reads where a release stands and decides what may
// happen next: the status rows of gen status (Git next to the cluster,
// with one verdict a person reads first), the states gen wait waits for,
// the Argo Rollouts actions of gen canary and the gates of gen promote.
//
// It decides from the kube layer's snapshots and the Git facts it is
// given; it neither reads Git nor talks to the cluster itself.
package release
