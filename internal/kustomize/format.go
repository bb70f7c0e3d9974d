package kustomize

import (
	"bytes"
	"strings"

	"sigs.k8s.io/kustomize/kyaml/yaml"
)

// encodePreserving returns the edited document with the original file's
// bytes kept outside the lines the edit touched.
//
// Note on the splice: the lines replaced are yaml.v3's, so a changed line
// gets its comment spacing normalised ("v1   # x" → "v2 # x").
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
	derived := yaml.SequenceIndentStyle(yaml.DeriveSeqIndentStyle(string(orig)))
	// The file's own layout is tried first; yaml.v3 has one indentation
	// width and two sequence styles, so four encodings cover what it can
	// reproduce.
	type layout struct {
		indent int
		style  yaml.SequenceIndentStyle
	}
	w := indentOf(orig)
	other := yaml.CompactSequenceStyle
	if derived == yaml.CompactSequenceStyle {
		other = yaml.WideSequenceStyle
	}
	for _, l := range []layout{{w, derived}, {w, other}, {2, derived}, {2, other}} {
		if out, ok := trySplice(orig, before, after, l.indent, l.style); ok {
			return out, nil
		}
	}
	return encode(after, 2, derived)
}

// trySplice splices the edit into orig using one layout; ok is false when
// the layout does not reproduce orig or the splice would not read back as
// the edited document.
func trySplice(orig []byte, before, after *yaml.RNode, indent int, style yaml.SequenceIndentStyle) ([]byte, bool) {
	b, err := encode(before, indent, style)
	if err != nil {
		return nil, false
	}
	a, err := encode(after, indent, style)
	if err != nil {
		return nil, false
	}
	spliced, ok := splice(orig, b, a)
	if !ok {
		return nil, false
	}
	check, err := parseKustomization(spliced)
	if err != nil {
		return nil, false
	}
	c, err := encode(check, indent, style)
	if err != nil || !bytes.Equal(c, a) {
		return nil, false
	}
	return spliced, true
}

// encode is kyaml's encoding with the file's own indentation width.
func encode(rn *yaml.RNode, indent int, style yaml.SequenceIndentStyle) ([]byte, error) {
	var buf bytes.Buffer
	e := yaml.NewEncoder(&buf)
	e.SetIndent(indent)
	if style == yaml.WideSequenceStyle {
		e.DefaultSeqIndent()
	} else {
		e.CompactSeqIndent()
	}
	if err := e.Encode(rn.Document()); err != nil {
		return nil, err
	}
	if err := e.Close(); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

// indentOf guesses the file's indentation width: the smallest indentation
// of a non-comment line, 2 when nothing is indented or it is unusual.
func indentOf(data []byte) int {
	best := 0
	for _, l := range splitLines(data) {
		t := strings.TrimLeft(l, " ")
		n := len(l) - len(t)
		if n == 0 || strings.TrimSpace(t) == "" || strings.HasPrefix(t, "#") {
			continue
		}
		if best == 0 || n < best {
			best = n
		}
	}
	if best < 2 || best > 8 {
		return 2
	}
	return best
}

// splice maps the change from before to after onto orig; ok is false when
// orig's non-blank lines are not exactly before's lines.
func splice(orig, before, after []byte) ([]byte, bool) {
	lines := splitLines(orig)
	var kept []int // indexes in lines of the non-blank lines
	for i, l := range lines {
		if strings.TrimSpace(l) != "" {
			kept = append(kept, i)
		}
	}
	b, a := splitLines(before), splitLines(after)
	// Line i of before must be non-blank line i of orig, up to the spaces
	// yaml.v3 normalises (before a comment, at the end). The caller checks
	// that the result means the edited document.
	if len(kept) != len(b) {
		return nil, false
	}
	for i, k := range kept {
		if !sameTokens(lines[k], b[i]) || indentWidth(lines[k]) != indentWidth(b[i]) {
			return nil, false
		}
	}
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
	removed, added := b[p:len(b)-s], a[p:len(a)-s]
	for i, l := range added {
		if len(removed) == len(added) {
			// A line edited in place keeps the original's spacing
			// before its comment.
			l = keepCommentSpacing(lines[kept[p+i]], removed[i], l)
		}
		out.WriteString(l)
	}
	for _, l := range lines[end:] {
		out.WriteString(l)
	}
	return out.Bytes(), true
}

// keepCommentSpacing rewrites after (yaml.v3's edited line) with the
// spacing orig (the file's line) has before a trailing comment, when orig
// and before (yaml.v3's unedited line) differ only there.
func keepCommentSpacing(orig, before, after string) string {
	code := func(l string) (string, string, bool) {
		i := strings.LastIndex(l, " #")
		if i < 0 {
			return "", "", false
		}
		return strings.TrimRight(l[:i], " "), l[i:], true
	}
	oc, ocom, ok1 := code(orig)
	bc, bcom, ok2 := code(before)
	ac, acom, ok3 := code(after)
	if !ok1 || !ok2 || !ok3 || oc != bc || bcom != acom || strings.TrimLeft(ocom, " ") != strings.TrimLeft(bcom, " ") {
		return after
	}
	return ac + orig[len(oc):]
}

func sameTokens(x, y string) bool {
	return strings.Join(strings.Fields(x), " ") == strings.Join(strings.Fields(y), " ")
}

func indentWidth(l string) int { return len(l) - len(strings.TrimLeft(l, " ")) }

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
