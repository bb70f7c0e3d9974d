package cli

import (
	"fmt"
	"time"

	"github.com/spf13/pflag"

	"github.com/rolloutgen/rolloutgen/internal/config"
	"github.com/rolloutgen/rolloutgen/internal/kube"
)

// kubeOptions are the flags of every command that reads the cluster
// (status, wait, canary, promote's gates, rollback, bump --refresh): one
// spelling, one kube access layer.
type kubeOptions struct {
	kubeconfig     string
	context        string
	namespace      string
	requestTimeout time.Duration
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
	k.requestTimeout = kube.DefaultTimeout
	f.Var((*timeoutFlag)(&k.requestTimeout), "kube-request-timeout", "bound on each request to the API server"+purpose+" (watches excepted); 0: none, as kubectl's --request-timeout 0")
}

// config is the kube layer's view of the flags and environment.
func (k *kubeOptions) config(deps Deps) kube.Config {
	return kube.Config{
		Path:    k.kubeconfig,
		Env:     deps.Getenv("KUBECONFIG"),
		HomeDir: deps.Getenv("HOME"),
		Context: k.context,
		Timeout: k.timeout(),
	}
}

// timeout is --kube-request-timeout as kube.Config takes it: 0 there means
// the default, a negative value none.
func (k *kubeOptions) timeout() time.Duration {
	if k.requestTimeout == 0 {
		return -1
	}
	return k.requestTimeout
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

// timeoutFlag is a duration flag that refuses negative values when it is
// parsed, so every command reports them as a usage error (exit 2).
type timeoutFlag time.Duration

func (t *timeoutFlag) Set(s string) error {
	d, err := time.ParseDuration(s)
	if err != nil {
		return err
	}
	if d < 0 {
		return fmt.Errorf("want 0 (none) or a positive duration")
	}
	*t = timeoutFlag(d)
	return nil
}

func (t *timeoutFlag) String() string { return time.Duration(*t).String() }
func (t *timeoutFlag) Type() string   { return "duration" }
