package config

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"reflect"
	"strconv"
	"strings"
	"sync"

	"gopkg.in/yaml.v3"
)

// Load reads, decodes, defaults and validates the gen.yaml at path.
func Load(path string) (*Config, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	return Parse(filepath.Base(path), data)
}

// Parse decodes data strictly (unknown fields and wrong types are errors
// naming file, line and field), applies defaults and validates. name is
// the file name errors start with.
func Parse(name string, data []byte) (*Config, error) {
	if root, ok := parseSubset(data); ok {
		if cfg, errs := build(name, root); len(errs) == 0 {
			return cfg, nil
		}
		// A bad gen.yaml is worded from yaml.v3's tree, as it always was.
	}
	root, errs := parseYAML(name, data)
	if len(errs) > 0 {
		return nil, errs
	}
	cfg, errs := build(name, root)
	if len(errs) > 0 {
		return nil, errs
	}
	return cfg, nil
}

// parseYAML is data's node tree as yaml.v3 builds it, or the syntax
// error that stops it.
func parseYAML(name string, data []byte) (*yaml.Node, Errors) {
	var doc yaml.Node
	dec := yaml.NewDecoder(bytes.NewReader(data))
	if err := dec.Decode(&doc); err != nil {
		if errors.Is(err, io.EOF) {
			return nil, Errors{{File: name, Msg: "file is empty; run gen init to write one"}}
		}
		return nil, Errors{{File: name, Line: yamlErrLine(err), Msg: strings.TrimPrefix(err.Error(), "yaml: ")}}
	}
	var extra yaml.Node
	if err := dec.Decode(&extra); err == nil {
		return nil, Errors{{File: name, Line: extra.Line, Msg: "holds more than one YAML document"}}
	}
	return doc.Content[0], nil
}

// build decodes, defaults and validates the document root.
func build(name string, root *yaml.Node) (*Config, Errors) {
	var cfg Config
	if errs := decodeConfig(name, root, &cfg, nil); len(errs) > 0 {
		// Again, naming every field: the first pass names none, which
		// costs a 5,000-app gen.yaml 60,000 paths nobody reads.
		return nil, decodeConfig(name, root, new(Config), map[string]int{})
	}
	applyDefaults(&cfg)
	// Looked up once per app and environment by validate and the
	// commands: a linear search made 5,000 apps cost 0.1 s here.
	cfg.apps = make(map[string]int, len(cfg.Apps))
	for i, a := range cfg.Apps {
		if _, dup := cfg.apps[a.Name]; !dup {
			cfg.apps[a.Name] = i // the first, as the linear search finds it
		}
	}
	if errs := validate(&cfg, name, root); len(errs) > 0 {
		return nil, errs
	}
	return &cfg, nil
}

// yamlErrLine pulls "line N" out of a yaml.v3 syntax error.
func yamlErrLine(err error) int {
	s := err.Error()
	i := strings.Index(s, "line ")
	if i < 0 {
		return 0
	}
	s = s[i+len("line "):]
	j := strings.IndexFunc(s, func(r rune) bool { return r < '0' || r > '9' })
	if j > 0 {
		s = s[:j]
	}
	n, _ := strconv.Atoi(s)
	return n
}

// decodeConfig fills cfg from root and returns what does not fit. With
// lines non-nil it records there the line of every field path and names
// the field of each error; with lines nil it records nothing and its
// errors name no field.
func decodeConfig(file string, root *yaml.Node, cfg *Config, lines map[string]int) Errors {
	d := &decoder{file: file, lines: lines}
	d.decode(root, reflect.ValueOf(cfg).Elem(), "")
	return d.errs
}

// fieldLines is the line of every field path in root, for validation
// errors.
func fieldLines(file string, root *yaml.Node) map[string]int {
	lines := map[string]int{}
	decodeConfig(file, root, new(Config), lines)
	return lines
}

// decoder fills Go values from yaml nodes by reflection, recording the
// line of every field path in lines, when it is not nil, so errors can
// point at it.
type decoder struct {
	file  string
	lines map[string]int
	errs  Errors
}

// join is the path of key in path, when the decoder records paths.
func (d *decoder) join(path, key string) string {
	if d.lines == nil {
		return ""
	}
	return join(path, key)
}

func (d *decoder) fail(n *yaml.Node, field, format string, a ...any) {
	d.errs = append(d.errs, &FieldError{File: d.file, Line: n.Line, Field: field, Msg: fmt.Sprintf(format, a...)})
}

// join appends key to a field path. A key that is not plain text (a
// carriage return, an escape code, a space) is %q-quoted, so an error
// message never echoes it raw onto a terminal or a CI log.
func join(path, key string) string {
	if !isPlainFieldKey(key) {
		key = fmt.Sprintf("%q", key)
	}
	if path == "" {
		return key
	}
	return path + "." + key
}

func (d *decoder) decode(n *yaml.Node, v reflect.Value, path string) {
	if n.Kind == yaml.AliasNode {
		n = n.Alias
	}
	if d.lines != nil {
		d.lines[path] = n.Line
	}
	if n.Kind == yaml.ScalarNode && n.Tag == "!!null" {
		return // leave the zero value; defaults apply
	}
	switch v.Kind() {
	case reflect.Pointer:
		p := reflect.New(v.Type().Elem())
		d.decode(n, p.Elem(), path)
		v.Set(p)
	case reflect.Struct:
		if n.Kind != yaml.MappingNode {
			d.fail(n, path, "must be a mapping, got %s", describe(n))
			return
		}
		fields := structFields(v.Type())
		seen := map[string]bool{}
		for i := 0; i+1 < len(n.Content); i += 2 {
			k, val := n.Content[i], n.Content[i+1]
			fp := d.join(path, k.Value)
			idx, ok := fields[k.Value]
			if !ok {
				d.errs = append(d.errs, &FieldError{File: d.file, Line: k.Line, Field: fp, Msg: fmt.Sprintf("unknown field; known fields are %s", knownList(v.Type()))})
				continue
			}
			if seen[k.Value] {
				d.errs = append(d.errs, &FieldError{File: d.file, Line: k.Line, Field: fp, Msg: "set twice"})
				continue
			}
			seen[k.Value] = true
			d.decode(val, v.Field(idx), fp)
			if d.lines != nil {
				d.lines[fp] = k.Line
			}
		}
	case reflect.Slice:
		if n.Kind != yaml.SequenceNode {
			d.fail(n, path, "must be a list, got %s", describe(n))
			return
		}
		s := reflect.MakeSlice(v.Type(), len(n.Content), len(n.Content))
		for i, item := range n.Content {
			ip := ""
			if d.lines != nil {
				ip = fmt.Sprintf("%s[%d]", path, i)
			}
			d.decode(item, s.Index(i), ip)
		}
		v.Set(s)
	case reflect.Map:
		if n.Kind != yaml.MappingNode {
			d.fail(n, path, "must be a mapping, got %s", describe(n))
			return
		}
		m := reflect.MakeMap(v.Type())
		for i := 0; i+1 < len(n.Content); i += 2 {
			k, val := n.Content[i], n.Content[i+1]
			fp := d.join(path, k.Value)
			if k.Kind != yaml.ScalarNode {
				d.fail(k, path, "keys must be strings")
				continue
			}
			if m.MapIndex(reflect.ValueOf(k.Value)).IsValid() {
				d.fail(k, fp, "set twice")
				continue
			}
			ev := reflect.New(v.Type().Elem()).Elem()
			d.decode(val, ev, fp)
			if d.lines != nil {
				d.lines[fp] = k.Line
			}
			m.SetMapIndex(reflect.ValueOf(k.Value), ev)
		}
		v.Set(m)
	case reflect.String:
		if n.Kind != yaml.ScalarNode || (n.Tag != "!!str" && n.Style&(yaml.DoubleQuotedStyle|yaml.SingleQuotedStyle) == 0 && n.Tag != "!!int" && n.Tag != "!!float") {
			d.fail(n, path, "must be a string, got %s", describe(n))
			return
		}
		v.SetString(n.Value)
	case reflect.Int:
		if n.Kind != yaml.ScalarNode || n.Tag != "!!int" {
			d.fail(n, path, "must be an integer, got %s", describe(n))
			return
		}
		i, err := strconv.ParseInt(n.Value, 0, 32)
		if err != nil {
			d.fail(n, path, "integer %q out of range", n.Value)
			return
		}
		v.SetInt(i)
	case reflect.Bool:
		if n.Kind != yaml.ScalarNode || n.Tag != "!!bool" {
			d.fail(n, path, "must be true or false, got %s", describe(n))
			return
		}
		// YAML's rules, not a string compare: True and TRUE are true too.
		var b bool
		if err := n.Decode(&b); err != nil {
			d.fail(n, path, "must be true or false, got %s", describe(n))
			return
		}
		v.SetBool(b)
	default:
		panic(fmt.Sprintf("config: unsupported field kind %s", v.Kind()))
	}
}

func describe(n *yaml.Node) string {
	switch n.Kind {
	case yaml.MappingNode:
		return "a mapping"
	case yaml.SequenceNode:
		return "a list"
	}
	switch n.Tag {
	case "!!str":
		return fmt.Sprintf("string %q", n.Value)
	case "!!int":
		return fmt.Sprintf("integer %s", n.Value)
	case "!!bool":
		return fmt.Sprintf("boolean %s", n.Value)
	case "!!float":
		return fmt.Sprintf("number %s", n.Value)
	}
	return fmt.Sprintf("%q", n.Value)
}

// structFields maps a struct type's yaml names to field indexes, computed
// once per type (decode asks for every mapping: 5,000 apps made it 60 ms).
func structFields(t reflect.Type) map[string]int {
	if m, ok := fieldCache.Load(t); ok {
		return m.(map[string]int)
	}
	m := make(map[string]int, t.NumField())
	for i := 0; i < t.NumField(); i++ {
		if tag, ok := t.Field(i).Tag.Lookup("yaml"); ok {
			m[strings.Split(tag, ",")[0]] = i
		}
	}
	fieldCache.Store(t, m)
	return m
}

var fieldCache sync.Map // reflect.Type -> map[string]int

func knownList(t reflect.Type) string {
	var names []string
	for i := 0; i < t.NumField(); i++ {
		if tag, ok := t.Field(i).Tag.Lookup("yaml"); ok {
			names = append(names, strings.Split(tag, ",")[0])
		}
	}
	return strings.Join(names, ", ")
}
