package kube

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"path/filepath"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/client-go/dynamic"
	"k8s.io/client-go/tools/clientcmd"
)

// ErrNoKubeConfig means no kubeconfig was found: there is no cluster to
// ask. Commands that need the cluster fail with it; those for which the
// cluster is optional warn and go on.
var ErrNoKubeConfig = errors.New("no kubeconfig found")

// The kinds gen reads.
var (
	Applications = schema.GroupVersionResource{Group: "argoproj.io", Version: "v1alpha1", Resource: "applications"}
	Rollouts     = schema.GroupVersionResource{Group: "argoproj.io", Version: "v1alpha1", Resource: "rollouts"}
	ReplicaSets  = schema.GroupVersionResource{Group: "apps", Version: "v1", Resource: "replicasets"}
	Events       = schema.GroupVersionResource{Version: "v1", Resource: "events"}
	Ingresses    = schema.GroupVersionResource{Group: "networking.k8s.io", Version: "v1", Resource: "ingresses"}
)

// Config says how to reach the cluster, the way kubectl would. The
// environment is passed in, not read here.
type Config struct {
	// Path is an explicit kubeconfig file (a --kubeconfig flag); empty
	// means Env, else HomeDir/.kube/config.
	Path string
	// Env is the value of $KUBECONFIG: a list of files like PATH.
	Env string
	// HomeDir is the user's home directory.
	HomeDir string
	// Context is the kubeconfig context to use; empty means the current one.
	Context string
	// Timeout bounds each request that is not a watch, so an unreachable
	// cluster cannot hang a command: zero means DefaultTimeout, a negative
	// value no bound (kubectl's --request-timeout 0).
	Timeout time.Duration
}

// DefaultTimeout bounds a request when Config.Timeout is zero.
const DefaultTimeout = 10 * time.Second

// Client reads and patches objects through a dynamic client.
type Client struct {
	dyn dynamic.Interface
	// watchDyn has no request timeout: a watch lives as long as its context.
	watchDyn dynamic.Interface
}

// NewClient loads the kubeconfig as kubectl does (explicit file,
// $KUBECONFIG, ~/.kube/config; exec and token auth included).
func NewClient(cfg Config) (*Client, error) {
	rules := &clientcmd.ClientConfigLoadingRules{}
	switch {
	case cfg.Path != "":
		rules.ExplicitPath = cfg.Path
	case cfg.Env != "":
		rules.Precedence = filepath.SplitList(cfg.Env)
	case cfg.HomeDir != "":
		rules.Precedence = []string{filepath.Join(cfg.HomeDir, ".kube", "config")}
	}
	overrides := &clientcmd.ConfigOverrides{CurrentContext: cfg.Context}
	rest, err := clientcmd.NewNonInteractiveDeferredLoadingClientConfig(rules, overrides).ClientConfig()
	if err != nil {
		if clientcmd.IsEmptyConfig(err) {
			return nil, fmt.Errorf("%w (set KUBECONFIG or --kubeconfig): %v", ErrNoKubeConfig, err)
		}
		return nil, fmt.Errorf("load kubeconfig: %w", err)
	}
	rest.UserAgent = "rolloutgen"
	// Thousands of objects in one LIST per kind: kubectl's default QPS
	// limit does not matter here, but a burst of watches and patches must
	// not queue behind client-side throttling.
	rest.QPS, rest.Burst = 50, 100
	watchDyn, err := dynamic.NewForConfig(rest)
	if err != nil {
		return nil, fmt.Errorf("kube client for %s: %w", rest.Host, err)
	}
	switch {
	case cfg.Timeout == 0:
		rest.Timeout = DefaultTimeout
	case cfg.Timeout > 0:
		rest.Timeout = cfg.Timeout
	default:
		rest.Timeout = 0 // client-go: no timeout
	}
	dyn, err := dynamic.NewForConfig(rest)
	if err != nil {
		return nil, fmt.Errorf("kube client for %s: %w", rest.Host, err)
	}
	return &Client{dyn: dyn, watchDyn: watchDyn}, nil
}

// NewForDynamic wraps a dynamic client (client-go's fake in tests).
func NewForDynamic(d dynamic.Interface) *Client { return &Client{dyn: d, watchDyn: d} }

// MergePatch applies a JSON merge patch to one object; subresource
// "status" patches the status subresource. It returns the patched object's
// resourceVersion.
func (c *Client) MergePatch(ctx context.Context, gvr schema.GroupVersionResource, namespace, name string, patch map[string]any, subresource ...string) error {
	body, err := json.Marshal(patch)
	if err != nil {
		return err
	}
	_, err = c.dyn.Resource(gvr).Namespace(namespace).Patch(ctx, name, types.MergePatchType, body, metav1.PatchOptions{}, subresource...)
	return err
}

// Annotate sets one annotation with a merge patch (the spec is left
// alone, so a GitOps controller sees no change of desired state).
func (c *Client) Annotate(ctx context.Context, gvr schema.GroupVersionResource, namespace, name, key, value string) error {
	return c.MergePatch(ctx, gvr, namespace, name, map[string]any{"metadata": map[string]any{"annotations": map[string]string{key: value}}})
}
