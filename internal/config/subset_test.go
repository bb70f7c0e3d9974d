package config_test

import (
	"bytes"
	"fmt"
	"strings"
	"testing"

	"gopkg.in/yaml.v3"

	"github.com/rolloutgen/rolloutgen/internal/config"
	"github.com/rolloutgen/rolloutgen/internal/synth"
	"github.com/rolloutgen/rolloutgen/templates"
)

// yamlV3Root is the tree yaml.v3 builds for data, as Parse asks for it,
// or nil when yaml.v3 refuses data or finds more than one document.
func yamlV3Root(data []byte) *yaml.Node {
	var doc, extra yaml.Node
	dec := yaml.NewDecoder(bytes.NewReader(data))
	if dec.Decode(&doc) != nil || dec.Decode(&extra) == nil || len(doc.Content) == 0 {
		return nil
	}
	return doc.Content[0]
}

// sameTree reports the first difference between a and b in what decode
// and validate read.
func sameTree(path string, a, b *yaml.Node) error {
	if a.Kind != b.Kind || a.Tag != b.Tag || a.Value != b.Value || a.Style != b.Style ||
		a.Line != b.Line || a.Column != b.Column || len(a.Content) != len(b.Content) {
		return fmt.Errorf("%s: subset %s %q %q style %d at %d:%d with %d children, yaml.v3 %s %q %q style %d at %d:%d with %d children",
			path, kindName(a.Kind), a.Tag, a.Value, a.Style, a.Line, a.Column, len(a.Content),
			kindName(b.Kind), b.Tag, b.Value, b.Style, b.Line, b.Column, len(b.Content))
	}
	for i := range a.Content {
		if err := sameTree(fmt.Sprintf("%s/%d", path, i), a.Content[i], b.Content[i]); err != nil {
			return err
		}
	}
	return nil
}

func kindName(k yaml.Kind) string {
	return map[yaml.Kind]string{yaml.DocumentNode: "document", yaml.SequenceNode: "sequence", yaml.MappingNode: "mapping", yaml.ScalarNode: "scalar", yaml.AliasNode: "alias"}[k]
}

// checkSubset fails t if parseSubset accepts in and builds anything but
// yaml.v3's tree; it returns whether parseSubset accepted in.
func checkSubset(t *testing.T, in string) bool {
	t.Helper()
	got, ok := config.ParseSubset([]byte(in))
	if !ok {
		return false
	}
	want := yamlV3Root([]byte(in))
	if want == nil {
		t.Errorf("subset accepts what yaml.v3 refuses:\n%s", in)
		return true
	}
	if err := sameTree("", got, want); err != nil {
		t.Errorf("%v\nin:\n%s", err, in)
	}
	return true
}

// subsetSamples are inputs inside and outside the subset.
var subsetSamples = []string{
	minimal,
	"a: 1\n", "a: 1", "a: b\nc: d\n", "# head\na: b # line\n\n# foot\n", "a:\n  b: c\n  d: [1, 2]\n",
	"a:\n- x\n- y\nb: z\n", "a:\n  - x\n  -   y\n", "a:\n  - name: x\n    v: 1\n  - name: y\n", "a: {}\nb: []\nc: { }\n",
	"a: {b: c, d: {e: f}, g: [h, 'i', \"j\"]}\n", "a: 'it''s'\n", "a: \"q#x\"\n", "a: b#c\n", "a: b #c\n",
	"a: https://x.example.com:8080/p\n", "a: {url: https://x.example.com/p.git}\n", "a: 5m\nb: 128Mi\nc: 0\nd: 007\ne: 1.5\n",
	"a: true\nb: False\nc: yes\nd: ~\ne: null\nf: NULL\ng: <<\n", "a: 2001-12-14\n", "a: 0x1F\nb: 1e3\nc: 1_000\n",
	"a: -1\nb: +1\nc: .5\n", "a: [a:b]\n", "a: {b:c}\n", "a: {b: c,}\n", "a: [a, ]\n", "a: b: c\n", "a:\n", "a:\nb: c\n",
	"a: b\n  c\n", "a: &x b\nc: *x\n", "a: !!str 1\n", "a: |\n  x\n", "a: >\n  x\n", "--- \na: b\n", "a: b\n---\nc: d\n",
	"a: b\n...\n", "%YAML 1.2\n---\na: b\n", "a: \"x\\ty\"\n", "a: 'x\n  y'\n", "a:\tb\n", "a: b\r\n", "a: é\n",
	"- a\n- b\n", "a:\n  - - x\n", "a:\n  -\n    b: c\n", "a:\n  - # c\n    b: c\n", "a: # c\n  b: c\n", "a:\n   b: c\n  d: e\n",
	"  a: b\n", "a: b\n c: d\n", "a:\n  b: c\nd:\n    e: f\n", "? a\n: b\n", "a : b\n", "a: [b, {c: d}]\n", "a: {b: [c]}\n",
	"a: [b\n  , c]\n", "a: {b: c} x\n", "a: 'b' c\n", "\"a\": b\n", "a: b,c\n", "a: [b?c]\n", "a: ?b\n", "a: b?\n", "a: @b\n",
	"a: ``\n", "a: %b\n", "a: -\n", "a: - b\n", "a: x\n#c\n  # d\nb: y\n", "a:\n\n  b: c\n\n", "a:\n  b:\n  - c\n",
	"apps:\n  - {name: app-0000, image: registry.example.com/mono/app-0000, tag: v1, replicas: 3, ingress: {host: app-0000.example.com}}\n",
	strings.Repeat("k", 1100) + ": v\n", "a: {" + strings.Repeat("k", 1100) + ": v}\n",
}

func TestSubsetBuildsYAMLv3sTree(t *testing.T) {
	accepted := 0
	for _, in := range append(subsetSamples, string(templates.DemoConfig()), string(synth.GenYAML(20))) {
		if checkSubset(t, in) {
			accepted++
		}
	}
	t.Logf("subset took %d of %d samples", accepted, len(subsetSamples)+2)
	for _, in := range []string{minimal, string(templates.DemoConfig()), string(synth.GenYAML(20)), "a: 1\n", "a:\n- x\nb: z\n"} {
		if _, ok := config.ParseSubset([]byte(in)); !ok {
			t.Errorf("subset refuses a plain gen.yaml-like document:\n%s", in)
		}
	}
}

func FuzzSubsetBuildsYAMLv3sTree(f *testing.F) {
	for _, in := range subsetSamples {
		f.Add(in)
	}
	f.Fuzz(func(t *testing.T, in string) { checkSubset(t, in) })
}
