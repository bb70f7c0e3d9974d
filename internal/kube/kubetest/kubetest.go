// Package kubetest is client-go's fake dynamic client set up for the kinds
// gen reads, with one controllable fake watcher per WATCH request, so
// tests can count requests and drive watch events one by one.
package kubetest

import (
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/watch"
	dynamicfake "k8s.io/client-go/dynamic/fake"
	clienttesting "k8s.io/client-go/testing"

	"github.com/rolloutgen/rolloutgen/internal/kube"
)

// Cluster is a fake dynamic client; each WATCH request gets a fake
// watcher that is handed to the test on Watches.
type Cluster struct {
	*dynamicfake.FakeDynamicClient
	Watches chan Watch
}

// Watch is one WATCH request and the watcher that answers it.
type Watch struct {
	GVR schema.GroupVersionResource
	*watch.RaceFreeFakeWatcher
}

// NewCluster holds objs.
func NewCluster(objs ...*unstructured.Unstructured) *Cluster {
	listKinds := map[schema.GroupVersionResource]string{
		kube.Applications: "ApplicationList",
		kube.Rollouts:     "RolloutList",
		kube.ReplicaSets:  "ReplicaSetList",
		kube.Events:       "EventList",
		kube.Ingresses:    "IngressList",
	}
	ro := make([]runtime.Object, len(objs))
	for i, o := range objs {
		ro[i] = o
	}
	c := &Cluster{
		FakeDynamicClient: dynamicfake.NewSimpleDynamicClientWithCustomListKinds(runtime.NewScheme(), listKinds, ro...),
		Watches:           make(chan Watch, 64),
	}
	c.PrependWatchReactor("*", func(a clienttesting.Action) (bool, watch.Interface, error) {
		w := watch.NewRaceFreeFake()
		c.Watches <- Watch{GVR: a.GetResource(), RaceFreeFakeWatcher: w}
		return true, w, nil
	})
	return c
}

// Client is the kube client over the fake.
func (c *Cluster) Client() *kube.Client { return kube.NewForDynamic(c) }

// Count returns how many requests of verb were made, per resource.
func (c *Cluster) Count(verb string) map[string]int {
	n := map[string]int{}
	for _, a := range c.Actions() {
		if a.GetVerb() == verb {
			n[a.GetResource().Resource]++
		}
	}
	return n
}

// WaitWatches receives the next n WATCH requests, keyed by resource.
func (c *Cluster) WaitWatches(n int) map[string]Watch {
	out := map[string]Watch{}
	for range n {
		w := <-c.Watches
		out[w.GVR.Resource] = w
	}
	return out
}
