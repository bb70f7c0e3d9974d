package validate

import (
	"fmt"
	"sort"

	corev1 "k8s.io/api/core/v1"
	networkingv1 "k8s.io/api/networking/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"
)

// checkAcrossUnits looks at what the overlays and files of one run deploy
// together: two workloads in one namespace whose selectors overlap (each
// controller then counts, and a Rollout scales, the other's pods), and two
// Ingresses that claim the same host and path for one ingress class (the
// controller serves one of them, whichever it merged first). The API
// server accepts both, so they are warnings.
func checkAcrossUnits(units []*unit) []Finding {
	type workload struct {
		u        *unit
		o        object
		selector labels.Selector
		pods     labels.Set
		ref      string // a Rollout's workloadRef name
	}
	type route struct {
		u          *unit
		o          object
		class      string
		host, path string
	}
	var ws []workload
	var rs []route
	for _, u := range units {
		for _, o := range u.objects {
			if o.context {
				continue
			}
			switch {
			case o.group() == "apps" && (o.kind == "Deployment" || o.kind == "StatefulSet" || o.kind == "DaemonSet" || o.kind == "ReplicaSet"),
				o.group() == "argoproj.io" && o.kind == "Rollout":
				var w struct {
					Spec struct {
						Selector    *metav1.LabelSelector  `json:"selector"`
						Template    corev1.PodTemplateSpec `json:"template"`
						WorkloadRef *struct {
							Name string `json:"name"`
						} `json:"workloadRef"`
					} `json:"spec"`
				}
				if !o.decodeLoose(&w) || w.Spec.Selector == nil {
					continue
				}
				sel, err := metav1.LabelSelectorAsSelector(w.Spec.Selector)
				if err != nil || sel.Empty() {
					continue
				}
				wl := workload{u: u, o: o, selector: sel, pods: labels.Set(w.Spec.Template.Labels)}
				if w.Spec.WorkloadRef != nil {
					wl.ref = w.Spec.WorkloadRef.Name
				}
				ws = append(ws, wl)
			case o.group() == "networking.k8s.io" && o.kind == "Ingress":
				var in networkingv1.Ingress
				if !o.decodeLoose(&in) || in.Annotations["nginx.ingress.kubernetes.io/canary"] == "true" {
					continue // nginx canary Ingresses share their stable one's host and path on purpose
				}
				v := newIngressView(o, &in)
				for _, r := range in.Spec.Rules {
					if r.HTTP == nil {
						continue
					}
					for _, p := range r.HTTP.Paths {
						rs = append(rs, route{u: u, o: o, class: v.className, host: r.Host, path: p.Path})
					}
				}
			}
		}
	}
	id := func(o object) string { return o.kind + "/" + o.namespace + "/" + o.name }
	var out []Finding
	for i, a := range ws {
		for _, b := range ws[i+1:] {
			if a.o.namespace != b.o.namespace || id(a.o) == id(b.o) {
				continue
			}
			// A Rollout with workloadRef runs the referenced Deployment's
			// template: selecting its pods is the point.
			if (a.ref != "" && b.o.kind == "Deployment" && b.o.name == a.ref) || (b.ref != "" && a.o.kind == "Deployment" && a.o.name == b.ref) {
				continue
			}
			if a.selector.Matches(b.pods) || b.selector.Matches(a.pods) {
				out = append(out, b.u.finding(Warning, b.o, "spec.selector",
					fmt.Sprintf("overlaps %s/%s's selector in namespace %q (%s / %s): each controller would count the other's pods as its own", a.o.kind, a.o.name, a.o.namespace, a.selector, b.selector),
					"give each app a label of its own (e.g. app.kubernetes.io/name) and select on it"))
			}
		}
	}
	sort.SliceStable(rs, func(i, j int) bool { return id(rs[i].o) < id(rs[j].o) })
	seen := map[[3]string]route{}
	for _, r := range rs {
		key := [3]string{r.class, r.host, r.path}
		first, ok := seen[key]
		if !ok {
			seen[key] = r
			continue
		}
		if id(first.o) == id(r.o) {
			continue
		}
		host := r.host
		if host == "" {
			host = "*"
		}
		out = append(out, r.u.finding(Warning, r.o, "spec.rules",
			fmt.Sprintf("host %q path %q is also routed by Ingress %s/%s (class %q): the ingress controller serves only one of them", host, r.path, first.o.namespace, first.o.name, r.class),
			"give each app its own host or path"))
	}
	return out
}
