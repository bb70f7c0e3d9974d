package kustomize

import (
	"bytes"
	"fmt"
	"testing"

	"sigs.k8s.io/kustomize/kyaml/yaml"
)

// FuzzSetImage: on any input SetImage either errors or changes exactly the
// one images: entry, which then pins the requested version; everything
// else in the document reads back the same.
func FuzzSetImage(f *testing.F) {
	seeds := []string{
		"images:\n  - name: demo\n    newTag: v1 # c\n\nresources:\n- a\n",
		"images:\n- name: demo\n  newTag: \"v1\"\n  digest: " + digestA + "\n- name: x\n",
		"resources: [a, b]\n",
		"a: &x {b: 1}\nc: *x\nimages:\n- {name: demo, newTag: '1'}\n",
		"# only a comment\n",
		"images:\n\n  # head\n  - name: demo\n\n    newTag: v1\n\n\n",
		"images: ~\nkind: Kustomization\n",
		"images:\n- name: demo\n  newTag: |\n    v1\n\n    x\n",
		"x: 1\r\nimages:\r\n- name: demo\r\n",
		"images:\n    - name: demo\n      newTag: 1.0\n",
	}
	for _, s := range seeds {
		f.Add([]byte(s), "demo", "v2", "")
		f.Add([]byte(s), "demo", "1.0", digestB)
	}
	f.Fuzz(func(t *testing.T, in []byte, name, tag, digest string) {
		out, change, err := SetImage(in, name, tag, digest)
		if err != nil {
			return
		}
		if change.IsZero() {
			if !bytes.Equal(out, in) {
				t.Fatalf("no change reported but the bytes changed:\n%q\n%q", in, out)
			}
			return
		}
		if change.Image != name || change.New != (Version{Tag: tag, Digest: digest}) {
			t.Fatalf("change %+v does not record the request %q %q %q", change, name, tag, digest)
		}
		before, after := decode(t, in), decode(t, out)
		oldImgs, _ := before["images"].([]any)
		newImgs, ok := after["images"].([]any)
		if !ok {
			t.Fatalf("images is not a list after the edit:\n%s", out)
		}
		delete(before, "images")
		delete(after, "images")
		if canon(t, before) != canon(t, after) {
			t.Fatalf("fields besides images changed:\n%s\n---\n%s", in, out)
		}
		target := -1
		for i, e := range oldImgs {
			if m, ok := e.(map[string]any); ok && m["name"] == name {
				target = i
			}
		}
		wantLen := len(oldImgs)
		if target < 0 {
			target = len(oldImgs)
			wantLen++
		}
		if len(newImgs) != wantLen {
			t.Fatalf("images has %d entries, want %d:\n%s", len(newImgs), wantLen, out)
		}
		for i := range newImgs {
			if i == target {
				continue
			}
			if canon(t, oldImgs[i]) != canon(t, newImgs[i]) {
				t.Fatalf("images[%d] changed:\n%s\n---\n%s", i, in, out)
			}
		}
		got, _ := newImgs[target].(map[string]any)
		if got["newTag"] != tag {
			t.Fatalf("newTag = %#v, want %q:\n%s", got["newTag"], tag, out)
		}
		if d, has := got["digest"]; digest == "" && has || digest != "" && d != digest {
			t.Fatalf("digest = %#v, want %q:\n%s", d, digest, out)
		}
		var rest, wantRest map[string]any
		if target < len(oldImgs) {
			wantRest = copyWithout(oldImgs[target].(map[string]any))
		} else {
			wantRest = map[string]any{"name": name}
		}
		rest = copyWithout(got)
		if canon(t, rest) != canon(t, wantRest) {
			t.Fatalf("other keys of the entry changed:\n%s\n---\n%s", in, out)
		}
		// A second identical edit is a no-op.
		again, change2, err := SetImage(out, name, tag, digest)
		if err != nil || !change2.IsZero() || !bytes.Equal(again, out) {
			t.Fatalf("second edit: %v %+v", err, change2)
		}
	})
}

func decode(t *testing.T, b []byte) map[string]any {
	t.Helper()
	var v map[string]any
	if err := yaml.Unmarshal(b, &v); err != nil {
		t.Fatalf("decode %q: %v", b, err)
	}
	if v == nil {
		v = map[string]any{}
	}
	return v
}

func canon(t *testing.T, v any) string {
	t.Helper()
	b, err := yaml.Marshal(v)
	if err != nil {
		return fmt.Sprintf("%#v", v)
	}
	return string(b)
}

func copyWithout(m map[string]any) map[string]any {
	out := map[string]any{}
	for k, v := range m {
		if k != "newTag" && k != "digest" {
			out[k] = v
		}
	}
	return out
}
