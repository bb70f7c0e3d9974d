package kube

import (
	"context"
	"fmt"
	"sort"
	"sync"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/watch"
)

// Kind is one LIST (and WATCH) gen makes: a resource in one namespace, or
// in all of them when Namespace is empty, optionally narrowed by label
// or field selectors the API server applies.
type Kind struct {
	GVR           schema.GroupVersionResource
	Namespace     string
	LabelSelector string
	FieldSelector string
}

func (k Kind) String() string {
	s := k.GVR.Resource
	if k.GVR.Group != "" {
		s += "." + k.GVR.Group
	}
	if k.Namespace != "" {
		s += " in namespace " + k.Namespace
	}
	return s
}

func (k Kind) listOptions() metav1.ListOptions {
	return metav1.ListOptions{LabelSelector: k.LabelSelector, FieldSelector: k.FieldSelector}
}

// Snapshot holds the objects of each Kind as last listed or watched.
type Snapshot struct {
	kinds []Kind
	objs  []map[string]*unstructured.Unstructured
}

func newSnapshot(kinds []Kind) *Snapshot {
	s := &Snapshot{kinds: kinds, objs: make([]map[string]*unstructured.Unstructured, len(kinds))}
	for i := range s.objs {
		s.objs[i] = map[string]*unstructured.Unstructured{}
	}
	return s
}

func key(namespace, name string) string { return namespace + "/" + name }

// Objects returns the objects of the kind of resource gvr, sorted by
// namespace and name. Several Kinds of one resource are merged.
func (s *Snapshot) Objects(gvr schema.GroupVersionResource) []*unstructured.Unstructured {
	var out []*unstructured.Unstructured
	for i, k := range s.kinds {
		if k.GVR != gvr {
			continue
		}
		for _, o := range s.objs[i] {
			out = append(out, o)
		}
	}
	sort.Slice(out, func(a, b int) bool {
		return key(out[a].GetNamespace(), out[a].GetName()) < key(out[b].GetNamespace(), out[b].GetName())
	})
	return out
}

// Get returns one object of the snapshot, or nil.
func (s *Snapshot) Get(gvr schema.GroupVersionResource, namespace, name string) *unstructured.Unstructured {
	for i, k := range s.kinds {
		if k.GVR == gvr {
			if o := s.objs[i][key(namespace, name)]; o != nil {
				return o
			}
		}
	}
	return nil
}

func (s *Snapshot) replace(i int, items []unstructured.Unstructured) {
	m := make(map[string]*unstructured.Unstructured, len(items))
	for j := range items {
		o := &items[j]
		m[key(o.GetNamespace(), o.GetName())] = o
	}
	s.objs[i] = m
}

// List makes one LIST per kind, all at once: the API server answers
// them in parallel, and gen decodes one while waiting for the next (one
// after another, gen status over 3,000 Rollouts waited for the sum). The
// error is the first kind's in kinds' order, as when they ran in turn.
func (c *Client) List(ctx context.Context, kinds ...Kind) (*Snapshot, error) {
	s := newSnapshot(kinds)
	errs := make([]error, len(kinds))
	var wg sync.WaitGroup
	for i, k := range kinds {
		wg.Go(func() {
			list, err := c.dyn.Resource(k.GVR).Namespace(k.Namespace).List(ctx, k.listOptions())
			if err != nil {
				errs[i] = fmt.Errorf("list %s: %w", k, err)
				return
			}
			s.replace(i, list.Items) // its own slot: no lock
		})
	}
	wg.Wait()
	for _, err := range errs {
		if err != nil {
			return nil, err
		}
	}
	return s, nil
}

// update is what one kind's watch loop hands the caller's loop: a whole
// new list, one event, or a failure.
type update struct {
	kind  int
	items []unstructured.Unstructured
	list  bool
	event watch.Event
	err   error
}

// Watch lists every kind once, calls observe with the snapshot, then keeps
// the snapshot current from one WATCH per kind and calls observe after
// every change, until observe says done, returns an error, or ctx ends
// (ctx.Err() is returned). A kind whose watch the API server expires
// (410 Gone) is listed again and watched from there; a watch the server
// closes is resumed from the last resourceVersion seen.
func (c *Client) Watch(ctx context.Context, kinds []Kind, observe func(*Snapshot) (done bool, err error)) error {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	s := newSnapshot(kinds)
	rvs := make([]string, len(kinds))
	for i, k := range kinds {
		list, err := c.dyn.Resource(k.GVR).Namespace(k.Namespace).List(ctx, k.listOptions())
		if err != nil {
			return fmt.Errorf("list %s: %w", k, err)
		}
		s.replace(i, list.Items)
		rvs[i] = list.GetResourceVersion()
	}
	if done, err := observe(s); done || err != nil {
		return err
	}
	updates := make(chan update)
	for i := range kinds {
		go c.watchKind(ctx, i, kinds[i], rvs[i], updates)
	}
	for {
		var u update
		select {
		case <-ctx.Done():
			return ctx.Err()
		case u = <-updates:
		}
		switch {
		case u.err != nil:
			return u.err
		case u.list:
			s.replace(u.kind, u.items)
		default:
			o, ok := u.event.Object.(*unstructured.Unstructured)
			if !ok {
				continue
			}
			k := key(o.GetNamespace(), o.GetName())
			if u.event.Type == watch.Deleted {
				delete(s.objs[u.kind], k)
			} else {
				s.objs[u.kind][k] = o
			}
		}
		if done, err := observe(s); done || err != nil {
			return err
		}
	}
}

// watchKind runs one kind's WATCH until ctx ends or a failure that is not
// an expired resourceVersion.
func (c *Client) watchKind(ctx context.Context, i int, k Kind, rv string, out chan<- update) {
	send := func(u update) bool {
		select {
		case out <- u:
			return true
		case <-ctx.Done():
			return false
		}
	}
	ri := c.watchDyn.Resource(k.GVR).Namespace(k.Namespace)
	relist := func() bool {
		list, err := c.dyn.Resource(k.GVR).Namespace(k.Namespace).List(ctx, k.listOptions())
		if err != nil {
			send(update{err: fmt.Errorf("list %s: %w", k, err)})
			return false
		}
		rv = list.GetResourceVersion()
		return send(update{kind: i, list: true, items: list.Items})
	}
	for ctx.Err() == nil {
		opts := k.listOptions()
		opts.ResourceVersion = rv
		opts.AllowWatchBookmarks = true
		w, err := ri.Watch(ctx, opts)
		if err != nil {
			if isGone(err) && relist() {
				continue
			}
			if ctx.Err() == nil {
				send(update{err: fmt.Errorf("watch %s: %w", k, err)})
			}
			return
		}
		expired := false
		for ev := range w.ResultChan() {
			switch ev.Type {
			case watch.Error:
				err := apierrors.FromObject(ev.Object)
				if isGone(err) {
					expired = true
				} else {
					w.Stop()
					send(update{err: fmt.Errorf("watch %s: %w", k, err)})
					return
				}
			case watch.Bookmark:
				if m, err := meta.Accessor(ev.Object); err == nil {
					rv = m.GetResourceVersion()
				}
				continue
			default:
				if m, err := meta.Accessor(ev.Object); err == nil && m.GetResourceVersion() != "" {
					rv = m.GetResourceVersion()
				}
				if !send(update{kind: i, event: ev}) {
					w.Stop()
					return
				}
			}
			if expired {
				break
			}
		}
		w.Stop()
		if expired && !relist() {
			return
		}
	}
}

// isGone reports the API server's "resourceVersion too old" answer.
func isGone(err error) bool { return apierrors.IsGone(err) || apierrors.IsResourceExpired(err) }
