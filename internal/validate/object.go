package validate

import (
	"encoding/json"
	"fmt"
	"strings"
)

// object is one manifest to check, as a generic map (what the API server
// receives) plus where it came from.
type object struct {
	// file is the root-relative file the object was read from, when known.
	file       string
	apiVersion string
	kind       string
	name       string
	namespace  string
	m          map[string]any
	// context marks an object of a file read only so others' links
	// resolve (Request.ContextFiles): its own links are not checked.
	context bool
}

func newObject(file string, m map[string]any) object {
	o := object{file: file, m: m}
	o.apiVersion, _ = m["apiVersion"].(string)
	o.kind, _ = m["kind"].(string)
	if md, ok := m["metadata"].(map[string]any); ok {
		o.name, _ = md["name"].(string)
		o.namespace, _ = md["namespace"].(string)
	}
	return o
}

// group is the API group of the object's apiVersion ("" for core).
func (o object) group() string {
	if i := strings.Index(o.apiVersion, "/"); i >= 0 {
		return o.apiVersion[:i]
	}
	return ""
}

// json re-encodes the object for the typed decoders.
func (o object) json() []byte {
	b, err := json.Marshal(o.m)
	if err != nil {
		panic(fmt.Sprintf("re-encoding a decoded manifest: %v", err)) // maps from YAML always encode
	}
	return b
}

// decodeLoose decodes the object into a view type, ignoring unknown fields;
// schema checks report those. It reports false when the object has wrong
// types, which the schema checks report too.
func (o object) decodeLoose(v any) bool {
	return json.Unmarshal(o.json(), v) == nil
}

// unit is a set of objects checked together: one overlay's build, or the
// plain files given on the command line.
type unit struct {
	location string
	objects  []object
}

// finding starts a finding about o in u.
func (u *unit) finding(sev Severity, o object, field, problem, fix string) Finding {
	f := Finding{Severity: sev, Location: u.location, Kind: o.kind, Name: o.name, Field: field, Problem: problem, Fix: fix}
	if u.location == "" {
		f.Location = o.file // plain files: each object is located in its own file
	} else if o.file != u.location {
		f.File = o.file
	}
	return f
}
