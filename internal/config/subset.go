package config

import (
	"strings"

	"gopkg.in/yaml.v3"
)

// parseSubset builds the node tree yaml.v3 would build for data, when
// data keeps to the plain subset of YAML gen.yaml is written in: ASCII
// text; block mappings and sequences indented with spaces; flow mappings
// and sequences closed on the line they open; plain, single-quoted and
// double-quoted scalars without escapes, each on one line; comments. It
// reports false on anything else (anchors, tags, block scalars, escapes,
// multi-line scalars, empty values, tabs, non-ASCII text, several
// documents, anything yaml.v3 would refuse), and the caller then asks
// yaml.v3, which also words any error: this parser never does.
//
// Why: yaml.v3 builds a tree through tokens and events, about 2 µs per
// node; the 5,000-app gen.yaml of make bench has 130,000 nodes, and
// parsing it was 60% of Parse and a third of gen promote's CPU.
//
// The nodes carry what decode and validate read (Kind, Tag, Value, the
// quoting Style bits, Line, Column, Content), equal to yaml.v3's: tested
// and fuzzed against it in subset_test.go.
func parseSubset(data []byte) (*yaml.Node, bool) {
	for _, c := range data {
		if c >= 0x7f || (c < ' ' && c != '\n') {
			return nil, false // tabs, CR, controls, non-ASCII: yaml.v3's rules
		}
	}
	p := &subsetParser{src: string(data), line: 1}
	if !p.nextContentLine() || p.col() != 0 || strings.HasPrefix(p.src[p.pos:], "---") || p.src[p.pos] == '%' {
		return nil, false
	}
	root, ok := p.blockNode(0)
	if !ok || p.pos < len(p.src) {
		return nil, false
	}
	return root, true
}

// subsetParser reads src from pos, the first byte not read yet.
type subsetParser struct {
	src       string
	pos       int
	line      int // 1-based line of pos
	lineStart int // offset of that line's first byte
	slab      []yaml.Node
}

// node allocates nodes in blocks: one allocation per 256 nodes.
func (p *subsetParser) node(kind yaml.Kind, tag string) *yaml.Node {
	if len(p.slab) == cap(p.slab) {
		p.slab = make([]yaml.Node, 0, 256)
	}
	p.slab = append(p.slab, yaml.Node{Kind: kind, Tag: tag, Line: p.line, Column: p.col() + 1})
	return &p.slab[len(p.slab)-1]
}

func (p *subsetParser) col() int { return p.pos - p.lineStart }

// peek is the byte at pos, or '\n' at the end of src.
func (p *subsetParser) peek() byte {
	if p.pos < len(p.src) {
		return p.src[p.pos]
	}
	return '\n'
}

func (p *subsetParser) at(s string) bool { return strings.HasPrefix(p.src[p.pos:], s) }

func (p *subsetParser) skipSpaces() {
	for p.pos < len(p.src) && p.src[p.pos] == ' ' {
		p.pos++
	}
}

// endOfLine skips spaces and a comment after a value: it reports false
// when anything else follows on the line.
func (p *subsetParser) endOfLine() bool {
	p.skipSpaces()
	if p.pos > 0 && p.src[p.pos-1] == ' ' {
		p.skipComment()
	}
	return p.peek() == '\n'
}

// skipComment skips a comment that follows a space: "key: # …", "- # …".
func (p *subsetParser) skipComment() {
	if p.peek() == '#' {
		for p.pos < len(p.src) && p.src[p.pos] != '\n' {
			p.pos++
		}
	}
}

// nextContentLine moves from the end of a line to the first byte of the
// next line that holds more than spaces and a comment, reporting false at
// the end of src.
func (p *subsetParser) nextContentLine() bool {
	for p.pos < len(p.src) {
		if p.src[p.pos] == '\n' {
			p.pos++
			p.line++
			p.lineStart = p.pos
			continue
		}
		p.skipSpaces()
		switch p.peek() {
		case '\n':
			continue
		case '#':
			p.skipComment()
			continue
		}
		return true
	}
	return false
}

// blockNode reads the block mapping or sequence whose first line starts
// at pos, in column indent.
func (p *subsetParser) blockNode(indent int) (*yaml.Node, bool) {
	if p.isSequenceEntry() {
		return p.blockSequence(indent)
	}
	return p.blockMapping(indent)
}

func (p *subsetParser) isSequenceEntry() bool {
	return p.peek() == '-' && p.pos+1 <= len(p.src) && (p.pos+1 == len(p.src) || p.src[p.pos+1] == ' ' || p.src[p.pos+1] == '\n')
}

// next moves to the next content line and reports how it continues a
// block in column indent: more entries (same column), the block's end (a
// smaller column, or the end of src), or neither (a larger column: in
// this subset, a scalar going on over lines, which is refused).
func (p *subsetParser) next(indent int) (more, ok bool) {
	if !p.nextContentLine() {
		return false, true
	}
	switch c := p.col(); {
	case c == indent:
		return true, true
	case c < indent:
		return false, true
	}
	return false, false
}

func (p *subsetParser) blockSequence(indent int) (*yaml.Node, bool) {
	seq := p.node(yaml.SequenceNode, "!!seq")
	for {
		if !p.isSequenceEntry() {
			return seq, true // a key after a sequence that is a key's value in the same column
		}
		p.pos++ // '-'
		p.skipSpaces()
		var item *yaml.Node
		var ok bool
		switch {
		case p.peek() == '\n' || p.peek() == '#':
			item, ok = p.nestedBlock(indent)
		case p.isSequenceEntry():
			return nil, false
		case p.isKey():
			item, ok = p.blockMapping(p.col())
			if !ok {
				return nil, false
			}
			seq.Content = append(seq.Content, item)
			if p.pos >= len(p.src) || p.col() < indent {
				return seq, true
			}
			if p.col() > indent {
				return nil, false
			}
			continue
		default:
			item, ok = p.flowOrScalar()
			ok = ok && p.endOfLine()
		}
		if !ok {
			return nil, false
		}
		seq.Content = append(seq.Content, item)
		more, ok := p.next(indent)
		if !ok {
			return nil, false
		}
		if !more {
			return seq, true
		}
	}
}

// nestedBlock reads the block below a "key:" or "-" that ends its line,
// which must be indented more than indent; a sequence may also stand in
// indent's column below a key, which its caller checks.
func (p *subsetParser) nestedBlock(indent int) (*yaml.Node, bool) {
	p.skipComment()
	if !p.nextContentLine() || p.col() <= indent {
		return nil, false // an empty value: a null whose line yaml.v3 places its own way
	}
	return p.blockNode(p.col())
}

func (p *subsetParser) blockMapping(indent int) (*yaml.Node, bool) {
	m := p.node(yaml.MappingNode, "!!map")
	for {
		if p.isSequenceEntry() {
			return nil, false
		}
		key, ok := p.key()
		if !ok {
			return nil, false
		}
		var value *yaml.Node
		p.skipSpaces()
		if c := p.peek(); c == '\n' || c == '#' {
			p.skipComment()
			if !p.nextContentLine() {
				return nil, false
			}
			switch c := p.col(); {
			case c > indent:
				value, ok = p.blockNode(c)
			case c == indent && p.isSequenceEntry():
				value, ok = p.blockSequence(indent)
			default:
				return nil, false
			}
			if !ok {
				return nil, false
			}
			m.Content = append(m.Content, key, value)
			if p.pos >= len(p.src) || p.col() < indent {
				return m, true
			}
			if p.col() > indent {
				return nil, false
			}
			continue
		}
		if value, ok = p.flowOrScalar(); !ok || !p.endOfLine() {
			return nil, false
		}
		m.Content = append(m.Content, key, value)
		more, ok := p.next(indent)
		if !ok {
			return nil, false
		}
		if !more {
			return m, true
		}
	}
}

// isKey reports whether a block mapping key starts at pos: a plain
// scalar followed by ": " or ":" at the end of the line.
func (p *subsetParser) isKey() bool {
	save := *p
	_, ok := p.key()
	*p = save
	return ok
}

// key reads a plain block mapping key and its ':'.
func (p *subsetParser) key() (*yaml.Node, bool) {
	k, ok := p.plain(false)
	if !ok || p.peek() != ':' || p.src[p.pos-1] == ' ' {
		return nil, false // "a : b" is refused here
	}
	p.pos++
	return k, true
}

// plainStart reports whether a plain scalar may start with c here: not
// an indicator (this subset also refuses "-x", "?x" and ":x").
func plainStart(c byte) bool {
	return c != '\n' && c != ' ' && strings.IndexByte("-?:,[]{}#&*!|>'\"%@`", c) < 0
}

// setPlain gives k a plain scalar's value and the tag yaml.v3 resolves
// for it, reporting false for values this subset leaves to yaml.v3: the
// numbers other than decimal integers, timestamps, the merge key.
func (p *subsetParser) setPlain(k *yaml.Node, v string) bool {
	k.Value = v
	switch v {
	case "true", "True", "TRUE", "false", "False", "FALSE":
		k.Tag = "!!bool"
		return true
	case "~", "null", "Null", "NULL":
		k.Tag = "!!null"
		return true
	}
	switch c := v[0]; {
	case c == '<', c == '+', c == '.':
		return false
	case isDigit(c):
		digits := strings.TrimLeft(v, "0123456789")
		switch {
		case digits == "" && (v == "0" || c != '0') && len(v) <= 18:
			k.Tag = "!!int" // what strconv.ParseInt(v, 0, 64) takes
			return true
		case c != '0' && every(digits, func(c byte) bool { return isLower(c) || isUpper(c) }):
			k.Tag = "!!str" // 5m, 128Mi: no number, no timestamp (YYYY-…)
			return true
		}
		return false
	}
	k.Tag = "!!str"
	return true
}

// flowOrScalar reads a value on the rest of the line: a flow mapping or
// sequence, a quoted scalar, or a plain scalar.
func (p *subsetParser) flowOrScalar() (*yaml.Node, bool) {
	switch p.peek() {
	case '{', '[':
		return p.flow()
	case '"', '\'':
		return p.quoted()
	}
	return p.plain(false)
}

// plain reads a plain scalar up to the end of the line, a comment, or
// ": "; in a flow collection also up to , ? [ ] { } (yaml.v3's scanner).
// Callers check what follows it.
func (p *subsetParser) plain(inFlow bool) (*yaml.Node, bool) {
	if !plainStart(p.peek()) {
		return nil, false
	}
	n := p.node(yaml.ScalarNode, "")
	start := p.pos
	stops := "\n:#"
	if inFlow {
		stops = "\n:#,?[]{}"
	}
	for {
		i := strings.IndexAny(p.src[p.pos:], stops)
		if i < 0 {
			p.pos = len(p.src)
			break
		}
		p.pos += i
		c := p.src[p.pos]
		if c == '\n' || (c == ':' && (p.peekAt(1) == ' ' || p.peekAt(1) == '\n')) || (c == '#' && p.src[p.pos-1] == ' ') {
			break
		}
		if inFlow && c != ':' && c != '#' {
			break // , ? [ ] { }
		}
		if inFlow && c == ':' && strings.IndexByte(",?[]{}", p.peekAt(1)) >= 0 {
			return nil, false // "a:," is a scalar "a:" to yaml.v3; refused here
		}
		p.pos++
	}
	end := p.pos
	for end > start && p.src[end-1] == ' ' {
		end--
	}
	if end == start || end-start > 1000 || !p.setPlain(n, p.src[start:end]) {
		return nil, false // yaml.v3 refuses keys over 1024 bytes
	}
	return n, true
}

func (p *subsetParser) peekAt(i int) byte {
	if p.pos+i < len(p.src) {
		return p.src[p.pos+i]
	}
	return '\n'
}

// quoted reads a single- or double-quoted scalar that ends on its line
// and, double-quoted, holds no escape.
func (p *subsetParser) quoted() (*yaml.Node, bool) {
	q := p.src[p.pos]
	n := p.node(yaml.ScalarNode, "!!str")
	p.pos++
	var b strings.Builder
	start := p.pos
	for {
		i := strings.IndexAny(p.src[p.pos:], string(q)+"\n\\")
		if i < 0 {
			return nil, false
		}
		p.pos += i
		switch p.src[p.pos] {
		case '\n':
			return nil, false
		case '\\':
			if q == '"' {
				return nil, false
			}
			p.pos++
			continue
		}
		if q == '\'' && p.peekAt(1) == '\'' { // '' is one quote
			b.WriteString(p.src[start : p.pos+1])
			p.pos += 2
			start = p.pos
			continue
		}
		break
	}
	if b.Len() > 0 {
		b.WriteString(p.src[start:p.pos])
		n.Value = b.String()
	} else {
		n.Value = p.src[start:p.pos]
	}
	p.pos++
	n.Style = yaml.DoubleQuotedStyle
	if q == '\'' {
		n.Style = yaml.SingleQuotedStyle
	}
	return n, true
}

// flow reads a flow mapping or sequence closed on its line, entries
// separated by ", " without a trailing comma.
func (p *subsetParser) flow() (*yaml.Node, bool) {
	open := p.src[p.pos]
	var n *yaml.Node
	closer := byte(']')
	if open == '{' {
		n, closer = p.node(yaml.MappingNode, "!!map"), '}'
	} else {
		n = p.node(yaml.SequenceNode, "!!seq")
	}
	n.Style = yaml.FlowStyle
	p.pos++
	p.skipSpaces()
	if p.peek() == closer {
		p.pos++
		return n, true
	}
	for {
		if open == '{' {
			k, ok := p.plain(true)
			if !ok || p.peek() != ':' || p.peekAt(1) != ' ' {
				return nil, false
			}
			p.pos++
			p.skipSpaces()
			n.Content = append(n.Content, k)
		}
		v, ok := p.flowValue()
		if !ok {
			return nil, false
		}
		n.Content = append(n.Content, v)
		p.skipSpaces()
		switch p.peek() {
		case closer:
			p.pos++
			return n, true
		case ',':
			p.pos++
			p.skipSpaces()
			if c := p.peek(); c == closer || c == ',' {
				return nil, false
			}
		default:
			return nil, false
		}
	}
}

// flowValue reads a value inside a flow collection.
func (p *subsetParser) flowValue() (*yaml.Node, bool) {
	switch p.peek() {
	case '{', '[':
		return p.flow()
	case '"', '\'':
		return p.quoted()
	}
	v, ok := p.plain(true)
	if ok && p.peek() == ':' {
		return nil, false // a pair in a flow sequence
	}
	return v, ok
}
