package validate

import (
	"encoding/json"
	"fmt"

	"sort"
	"strings"
	"sync"

	"github.com/rolloutgen/rolloutgen/internal/validate/schemas"

	"k8s.io/apiextensions-apiserver/pkg/apis/apiextensions"
	apiextensionsv1 "k8s.io/apiextensions-apiserver/pkg/apis/apiextensions/v1"
	structuralschema "k8s.io/apiextensions-apiserver/pkg/apiserver/schema"
	"k8s.io/apiextensions-apiserver/pkg/apiserver/schema/pruning"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/util/validation/field"
	"k8s.io/kube-openapi/pkg/validation/spec"
)

// crdSchema is one CRD's schema ready to use, as the API server holds it:
// the structural schema prunes unknown fields, the validator checks types
// and constraints.
type crdSchema struct {
	source     string
	structural *structuralschema.Structural
	openapi    *spec.Schema
}

// crdSchemas compiles each embedded schema on first use (tens of ms of
// parsing that a run which never meets the kind does not pay) and keeps it.
type crdSchemas struct {
	once  sync.Once
	byGVK map[schema.GroupVersionKind]*lazyCRD
}

type lazyCRD struct {
	once  sync.Once
	entry schemas.Entry
	s     *crdSchema
	err   error
}

// get returns the schema of gvk, or nil when gvk is not a CRD kind gen
// knows.
func (c *crdSchemas) get(gvk schema.GroupVersionKind) (*crdSchema, error) {
	c.once.Do(func() {
		c.byGVK = map[schema.GroupVersionKind]*lazyCRD{}
		for _, e := range schemas.Index() {
			c.byGVK[schema.GroupVersionKind{Group: e.Group, Version: e.Version, Kind: e.Kind}] = &lazyCRD{entry: e}
		}
	})
	l := c.byGVK[gvk]
	if l == nil {
		return nil, nil
	}
	l.once.Do(func() {
		crd, err := l.entry.Load()
		if err == nil {
			l.s, err = compileCRD(crd)
		}
		if err != nil {
			l.err = fmt.Errorf("schema of %s: %w", gvk.Kind, err)
		}
	})
	return l.s, l.err
}

func compileCRD(crd schemas.CRD) (*crdSchema, error) {
	var v1 apiextensionsv1.JSONSchemaProps
	if err := json.Unmarshal(crd.OpenAPIV3Schema, &v1); err != nil {
		return nil, err
	}
	var internal apiextensions.JSONSchemaProps
	if err := apiextensionsv1.Convert_v1_JSONSchemaProps_To_apiextensions_JSONSchemaProps(&v1, &internal, nil); err != nil {
		return nil, err
	}
	st, err := structuralschema.NewStructural(&internal)
	if err != nil {
		return nil, err
	}
	openapi, err := openAPISchema(crd.OpenAPIV3Schema)
	if err != nil {
		return nil, err
	}
	return &crdSchema{source: fmt.Sprintf("%s@%s", crd.Module, crd.ModuleVersion), structural: st, openapi: openapi}, nil
}

// checkCRD validates a custom resource the way the API server does on
// create: fields the schema does not know would be pruned (dropped
// silently), so they are errors here; then the schema validator checks
// types, enums, formats, lengths and required fields. CEL rules are not
// evaluated: the pinned CRDs carry one, the Rollout's "selector is
// immutable", which only applies to updates.
func checkCRD(u *unit, o object, s *crdSchema) []Finding {
	var out []Finding
	copied := runtime.DeepCopyJSONValue(o.m)
	unknown := pruning.PruneWithOptions(copied, s.structural, true, structuralschema.UnknownFieldPathOptions{TrackUnknownFieldPaths: true})
	sort.Strings(unknown)
	for _, p := range unknown {
		out = append(out, u.finding(Error, o, p, "unknown field (the API server would drop it)",
			"remove it or fix its spelling; see the "+o.kind+" CRD of "+s.source))
	}
	for _, e := range validateCustomResource(o.m, s.openapi) {
		out = append(out, u.finding(Error, o, e.Field, schemaProblem(e), "fix the value to match the "+o.kind+" CRD of "+s.source))
	}
	return out
}

// schemaProblem words a schema validation error without repeating the field.
func schemaProblem(e *field.Error) string {
	detail := strings.TrimPrefix(e.Detail, e.Field+" in body ")
	switch e.Type {
	case field.ErrorTypeRequired:
		return "required field is missing"
	case field.ErrorTypeTypeInvalid:
		// Detail is `must be of type integer: "string"`, BadValue the type found.
		if t, ok := e.BadValue.(string); ok {
			detail = strings.TrimSuffix(detail, fmt.Sprintf(": %q", t))
			return fmt.Sprintf("%s, not %s", detail, t)
		}
		return detail
	case field.ErrorTypeNotSupported, field.ErrorTypeInvalid:
		return fmt.Sprintf("%s (got %s)", detail, valueString(e.BadValue))
	}
	return e.ErrorBody()
}

func valueString(v any) string {
	b, err := json.Marshal(v)
	if err != nil {
		return fmt.Sprint(v)
	}
	return string(b)
}
