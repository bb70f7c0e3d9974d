// Package argocd asks Argo CD to look at Git again right after a push.
//
// Argo CD polls Git every few minutes, so a pushed bump otherwise sits
// unnoticed. Refresh finds the Applications whose source is the pushed
// repository and a bumped overlay path, and annotates them
// argocd.argoproj.io/refresh=normal: what `argocd app get --refresh` does,
// without the argocd CLI or a login. It only needs the kube API (the
// user's kubeconfig) and permission to patch Applications.
//
// The kube access sits behind the small Applications interface; KubeClient
// is its client-go implementation.
package argocd
