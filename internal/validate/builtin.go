package validate

import (
	"fmt"
	"strings"

	appsv1 "k8s.io/api/apps/v1"
	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
	networkingv1 "k8s.io/api/networking/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/util/intstr"
	utilvalidation "k8s.io/apimachinery/pkg/util/validation"
)

// checkBuiltin applies the API server's validation of built-in kinds that
// a strict decode cannot see: required fields, ranges and enums. Each rule
// is one of k8s.io/kubernetes v1.34.4 pkg/apis/*/validation, named at the
// function that holds it; rules that depend on server flags (the NodePort
// range) or on other objects are left out.
func checkBuiltin(u *unit, o object) []Finding {
	switch o.group() + "/" + o.kind {
	case "/Service":
		var s corev1.Service
		if o.decodeLoose(&s) {
			return checkServiceSpec(u, o, s.Spec)
		}
	case "apps/Deployment", "apps/ReplicaSet", "apps/StatefulSet", "apps/DaemonSet":
		var w struct {
			Spec struct {
				Replicas *int32                     `json:"replicas"`
				Selector *metav1.LabelSelector      `json:"selector"`
				Template corev1.PodTemplateSpec     `json:"template"`
				Strategy *appsv1.DeploymentStrategy `json:"strategy"`
			} `json:"spec"`
		}
		if o.decodeLoose(&w) {
			return checkWorkloadSpec(u, o, w.Spec.Replicas, w.Spec.Selector, w.Spec.Template, w.Spec.Strategy)
		}
	case "batch/Job":
		var j batchv1.Job
		if o.decodeLoose(&j) {
			return checkJobRestart(u, o, "spec.template.spec.restartPolicy", j.Spec.Template.Spec.RestartPolicy)
		}
	case "batch/CronJob":
		var c batchv1.CronJob
		if o.decodeLoose(&c) {
			return checkJobRestart(u, o, "spec.jobTemplate.spec.template.spec.restartPolicy", c.Spec.JobTemplate.Spec.Template.Spec.RestartPolicy)
		}
	case "networking.k8s.io/Ingress":
		var in networkingv1.Ingress
		if o.decodeLoose(&in) {
			return checkIngressPaths(u, o, in.Spec)
		}
	}
	return nil
}

// checkServiceSpec: pkg/apis/core/validation validateService and
// validateServicePort (ports required unless headless or ExternalName; port
// 1..65535; names DNS-1123 labels, required with more than one port and
// unique; targetPort a port number or IANA name (ValidatePortNumOrName);
// type one of four; ExternalName needs externalName).
func checkServiceSpec(u *unit, o object, s corev1.ServiceSpec) []Finding {
	var out []Finding
	add := func(field, problem, fix string) { out = append(out, u.finding(Error, o, field, problem, fix)) }
	headless := s.ClusterIP == corev1.ClusterIPNone
	switch s.Type {
	case "", corev1.ServiceTypeClusterIP, corev1.ServiceTypeNodePort, corev1.ServiceTypeLoadBalancer:
	case corev1.ServiceTypeExternalName:
		if s.ExternalName == "" {
			add("spec.externalName", "is required with type ExternalName", "set the DNS name the Service points at")
		}
	default:
		add("spec.type", fmt.Sprintf("%q is not a Service type", shortValue(string(s.Type))), "use ClusterIP, NodePort, LoadBalancer or ExternalName")
	}
	if len(s.Ports) == 0 && !headless && s.Type != corev1.ServiceTypeExternalName {
		add("spec.ports", "is required (the Service is neither headless nor ExternalName)", "declare at least one port")
	}
	names := map[string]bool{}
	for i, p := range s.Ports {
		pp := fmt.Sprintf("spec.ports[%d]", i)
		switch {
		case p.Name == "" && len(s.Ports) > 1:
			add(pp+".name", "is required when a Service has more than one port", "name each port")
		case p.Name != "" && len(utilvalidation.IsDNS1123Label(p.Name)) > 0:
			add(pp+".name", fmt.Sprintf("%q is not a DNS-1123 label", shortValue(p.Name)), "use lower-case letters, digits and '-'")
		case p.Name != "" && names[p.Name]:
			add(pp+".name", fmt.Sprintf("duplicate port name %q", p.Name), "give each port its own name")
		}
		names[p.Name] = true
		if errs := utilvalidation.IsValidPortNum(int(p.Port)); len(errs) > 0 {
			add(pp+".port", fmt.Sprintf("%d: %s", p.Port, errs[0]), "use a port number from 1 to 65535")
		}
		switch p.Protocol {
		case "", corev1.ProtocolTCP, corev1.ProtocolUDP, corev1.ProtocolSCTP:
		default:
			add(pp+".protocol", fmt.Sprintf("unsupported protocol %q", shortValue(string(p.Protocol))), "use TCP, UDP or SCTP")
		}
		switch t := p.TargetPort; {
		case t.Type == intstr.Int && t.IntVal != 0 && len(utilvalidation.IsValidPortNum(int(t.IntVal))) > 0:
			add(pp+".targetPort", fmt.Sprintf("%d: must be between 1 and 65535, inclusive", t.IntVal), "use a port number from 1 to 65535 or a container port name")
		case t.Type == intstr.String && len(utilvalidation.IsValidPortName(t.StrVal)) > 0:
			add(pp+".targetPort", fmt.Sprintf("%q is not a valid port name: %s", shortValue(t.StrVal), strings.Join(utilvalidation.IsValidPortName(t.StrVal), "; ")), "use a container port name or number")
		}
	}
	return out
}

// checkWorkloadSpec: pkg/apis/apps/validation ValidateDeploymentSpec (and
// the ReplicaSet, StatefulSet and DaemonSet equivalents): replicas not
// negative; selector required, not empty and matching the template labels
// (ValidatePodTemplateSpecForReplicaSet, which also requires restartPolicy
// Always); a Deployment's rolling update may not have maxSurge and
// maxUnavailable both 0 (ValidateRollingUpdateDeployment).
func checkWorkloadSpec(u *unit, o object, replicas *int32, sel *metav1.LabelSelector, tmpl corev1.PodTemplateSpec, strategy *appsv1.DeploymentStrategy) []Finding {
	var out []Finding
	add := func(field, problem, fix string) { out = append(out, u.finding(Error, o, field, problem, fix)) }
	if replicas != nil && *replicas < 0 {
		add("spec.replicas", fmt.Sprintf("%d is negative", *replicas), "use 0 or more")
	}
	switch s, err := metav1.LabelSelectorAsSelector(sel); {
	case sel == nil:
		add("spec.selector", "is required", "set spec.selector.matchLabels to the pod template's labels ("+labelString(tmpl.Labels)+")")
	case err != nil:
		add("spec.selector", "invalid label selector: "+err.Error(), "fix the selector")
	case len(sel.MatchLabels)+len(sel.MatchExpressions) == 0:
		add("spec.selector", "is empty", "select the pod template's labels ("+labelString(tmpl.Labels)+")")
	case !s.Matches(labels.Set(tmpl.Labels)):
		add("spec.template.metadata.labels", fmt.Sprintf("%s do not match the selector %s", labelString(tmpl.Labels), s.String()), "make the template's labels match spec.selector")
	}
	if rp := tmpl.Spec.RestartPolicy; rp != "" && rp != corev1.RestartPolicyAlways {
		add("spec.template.spec.restartPolicy", fmt.Sprintf("%q: only Always is supported", shortValue(string(rp))), "remove restartPolicy (it defaults to Always)")
	}
	if o.kind == "Deployment" && strategy != nil && strategy.RollingUpdate != nil {
		ru := strategy.RollingUpdate
		zero := func(v *intstr.IntOrString) bool {
			return v != nil && ((v.Type == intstr.Int && v.IntVal == 0) || (v.Type == intstr.String && (v.StrVal == "0%" || v.StrVal == "0")))
		}
		if zero(ru.MaxSurge) && zero(ru.MaxUnavailable) {
			add("spec.strategy.rollingUpdate.maxUnavailable", "may not be 0 when maxSurge is 0", "let one of them be above 0")
		}
	}
	return out
}

// checkJobRestart: pkg/apis/batch/validation validateJobSpec requires the
// pod template's restartPolicy to be OnFailure or Never; left out, it
// defaults to Always and the Job is rejected.
func checkJobRestart(u *unit, o object, field string, rp corev1.RestartPolicy) []Finding {
	if rp == corev1.RestartPolicyOnFailure || rp == corev1.RestartPolicyNever {
		return nil
	}
	return []Finding{u.finding(Error, o, field, fmt.Sprintf("%q: a Job's pods must restart OnFailure or Never", shortValue(string(rp))), "set restartPolicy: OnFailure or Never")}
}

// checkIngressPaths: pkg/apis/networking/validation validateHTTPIngressPath
// (pathType required; Exact and Prefix paths absolute) and
// validateIngressBackend (a backend names a service or a resource).
func checkIngressPaths(u *unit, o object, spec networkingv1.IngressSpec) []Finding {
	var out []Finding
	add := func(field, problem, fix string) { out = append(out, u.finding(Error, o, field, problem, fix)) }
	for i, r := range spec.Rules {
		if r.HTTP == nil {
			continue
		}
		for j, p := range r.HTTP.Paths {
			pp := fmt.Sprintf("spec.rules[%d].http.paths[%d]", i, j)
			if p.PathType == nil {
				add(pp+".pathType", "is required", "set pathType: Prefix, Exact or ImplementationSpecific")
			} else if p.Path != "" && !strings.HasPrefix(p.Path, "/") || (*p.PathType != networkingv1.PathTypeImplementationSpecific && !strings.HasPrefix(p.Path, "/")) {
				add(pp+".path", fmt.Sprintf("%q must be an absolute path", shortValue(p.Path)), "start the path with /")
			}
			if p.Backend.Service == nil && p.Backend.Resource == nil {
				add(pp+".backend", "names neither a service nor a resource", "set backend.service.name and its port")
			}
		}
	}
	return out
}
