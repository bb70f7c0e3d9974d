package validate

import (
	"encoding/json"
	"strings"

	"k8s.io/apimachinery/pkg/util/validation/field"
	openapierrors "k8s.io/kube-openapi/pkg/validation/errors"
	"k8s.io/kube-openapi/pkg/validation/spec"
	"k8s.io/kube-openapi/pkg/validation/strfmt"
	"k8s.io/kube-openapi/pkg/validation/validate"
)

// The API server validates a custom resource on create with kube-openapi's
// SchemaValidator, reached through apiextensions-apiserver's
// pkg/apiserver/validation. That package also holds the CEL and ratcheting
// machinery and imports k8s.io/apiserver, cel-go, prometheus and otel,
// whose package inits every gen command would pay at start-up (about
// 20 MB of the binary's pages faulted in). So gen calls kube-openapi
// directly and does here the two small things the wrapper adds on create:
// the schema conversion (int-or-string typing, unsupported formats
// dropped) and the mapping of results to field errors. crd_equiv_test.go
// checks both against the wrapper.

// openAPISchema decodes a CRD's openAPIV3Schema into the kube-openapi
// schema the API server validates with (its NewSchemaValidator).
func openAPISchema(raw []byte) (*spec.Schema, error) {
	s := &spec.Schema{}
	if err := json.Unmarshal(raw, s); err != nil {
		return nil, err
	}
	walkSchema(s, serverSchemaNode)
	return s, nil
}

// serverSchemaNode adjusts one node as apiextensions' conversion does:
// x-kubernetes-int-or-string becomes the type list [integer, string], and
// a format the server does not know is dropped (it is not checked there).
func serverSchemaNode(s *spec.Schema) {
	if v, ok := s.Extensions["x-kubernetes-int-or-string"].(bool); ok && v {
		s.Type = spec.StringOrArray{"integer", "string"}
	}
	if s.Format == "" {
		return
	}
	typ := ""
	if len(s.Type) == 1 {
		typ = s.Type[0]
	}
	switch typ {
	case "", "string":
		if !serverStringFormats[strings.ReplaceAll(s.Format, "-", "")] {
			s.Format = ""
		}
	case "integer":
		if s.Format != "int32" && s.Format != "int64" {
			s.Format = ""
		}
	case "number":
		if s.Format != "float" && s.Format != "double" {
			s.Format = ""
		}
	default:
		s.Format = ""
	}
}

// serverStringFormats are the string formats a Kubernetes API server of
// the pinned version (its compatibility version 1.35) validates, with
// dashes removed as go-openapi normalises them: apiextensions-apiserver's
// supportedVersionedFormats.
var serverStringFormats = map[string]bool{
	"bsonobjectid": true, "uri": true, "email": true, "hostname": true,
	"ipv4": true, "ipv6": true, "cidr": true, "mac": true, "uuid": true,
	"uuid3": true, "uuid4": true, "uuid5": true, "isbn": true, "isbn10": true,
	"isbn13": true, "creditcard": true, "ssn": true, "hexcolor": true,
	"rgbcolor": true, "byte": true, "password": true, "date": true,
	"duration": true, "datetime": true,
	"k8sshortname": true, "k8slongname": true, // since 1.34
}

// walkSchema calls f on s and every schema nested in it, parents first.
func walkSchema(s *spec.Schema, f func(*spec.Schema)) {
	if s == nil {
		return
	}
	f(s)
	for _, l := range [][]spec.Schema{s.AllOf, s.OneOf, s.AnyOf} {
		for i := range l {
			walkSchema(&l[i], f)
		}
	}
	walkSchema(s.Not, f)
	for _, m := range []map[string]spec.Schema{s.Properties, s.PatternProperties, s.Definitions} {
		for k, v := range m {
			walkSchema(&v, f)
			m[k] = v
		}
	}
	if s.AdditionalProperties != nil {
		walkSchema(s.AdditionalProperties.Schema, f)
	}
	if s.AdditionalItems != nil {
		walkSchema(s.AdditionalItems.Schema, f)
	}
	if s.Items != nil {
		walkSchema(s.Items.Schema, f)
		for i := range s.Items.Schemas {
			walkSchema(&s.Items.Schemas[i], f)
		}
	}
	for k, v := range s.Dependencies {
		walkSchema(v.Schema, f)
		s.Dependencies[k] = v
	}
}

// validateCustomResource is apiextensions' ValidateCustomResource on
// create: the schema validator's result as field errors.
func validateCustomResource(obj any, s *spec.Schema) field.ErrorList {
	result := validate.NewSchemaValidator(s, nil, "", strfmt.Default).Validate(obj)
	if result.IsValid() {
		return nil
	}
	var errs field.ErrorList
	for _, err := range result.Errors {
		v, ok := err.(*openapierrors.Validation)
		if !ok {
			errs = append(errs, field.Invalid(nil, "", err.Error()))
			continue
		}
		var path *field.Path
		if len(v.Name) > 0 && v.Name != "." {
			path = path.Child(strings.TrimPrefix(v.Name, "."))
		}
		errs = append(errs, fieldError(path, v))
	}
	return errs
}

// fieldError maps one kube-openapi error code to the field error the API
// server reports for it.
func fieldError(path *field.Path, v *openapierrors.Validation) *field.Error {
	asInt := func(x any) int {
		if i, ok := x.(int64); ok {
			return int(i)
		}
		return -1
	}
	value := v.Value
	if value == nil {
		value = ""
	}
	switch v.Code() {
	case openapierrors.RequiredFailCode:
		return field.Required(path, "")
	case openapierrors.EnumFailCode:
		values := []string{}
		for _, allowed := range v.Values {
			if s, ok := allowed.(string); ok {
				values = append(values, s)
			} else {
				b, _ := json.Marshal(allowed)
				values = append(values, string(b))
			}
		}
		return field.NotSupported(path, v.Value, values)
	case openapierrors.TooLongFailCode:
		return field.TooLong(path, "", asInt(v.Valid))
	case openapierrors.MaxItemsFailCode, openapierrors.TooManyPropertiesCode:
		return field.TooMany(path, asInt(v.Value), asInt(v.Valid))
	case openapierrors.InvalidTypeCode:
		return field.TypeInvalid(path, value, v.Error())
	default:
		return field.Invalid(path, value, v.Error())
	}
}
