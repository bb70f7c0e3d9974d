package argocd

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"path/filepath"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/client-go/dynamic"
	"k8s.io/client-go/tools/clientcmd"
)

// ErrNoKubeConfig means no kubeconfig was found: there is no cluster to
// ask, which is not a failure of the push that came before.
var ErrNoKubeConfig = errors.New("no kubeconfig found")

var applicationsGVR = schema.GroupVersionResource{Group: "argoproj.io", Version: "v1alpha1", Resource: "applications"}

// KubeConfig says how to reach the cluster Argo CD runs in, the way kubectl
// would. The environment is passed in, not read here.
type KubeConfig struct {
	// Path is an explicit kubeconfig file (a --kubeconfig flag); empty
	// means Env, else HomeDir/.kube/config.
	Path string
	// Env is the value of $KUBECONFIG: a list of files like PATH.
	Env string
	// HomeDir is the user's home directory.
	HomeDir string
	// Context is the kubeconfig context to use; empty means the current one.
	Context string
	// Timeout bounds each API request (default 10 s), so an unreachable
	// cluster cannot hang the command after its push.
	Timeout time.Duration
}

// KubeClient implements Applications with client-go's dynamic client, so
// rolloutgen needs neither Argo CD's Go module nor its CLI.
type KubeClient struct {
	client dynamic.Interface
}

var _ Applications = (*KubeClient)(nil)

// NewKubeClient loads the kubeconfig as kubectl does (explicit file,
// $KUBECONFIG, ~/.kube/config; exec and token auth included).
func NewKubeClient(cfg KubeConfig) (*KubeClient, error) {
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
	rest.Timeout = cfg.Timeout
	if rest.Timeout == 0 {
		rest.Timeout = 10 * time.Second
	}
	rest.UserAgent = "rolloutgen"
	client, err := dynamic.NewForConfig(rest)
	if err != nil {
		return nil, fmt.Errorf("kube client for %s: %w", rest.Host, err)
	}
	return &KubeClient{client: client}, nil
}

// List returns the Applications in namespace with their Git sources.
func (k *KubeClient) List(ctx context.Context, namespace string) ([]Application, error) {
	list, err := k.client.Resource(applicationsGVR).Namespace(namespace).List(ctx, metav1.ListOptions{})
	if err != nil {
		return nil, err
	}
	apps := make([]Application, 0, len(list.Items))
	for _, item := range list.Items {
		apps = append(apps, fromUnstructured(item))
	}
	return apps, nil
}

func fromUnstructured(u unstructured.Unstructured) Application {
	a := Application{Name: u.GetName()}
	add := func(m map[string]any) {
		repo, _, _ := unstructured.NestedString(m, "repoURL")
		p, _, _ := unstructured.NestedString(m, "path")
		a.Sources = append(a.Sources, Source{RepoURL: repo, Path: p})
	}
	if src, ok, _ := unstructured.NestedMap(u.Object, "spec", "source"); ok {
		add(src)
	}
	if srcs, ok, _ := unstructured.NestedSlice(u.Object, "spec", "sources"); ok {
		for _, s := range srcs {
			if m, ok := s.(map[string]any); ok {
				add(m)
			}
		}
	}
	return a
}

// Annotate sets one annotation with a merge patch (the Application's spec
// is left alone, so Argo CD sees no change of desired state).
func (k *KubeClient) Annotate(ctx context.Context, namespace, name, key, value string) error {
	patch, err := json.Marshal(map[string]any{"metadata": map[string]any{"annotations": map[string]string{key: value}}})
	if err != nil {
		return err
	}
	_, err = k.client.Resource(applicationsGVR).Namespace(namespace).Patch(ctx, name, types.MergePatchType, patch, metav1.PatchOptions{})
	return err
}
