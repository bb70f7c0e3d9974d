package cli

import (
	"github.com/spf13/pflag"

	"github.com/rolloutgen/rolloutgen/internal/config"
	"github.com/rolloutgen/rolloutgen/internal/kube"
)

// kubeOptions are the flags of every command that reads the cluster
// (status, wait, canary, promote's gates, rollback, bump --refresh): one
// spelling, one kube access layer.
type kubeOptions struct {
	kubeconfig string
	context    string
	namespace  string
}

// addFlags adds --kubeconfig, --context and --argocd-namespace; purpose
// ends each help text ("for --refresh"), or is empty.
func (k *kubeOptions) addFlags(f *pflag.FlagSet, purpose string) {
	if purpose != "" {
		purpose = " " + purpose
	}
	f.StringVar(&k.kubeconfig, "kubeconfig", "", "kubeconfig"+purpose+" (default: KUBECONFIG, then ~/.kube/config)")
	f.StringVar(&k.context, "context", "", "kubeconfig context"+purpose+" (default: the current context)")
	f.StringVar(&k.namespace, "argocd-namespace", "", "namespace Argo CD runs in"+purpose+" (default: gen.yaml argocd.namespace, else argocd)")
}

// config is the kube layer's view of the flags and environment.
func (k *kubeOptions) config(deps Deps) kube.Config {
	return kube.Config{
		Path:    k.kubeconfig,
		Env:     deps.Getenv("KUBECONFIG"),
		HomeDir: deps.Getenv("HOME"),
		Context: k.context,
	}
}

// client builds the kube client through deps (a fake in tests).
func (k *kubeOptions) client(deps Deps) (*kube.Client, error) {
	if deps.NewKube != nil {
		return deps.NewKube(k.config(deps))
	}
	return kube.NewClient(k.config(deps))
}

// argoNamespace is --argocd-namespace, else gen.yaml's, else "argocd".
func (k *kubeOptions) argoNamespace(cfg *config.Config) string {
	switch {
	case k.namespace != "":
		return k.namespace
	case cfg != nil && cfg.ArgoCD.Namespace != "":
		return cfg.ArgoCD.Namespace
	}
	return "argocd"
}
