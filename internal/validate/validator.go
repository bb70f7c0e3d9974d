package validate

import (
	"fmt"
	"maps"
	"slices"
	"strings"

	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
)

// DefaultNginxIngressClasses are the classes the Argo Rollouts controller
// manages when started without --nginx-ingress-classes.
func DefaultNginxIngressClasses() []string { return []string{"nginx"} }

// Options configure a Validator.
type Options struct {
	// NginxIngressClasses are the ingress classes the Argo Rollouts
	// controller manages (its --nginx-ingress-classes flag). Empty means
	// the controller's default.
	NginxIngressClasses []string
	// KubeMinor is the Kubernetes 1.x minor release the manifests target:
	// API versions it no longer serves are errors. 0 means
	// DefaultKubeMinor.
	KubeMinor int
}

// DefaultKubeMinor is the minor of the pinned k8s.io/api (v0.36 serves
// Kubernetes 1.36); kube_test.go keeps it in step with go.mod.
const DefaultKubeMinor = 36

// Validator checks manifests. It is safe for concurrent use; the CRD
// schemas are parsed once, on first use.
type Validator struct {
	classes   []string
	kubeMinor int
	crds      *crdSchemas
}

// New returns a Validator.
func New(opts Options) *Validator {
	classes := opts.NginxIngressClasses
	if len(classes) == 0 {
		classes = DefaultNginxIngressClasses()
	}
	minor := opts.KubeMinor
	if minor <= 0 {
		minor = DefaultKubeMinor
	}
	return &Validator{classes: classes, kubeMinor: minor, crds: &crdSchemas{}}
}

// checkUnit runs every check on a set of objects that belong together.
func (v *Validator) checkUnit(u *unit) []Finding {
	var out []Finding
	for _, o := range u.objects {
		out = append(out, v.checkObject(u, o)...)
	}
	out = append(out, v.checkLinks(u)...)
	return out
}

// checkObject runs the schema checks on one object.
func (v *Validator) checkObject(u *unit, o object) []Finding {
	if o.apiVersion == "" || o.kind == "" {
		return []Finding{u.finding(Error, o, "", "apiVersion or kind is missing", "every manifest needs apiVersion and kind")}
	}
	out := checkMeta(u, o)
	if minor, ok := removedIn()[[2]string{o.apiVersion, o.kind}]; ok && minor <= v.kubeMinor {
		return append(out, u.finding(Error, o, "apiVersion", fmt.Sprintf("%s %s is not served since Kubernetes 1.%d (target 1.%d)", o.apiVersion, o.kind, minor, v.kubeMinor),
			"move to the API version that replaced it (kubectl convert, or see the Kubernetes deprecated API migration guide); --kube-version sets the target"))
	}
	gv, err := schema.ParseGroupVersion(o.apiVersion)
	if err != nil {
		return append(out, u.finding(Error, o, "apiVersion", fmt.Sprintf("%q: %v", o.apiVersion, err), "use group/version, e.g. argoproj.io/v1alpha1"))
	}
	crd, err := v.crds.get(gv.WithKind(o.kind))
	if err != nil {
		return append(out, u.finding(Error, o, "", err.Error(), "report this as a bug in gen"))
	}
	if crd != nil {
		out = append(out, checkCRD(u, o, crd)...)
		if o.kind == "Rollout" && nested(o.m, "spec", "workloadRef") == nil {
			if tmpl, ok := nested(o.m, "spec", "template").(map[string]any); ok {
				out = append(out, checkPodTemplate(u, o, "spec.template", tmpl, false)...)
			}
		}
		return out
	}
	if gv.Group == "argoproj.io" && knownArgoKind(o.kind) && gv.Version != "v1alpha1" {
		return append(out, u.finding(Error, o, "apiVersion", fmt.Sprintf("%q is not served", o.apiVersion), "use argoproj.io/v1alpha1"))
	}
	typed := newTyped(o.apiVersion, o.kind)
	if typed == nil {
		return out
	}
	if tmpl, ok := nested(o.m, "spec", "template").(map[string]any); ok && isWorkload(o) {
		// Check the pod template as in a Rollout (paths for bad quantities,
		// container rules), then the rest with the template's bad
		// quantities removed so the typed decode can go on.
		out = append(out, checkPodTemplate(u, o, "spec.template", tmpl, true)...)
		cleaned := runtime.DeepCopyJSONValue(o.m).(map[string]any)
		checkQuantities(&unit{}, o, "spec.template", nested(cleaned, "spec", "template").(map[string]any))
		spec := cleaned["spec"].(map[string]any)
		delete(spec, "template")
		out = append(out, checkTyped(u, newObject(o.file, cleaned), typed)...)
		return append(out, checkBuiltin(u, o)...)
	}
	out = append(out, checkTyped(u, o, typed)...)
	return append(out, checkBuiltin(u, o)...)
}

// isWorkload reports kinds whose spec.template is a PodTemplateSpec.
func isWorkload(o object) bool {
	switch o.group() + "/" + o.kind {
	case "apps/Deployment", "apps/StatefulSet", "apps/DaemonSet", "apps/ReplicaSet", "batch/Job":
		return true
	}
	return false
}

func knownArgoKind(kind string) bool {
	switch kind {
	case "Rollout", "Application", "AppProject", "AnalysisTemplate", "ClusterAnalysisTemplate", "AnalysisRun", "Experiment":
		return true
	}
	return false
}

// nested walks maps by keys; nil when a step is missing.
func nested(m map[string]any, keys ...string) any {
	var cur any = m
	for _, k := range keys {
		mm, ok := cur.(map[string]any)
		if !ok {
			return nil
		}
		cur = mm[k]
	}
	return cur
}

// labelString prints labels as a selector: a=b,c=d, sorted.
func labelString(m map[string]string) string {
	parts := make([]string, 0, len(m))
	for _, k := range slices.Sorted(maps.Keys(m)) {
		parts = append(parts, k+"="+m[k])
	}
	if len(parts) == 0 {
		return "(none)"
	}
	return strings.Join(parts, ",")
}
