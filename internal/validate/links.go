package validate

import (
	"github.com/rolloutgen/rolloutgen/internal/config"
	"maps"
	"slices"

	"fmt"
	"sort"
	"strconv"
	"strings"

	corev1 "k8s.io/api/core/v1"
	networkingv1 "k8s.io/api/networking/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/util/intstr"
)

// podSource is a pod template in the build: what Services select.
type podSource struct {
	owner  object
	labels map[string]string
	spec   corev1.PodSpec
}

// graph indexes one unit's objects by name for the link checks.
type graph struct {
	services  map[string]*serviceView
	ingresses map[string]*ingressView
	pods      []podSource
	rollouts  []rolloutRef
}

type rolloutRef struct {
	object
	view rolloutView
}

func buildGraph(u *unit) *graph {
	g := &graph{services: map[string]*serviceView{}, ingresses: map[string]*ingressView{}}
	for _, o := range u.objects {
		switch {
		case o.kind == "Service" && o.group() == "":
			var s corev1.Service
			ok := o.decodeLoose(&s)
			g.services[o.name] = &serviceView{object: o, spec: s.Spec, broken: !ok}
		case o.kind == "Ingress" && o.group() == "networking.k8s.io":
			var in networkingv1.Ingress
			if o.decodeLoose(&in) {
				g.ingresses[o.name] = newIngressView(o, &in)
			} else {
				g.ingresses[o.name] = &ingressView{object: o, broken: true}
			}
		case o.kind == "Rollout" && o.group() == "argoproj.io":
			var r rolloutView
			if o.decodeLoose(&r) {
				g.rollouts = append(g.rollouts, rolloutRef{object: o, view: r})
				if r.Spec.WorkloadRef == nil {
					g.pods = append(g.pods, podSource{owner: o, labels: r.Spec.Template.Labels, spec: r.Spec.Template.Spec})
				}
			}
		case o.group() == "apps" && (o.kind == "Deployment" || o.kind == "StatefulSet" || o.kind == "DaemonSet"):
			var w struct {
				Spec struct {
					Template corev1.PodTemplateSpec `json:"template"`
				} `json:"spec"`
			}
			if o.decodeLoose(&w) {
				g.pods = append(g.pods, podSource{owner: o, labels: w.Spec.Template.Labels, spec: w.Spec.Template.Spec})
			}
		}
	}
	return g
}

func newIngressView(o object, in *networkingv1.Ingress) *ingressView {
	v := &ingressView{object: o}
	if in.Spec.IngressClassName != nil {
		v.className = *in.Spec.IngressClassName
	} else if c, ok := in.Annotations["kubernetes.io/ingress.class"]; ok {
		v.className = c
	}
	add := func(field string, b *networkingv1.IngressBackend) {
		if b == nil || b.Service == nil {
			return
		}
		port := intstr.FromInt32(b.Service.Port.Number)
		if b.Service.Port.Name != "" {
			port = intstr.FromString(b.Service.Port.Name)
		}
		v.backends = append(v.backends, backendRef{field: field, service: b.Service.Name, port: port})
	}
	add("spec.defaultBackend", in.Spec.DefaultBackend)
	for i, r := range in.Spec.Rules {
		if r.HTTP == nil {
			continue
		}
		for j := range r.HTTP.Paths {
			add(fmt.Sprintf("spec.rules[%d].http.paths[%d].backend", i, j), &r.HTTP.Paths[j].Backend)
		}
	}
	return v
}

// checkLinks checks what ties the objects of one unit together.
func (v *Validator) checkLinks(u *unit) []Finding {
	g := buildGraph(u)
	var out []Finding
	for _, r := range g.rollouts {
		out = append(out, v.checkRollout(u, g, r)...)
	}
	for _, name := range slices.Sorted(maps.Keys(g.services)) {
		out = append(out, checkService(u, g, g.services[name])...)
	}
	return out
}

func (v *Validator) checkRollout(u *unit, g *graph, r rolloutRef) []Finding {
	var out []Finding
	add := func(sev Severity, field, problem, fix string) {
		out = append(out, u.finding(sev, r.object, field, problem, fix))
	}
	spec := r.view.Spec
	podLabels := spec.Template.Labels
	switch sel, err := metav1.LabelSelectorAsSelector(spec.Selector); {
	case spec.WorkloadRef != nil:
		// The pod template lives in the referenced Deployment.
	case spec.Selector == nil:
		add(Error, "spec.selector", "is missing", "set spec.selector.matchLabels to the pod template's labels ("+labelString(podLabels)+")")
	case err != nil:
		add(Error, "spec.selector", err.Error(), "fix the selector")
	case sel.Empty() || !sel.Matches(labels.Set(podLabels)):
		add(Error, "spec.selector", fmt.Sprintf("selector %s does not match the pod template labels %s", sel.String(), labelString(podLabels)),
			"make spec.selector.matchLabels equal spec.template.metadata.labels (the controller rejects the Rollout)")
	}
	c := spec.Strategy.Canary
	if c == nil {
		return out
	}
	const cp = "spec.strategy.canary."
	tr := c.TrafficRouting
	routed := tr != nil
	for _, s := range []struct{ field, name string }{{"canaryService", c.CanaryService}, {"stableService", c.StableService}} {
		switch {
		case s.name == "" && routed:
			add(Error, cp+s.field, "is required with trafficRouting", "name the "+strings.TrimSuffix(s.field, "Service")+" Service")
		case s.name != "" && g.services[s.name] == nil:
			add(Error, cp+s.field, fmt.Sprintf("Service %q is not in the build", s.name), "add the Service to the kustomization's resources or fix the name")
		}
	}
	if c.CanaryService != "" && c.CanaryService == c.StableService {
		add(Error, cp+"canaryService", fmt.Sprintf("equals stableService %q", c.StableService),
			"use two Services: the controller points the stable one at the old pods and the canary one at the new pods")
	}
	if routed && tr.Nginx != nil {
		out = append(out, v.checkNginx(u, g, r, c)...)
	}
	out = append(out, checkSteps(u, r, c, routed)...)
	return out
}

func (v *Validator) checkNginx(u *unit, g *graph, r rolloutRef, c *canaryView) []Finding {
	var out []Finding
	add := func(sev Severity, o object, field, problem, fix string) {
		out = append(out, u.finding(sev, o, field, problem, fix))
	}
	const np = "spec.strategy.canary.trafficRouting.nginx."
	n := c.TrafficRouting.Nginx
	stable := append([]string(nil), n.StableIngresses...)
	if n.StableIngress != "" {
		stable = append([]string{n.StableIngress}, stable...)
	}
	if len(stable) == 0 {
		add(Error, r.object, np+"stableIngress", "is missing", "name the Ingress that routes to the stable Service "+strconv.Quote(c.StableService))
	}
	for i, name := range stable {
		field := np + "stableIngress"
		if n.StableIngress == "" || i > 0 {
			field = fmt.Sprintf("%sstableIngresses[%d]", np, i-btoi(n.StableIngress != ""))
		}
		in := g.ingresses[name]
		if in == nil {
			add(Error, r.object, field, fmt.Sprintf("Ingress %q is not in the build", name), "add the Ingress to the kustomization's resources or fix the name")
			continue
		}
		if in.broken {
			continue
		}
		if c.StableService != "" && !ingressReaches(in, g.services[c.StableService], c.StableService) {
			add(Error, r.object, field, fmt.Sprintf("Ingress %q has no backend pointing at the stable Service %q on one of its ports%s", name, c.StableService, servicePorts(g.services[c.StableService])),
				"point the Ingress rule's backend at service "+c.StableService+" and its port")
		}
		if !contains(v.classes, in.className) && in.className != "" {
			add(Warning, in.object, "spec.ingressClassName",
				fmt.Sprintf("class %q is not managed by the Argo Rollouts controller (managed: %s), so it will not create the canary Ingress", in.className, strings.Join(v.classes, ", ")),
				fmt.Sprintf("start the controller with --nginx-ingress-classes=%s and declare the class in gen.yaml rollouts.nginxIngressClasses (for a bare PATH, pass --nginx-ingress-classes to gen validate)", in.className))
		}
		canaryName := r.name + "-" + name + "-canary"
		if ci := g.ingresses[canaryName]; ci != nil {
			add(Error, ci.object, "metadata.name", fmt.Sprintf("is the canary Ingress the Argo Rollouts controller creates and owns for Rollout %q", r.name),
				"remove it from the repository; the controller generates it from the stable Ingress")
		}
	}
	ap := np + "additionalIngressAnnotations"
	ann := n.AdditionalIngressAnnotations
	for _, k := range slices.Sorted(maps.Keys(ann)) {
		if short, ok := strings.CutPrefix(k, "nginx.ingress.kubernetes.io/"); ok {
			add(Error, r.object, ap+"."+k, "key carries the nginx.ingress.kubernetes.io/ prefix, which the controller adds itself", fmt.Sprintf("write it as %q", short))
		}
	}
	header, hasHeader := ann["canary-by-header"]
	_, hasValue := ann["canary-by-header-value"]
	_, hasPattern := ann["canary-by-header-pattern"]
	switch {
	case hasHeader && !config.IsHTTPToken(header):
		add(Error, r.object, ap+".canary-by-header", fmt.Sprintf("%q is not an HTTP header name (token)", header), "use letters, digits and '-', e.g. X-Canary")
	case hasHeader && !hasValue && !hasPattern:
		add(Warning, r.object, ap+".canary-by-header", "is set without canary-by-header-value, so nginx sends a request to the canary only when the header's value is \"always\"",
			"add canary-by-header-value with the value that selects the canary")
	}
	return out
}

func btoi(b bool) int {
	if b {
		return 1
	}
	return 0
}

// ingressReaches reports whether some backend of in points at the Service
// named svcName on one of its ports (by number or by port name).
func ingressReaches(in *ingressView, svc *serviceView, svcName string) bool {
	for _, b := range in.backends {
		if b.service != svcName {
			continue
		}
		if svc == nil || svc.broken {
			return true // reported on its own
		}
		for _, p := range svc.spec.Ports {
			if (b.port.Type == intstr.Int && b.port.IntVal == p.Port) || (b.port.Type == intstr.String && b.port.StrVal != "" && b.port.StrVal == p.Name) {
				return true
			}
		}
	}
	return false
}

func servicePorts(s *serviceView) string {
	if s == nil || len(s.spec.Ports) == 0 {
		return ""
	}
	ps := make([]string, len(s.spec.Ports))
	for i, p := range s.spec.Ports {
		ps[i] = strconv.Itoa(int(p.Port))
		if p.Name != "" {
			ps[i] += " (" + p.Name + ")"
		}
	}
	return " (" + strings.Join(ps, ", ") + ")"
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// checkService checks that a Service selects pods of the app and that its
// target ports reach a container port of those pods.
func checkService(u *unit, g *graph, s *serviceView) []Finding {
	if s.broken || len(s.spec.Selector) == 0 || len(g.pods) == 0 {
		return nil // headless, external or no workload in this unit
	}
	var out []Finding
	sel := labels.SelectorFromSet(s.spec.Selector)
	var selected []podSource
	var all []string
	for _, p := range g.pods {
		all = append(all, labelString(p.labels))
		if sel.Matches(labels.Set(p.labels)) {
			selected = append(selected, p)
		}
	}
	if len(selected) == 0 {
		sort.Strings(all)
		return append(out, u.finding(Error, s.object, "spec.selector",
			fmt.Sprintf("selector %s matches no pod of the app (pod labels: %s)", labelString(s.spec.Selector), strings.Join(all, "; ")),
			"make the selector match the pod template's labels"))
	}
	for i, p := range s.spec.Ports {
		target := p.TargetPort
		field := fmt.Sprintf("spec.ports[%d].targetPort", i)
		if target.Type == intstr.Int && target.IntVal == 0 && target.StrVal == "" {
			target = intstr.FromInt32(p.Port) // targetPort defaults to port
			field = fmt.Sprintf("spec.ports[%d].port", i)
		}
		if reachesContainer(selected, target) {
			continue
		}
		what := strconv.Itoa(int(target.IntVal))
		if target.Type == intstr.String {
			what = strconv.Quote(target.StrVal)
		}
		out = append(out, u.finding(Error, s.object, field,
			fmt.Sprintf("%s reaches no containerPort of the selected pods (%s)", what, containerPorts(selected)),
			"set targetPort to a containerPort number or name of the pod template"))
	}
	return out
}

func reachesContainer(pods []podSource, target intstr.IntOrString) bool {
	for _, p := range pods {
		for _, c := range p.spec.Containers {
			for _, cp := range c.Ports {
				if (target.Type == intstr.Int && target.IntVal == cp.ContainerPort) || (target.Type == intstr.String && cp.Name != "" && target.StrVal == cp.Name) {
					return true
				}
			}
		}
	}
	return false
}

func containerPorts(pods []podSource) string {
	var ps []string
	for _, p := range pods {
		for _, c := range p.spec.Containers {
			for _, cp := range c.Ports {
				s := strconv.Itoa(int(cp.ContainerPort))
				if cp.Name != "" {
					s += " " + cp.Name
				}
				ps = append(ps, s)
			}
		}
	}
	if len(ps) == 0 {
		return "none declared"
	}
	sort.Strings(ps)
	return strings.Join(ps, ", ")
}
