package kustomize

import (
	"bytes"
	"fmt"
	"sort"
	"strconv"
	"strings"
	"unicode/utf8"

	"sigs.k8s.io/kustomize/kyaml/yaml"
)

// An edit of an existing file is a list of byte splices: the parsed
// document only locates the scalars to change (or the place to insert),
// and every byte outside the spliced ranges stays as it was — line
// endings, a byte-order mark, indentation, comment spacing, blank lines,
// quoting of other entries, anchors elsewhere. kyaml's encoder is used only
// to generate new files, never to rewrite an existing one.

// splice replaces src[start:end] with text.
type splice struct {
	start, end int
	text       string
}

// apply returns src with the splices (sorted, not overlapping) applied.
func apply(src []byte, edits []splice) []byte {
	var out bytes.Buffer
	at := 0
	for _, e := range edits {
		out.Write(src[at:e.start])
		out.WriteString(e.text)
		at = e.end
	}
	out.Write(src[at:])
	return out.Bytes()
}

// source is a file prepared for splicing: its bytes without a BOM, the
// offsets of its lines and its line ending.
type source struct {
	bom   string
	data  []byte
	lines []int // byte offset of each line's first byte
	eol   string
}

const bomUTF8 = "\xef\xbb\xbf"

func newSource(data []byte) *source {
	s := &source{data: data, eol: "\n"}
	if bytes.HasPrefix(data, []byte(bomUTF8)) {
		s.bom, s.data = bomUTF8, data[len(bomUTF8):]
	}
	if i := bytes.IndexByte(s.data, '\n'); i > 0 && s.data[i-1] == '\r' {
		s.eol = "\r\n"
	}
	s.lines = append(s.lines, 0)
	for i, c := range s.data {
		if c == '\n' {
			s.lines = append(s.lines, i+1)
		}
	}
	return s
}

// offset is the byte offset of yaml.v3's 1-based line and column (columns
// count characters); ok is false when the position is not in the file.
func (s *source) offset(line, col int) (int, bool) {
	if line < 1 || line > len(s.lines) || col < 1 {
		return 0, false
	}
	off := s.lines[line-1]
	for i := 1; i < col; i++ {
		if off >= len(s.data) || s.data[off] == '\n' {
			return 0, false
		}
		_, n := utf8.DecodeRune(s.data[off:])
		off += n
	}
	return off, true
}

// lineEnd is the offset just past the line ending of the line holding off
// (len(data) on a last line without one).
func (s *source) lineEnd(off int) int {
	if i := bytes.IndexByte(s.data[off:], '\n'); i >= 0 {
		return off + i + 1
	}
	return len(s.data)
}

// lineStart is the offset of the first byte of the line holding off.
func (s *source) lineStart(off int) int {
	return bytes.LastIndexByte(s.data[:off], '\n') + 1
}

// start is the offset where n's text begins, past any tag or anchor.
func (s *source) start(n *yaml.Node) (int, bool) {
	off, ok := s.offset(n.Line, n.Column)
	if !ok {
		return 0, false
	}
	for off < len(s.data) && (s.data[off] == '!' || s.data[off] == '&') {
		for off < len(s.data) && !isBlank(s.data[off]) {
			off++
		}
		for off < len(s.data) && isBlank(s.data[off]) {
			off++
		}
	}
	return off, true
}

func isBlank(c byte) bool { return c == ' ' || c == '\t' || c == '\r' || c == '\n' }

// scalarRange is the byte range of a scalar's text (quotes included).
// Block scalars (| and >) and plain scalars spanning lines are not
// located: ok is false.
func (s *source) scalarRange(n *yaml.Node) (start, end int, ok bool) {
	if n.Kind != yaml.ScalarNode {
		return 0, 0, false
	}
	start, ok = s.start(n)
	if !ok || start > len(s.data) {
		return 0, 0, false
	}
	d := s.data
	switch n.Style &^ yaml.TaggedStyle {
	case yaml.DoubleQuotedStyle:
		if start >= len(d) || d[start] != '"' {
			return 0, 0, false
		}
		for i := start + 1; i < len(d); i++ {
			switch d[i] {
			case '\\':
				i++
			case '"':
				return start, i + 1, true
			}
		}
	case yaml.SingleQuotedStyle:
		if start >= len(d) || d[start] != '\'' {
			return 0, 0, false
		}
		for i := start + 1; i < len(d); i++ {
			if d[i] != '\'' {
				continue
			}
			if i+1 < len(d) && d[i+1] == '\'' {
				i++
				continue
			}
			return start, i + 1, true
		}
	case 0, yaml.FlowStyle:
		// A one-line plain scalar is its value, byte for byte.
		if n.Value != "" && bytes.HasPrefix(d[start:], []byte(n.Value)) {
			return start, start + len(n.Value), true
		}
	}
	return 0, 0, false
}

// nodeEnd is the offset just past n's text.
func (s *source) nodeEnd(n *yaml.Node) (int, bool) {
	switch n.Kind {
	case yaml.ScalarNode:
		_, end, ok := s.scalarRange(n)
		return end, ok
	case yaml.AliasNode:
		start, ok := s.offset(n.Line, n.Column)
		if !ok {
			return 0, false
		}
		end := start + 1
		for end < len(s.data) && !isBlank(s.data[end]) && !strings.ContainsRune(",]}", rune(s.data[end])) {
			end++
		}
		return end, true
	case yaml.MappingNode, yaml.SequenceNode:
		if n.Style&yaml.FlowStyle == 0 {
			if len(n.Content) == 0 {
				return 0, false
			}
			return s.nodeEnd(n.Content[len(n.Content)-1])
		}
		at, ok := s.start(n)
		if !ok {
			return 0, false
		}
		if len(n.Content) > 0 {
			if at, ok = s.nodeEnd(n.Content[len(n.Content)-1]); !ok {
				return 0, false
			}
		} else {
			at++ // past the opening bracket
		}
		closing := byte(']')
		if n.Kind == yaml.MappingNode {
			closing = '}'
		}
		i, ok := s.skipToByte(at, closing)
		return i + 1, ok
	}
	return 0, false
}

// skipToByte finds want after off, skipping blanks, commas and comments.
func (s *source) skipToByte(off int, want byte) (int, bool) {
	for i := off; i < len(s.data); i++ {
		switch c := s.data[i]; {
		case c == want:
			return i, true
		case c == '#':
			i = s.lineEnd(i) - 1
		case isBlank(c) || c == ',':
		default:
			return 0, false
		}
	}
	return 0, false
}

// closing is the offset of a flow collection's closing bracket.
func (s *source) closing(n *yaml.Node) (int, bool) {
	end, ok := s.nodeEnd(n)
	return end - 1, ok
}

// indentOfNode is n's column as spaces: the indentation of a key of the
// mapping n starts, or of an item.
func indentOfNode(n *yaml.Node) string { return strings.Repeat(" ", n.Column-1) }

// quoteScalar writes value as a YAML scalar: plain when YAML 1.1 and 1.2
// readers both take it for that string, else as requested (double-quoted
// by default; Go's escapes are a subset of YAML's).
func quoteScalar(value string, style yaml.Style) string {
	style = styleFor(style, value)
	switch style {
	case yaml.SingleQuotedStyle:
		if !strings.ContainsAny(value, "'\n") {
			return "'" + value + "'"
		}
	case 0:
		return value
	}
	return strconv.Quote(value)
}

// spliceSetImage computes the splices that pin name to tag and digest in
// the document root (a mapping) of src.
func spliceSetImage(src *source, root *yaml.Node, name, tag, digest string) ([]splice, error) {
	var (
		edits []splice
		ok    = true
	)
	fail := func(what string) error {
		return fmt.Errorf("%s cannot be edited without rewriting more than the images: entry; edit it by hand: %w", what, ErrNotKustomization)
	}
	imagesKey, images := field(root, "images")
	newEntry := func(flow bool, indent, first string) string {
		fields := []string{"name: " + quoteScalar(name, 0), "newTag: " + quoteScalar(tag, 0)}
		if digest != "" {
			fields = append(fields, "digest: "+quoteScalar(digest, 0))
		}
		if flow {
			return "{" + strings.Join(fields, ", ") + "}"
		}
		var b strings.Builder
		for i, f := range fields {
			if i == 0 {
				b.WriteString(first)
			} else {
				b.WriteString(indent)
			}
			b.WriteString(f + src.eol)
		}
		return b.String()
	}
	switch {
	case images == nil || (images.Kind == yaml.ScalarNode && images.ShortTag() == yaml.NodeTagNull):
		// No images: field, or a null one: add the list.
		if root.Style&yaml.FlowStyle != 0 {
			if images != nil {
				return nil, fail("a null images: in a flow mapping")
			}
			at, ok := src.closing(root)
			if !ok {
				return nil, fail("the document")
			}
			sep := ", "
			if len(root.Content) == 0 {
				sep = ""
			}
			return []splice{{at, at, sep + "images: [" + newEntry(true, "", "") + "]"}}, nil
		}
		keyIndent := "" // the root's keys start at its column
		if len(root.Content) > 0 {
			keyIndent = indentOfNode(root.Content[0])
		}
		seqIndent := keyIndent
		if yaml.SequenceIndentStyle(yaml.DeriveSeqIndentStyle(string(src.data))) == yaml.WideSequenceStyle {
			seqIndent += strings.Repeat(" ", indentOf(src.data))
		}
		item := newEntry(false, seqIndent+"  ", seqIndent+"- ")
		if images != nil {
			// "images:", "images: ~" or "images: null": drop the null,
			// put the list on the following lines.
			keyStart, _ := src.start(imagesKey)
			colon := keyStart + len(imagesKey.Value)
			for colon < len(src.data) && src.data[colon] != ':' {
				colon++
			}
			cut := colon + 1
			if images.Value != "" {
				s, e, ok := src.scalarRange(images)
				if !ok || src.lineStart(s) != src.lineStart(keyStart) {
					return nil, fail("images:")
				}
				cut = e
				edits = append(edits, splice{colon + 1, e, ""})
			}
			at := src.lineEnd(cut)
			prefix := ""
			if at == len(src.data) && (at == 0 || src.data[at-1] != '\n') {
				prefix = src.eol
			}
			return append(edits, splice{at, at, prefix + item}), nil
		}
		// After the last field; at the end of the file when that field
		// (a block scalar, say) cannot be located.
		at := len(src.data)
		if len(root.Content) > 0 {
			if end, ok := src.nodeEnd(root.Content[len(root.Content)-1]); ok {
				at = src.lineEnd(end)
			}
		}
		prefix := ""
		if at > 0 && src.data[at-1] != '\n' {
			prefix = src.eol
		}
		return []splice{{at, at, prefix + keyIndent + "images:" + src.eol + item}}, nil
	case images.Kind != yaml.SequenceNode:
		return nil, fmt.Errorf("images: is not a list: %w", ErrNotKustomization)
	}

	var entry *yaml.Node
	for _, item := range images.Content {
		if _, n := field(item, "name"); n != nil && n.Value == name {
			entry = item
		}
	}
	if entry == nil {
		// Append a new entry after the last one.
		if images.Style&yaml.FlowStyle != 0 {
			at, ok := src.closing(images)
			if !ok {
				return nil, fail("images:")
			}
			sep := ", "
			if len(images.Content) == 0 {
				sep = ""
			}
			if len(images.Content) > 0 {
				if at, ok = src.nodeEnd(images.Content[len(images.Content)-1]); !ok {
					return nil, fail("images:")
				}
			}
			return []splice{{at, at, sep + newEntry(true, "", "")}}, nil
		}
		first := images.Content[0]
		firstStart, ok1 := src.start(first)
		last := images.Content[len(images.Content)-1]
		end, ok2 := src.nodeEnd(last)
		if !ok1 || !ok2 {
			return nil, fail("images:")
		}
		ls := src.lineStart(firstStart)
		dash := bytes.IndexByte(src.data[ls:firstStart], '-')
		if dash < 0 || strings.TrimLeft(string(src.data[ls:ls+dash]), " ") != "" {
			return nil, fail("images:")
		}
		lead := string(src.data[ls:firstStart]) // "  - "
		at := src.lineEnd(end)
		prefix := ""
		if at > 0 && src.data[at-1] != '\n' {
			prefix = src.eol
		}
		return []splice{{at, at, prefix + newEntry(false, indentOfNode(first), lead)}}, nil
	}
	if entry.Kind != yaml.MappingNode {
		return nil, fail("the images: entry")
	}

	// The entry exists: replace or insert newTag, then digest.
	var inserts []string
	set := func(key, value string) {
		k, v := field(entry, key)
		if v == nil {
			inserts = append(inserts, key+": "+quoteScalar(value, 0))
			return
		}
		if v.Kind == yaml.ScalarNode && v.Value == value && v.ShortTag() == yaml.NodeTagString {
			return
		}
		if v.Kind == yaml.ScalarNode && v.Value == "" && v.Style&^yaml.TaggedStyle == 0 {
			// "newTag:" with nothing after the colon.
			ks, kok := src.start(k)
			if !kok {
				ok = false
				return
			}
			colon := bytes.IndexByte(src.data[ks:], ':')
			if colon < 0 || v.Style&yaml.TaggedStyle != 0 {
				ok = false
				return
			}
			at := ks + colon + 1
			edits = append(edits, splice{at, at, " " + quoteScalar(value, 0)})
			return
		}
		s, e, sok := src.scalarRange(v)
		if !sok {
			ok = false
			return
		}
		edits = append(edits, splice{s, e, quoteScalar(value, v.Style&^yaml.TaggedStyle)})
	}
	set("newTag", tag)
	if digest != "" {
		set("digest", digest)
	} else if k, v := field(entry, "digest"); v != nil {
		e, err := src.removePair(entry, k, v)
		if err != nil {
			return nil, fail("the digest of the images: entry")
		}
		edits = append(edits, e)
	}
	if !ok {
		return nil, fail("the images: entry")
	}
	if len(inserts) > 0 {
		end, ok := src.nodeEnd(entry.Content[len(entry.Content)-1])
		if !ok {
			return nil, fail("the images: entry")
		}
		if entry.Style&yaml.FlowStyle != 0 {
			edits = append(edits, splice{end, end, ", " + strings.Join(inserts, ", ")})
		} else {
			at := src.lineEnd(end)
			prefix := ""
			if at > 0 && src.data[at-1] != '\n' {
				prefix = src.eol
			}
			indent := indentOfNode(entry.Content[0])
			var b strings.Builder
			b.WriteString(prefix)
			for _, l := range inserts {
				b.WriteString(indent + l + src.eol)
			}
			edits = append(edits, splice{at, at, b.String()})
		}
	}
	sort.SliceStable(edits, func(i, j int) bool { return edits[i].start < edits[j].start })
	return edits, nil
}

// removePair is the splice that deletes key k (value v) from mapping m:
// its whole lines in a block mapping, ", k: v" in a flow one; a first
// pair is removed up to the next key.
func (s *source) removePair(m, k, v *yaml.Node) (splice, error) {
	bad := fmt.Errorf("cannot remove %s", k.Value)
	ks, ok1 := s.start(k)
	ve, ok2 := s.nodeEnd(v)
	if !ok1 || !ok2 {
		return splice{}, bad
	}
	if m.Content[0] == k {
		if len(m.Content) < 4 {
			return splice{}, bad
		}
		next, ok := s.start(m.Content[2])
		if !ok {
			return splice{}, bad
		}
		return splice{ks, next, ""}, nil
	}
	if m.Style&yaml.FlowStyle != 0 {
		prev, ok := s.nodeEnd(m.Content[indexOf(m, k)-1])
		if !ok {
			return splice{}, bad
		}
		return splice{prev, ve, ""}, nil
	}
	ls := s.lineStart(ks)
	if strings.TrimLeft(string(s.data[ls:ks]), " ") != "" {
		return splice{}, bad
	}
	le := s.lineEnd(ve)
	if rest := strings.TrimSpace(string(s.data[ve:le])); rest != "" && !strings.HasPrefix(rest, "#") {
		return splice{}, bad
	}
	return splice{ls, le, ""}, nil
}

func indexOf(m, n *yaml.Node) int {
	for i, c := range m.Content {
		if c == n {
			return i
		}
	}
	return -1
}

// field returns the key and value nodes of key in mapping m (nil, nil when
// absent or m is no mapping).
func field(m *yaml.Node, key string) (k, v *yaml.Node) {
	if m == nil || m.Kind != yaml.MappingNode {
		return nil, nil
	}
	for i := 0; i+1 < len(m.Content); i += 2 {
		if m.Content[i].Value == key {
			return m.Content[i], m.Content[i+1]
		}
	}
	return nil, nil
}

// spliceImage is SetImage's edit: the splices, applied and checked to read
// back as exactly the document kyaml's ImageSetter would make.
func spliceImage(data []byte, name, tag, digest string) ([]byte, error) {
	src := newSource(data)
	edits, err := spliceEditsFor(src, name, tag, digest)
	if err != nil {
		return nil, err
	}
	return []byte(src.bom + string(apply(src.data, edits))), nil
}

// spliceEditsFor computes and verifies the splices on src.
func spliceEditsFor(src *source, name, tag, digest string) ([]splice, error) {
	root, err := parseKustomization(src.data)
	if err != nil {
		return nil, err
	}
	want := root.Copy()
	if err := want.PipeE(ImageSetter{Name: name, Tag: tag, Digest: digest}); err != nil {
		return nil, err
	}
	edits, err := spliceSetImage(src, root.YNode(), name, tag, digest)
	if err != nil {
		return nil, err
	}
	for i := 1; i < len(edits); i++ {
		if edits[i].start < edits[i-1].end {
			return nil, fmt.Errorf("overlapping edits of the images: entry: %w", ErrNotKustomization)
		}
	}
	// The splice must read back as the edited document, whatever the
	// file held (an anchor elsewhere, an odd line break): else refuse.
	check, err := parseKustomization(apply(src.data, edits))
	budget := 1 << 16
	if err != nil || !sameNode(check.YNode(), want.YNode(), &budget) {
		return nil, fmt.Errorf("the file cannot be edited without changing more than the images: entry; edit it by hand: %w", ErrNotKustomization)
	}
	return edits, nil
}

// indentOf guesses the file's indentation width: the smallest indentation
// of a non-comment line, 2 when nothing is indented or it is unusual.
func indentOf(data []byte) int {
	best := 0
	for _, l := range strings.Split(string(data), "\n") {
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

// KeepVersion is for render (issue 13.3): rendered is a kustomization gen
// generates, old the file on disk. It returns rendered with its images:
// entry for name pinned exactly as old's entry for oldName pins it: old's
// newTag and digest lines are copied verbatim (quoting and trailing
// comment included), a key old's entry lacks is removed, so the commands
// that commit own those two lines and render never rewrites them. oldName
// differs from name when gen.yaml changed the app's image: the tag and
// digest are carried over to the new name. Without an entry for oldName in
// old, rendered is returned unchanged. The Change says what rendered's
// entry pinned (Old) and what it pins now (New); it is zero when rendered
// already was the result.
func KeepVersion(rendered []byte, name string, old []byte, oldName string) ([]byte, Change, error) {
	kept, found, err := ReadImage(old, oldName)
	if err != nil || !found {
		return rendered, Change{}, err
	}
	cur, found, err := ReadImage(rendered, name)
	if err != nil {
		return nil, Change{}, err
	}
	if !found {
		return nil, Change{}, fmt.Errorf("the rendered file has no images: entry for %q: %w", name, ErrNotKustomization)
	}
	osrc, rsrc := newSource(old), newSource(rendered)
	oroot, err := parseKustomization(osrc.data)
	if err != nil {
		return nil, Change{}, err
	}
	rroot, err := parseKustomization(rsrc.data)
	if err != nil {
		return nil, Change{}, err
	}
	oentry, rentry := entryOf(oroot.YNode(), oldName), entryOf(rroot.YNode(), name)
	var edits []splice
	var inserts []string
	for _, key := range []string{"newTag", "digest"} {
		ok, ov := field(oentry, key)
		rk, rv := field(rentry, key)
		switch {
		case ov == nil && rv == nil:
		case ov == nil:
			e, err := rsrc.removePair(rentry, rk, rv)
			if err != nil {
				return nil, Change{}, fmt.Errorf("images: %s: %w", key, ErrNotKustomization)
			}
			edits = append(edits, e)
		default:
			raw, ok1 := osrc.pairText(oentry, ok, ov)
			if !ok1 {
				return nil, Change{}, fmt.Errorf("%s's images: %s cannot be copied verbatim: %w", oldName, key, ErrNotKustomization)
			}
			if rv == nil {
				inserts = append(inserts, raw)
				continue
			}
			start, _ := rsrc.start(rk)
			end, ok2 := rsrc.pairTextEnd(rentry, rv)
			if !ok2 {
				return nil, Change{}, fmt.Errorf("the rendered images: %s cannot be replaced: %w", key, ErrNotKustomization)
			}
			edits = append(edits, splice{start, end, raw})
		}
	}
	if len(inserts) > 0 {
		end, ok := rsrc.nodeEnd(rentry.Content[len(rentry.Content)-1])
		if !ok || rentry.Style&yaml.FlowStyle != 0 {
			return nil, Change{}, fmt.Errorf("the rendered images: entry: %w", ErrNotKustomization)
		}
		at := rsrc.lineEnd(end)
		prefix := ""
		if at > 0 && rsrc.data[at-1] != '\n' {
			prefix = rsrc.eol
		}
		var b strings.Builder
		b.WriteString(prefix)
		for _, l := range inserts {
			b.WriteString(indentOfNode(rentry.Content[0]) + l + rsrc.eol)
		}
		edits = append(edits, splice{at, at, b.String()})
	}
	sort.SliceStable(edits, func(i, j int) bool { return edits[i].start < edits[j].start })
	out := []byte(rsrc.bom + string(apply(rsrc.data, edits)))
	got, found, err := ReadImage(out, name)
	if err != nil || !found || got.Version != kept.Version {
		return nil, Change{}, fmt.Errorf("%s's images: newTag and digest cannot be copied verbatim; edit it by hand: %w", oldName, ErrNotKustomization)
	}
	if bytes.Equal(out, rendered) {
		return out, Change{}, nil
	}
	return out, Change{Image: name, Old: cur.Version, New: kept.Version}, nil
}

// entryOf is the images: entry (a mapping) naming name, or nil.
func entryOf(root *yaml.Node, name string) *yaml.Node {
	_, images := field(root, "images")
	if images == nil || images.Kind != yaml.SequenceNode {
		return nil
	}
	for _, item := range images.Content {
		if _, n := field(item, "name"); n != nil && n.Value == name {
			return item
		}
	}
	return nil
}

// pairText is a pair's text as written: from its key to the end of its
// value, with the rest of the line (a comment) in a block mapping.
func (s *source) pairText(m, k, v *yaml.Node) (string, bool) {
	start, ok := s.start(k)
	if !ok {
		return "", false
	}
	end, ok := s.pairTextEnd(m, v)
	if !ok {
		return "", false
	}
	return string(s.data[start:end]), true
}

// pairTextEnd is where a pair's text ends: past its value, and in a block
// mapping past the comment on the value's last line (line ending
// excluded).
func (s *source) pairTextEnd(m, v *yaml.Node) (int, bool) {
	end, ok := s.nodeEnd(v)
	if !ok || m.Style&yaml.FlowStyle != 0 {
		return end, ok
	}
	le := s.lineEnd(end)
	rest := strings.TrimRight(string(s.data[end:le]), "\r\n")
	if t := strings.TrimSpace(rest); t != "" && !strings.HasPrefix(t, "#") {
		return 0, false
	}
	return end + len(rest), true
}
