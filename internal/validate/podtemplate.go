package validate

import (
	"encoding/json"
	"fmt"
	"maps"
	"slices"
	"sort"
	"strings"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/util/intstr"
	utilvalidation "k8s.io/apimachinery/pkg/util/validation"
)

func mustJSON(v any) []byte {
	b, err := json.Marshal(v)
	if err != nil {
		panic(fmt.Sprintf("re-encoding a decoded manifest: %v", err))
	}
	return b
}

// checkPodTemplate checks the pod template at prefix (e.g. spec.template)
// as a Kubernetes PodTemplateSpec: the Rollout CRD leaves parts of it loose,
// and the controller only fails later, when it creates pods. reportUnknown
// is false where a CRD check already reported unknown fields.
func checkPodTemplate(u *unit, o object, prefix string, tmpl map[string]any, reportUnknown bool) []Finding {
	tmpl = runtime.DeepCopyJSONValue(tmpl).(map[string]any)
	out := checkQuantities(u, o, prefix, tmpl)
	var pts corev1.PodTemplateSpec
	sub := object{file: o.file, apiVersion: o.apiVersion, kind: o.kind, name: o.name, m: tmpl}
	for _, f := range checkTyped(u, sub, &pts) {
		f.Kind, f.Name = o.kind, o.name
		if f.Field != "" {
			f.Field = prefix + "." + f.Field
		}
		if !reportUnknown && strings.HasPrefix(f.Problem, "unknown field") {
			continue
		}
		out = append(out, f)
	}
	return append(out, checkContainers(u, o, prefix+".spec", pts.Spec)...)
}

// checkQuantities reports, and removes so the typed decode can go on,
// resource quantities that do not parse.
func checkQuantities(u *unit, o object, prefix string, tmpl map[string]any) []Finding {
	var out []Finding
	spec, _ := tmpl["spec"].(map[string]any)
	for _, list := range []string{"initContainers", "containers"} {
		cs, _ := spec[list].([]any)
		for i, c := range cs {
			cm, _ := c.(map[string]any)
			res, _ := cm["resources"].(map[string]any)
			for _, part := range []string{"limits", "requests"} {
				rl, _ := res[part].(map[string]any)
				for _, name := range slices.Sorted(maps.Keys(rl)) {
					v := rl[name]
					var s string
					switch t := v.(type) {
					case string:
						s = t
					case float64, int64, int:
						s = fmt.Sprint(t)
					default:
						s = valueString(v)
					}
					if _, err := resource.ParseQuantity(s); err != nil {
						out = append(out, u.finding(Error, o, fmt.Sprintf("%s.spec.%s[%d].resources.%s.%s", prefix, list, i, part, name),
							fmt.Sprintf("%q is not a valid quantity", s), "use a Kubernetes quantity such as 128Mi, 1Gi, 500m or 2"))
						delete(rl, name)
					}
				}
			}
		}
	}
	return out
}

// checkContainers applies the pod validation rules that matter before a
// pod exists: container names, images, ports, requests within limits.
func checkContainers(u *unit, o object, prefix string, spec corev1.PodSpec) []Finding {
	var out []Finding
	add := func(field, problem, fix string) { out = append(out, u.finding(Error, o, field, problem, fix)) }
	if len(spec.Containers) == 0 {
		add(prefix+".containers", "no containers", "add at least one container")
	}
	names := map[string]bool{}
	for _, l := range []struct {
		name string
		cs   []corev1.Container
	}{{"initContainers", spec.InitContainers}, {"containers", spec.Containers}} {
		for i, c := range l.cs {
			p := fmt.Sprintf("%s.%s[%d]", prefix, l.name, i)
			switch {
			case c.Name == "":
				add(p+".name", "container name is missing", "name the container (a DNS-1123 label such as app)")
			case len(utilvalidation.IsDNS1123Label(c.Name)) > 0:
				add(p+".name", fmt.Sprintf("%q is not a valid container name: %s", c.Name, strings.Join(utilvalidation.IsDNS1123Label(c.Name), "; ")), "use lower-case letters, digits and '-'")
			case names[c.Name]:
				add(p+".name", fmt.Sprintf("duplicate container name %q", c.Name), "give each container its own name")
			}
			names[c.Name] = true
			if strings.TrimSpace(c.Image) == "" {
				add(p+".image", "image is missing", "set the image (an overlay's images: entry can set its tag)")
			}
			portNames := map[string]bool{}
			for j, port := range c.Ports {
				pp := fmt.Sprintf("%s.ports[%d]", p, j)
				if errs := utilvalidation.IsValidPortNum(int(port.ContainerPort)); len(errs) > 0 {
					add(pp+".containerPort", fmt.Sprintf("%d: %s", port.ContainerPort, errs[0]), "use a port number from 1 to 65535")
				}
				if port.Name != "" {
					if errs := utilvalidation.IsValidPortName(port.Name); len(errs) > 0 {
						add(pp+".name", fmt.Sprintf("%q is not a valid port name: %s", port.Name, strings.Join(errs, "; ")), "use at most 15 lower-case letters, digits and '-', with a letter")
					} else if portNames[port.Name] {
						add(pp+".name", fmt.Sprintf("duplicate port name %q", port.Name), "give each port its own name")
					}
					portNames[port.Name] = true
				}
				switch port.Protocol {
				case "", corev1.ProtocolTCP, corev1.ProtocolUDP, corev1.ProtocolSCTP:
				default:
					add(pp+".protocol", fmt.Sprintf("unsupported protocol %q", port.Protocol), "use TCP, UDP or SCTP")
				}
			}
			reqNames := make([]string, 0, len(c.Resources.Requests))
			for n := range c.Resources.Requests {
				reqNames = append(reqNames, string(n))
			}
			sort.Strings(reqNames)
			out = append(out, checkProbePorts(u, o, p, c)...)
			for _, name := range reqNames {
				req := c.Resources.Requests[corev1.ResourceName(name)]
				lim, ok := c.Resources.Limits[corev1.ResourceName(name)]
				if ok && req.Cmp(lim) > 0 {
					add(fmt.Sprintf("%s.resources.requests.%s", p, name), fmt.Sprintf("request %s exceeds limit %s", req.String(), lim.String()), "lower the request or raise the limit")
				}
			}
		}
	}
	return out
}

// checkProbePorts: a probe's named port must be one of the container's
// ports. The API server accepts any valid name, and the pod then never
// becomes ready, so the Rollout hangs.
func checkProbePorts(u *unit, o object, p string, c corev1.Container) []Finding {
	var out []Finding
	named := map[string]bool{}
	for _, port := range c.Ports {
		if port.Name != "" {
			named[port.Name] = true
		}
	}
	for _, pr := range []struct {
		field string
		probe *corev1.Probe
	}{{"livenessProbe", c.LivenessProbe}, {"readinessProbe", c.ReadinessProbe}, {"startupProbe", c.StartupProbe}} {
		if pr.probe == nil {
			continue
		}
		check := func(field string, port intstr.IntOrString) {
			if port.Type == intstr.String && !named[port.StrVal] {
				out = append(out, u.finding(Error, o, fmt.Sprintf("%s.%s.%s.port", p, pr.field, field),
					fmt.Sprintf("%q names no port of container %q", port.StrVal, c.Name), "use one of the container's port names or a port number"))
			}
		}
		if h := pr.probe.HTTPGet; h != nil {
			check("httpGet", h.Port)
		}
		if tcp := pr.probe.TCPSocket; tcp != nil {
			check("tcpSocket", tcp.Port)
		}
	}
	return out
}
