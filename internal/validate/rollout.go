package validate

import (
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/intstr"
)

// rolloutView is the part of an Argo Rollouts v1alpha1 Rollout the
// semantic checks read. It is declared here rather than imported: the
// argo-rollouts module would bring its whole controller dependency tree,
// and the CRD schema check has already vetted the shape.
type rolloutView struct {
	Spec struct {
		Replicas *int32 `json:"replicas"`
		// WorkloadRef points at a Deployment whose template the Rollout
		// uses instead of its own.
		WorkloadRef *struct {
			Name string `json:"name"`
		} `json:"workloadRef"`
		Selector *metav1.LabelSelector  `json:"selector"`
		Template corev1.PodTemplateSpec `json:"template"`
		Strategy struct {
			Canary    *canaryView `json:"canary"`
			BlueGreen *struct {
				ActiveService  string `json:"activeService"`
				PreviewService string `json:"previewService"`
			} `json:"blueGreen"`
		} `json:"strategy"`
	} `json:"spec"`
}

type canaryView struct {
	CanaryService  string              `json:"canaryService"`
	StableService  string              `json:"stableService"`
	TrafficRouting *trafficRoutingView `json:"trafficRouting"`
	Steps          []map[string]any    `json:"steps"`
	MaxSurge       *intstr.IntOrString `json:"maxSurge"`
	MaxUnavailable *intstr.IntOrString `json:"maxUnavailable"`
	PingPong       *struct {
		PingService string `json:"pingService"`
		PongService string `json:"pongService"`
	} `json:"pingPong"`
}

// trafficRoutingView: the providers other than nginx and ALB are only
// looked at for whether they are set.
type trafficRoutingView struct {
	MaxTrafficWeight *int32 `json:"maxTrafficWeight"`
	Istio            *struct {
		DestinationRule any `json:"destinationRule"`
	} `json:"istio"`
	ALB *struct {
		Ingress     string   `json:"ingress"`
		Ingresses   []string `json:"ingresses"`
		RootService string   `json:"rootService"`
	} `json:"alb"`
	SMI        any            `json:"smi"`
	Apisix     any            `json:"apisix"`
	Ambassador any            `json:"ambassador"`
	AppMesh    any            `json:"appMesh"`
	Traefik    any            `json:"traefik"`
	Plugins    map[string]any `json:"plugins"`
	Nginx      *struct {
		StableIngress                string            `json:"stableIngress"`
		StableIngresses              []string          `json:"stableIngresses"`
		AdditionalIngressAnnotations map[string]string `json:"additionalIngressAnnotations"`
	} `json:"nginx"`
}

type setCanaryScaleView struct {
	Replicas           *int32 `json:"replicas"`
	Weight             *int32 `json:"weight"`
	MatchTrafficWeight bool   `json:"matchTrafficWeight"`
}

// serviceView and ingressView are what the checks read of Services and
// Ingresses (their typed decode already ran).
// broken marks objects whose typed decode failed (the schema checks
// report why): they count as present, but their content is not checked.
type serviceView struct {
	object
	spec   corev1.ServiceSpec
	broken bool
}

type ingressView struct {
	object
	className string
	backends  []backendRef
	broken    bool
}

type backendRef struct {
	field   string
	service string
	port    intstr.IntOrString
}
