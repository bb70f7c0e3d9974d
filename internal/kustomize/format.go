package kustomize

import (
	"bytes"
	"strings"

	"sigs.k8s.io/kustomize/kyaml/yaml"
)

// encodePreserving returns the edited document with the original file's
// bytes kept outside the lines the edit touched.
//
// kyaml (yaml.v3) re-encodes a document without its blank lines, trailing
// spaces or an indentation other than two spaces, so a plain round trip
// would turn a one-line bump into a reformatting diff. Instead: encode the
// unedited document (before) and the edited one (after); when before is
// exactly the original minus its blank lines, the original's non-blank
// lines map one to one onto before's lines, and the edit is the run of
// lines between the common prefix and suffix of before and after. That run
// is spliced into the original. Any other file gets kyaml's formatting, and
// so does a splice that would not read back as the edited document.
func encodePreserving(orig []byte, before, after *yaml.RNode) ([]byte, error) {
	opts := &yaml.EncoderOptions{SeqIndent: yaml.SequenceIndentStyle(yaml.DeriveSeqIndentStyle(string(orig)))}
	b, err := yaml.MarshalWithOptions(before.Document(), opts)
	if err != nil {
		return nil, err
	}
	a, err := yaml.MarshalWithOptions(after.Document(), opts)
	if err != nil {
		return nil, err
	}
	spliced, ok := splice(orig, b, a)
	if !ok {
		return a, nil
	}
	// The splice must mean what the edited document means.
	check, err := parseKustomization(spliced)
	if err != nil {
		return a, nil
	}
	c, err := yaml.MarshalWithOptions(check.Document(), opts)
	if err != nil || !bytes.Equal(c, a) {
		return a, nil
	}
	return spliced, nil
}

// splice maps the change from before to after onto orig; ok is false when
// orig's non-blank lines are not exactly before's lines.
func splice(orig, before, after []byte) ([]byte, bool) {
	lines := splitLines(orig)
	var kept []int // indexes in lines of the non-blank lines
	var nonBlank strings.Builder
	for i, l := range lines {
		if strings.TrimSpace(l) == "" {
			continue
		}
		kept = append(kept, i)
		nonBlank.WriteString(l)
		if !strings.HasSuffix(l, "\n") {
			nonBlank.WriteString("\n")
		}
	}
	if nonBlank.String() != string(before) {
		return nil, false
	}
	b, a := splitLines(before), splitLines(after)
	p := 0
	for p < len(b) && p < len(a) && b[p] == a[p] {
		p++
	}
	s := 0
	for s < len(b)-p && s < len(a)-p && b[len(b)-1-s] == a[len(a)-1-s] {
		s++
	}
	// Lines [p, len(b)-s) of before become lines [p, len(a)-s) of after.
	var start int // first orig line replaced (blank lines before it stay)
	switch {
	case p < len(kept):
		start = kept[p]
	case len(kept) > 0:
		start = kept[len(kept)-1] + 1
	}
	end := start // first orig line kept after the edit
	if removed := len(b) - s - p; removed > 0 {
		end = kept[p+removed-1] + 1
	}
	var out bytes.Buffer
	for _, l := range lines[:start] {
		out.WriteString(l)
	}
	if start > 0 && !strings.HasSuffix(lines[start-1], "\n") {
		out.WriteString("\n")
	}
	for _, l := range a[p : len(a)-s] {
		out.WriteString(l)
	}
	for _, l := range lines[end:] {
		out.WriteString(l)
	}
	return out.Bytes(), true
}

// splitLines splits after each "\n", keeping it.
func splitLines(b []byte) []string {
	var out []string
	for len(b) > 0 {
		i := bytes.IndexByte(b, '\n')
		if i < 0 {
			out = append(out, string(b))
			break
		}
		out = append(out, string(b[:i+1]))
		b = b[i+1:]
	}
	return out
}
