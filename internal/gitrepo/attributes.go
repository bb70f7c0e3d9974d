package gitrepo

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"strings"
)

// ErrUnsupportedConversion: the file's attributes ask git to run a
// program or re-encode it on the way into the repository; gen cannot
// reproduce that byte for byte, so it refuses instead of committing a
// blob git would not have made.
var ErrUnsupportedConversion = errors.New("gen does not apply this conversion; edit and commit this file with git")

// attrState is one attribute's value for a path: unspecified, set
// ("text"), unset ("-text") or a value ("eol=crlf").
type attrState struct {
	specified bool
	set       bool   // true for "attr", false for "-attr" (when no value)
	value     string // "attr=value"
}

// pathAttributes are the attributes git's check-in conversion reads
// (convert.c): text, eol, crlf (the old spelling), filter,
// working-tree-encoding, ident.
type pathAttributes map[string]attrState

var conversionAttrs = []string{"text", "eol", "crlf", "filter", "working-tree-encoding", "ident"}

// attributesFor collects the attributes of the slash-separated path as
// git does (attr.c): core.attributesFile (or its XDG default), then
// .gitattributes from the worktree root down to the file's directory,
// then $GIT_DIR/info/attributes, each overriding the one before, and
// within a file the later line. "binary" is the built-in macro
// -diff -merge -text; [attr] macros of the other files are expanded.
func (r *Repo) attributesFor(p string) (pathAttributes, error) {
	var files []attrFile
	global := r.config.value("core.attributesfile")
	if global != "" {
		global = expandHome(global, r.getenv)
	} else if xdg := r.getenv("XDG_CONFIG_HOME"); xdg != "" {
		global = filepath.Join(xdg, "git", "attributes")
	} else if home := r.getenv("HOME"); home != "" {
		global = filepath.Join(home, ".config", "git", "attributes")
	}
	if global != "" {
		files = append(files, attrFile{path: global, macros: true})
	}
	var dirs []string // deepest first
	for d := path.Dir(p); d != "." && d != "/"; d = path.Dir(d) {
		dirs = append(dirs, d)
	}
	dirs = append(dirs, "")
	for i := len(dirs) - 1; i >= 0; i-- { // the root's first, the deepest last
		d := dirs[i]
		files = append(files, attrFile{
			path:   filepath.Join(r.root, filepath.FromSlash(d), ".gitattributes"),
			base:   d,
			macros: d == "",
		})
	}
	files = append(files, attrFile{path: filepath.Join(r.commonDir, "info", "attributes"), macros: true})

	macros := map[string][]string{"binary": {"-diff", "-merge", "-text"}}
	attrs := pathAttributes{}
	for _, f := range files {
		if err := f.apply(p, macros, attrs); err != nil {
			return nil, err
		}
	}
	return attrs, nil
}

type attrFile struct {
	path   string
	base   string // directory of the file, relative to the worktree root
	macros bool   // [attr] lines are honoured only at the top level
}

func (f attrFile) apply(p string, macros map[string][]string, attrs pathAttributes) error {
	data, err := os.ReadFile(f.path)
	if errors.Is(err, fs.ErrNotExist) || isNotDir(err) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("read %q: %w", f.path, err)
	}
	sc := bufio.NewScanner(bytes.NewReader(data))
	for sc.Scan() {
		fields := strings.Fields(sc.Text())
		if len(fields) == 0 || strings.HasPrefix(fields[0], "#") {
			continue
		}
		if name, ok := strings.CutPrefix(fields[0], "[attr]"); ok {
			if f.macros {
				macros[name] = fields[1:]
			}
			continue
		}
		if !attrPatternMatches(fields[0], f.base, p) {
			continue
		}
		for _, a := range fields[1:] {
			setAttr(a, macros, attrs, 0)
		}
	}
	return sc.Err()
}

func setAttr(a string, macros map[string][]string, attrs pathAttributes, depth int) {
	var name string
	var st attrState
	switch {
	case strings.HasPrefix(a, "-"):
		name, st = a[1:], attrState{specified: true}
	case strings.HasPrefix(a, "!"):
		name, st = a[1:], attrState{}
	default:
		n, v, hasValue := strings.Cut(a, "=")
		name, st = n, attrState{specified: true, set: !hasValue, value: v}
	}
	attrs[name] = st
	if m, ok := macros[name]; ok && st.specified && st.set && depth < 8 {
		for _, sub := range m {
			setAttr(sub, macros, attrs, depth+1)
		}
	}
}

// attrPatternMatches is attr.c's path_matches: a pattern without "/" is
// matched against the file name at any depth below base; one with a "/"
// against the path relative to base. A pattern naming a directory
// ("dir/") matches no file.
func attrPatternMatches(pattern, base, p string) bool {
	if strings.HasSuffix(pattern, "/") {
		return false
	}
	rel := p
	if base != "" {
		var ok bool
		if rel, ok = strings.CutPrefix(p, base+"/"); !ok {
			return false
		}
	}
	if !strings.Contains(pattern, "/") {
		return wildmatchPath(pattern, path.Base(rel), false)
	}
	return wildmatchPath(strings.TrimPrefix(pattern, "/"), rel, false)
}

// crlfAction is what convert.c calls crlf_action; the output line ending
// is checkin.crlfOut.
type crlfAction int

const (
	crlfBinary crlfAction = iota // no conversion
	crlfText                     // text: CRLF -> LF, always
	crlfAuto                     // text=auto, core.autocrlf: CRLF -> LF unless binary or the index has CRs
)

// checkin is git's conversion of one path between the worktree and a
// blob, both ways.
type checkin struct {
	path   string
	action crlfAction
	// crlfOut: a checkout writes CRLF line endings (convert.c,
	// output_eol): eol=crlf, or text without eol= and core.autocrlf=true or
	// core.eol=crlf.
	crlfOut bool
}

// checkinConversion decides the conversion of path from its attributes
// and core.autocrlf (convert.c, convert_attrs), refusing what only git
// itself can do: a configured filter driver, working-tree-encoding and
// ident.
func (r *Repo) checkinConversion(p string) (checkin, error) {
	attrs, err := r.attributesFor(p)
	if err != nil {
		return checkin{}, err
	}
	if f := attrs["filter"]; f.specified && f.value != "" {
		driver := "filter." + f.value
		if _, clean := r.config.get(driver + ".clean"); clean || r.config.value(driver+".process") != "" {
			return checkin{}, fmt.Errorf("%q has filter %q (.gitattributes) with a clean command: %w", p, f.value, ErrUnsupportedConversion)
		}
		if req, _, _ := r.config.boolValue(driver + ".required"); req {
			return checkin{}, fmt.Errorf("%q has filter %q (.gitattributes), marked required: %w", p, f.value, ErrUnsupportedConversion)
		}
	}
	if e := attrs["working-tree-encoding"]; e.specified && e.value != "" {
		return checkin{}, fmt.Errorf("%q has working-tree-encoding=%s (.gitattributes): %w", p, e.value, ErrUnsupportedConversion)
	}
	if id := attrs["ident"]; id.specified && id.set {
		return checkin{}, fmt.Errorf("%q has the ident attribute ($Id$ expansion): %w", p, ErrUnsupportedConversion)
	}
	text := attrs["text"]
	input := false // crlf=input, the old spelling of text with eol=lf
	if !text.specified {
		// The old spelling: crlf, -crlf, crlf=input.
		if c := attrs["crlf"]; c.specified {
			text = attrState{specified: true, set: c.set || c.value == "input"}
			input = c.value == "input"
		}
	}
	c := checkin{path: p}
	autocrlf := strings.ToLower(r.config.value("core.autocrlf"))
	autocrlfOn, _, _ := r.config.boolValue("core.autocrlf")
	switch {
	case text.specified && text.value == "auto":
		c.action = crlfAuto
	case text.specified && text.set:
		c.action = crlfText
	case text.specified:
		c.action = crlfBinary
	case attrs["eol"].specified && (attrs["eol"].value == "lf" || attrs["eol"].value == "crlf"):
		c.action = crlfText // eol= implies text
	default:
		switch {
		case autocrlf == "input":
			c.action = crlfAuto
			input = true
		case autocrlfOn:
			c.action = crlfAuto
		}
	}
	if c.action != crlfBinary && !input {
		switch eol := attrs["eol"]; {
		case eol.specified && eol.value == "crlf":
			c.crlfOut = true
		case eol.specified && eol.value == "lf":
		case autocrlf == "input":
		case autocrlfOn:
			c.crlfOut = true
		default:
			c.crlfOut = strings.EqualFold(r.config.value("core.eol"), "crlf")
		}
	}
	return c, nil
}

// toGit converts worktree bytes into blob content (convert.c,
// crlf_to_git): CR LF pairs become LF. In the automatic modes nothing
// changes when the content looks binary or when the blob it replaces
// already holds a CR (indexHasCR), so such files round-trip.
func (c checkin) toGit(content []byte, indexHasCR bool) []byte {
	if c.action == crlfBinary || !bytes.Contains(content, []byte("\r\n")) {
		return content
	}
	if c.action == crlfAuto && (indexHasCR || looksBinary(content)) {
		return content
	}
	return bytes.ReplaceAll(content, []byte("\r\n"), []byte("\n"))
}

// toWorktree converts blob content into the bytes a checkout writes
// (convert.c, crlf_to_worktree): each LF not already after a CR becomes
// CR LF when the output is CRLF. In the automatic modes a blob that holds
// a CR already, or looks binary, is written as it is.
func (c checkin) toWorktree(blob []byte) []byte {
	if c.action == crlfBinary || !c.crlfOut || bytes.IndexByte(blob, '\n') < 0 {
		return blob
	}
	if c.action == crlfAuto && (bytes.IndexByte(blob, '\r') >= 0 || looksBinary(blob)) {
		return blob
	}
	out := make([]byte, 0, len(blob)+bytes.Count(blob, []byte("\n")))
	for i, b := range blob {
		if b == '\n' && (i == 0 || blob[i-1] != '\r') {
			out = append(out, '\r')
		}
		out = append(out, b)
	}
	return out
}

// looksBinary is convert.c's convert_is_binary: a NUL, a lone CR, or
// more than one non-printable byte in 128 printable ones.
func looksBinary(b []byte) bool {
	var printable, nonPrintable int
	for i, c := range b {
		switch {
		case c == 0:
			return true
		case c == '\r':
			if i+1 >= len(b) || b[i+1] != '\n' {
				return true
			}
		case c == 127, c < 32 && c != '\n' && c != '\t' && c != '\b' && c != 033 && c != '\f':
			nonPrintable++
		default:
			printable++
		}
	}
	return printable>>7 < nonPrintable
}
