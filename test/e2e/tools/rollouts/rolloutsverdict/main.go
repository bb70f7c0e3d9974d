// Command rolloutsverdict gives the pinned Argo Rollouts controller's
// verdict on the Rollouts of a set of manifest files, for gen's precision
// benchmark (test/e2e/precision_test.go): each Rollout is decoded into the
// controller's own v1alpha1 type (as its informer does; a field that does
// not fit, such as an int32 overflow, fails there) and checked with
// validation.ValidateRollout, then with ValidateRolloutReferencedResources
// against the Services and Ingresses of the same set that it names (the
// controller reads those from the cluster by name; ones not in the set are
// left out, as kubectl-argo-rollouts lint does).
//
// Usage: rolloutsverdict FILE... ; prints one JSON object a line:
// {"file", "kind", "name", "errors"}.
package main

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"

	"github.com/argoproj/argo-rollouts/pkg/apis/rollouts/v1alpha1"
	"github.com/argoproj/argo-rollouts/pkg/apis/rollouts/validation"
	ingressutil "github.com/argoproj/argo-rollouts/utils/ingress"
	corev1 "k8s.io/api/core/v1"
	networkingv1 "k8s.io/api/networking/v1"
	utilyaml "k8s.io/apimachinery/pkg/util/yaml"
	"sigs.k8s.io/yaml"
)

type verdict struct {
	File   string   `json:"file"`
	Kind   string   `json:"kind"`
	Name   string   `json:"name"`
	Errors []string `json:"errors"`
}

type doc struct {
	file string
	raw  []byte // JSON
	kind string
	name string
	api  string
}

func main() {
	var docs []doc
	for _, f := range os.Args[1:] {
		b, err := os.ReadFile(f)
		if err != nil {
			fmt.Fprintln(os.Stderr, "rolloutsverdict:", err)
			os.Exit(2)
		}
		r := utilyaml.NewYAMLReader(bufio.NewReader(bytes.NewReader(b)))
		for {
			y, err := r.Read()
			if errors.Is(err, io.EOF) {
				break
			}
			if err != nil {
				break // the API server side of the benchmark reports the syntax
			}
			j, err := yaml.YAMLToJSON(y)
			if err != nil || len(bytes.TrimSpace(j)) == 0 || string(j) == "null" {
				continue
			}
			var meta struct {
				APIVersion string `json:"apiVersion"`
				Kind       string `json:"kind"`
				Metadata   struct {
					Name string `json:"name"`
				} `json:"metadata"`
			}
			if json.Unmarshal(j, &meta) != nil {
				continue
			}
			docs = append(docs, doc{file: f, raw: j, kind: meta.Kind, name: meta.Metadata.Name, api: meta.APIVersion})
		}
	}
	services := map[string]*corev1.Service{}
	ingresses := map[string]*networkingv1.Ingress{}
	for _, d := range docs {
		switch {
		case d.api == "v1" && d.kind == "Service":
			var s corev1.Service
			if json.Unmarshal(d.raw, &s) == nil {
				services[s.Name] = &s
			}
		case d.api == "networking.k8s.io/v1" && d.kind == "Ingress":
			var in networkingv1.Ingress
			if json.Unmarshal(d.raw, &in) == nil {
				ingresses[in.Name] = &in
			}
		}
	}
	enc := json.NewEncoder(os.Stdout)
	for _, d := range docs {
		if d.api != "argoproj.io/v1alpha1" || d.kind != "Rollout" {
			continue
		}
		v := verdict{File: d.file, Kind: d.kind, Name: d.name, Errors: []string{}}
		var ro v1alpha1.Rollout
		if err := json.Unmarshal(d.raw, &ro); err != nil {
			v.Errors = append(v.Errors, "decode: "+err.Error())
			_ = enc.Encode(v)
			continue
		}
		for _, e := range validation.ValidateRollout(&ro) {
			v.Errors = append(v.Errors, e.Error())
		}
		for _, e := range validation.ValidateRolloutReferencedResources(&ro, references(&ro, services, ingresses)) {
			v.Errors = append(v.Errors, e.Error())
		}
		_ = enc.Encode(v)
	}
}

// references are the Services and Ingresses of the set the Rollout names,
// typed as the controller types them (rollout/controller.go
// getReferencedServices, getReferencedIngresses).
func references(ro *v1alpha1.Rollout, services map[string]*corev1.Service, ingresses map[string]*networkingv1.Ingress) validation.ReferencedResources {
	var refs validation.ReferencedResources
	addSvc := func(name string, t validation.ServiceType) {
		if s := services[name]; name != "" && s != nil {
			refs.ServiceWithType = append(refs.ServiceWithType, validation.ServiceWithType{Service: s.DeepCopy(), Type: t})
		}
	}
	addIng := func(name string) {
		if in := ingresses[name]; name != "" && in != nil {
			refs.Ingresses = append(refs.Ingresses, *ingressutil.NewIngress(in.DeepCopy()))
		}
	}
	if c := ro.Spec.Strategy.Canary; c != nil {
		addSvc(c.CanaryService, validation.CanaryService)
		addSvc(c.StableService, validation.StableService)
		if c.PingPong != nil {
			addSvc(c.PingPong.PingService, validation.PingService)
			addSvc(c.PingPong.PongService, validation.PongService)
		}
		if tr := c.TrafficRouting; tr != nil {
			if n := tr.Nginx; n != nil {
				addIng(n.StableIngress)
				for _, s := range n.StableIngresses {
					addIng(s)
				}
			}
			if a := tr.ALB; a != nil {
				addIng(a.Ingress)
				for _, s := range a.Ingresses {
					addIng(s)
				}
			}
		}
	}
	if b := ro.Spec.Strategy.BlueGreen; b != nil {
		addSvc(b.ActiveService, validation.ActiveService)
		addSvc(b.PreviewService, validation.PreviewService)
	}
	return refs
}
