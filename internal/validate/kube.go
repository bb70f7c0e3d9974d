package validate

import (
	"fmt"
	"regexp"
	"strings"

	appsv1 "k8s.io/api/apps/v1"
	autoscalingv2 "k8s.io/api/autoscaling/v2"
	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
	networkingv1 "k8s.io/api/networking/v1"
	policyv1 "k8s.io/api/policy/v1"
	rbacv1 "k8s.io/api/rbac/v1"
	apivalidation "k8s.io/apimachinery/pkg/api/validation"
	"k8s.io/apimachinery/pkg/api/validation/path"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/validation/field"
	sigsjson "sigs.k8s.io/json"
)

// newTyped returns an empty k8s.io/api value for the kinds gen validate
// decodes strictly, or nil for kinds it does not know.
func newTyped(apiVersion, kind string) any {
	switch apiVersion + "/" + kind {
	case "v1/Service":
		return &corev1.Service{}
	case "v1/Namespace":
		return &corev1.Namespace{}
	case "v1/ConfigMap":
		return &corev1.ConfigMap{}
	case "v1/Secret":
		return &corev1.Secret{}
	case "v1/ServiceAccount":
		return &corev1.ServiceAccount{}
	case "v1/PersistentVolumeClaim":
		return &corev1.PersistentVolumeClaim{}
	case "v1/Pod":
		return &corev1.Pod{}
	case "apps/v1/Deployment":
		return &appsv1.Deployment{}
	case "apps/v1/StatefulSet":
		return &appsv1.StatefulSet{}
	case "apps/v1/DaemonSet":
		return &appsv1.DaemonSet{}
	case "networking.k8s.io/v1/Ingress":
		return &networkingv1.Ingress{}
	case "networking.k8s.io/v1/IngressClass":
		return &networkingv1.IngressClass{}
	case "networking.k8s.io/v1/NetworkPolicy":
		return &networkingv1.NetworkPolicy{}
	case "policy/v1/PodDisruptionBudget":
		return &policyv1.PodDisruptionBudget{}
	case "autoscaling/v2/HorizontalPodAutoscaler":
		return &autoscalingv2.HorizontalPodAutoscaler{}
	case "batch/v1/Job":
		return &batchv1.Job{}
	case "batch/v1/CronJob":
		return &batchv1.CronJob{}
	case "rbac.authorization.k8s.io/v1/Role":
		return &rbacv1.Role{}
	case "rbac.authorization.k8s.io/v1/RoleBinding":
		return &rbacv1.RoleBinding{}
	case "rbac.authorization.k8s.io/v1/ClusterRole":
		return &rbacv1.ClusterRole{}
	case "rbac.authorization.k8s.io/v1/ClusterRoleBinding":
		return &rbacv1.ClusterRoleBinding{}
	}
	return nil
}

// typeErrRE takes apart encoding/json's type error, whose Field is the
// full JSON path: `json: cannot unmarshal string into Go struct field
// ServiceSpec.spec.ports.port of type int32`.
var typeErrRE = regexp.MustCompile(`^json: cannot unmarshal (\S+) into Go struct field [^.]+\.(\S+) of type (\S+)$`)

// checkTyped decodes o strictly into its k8s.io/api type, as the API server
// does with fieldValidation=Strict: unknown and duplicate fields and wrong
// types are errors.
func checkTyped(u *unit, o object, into any) []Finding {
	var out []Finding
	fix := fmt.Sprintf("see kubectl explain %s", strings.ToLower(o.kind))
	strict, err := sigsjson.UnmarshalStrict(o.json(), into, sigsjson.DisallowUnknownFields, sigsjson.DisallowDuplicateFields)
	for _, e := range strict {
		msg := strings.TrimPrefix(e.Error(), "json: ")
		if p, ok := strings.CutPrefix(msg, "unknown field "); ok {
			out = append(out, u.finding(Error, o, unquote(p), "unknown field (the API server would reject or drop it)", "remove it or fix its spelling; "+fix))
			continue
		}
		out = append(out, u.finding(Error, o, "", msg, fix))
	}
	if err != nil {
		out = append(out, decodeFinding(u, o, err, fix))
	}
	return out
}

func decodeFinding(u *unit, o object, err error, fix string) Finding {
	if m := typeErrRE.FindStringSubmatch(err.Error()); m != nil {
		return u.finding(Error, o, jsonPath(m[2]), fmt.Sprintf("must be of type %s, not %s", jsonType(m[3]), m[1]), fix)
	}
	return u.finding(Error, o, "", strings.TrimPrefix(err.Error(), "json: "), fix)
}

// jsonType names a Go field type the way a YAML author thinks of it.
func jsonType(goType string) string {
	switch {
	case strings.HasPrefix(goType, "int"), strings.HasPrefix(goType, "uint"):
		return "integer"
	case goType == "bool":
		return "boolean"
	case strings.HasPrefix(goType, "map["), strings.HasPrefix(goType, "v1.") || strings.Contains(goType, "."):
		return "object"
	case strings.HasPrefix(goType, "[]"):
		return "array"
	}
	return goType
}

// jsonPath drops the Go names of embedded structs (IngressRuleValue) that
// encoding/json puts in a type error's field path: JSON names start lower
// case.
func jsonPath(p string) string {
	parts := strings.Split(p, ".")
	out := parts[:0]
	for _, s := range parts {
		if s != "" && (s[0] < 'A' || s[0] > 'Z') {
			out = append(out, s)
		}
	}
	return strings.Join(out, ".")
}

func unquote(s string) string { return strings.Trim(s, `"`) }

// checkMeta applies the API server's metadata rules: name format, label
// and annotation syntax.
func checkMeta(u *unit, o object) []Finding {
	md, ok := o.m["metadata"].(map[string]any)
	if !ok {
		return []Finding{u.finding(Error, o, "metadata", "missing", "every object needs metadata.name")}
	}
	var meta metav1.ObjectMeta
	if err := sigsjson.UnmarshalCaseSensitivePreserveInts(mustJSON(md), &meta); err != nil {
		return []Finding{decodeFinding(u, o, err, "see kubectl explain "+strings.ToLower(o.kind)+".metadata")}
	}
	var out []Finding
	for _, e := range apivalidation.ValidateObjectMeta(&meta, meta.Namespace != "", nameRule(o), field.NewPath("metadata")) {
		if e.Type == field.ErrorTypeRequired && e.Field == "metadata.name" {
			// With generateName the API server makes the name on create
			// (k8s.io/apiserver pkg/registry/rest/create.go BeforeCreate);
			// Argo CD hooks rely on it.
			if meta.GenerateName == "" {
				out = append(out, u.finding(Error, o, e.Field, "name is missing", "set metadata.name or metadata.generateName"))
			}
			continue
		}
		bad := e.BadValue
		if s, ok := bad.(string); ok {
			bad = shortValue(s)
		}
		out = append(out, u.finding(Error, o, e.Field, fmt.Sprintf("%s: %s", valueString(bad), e.Detail), "fix the value"))
	}
	return out
}

// nameRule is the name validation the API server applies to o's kind:
// Services are DNS-1035 labels and Namespaces DNS-1123 labels
// (k8s.io/kubernetes pkg/apis/core/validation ValidateServiceName,
// ValidateNamespaceName); RBAC objects only need to be path segments
// (pkg/apis/rbac/validation ValidateRBACName, so "system:aggregate-to-view"
// is fine); the workload, config and network kinds and every custom
// resource (apiextensions-apiserver customresource strategy) are DNS-1123
// subdomains. Kinds gen does not know get the rule every kind shares, a
// valid path segment.
func nameRule(o object) apivalidation.ValidateNameFunc {
	switch o.group() + "/" + o.kind {
	case "/Service":
		return apivalidation.NameIsDNS1035Label
	case "/Namespace":
		return apivalidation.NameIsDNSLabel
	case "/Pod", "/ConfigMap", "/Secret", "/ServiceAccount", "/PersistentVolumeClaim",
		"apps/Deployment", "apps/StatefulSet", "apps/DaemonSet", "apps/ReplicaSet", "batch/Job", "batch/CronJob",
		"networking.k8s.io/Ingress", "networking.k8s.io/IngressClass", "networking.k8s.io/NetworkPolicy", "policy/PodDisruptionBudget":
		return apivalidation.NameIsDNSSubdomain
	}
	if o.group() == "argoproj.io" && knownArgoKind(o.kind) {
		return apivalidation.NameIsDNSSubdomain
	}
	return path.ValidatePathSegmentName
}
