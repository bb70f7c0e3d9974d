package validate

import (
	"encoding/json"
	"reflect"
	"sort"
	"testing"

	"github.com/rolloutgen/rolloutgen/internal/validate/schemas"

	"k8s.io/apiextensions-apiserver/pkg/apis/apiextensions"
	apiextensionsv1 "k8s.io/apiextensions-apiserver/pkg/apis/apiextensions/v1"
	apiservervalidation "k8s.io/apiextensions-apiserver/pkg/apiserver/validation"
	"k8s.io/kube-openapi/pkg/validation/spec"
)

// gen validates custom resources with kube-openapi directly (openapi.go)
// to keep k8s.io/apiserver and CEL out of the binary. This test, whose
// binary alone links the API server's wrapper, checks that both give the
// same schema and the same field errors.

func upstreamSchema(t *testing.T, crd schemas.CRD) (apiservervalidation.SchemaValidator, *spec.Schema) {
	t.Helper()
	var v1 apiextensionsv1.JSONSchemaProps
	if err := json.Unmarshal(crd.OpenAPIV3Schema, &v1); err != nil {
		t.Fatal(err)
	}
	var internal apiextensions.JSONSchemaProps
	if err := apiextensionsv1.Convert_v1_JSONSchemaProps_To_apiextensions_JSONSchemaProps(&v1, &internal, nil); err != nil {
		t.Fatal(err)
	}
	val, s, err := apiservervalidation.NewSchemaValidator(&internal)
	if err != nil {
		t.Fatal(err)
	}
	return val, s
}

func TestOpenAPISchemaMatchesAPIServer(t *testing.T) {
	crds, err := schemas.All()
	if err != nil {
		t.Fatal(err)
	}
	for _, crd := range crds {
		t.Run(crd.Kind, func(t *testing.T) {
			_, want := upstreamSchema(t, crd)
			got, err := openAPISchema(crd.OpenAPIV3Schema)
			if err != nil {
				t.Fatal(err)
			}
			// Compared as JSON values: the encoder's key order for
			// extensions is not stable.
			if w, g := jsonValue(t, want), jsonValue(t, got); !reflect.DeepEqual(w, g) {
				t.Errorf("schema differs from apiextensions' conversion")
			}
		})
	}
}

// TestValidateCustomResourceMatchesAPIServer puts values of every JSON
// type at every field path (to a depth) and compares the field errors.
func TestValidateCustomResourceMatchesAPIServer(t *testing.T) {
	crds, err := schemas.All()
	if err != nil {
		t.Fatal(err)
	}
	values := []any{"x", "", "not-a-date", int64(3), int64(-1), int64(1 << 40), 1.5, true, nil,
		[]any{"a"}, []any{map[string]any{"unknown": int64(1)}}, map[string]any{"a": "b"}, map[string]any{}}
	for _, crd := range crds {
		t.Run(crd.Kind, func(t *testing.T) {
			val, s := upstreamSchema(t, crd)
			ours, err := openAPISchema(crd.OpenAPIV3Schema)
			if err != nil {
				t.Fatal(err)
			}
			var paths [][]string
			var collect func(s *spec.Schema, p []string)
			collect = func(s *spec.Schema, p []string) {
				if len(p) > 5 {
					return
				}
				if s.Items != nil && s.Items.Schema != nil {
					collect(s.Items.Schema, append(append([]string{}, p...), "[]"))
				}
				keys := make([]string, 0, len(s.Properties))
				for k := range s.Properties {
					keys = append(keys, k)
				}
				sort.Strings(keys)
				for _, k := range keys {
					q := append(append([]string{}, p...), k)
					paths = append(paths, q)
					v := s.Properties[k]
					collect(&v, q)
				}
			}
			collect(s, nil)
			checked := 0
			for _, p := range paths {
				for _, v := range values {
					obj := valueAtPath(p, v).(map[string]any)
					if p[0] != "apiVersion" && p[0] != "kind" {
						obj["apiVersion"], obj["kind"] = "argoproj.io/v1alpha1", crd.Kind
					}
					want := apiservervalidation.ValidateCustomResource(nil, obj, val)
					got := validateCustomResource(obj, ours)
					if !reflect.DeepEqual(got, want) {
						t.Fatalf("%v = %#v:\n got %v\nwant %v", p, v, got, want)
					}
					checked++
				}
			}
			t.Logf("%d objects compared", checked)
		})
	}
}

// valueAtPath builds the value holding v at path p, "[]" making a one-element
// list.
func valueAtPath(p []string, v any) any {
	switch {
	case len(p) == 0:
		return v
	case p[0] == "[]":
		return []any{valueAtPath(p[1:], v)}
	default:
		return map[string]any{p[0]: valueAtPath(p[1:], v)}
	}
}

func jsonValue(t *testing.T, v any) any {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	var out any
	if err := json.Unmarshal(b, &out); err != nil {
		t.Fatal(err)
	}
	return out
}
