package validate

import (
	"os"
	"regexp"
	"strconv"
	"testing"

	extensionsv1beta1 "k8s.io/api/extensions/v1beta1"
	flowcontrolv1beta3 "k8s.io/api/flowcontrol/v1beta3"
	networkingv1beta1 "k8s.io/api/networking/v1beta1"
	policyv1beta1 "k8s.io/api/policy/v1beta1"
)

// The table agrees with the types' own APILifecycleRemoved, sampled.
func TestRemovedInAgreesWithK8sAPI(t *testing.T) {
	table := removedIn()
	for _, c := range []struct {
		apiVersion, kind string
		typ              interface{ APILifecycleRemoved() (int, int) }
	}{
		{"extensions/v1beta1", "Ingress", &extensionsv1beta1.Ingress{}},
		{"extensions/v1beta1", "Deployment", &extensionsv1beta1.Deployment{}},
		{"networking.k8s.io/v1beta1", "Ingress", &networkingv1beta1.Ingress{}},
		{"policy/v1beta1", "PodDisruptionBudget", &policyv1beta1.PodDisruptionBudget{}},
		{"flowcontrol.apiserver.k8s.io/v1beta3", "FlowSchema", &flowcontrolv1beta3.FlowSchema{}},
	} {
		major, minor := c.typ.APILifecycleRemoved()
		if got, ok := table[[2]string{c.apiVersion, c.kind}]; major != 1 || !ok || got != minor {
			t.Errorf("%s %s: table says 1.%d (present %v), k8s.io/api says %d.%d", c.apiVersion, c.kind, got, ok, major, minor)
		}
	}
}

// DefaultKubeMinor is the minor of the k8s.io/api that go.mod pins.
func TestDefaultKubeMinorFollowsGoMod(t *testing.T) {
	b, err := os.ReadFile("../../go.mod")
	if err != nil {
		t.Fatal(err)
	}
	m := regexp.MustCompile(`(?m)^\s*k8s\.io/api v0\.(\d+)\.`).FindSubmatch(b)
	if m == nil {
		t.Fatal("go.mod does not require k8s.io/api")
	}
	if string(m[1]) != strconv.Itoa(DefaultKubeMinor) {
		t.Errorf("go.mod pins k8s.io/api v0.%s, DefaultKubeMinor is %d", m[1], DefaultKubeMinor)
	}
}
