package kube_test

import (
	"context"
	"errors"
	"net/http"
	"slices"
	"sync"
	"testing"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime/schema"

	"github.com/rolloutgen/rolloutgen/internal/kube"
	"github.com/rolloutgen/rolloutgen/internal/kube/kubetest"
)

func obj(gvr schema.GroupVersionResource, kind, ns, name string, fields map[string]any) *unstructured.Unstructured {
	u := &unstructured.Unstructured{Object: map[string]any{}}
	for k, v := range fields {
		u.Object[k] = v
	}
	u.SetAPIVersion(gvr.GroupVersion().String())
	u.SetKind(kind)
	u.SetNamespace(ns)
	u.SetName(name)
	return u
}

func TestList(t *testing.T) {
	c := kubetest.NewCluster(
		obj(kube.Rollouts, "Rollout", "demo-dev", "demo", nil),
		obj(kube.Rollouts, "Rollout", "demo-prod", "demo", nil),
		obj(kube.Applications, "Application", "argo", "demo-dev", nil),
	)
	snap, err := c.Client().List(context.Background(), kube.Kind{GVR: kube.Applications, Namespace: "argo"}, kube.Kind{GVR: kube.Rollouts})
	if err != nil {
		t.Fatal(err)
	}
	if n := len(snap.Objects(kube.Rollouts)); n != 2 {
		t.Errorf("%d kube.Rollouts, want 2 from one cluster-wide LIST", n)
	}
	if snap.Get(kube.Applications, "argo", "demo-dev") == nil {
		t.Error("Application argo/demo-dev missing")
	}
	if got := c.Count("list"); got["rollouts"] != 1 || got["applications"] != 1 || len(c.Actions()) != 2 {
		t.Errorf("requests %v, want one LIST per kind and nothing else", c.Actions())
	}
}

// TestWatch checks the shape of the traffic: one LIST and one WATCH per
// kind, one observation per event, and a re-list of the one kind whose
// watch expired (410 Gone).
func TestWatch(t *testing.T) {
	c := kubetest.NewCluster(obj(kube.Rollouts, "Rollout", "dev", "demo", map[string]any{"status": map[string]any{"phase": "Paused"}}))
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()

	var mu sync.Mutex
	var seen []string // the Rollout's phase at each observation
	observed := make(chan struct{}, 16)
	errc := make(chan error, 1)
	go func() {
		errc <- c.Client().Watch(ctx, []kube.Kind{{GVR: kube.Applications, Namespace: "argo"}, {GVR: kube.Rollouts}}, func(s *kube.Snapshot) (bool, error) {
			phase := "-"
			if r := s.Get(kube.Rollouts, "dev", "demo"); r != nil {
				phase = kube.NewRollout(r).Phase
			}
			mu.Lock()
			seen = append(seen, phase)
			mu.Unlock()
			observed <- struct{}{}
			return phase == "Healthy", nil
		})
	}()
	<-observed // the initial lists
	rw := c.WaitWatches(2)["rollouts"].RaceFreeFakeWatcher

	rw.Modify(obj(kube.Rollouts, "Rollout", "dev", "demo", map[string]any{"status": map[string]any{"phase": "Progressing"}}))
	<-observed
	// The watch expires: the kind is listed again and watched anew.
	if err := c.Tracker().Update(kube.Rollouts, obj(kube.Rollouts, "Rollout", "dev", "demo", map[string]any{"status": map[string]any{"phase": "Degraded"}}), "dev"); err != nil {
		t.Fatal(err)
	}
	rw.Error(&metav1.Status{Status: metav1.StatusFailure, Code: http.StatusGone, Reason: metav1.StatusReasonExpired, Message: "too old resource version"})
	<-observed // the re-list
	rw = (<-c.Watches).RaceFreeFakeWatcher
	rw.Modify(obj(kube.Rollouts, "Rollout", "dev", "demo", map[string]any{"status": map[string]any{"phase": "Healthy"}}))
	if err := <-errc; err != nil {
		t.Fatal(err)
	}
	mu.Lock()
	defer mu.Unlock()
	if got, want := seen, []string{"Paused", "Progressing", "Degraded", "Healthy"}; !slices.Equal(got, want) {
		t.Errorf("observed %v, want %v (one observation per event and re-list)", got, want)
	}
	if l, w := c.Count("list"), c.Count("watch"); l["rollouts"] != 2 || l["applications"] != 1 || w["rollouts"] != 2 || w["applications"] != 1 {
		t.Errorf("lists %v, watches %v: want one LIST and one WATCH per kind, plus one of each for the expired kube.Rollouts watch", l, w)
	}
	if n := c.Count("get"); len(n) != 0 {
		t.Errorf("GETs %v: want none", n)
	}
}

func TestWatchError(t *testing.T) {
	c := kubetest.NewCluster()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	errc := make(chan error, 1)
	go func() {
		errc <- c.Client().Watch(ctx, []kube.Kind{{GVR: kube.Rollouts}}, func(*kube.Snapshot) (bool, error) { return false, nil })
	}()
	w := (<-c.Watches).RaceFreeFakeWatcher
	w.Error(&metav1.Status{Status: metav1.StatusFailure, Code: http.StatusForbidden, Reason: metav1.StatusReasonForbidden, Message: "rollouts is forbidden"})
	err := <-errc
	if err == nil || err.Error() != "watch rollouts.argoproj.io: rollouts is forbidden" {
		t.Fatalf("err = %v", err)
	}
}

func TestWatchContextEnds(t *testing.T) {
	c := kubetest.NewCluster()
	ctx, cancel := context.WithCancel(context.Background())
	errc := make(chan error, 1)
	go func() {
		errc <- c.Client().Watch(ctx, []kube.Kind{{GVR: kube.Rollouts}}, func(*kube.Snapshot) (bool, error) { return false, nil })
	}()
	<-c.Watches
	cancel()
	if err := <-errc; !errors.Is(err, context.Canceled) {
		t.Fatalf("err = %v, want context.Canceled", err)
	}
}
