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
	// controllerLabels are label keys the owner's controller adds to every
	// pod, with values gen cannot know: a selector on them matches.
	controllerLabels []string
}

// controllerLabels are the labels a workload's controller puts on its pods
// beside the template's: k8s.io/kubernetes pkg/controller/statefulset
// stateful_set_utils.go (initIdentity: statefulset.kubernetes.io/pod-name,
// apps.kubernetes.io/pod-index; controller-revision-hash),
// pkg/controller/deployment (pod-template-hash), pkg/controller/daemon
// (controller-revision-hash, pod-template-generation), and Argo Rollouts'
// rollouts-pod-template-hash (v1alpha1.DefaultRolloutUniqueLabelKey).
func controllerLabels(o object) []string {
	switch o.kind {
	case "StatefulSet":
		return []string{"statefulset.kubernetes.io/pod-name", "apps.kubernetes.io/pod-index", "controller-revision-hash"}
	case "Deployment", "ReplicaSet":
		return []string{"pod-template-hash"}
	case "DaemonSet":
		return []string{"controller-revision-hash", "pod-template-generation"}
	case "Rollout", "Experiment":
		return []string{"rollouts-pod-template-hash"}
	}
	return nil
}

// experimentStepPods are the pods a Rollout's experiment steps run: the
// Rollout's template (specRef stable or canary) with the step template's
// extra labels.
func experimentStepPods(o object, r rolloutView) []podSource {
	var out []podSource
	if r.Spec.Strategy.Canary == nil {
		return nil
	}
	for _, step := range r.Spec.Strategy.Canary.Steps {
		exp, _ := step["experiment"].(map[string]any)
		tmpls, _ := exp["templates"].([]any)
		for _, t := range tmpls {
			tm, _ := t.(map[string]any)
			l := map[string]string{}
			for k, v := range r.Spec.Template.Labels {
				l[k] = v
			}
			if md, ok := tm["metadata"].(map[string]any); ok {
				if ls, ok := md["labels"].(map[string]any); ok {
					for k, v := range ls {
						l[k] = fmt.Sprint(v)
					}
				}
			}
			out = append(out, podSource{owner: o, labels: l, spec: r.Spec.Template.Spec, controllerLabels: controllerLabels(o)})
		}
	}
	return out
}

// selects reports whether a Service selector matches the pods of p.
func (p podSource) selects(selector map[string]string) bool {
	for k, v := range selector {
		if contains(p.controllerLabels, k) {
			continue
		}
		if got, ok := p.labels[k]; !ok || got != v {
			return false
		}
	}
	return true
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
				if !o.context {
					g.rollouts = append(g.rollouts, rolloutRef{object: o, view: r})
				}
				if r.Spec.WorkloadRef == nil {
					g.pods = append(g.pods, podSource{owner: o, labels: r.Spec.Template.Labels, spec: r.Spec.Template.Spec, controllerLabels: controllerLabels(o)})
				}
				g.pods = append(g.pods, experimentStepPods(o, r)...)
			}
		case o.group() == "apps" && (o.kind == "Deployment" || o.kind == "StatefulSet" || o.kind == "DaemonSet" || o.kind == "ReplicaSet"):
			var w struct {
				Spec struct {
					Template corev1.PodTemplateSpec `json:"template"`
				} `json:"spec"`
			}
			if o.decodeLoose(&w) {
				g.pods = append(g.pods, podSource{owner: o, labels: w.Spec.Template.Labels, spec: w.Spec.Template.Spec, controllerLabels: controllerLabels(o)})
			}
		case o.kind == "Experiment" && o.group() == "argoproj.io":
			var e struct {
				Spec struct {
					Templates []struct {
						Template corev1.PodTemplateSpec `json:"template"`
					} `json:"templates"`
				} `json:"spec"`
			}
			if o.decodeLoose(&e) {
				for _, t := range e.Spec.Templates {
					g.pods = append(g.pods, podSource{owner: o, labels: t.Template.Labels, spec: t.Template.Spec, controllerLabels: controllerLabels(o)})
				}
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
	out = append(out, checkRolloutServices(u, g, r)...)
	// argo-rollouts v1.10.1 validation.go ValidateRolloutStrategy and
	// ValidateRolloutStrategyBlueGreen.
	switch bg := spec.Strategy.BlueGreen; {
	case bg == nil && spec.Strategy.Canary == nil:
		add(Error, "spec.strategy", "sets neither canary nor blueGreen", "choose one strategy")
	case bg != nil && spec.Strategy.Canary != nil:
		add(Error, "spec.strategy", "sets both canary and blueGreen", "choose one strategy")
	case bg != nil && bg.ActiveService == bg.PreviewService:
		add(Error, "spec.strategy.blueGreen.activeService", fmt.Sprintf("equals previewService %q", bg.PreviewService), "use two Services")
	}
	c := spec.Strategy.Canary
	if c == nil {
		return out
	}
	const cp = "spec.strategy.canary."
	tr := c.TrafficRouting
	routed := tr != nil
	out = append(out, checkMaxSurge(u, r, c)...)
	services := []struct{ field, name string }{{"canaryService", c.CanaryService}, {"stableService", c.StableService}}
	if c.PingPong != nil {
		services = append(services, struct{ field, name string }{"pingPong.pingService", c.PingPong.PingService}, struct{ field, name string }{"pingPong.pongService", c.PingPong.PongService})
	}
	for _, s := range services {
		switch {
		case s.name == "" && requireCanaryStableServices(c) && !strings.HasPrefix(s.field, "pingPong"):
			add(Error, cp+s.field, "is required with this trafficRouting", "name the "+strings.TrimSuffix(s.field, "Service")+" Service")
		case s.name != "" && g.services[s.name] == nil:
			add(u.missingSeverity(), cp+s.field, fmt.Sprintf("Service %q is not %s", s.name, u.scope()), "add the Service to "+u.scopeFix()+" or fix the name")
		}
	}
	if c.CanaryService != "" && c.CanaryService == c.StableService {
		add(Error, cp+"canaryService", fmt.Sprintf("equals stableService %q", c.StableService),
			"use two Services: the controller points the stable one at the old pods and the canary one at the new pods")
	}
	if routed && tr.Nginx != nil {
		out = append(out, v.checkNginx(u, g, r, c)...)
	}
	if routed && tr.ALB != nil {
		out = append(out, checkALB(u, g, r, c)...)
	}
	out = append(out, checkSteps(u, r, c, routed)...)
	return out
}

// requireCanaryStableServices is argo-rollouts v1.10.1
// pkg/apis/rollouts/validation/validation.go requireCanaryStableServices:
// the providers that route by the canary and stable Services need both;
// Istio with a DestinationRule (subsets), ALB or Istio with ping-pong, and
// plugins do not.
func requireCanaryStableServices(c *canaryView) bool {
	tr := c.TrafficRouting
	if tr == nil {
		return false
	}
	switch {
	case tr.ALB != nil && c.PingPong == nil,
		tr.Istio != nil && tr.Istio.DestinationRule == nil && c.PingPong == nil,
		tr.SMI != nil, tr.Apisix != nil, tr.Ambassador != nil, tr.Nginx != nil, tr.AppMesh != nil, tr.Traefik != nil:
		return true
	}
	return false
}

// missingSeverity: an object a kustomize build names but does not contain
// is missing from what Argo CD deploys (an error); plain files may be
// deployed beside others that hold it, so there it is a warning.
func (u *unit) missingSeverity() Severity {
	if u.location == "" {
		return Warning
	}
	return Error
}

func (u *unit) scope() string {
	if u.location == "" {
		return "in the files checked"
	}
	return "in the build"
}

func (u *unit) scopeFix() string {
	if u.location == "" {
		return "the files checked (a directory is checked as one set)"
	}
	return "the kustomization's resources"
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
			add(u.missingSeverity(), r.object, field, fmt.Sprintf("Ingress %q is not %s", name, u.scope()), "add the Ingress to "+u.scopeFix()+" or fix the name")
			continue
		}
		if in.broken {
			continue
		}
		// argo-rollouts v1.10.1 validation_references.go reportErrors
		// (utils/ingress HasRuleWithService): a rule's backend must name
		// the stable Service; the port is not checked upstream, so a port
		// the Service lacks is a warning.
		switch reach := ingressReaches(in, g.services[c.StableService], c.StableService); {
		case c.StableService == "":
		case reach == reachNone:
			add(Error, r.object, field, fmt.Sprintf("Ingress %q has no rule whose backend is the stable Service %q", name, c.StableService),
				"point an Ingress rule's backend at service "+c.StableService)
		case reach == reachNameOnly:
			add(Warning, r.object, field, fmt.Sprintf("Ingress %q routes to the stable Service %q on none of its ports%s", name, c.StableService, servicePorts(g.services[c.StableService])),
				"use one of the Service's ports in the Ingress backend")
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
	// Keys of additionalIngressAnnotations may carry the
	// nginx.ingress.kubernetes.io/ prefix: the controller adds it only when
	// missing (argo-rollouts v1.10.1 rollout/trafficrouting/nginx/nginx.go,
	// canaryIngress), so both spellings work and neither is reported.
	ap := np + "additionalIngressAnnotations"
	ann := map[string]string{}
	for k, val := range n.AdditionalIngressAnnotations {
		ann[strings.TrimPrefix(k, "nginx.ingress.kubernetes.io/")] = val
	}
	header, hasHeader := ann["canary-by-header"]
	_, hasValue := ann["canary-by-header-value"]
	_, hasPattern := ann["canary-by-header-pattern"]
	switch {
	case hasHeader && !config.IsHTTPToken(header):
		add(Error, r.object, ap+".canary-by-header", fmt.Sprintf("%q is not an HTTP header name (token)", shortValue(header)), "use letters, digits and '-', e.g. X-Canary")
	case hasHeader && !hasValue && !hasPattern:
		add(Warning, r.object, ap+".canary-by-header", "is set without canary-by-header-value, so nginx sends a request to the canary only when the header's value is \"always\"",
			"add canary-by-header-value with the value that selects the canary")
	}
	return out
}

// checkALB checks the Ingresses of ALB traffic routing as argo-rollouts
// v1.10.1 validation_references.go ValidateIngress → validateAlbIngress →
// reportErrors does: each Ingress named by alb.ingress or alb.ingresses
// needs a rule whose backend is alb.rootService when that is set, else the
// stable Service (utils/ingress HasRuleWithService: rules only, by Service
// name). Nothing else of the Ingress is validated upstream: not its
// annotations (the controller writes the alb.ingress.kubernetes.io/actions
// annotation itself) and not the backend port, which for ALB is
// "use-annotation" by design. An Ingress named in an nginx stable ingress
// field is validated as nginx's instead (ValidateIngress checks nginx
// first).
func checkALB(u *unit, g *graph, r rolloutRef, c *canaryView) []Finding {
	var out []Finding
	const ap = "spec.strategy.canary.trafficRouting.alb."
	alb := c.TrafficRouting.ALB
	if c.PingPong != nil && alb.RootService == "" {
		// argo-rollouts v1.10.1 validation.go ValidateRolloutStrategyCanary
		// (MissedAlbRootServiceMessage).
		out = append(out, u.finding(Error, r.object, ap+"rootService", "is required with ALB and pingPong", "name the Service the Ingress rules point at; the controller routes it to ping or pong"))
	}
	backend, role := c.StableService, "stable Service"
	if alb.RootService != "" {
		backend, role = alb.RootService, "root Service (alb.rootService)"
	}
	var nginx []string
	if n := c.TrafficRouting.Nginx; n != nil {
		nginx = append([]string{n.StableIngress}, n.StableIngresses...)
	}
	type ref struct{ field, name string }
	var refs []ref
	for i, name := range alb.Ingresses {
		refs = append(refs, ref{fmt.Sprintf("%singresses[%d]", ap, i), name})
	}
	if alb.Ingress != "" && !contains(alb.Ingresses, alb.Ingress) {
		refs = append([]ref{{ap + "ingress", alb.Ingress}}, refs...)
	}
	for _, ing := range refs {
		in := g.ingresses[ing.name]
		switch {
		case contains(nginx, ing.name):
		case in == nil:
			out = append(out, u.finding(u.missingSeverity(), r.object, ing.field, fmt.Sprintf("Ingress %q is not %s", ing.name, u.scope()), "add the Ingress to "+u.scopeFix()+" or fix the name"))
		case in.broken || backend == "":
		case ingressReaches(in, nil, backend) == reachNone:
			out = append(out, u.finding(Error, r.object, ing.field, fmt.Sprintf("Ingress %q has no rule whose backend is the %s %q", ing.name, role, backend),
				"point an Ingress rule's backend at service "+backend+" (port name use-annotation)"))
		}
	}
	return out
}

func btoi(b bool) int {
	if b {
		return 1
	}
	return 0
}

type reach int

const (
	reachNone     reach = iota // no rule names the Service
	reachNameOnly              // a rule names it, on none of its ports
	reachPort                  // a rule names it on one of its ports
)

// ingressReaches tells how the rules of in reach the Service named
// svcName: by name only, or also on one of its ports (by number or name).
// The default backend does not count (upstream HasRuleWithService reads
// rules only).
func ingressReaches(in *ingressView, svc *serviceView, svcName string) reach {
	best := reachNone
	for _, b := range in.backends {
		if b.service != svcName || b.field == "spec.defaultBackend" {
			continue
		}
		best = reachNameOnly
		if svc == nil || svc.broken {
			return reachPort // reported on its own
		}
		for _, p := range svc.spec.Ports {
			if (b.port.Type == intstr.Int && b.port.IntVal == p.Port) || (b.port.Type == intstr.String && b.port.StrVal != "" && b.port.StrVal == p.Name) {
				return reachPort
			}
		}
	}
	return best
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

// checkService checks that a Service selects pods and that its target
// ports reach a container port of those pods.
//
// A Service a Rollout routes through must select that Rollout's pods; the
// controller reports a mismatch on the Rollout, and so does gen
// (checkRolloutServices). Any other Service may select pods gen does not
// see (another app's, an operator's), and the API server accepts it: a
// warning. Target ports are resolved by the endpoints controller
// (k8s.io/kubernetes pkg/api/v1/pod/util.go FindPort): a number is used as
// it is, declared or not; a name must be a port name of the pod, or the
// Service gets no endpoints. Neither is rejected upstream, so both are
// warnings.
func checkService(u *unit, g *graph, s *serviceView) []Finding {
	if s.broken || len(s.spec.Selector) == 0 {
		return nil // headless, external
	}
	var out []Finding
	for _, r := range g.rollouts {
		for _, ref := range r.routedServices() {
			if ref.name == s.name && len(unmatchedSelectorLabels(r, s)) > 0 {
				return nil // reported on the Rollout; the pods it sees are not the ones meant
			}
		}
	}
	if len(g.pods) == 0 {
		return out
	}
	var selected []podSource
	var all []string
	for _, p := range g.pods {
		all = append(all, labelString(p.labels))
		if p.selects(s.spec.Selector) {
			selected = append(selected, p)
		}
	}
	if len(selected) == 0 {
		sort.Strings(all)
		return append(out, u.finding(Warning, s.object, "spec.selector",
			fmt.Sprintf("selector %s matches no pod of the workloads checked (pod labels: %s)", labelString(s.spec.Selector), strings.Join(slices.Compact(all), "; ")),
			"make the selector match the pod template's labels"))
	}
	for i, p := range s.spec.Ports {
		target := p.TargetPort
		field := fmt.Sprintf("spec.ports[%d].targetPort", i)
		if target.Type == intstr.Int && target.IntVal == 0 && target.StrVal == "" {
			target = intstr.FromInt32(p.Port) // targetPort defaults to port
			field = fmt.Sprintf("spec.ports[%d].port", i)
		}
		if target.Type == intstr.Int && containerPorts(selected) == "none declared" {
			continue // undeclared ports are reached all the same
		}
		if reachesContainer(selected, target) {
			continue
		}
		what := strconv.Itoa(int(target.IntVal))
		if target.Type == intstr.String {
			what = strconv.Quote(shortValue(target.StrVal))
		}
		out = append(out, u.finding(Warning, s.object, field,
			fmt.Sprintf("%s reaches no containerPort of the selected pods (%s)", what, containerPorts(selected)),
			"set targetPort to a containerPort number or name of the pod template"))
	}
	return out
}

// serviceRef is a Service a Rollout names, with the field naming it.
type serviceRef struct{ field, name string }

// routedServices are the Services the Rollout sends traffic through, with
// the field paths of argo-rollouts v1.10.1 validation_references.go
// GetServiceWithTypeFieldPath.
func (r rolloutRef) routedServices() []serviceRef {
	st := r.view.Spec.Strategy
	var refs []serviceRef
	if c := st.Canary; c != nil {
		refs = append(refs, serviceRef{"spec.strategy.canary.canaryService", c.CanaryService}, serviceRef{"spec.strategy.canary.stableService", c.StableService})
		if c.PingPong != nil {
			refs = append(refs, serviceRef{"spec.strategy.canary.pingPong.pingService", c.PingPong.PingService}, serviceRef{"spec.strategy.canary.pingPong.pongService", c.PingPong.PongService})
		}
	}
	if b := st.BlueGreen; b != nil {
		refs = append(refs, serviceRef{"spec.strategy.blueGreen.activeService", b.ActiveService}, serviceRef{"spec.strategy.blueGreen.previewService", b.PreviewService})
	}
	return slices.DeleteFunc(refs, func(s serviceRef) bool { return s.name == "" })
}

// unmatchedSelectorLabels are the selector labels of s that the pods of r
// lack, sorted: argo-rollouts v1.10.1 validation_references.go
// ValidateService requires each selector label but
// rollouts-pod-template-hash (which the controller sets) to equal the pod
// template's. A Rollout with workloadRef takes its template from the
// Deployment, which gen does not resolve here: nothing is reported.
func unmatchedSelectorLabels(r rolloutRef, s *serviceView) []string {
	if s == nil || s.broken || r.view.Spec.WorkloadRef != nil {
		return nil
	}
	var out []string
	for _, k := range slices.Sorted(maps.Keys(s.spec.Selector)) {
		if k == "rollouts-pod-template-hash" {
			continue
		}
		if v, ok := r.view.Spec.Template.Labels[k]; !ok || v != s.spec.Selector[k] {
			out = append(out, k)
		}
	}
	return out
}

// checkRolloutServices reports each Service the Rollout routes through
// whose selector has a label its pods lack. argo-rollouts v1.10.1
// validation_references.go ValidateRolloutReferencedResources →
// ValidateService reports it on the Rollout, at the field naming the
// Service ("Service %q has unmatch label %q in rollout"): the controller
// refuses to reconcile that Rollout, the Service itself is accepted.
func checkRolloutServices(u *unit, g *graph, r rolloutRef) []Finding {
	var out []Finding
	for _, ref := range r.routedServices() {
		s := g.services[ref.name]
		for _, k := range unmatchedSelectorLabels(r, s) {
			out = append(out, u.finding(Error, r.object, ref.field,
				fmt.Sprintf("Service %q selects label %s=%s, which is not a label of this Rollout's pods (pod labels: %s)", ref.name, k, shortValue(s.spec.Selector[k]), labelString(r.view.Spec.Template.Labels)),
				fmt.Sprintf("make Service %q's spec.selector a subset of spec.template.metadata.labels (the controller rejects the Rollout)", ref.name)))
		}
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
