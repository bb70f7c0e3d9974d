package argocd

import (
	"context"

	"github.com/rolloutgen/rolloutgen/internal/kube"
)

// Application and Source are the kube layer's view of an Argo CD
// Application: Refresh matches on Name and Sources.
type (
	Application = kube.Application
	Source      = kube.Source
)

// KubeClient implements Applications with the kube access layer: one LIST
// of the Applications in the namespace, one merge patch per match.
type KubeClient struct {
	c *kube.Client
}

var _ Applications = KubeClient{}

// NewKubeClient wraps a kube client.
func NewKubeClient(c *kube.Client) KubeClient { return KubeClient{c: c} }

// List returns the Applications in namespace with their Git sources.
func (k KubeClient) List(ctx context.Context, namespace string) ([]Application, error) {
	snap, err := k.c.List(ctx, kube.Kind{GVR: kube.Applications, Namespace: namespace})
	if err != nil {
		return nil, err
	}
	objs := snap.Objects(kube.Applications)
	apps := make([]Application, 0, len(objs))
	for _, o := range objs {
		apps = append(apps, kube.NewApplication(o))
	}
	return apps, nil
}

// Annotate sets one annotation on an Application.
func (k KubeClient) Annotate(ctx context.Context, namespace, name, key, value string) error {
	return k.c.Annotate(ctx, kube.Applications, namespace, name, key, value)
}
