package kustomize

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"regexp"
	"strings"
	"unicode"
	"unicode/utf8"

	"sigs.k8s.io/kustomize/kyaml/yaml"
)

// Sentinels for the input errors callers map to usage errors.
var (
	// ErrInvalidTag: the tag does not follow the OCI distribution grammar.
	ErrInvalidTag = errors.New("not a valid image tag ([A-Za-z0-9_][A-Za-z0-9._-]{0,127})")
	// ErrInvalidDigest: the digest is not sha256:<64 lower-case hex digits>.
	ErrInvalidDigest = errors.New("not a valid image digest (sha256:<64 hex digits>)")
	// ErrInvalidImage: the image name is empty or holds characters no image
	// reference can (spaces, control characters, invalid UTF-8, '@').
	ErrInvalidImage = errors.New("not a valid image name")
	// ErrNotKustomization: the bytes are not a single YAML mapping whose
	// images: field (if any) is a list of mappings.
	ErrNotKustomization = errors.New("not an editable kustomization")
)

var digestPattern = regexp.MustCompile(`^sha256:[0-9a-f]{64}$`)

// isTag is the OCI tag grammar, ^[A-Za-z0-9_][A-Za-z0-9._-]{0,127}$,
// matched byte by byte: as a regexp its 128-fold repetition took 1 ms to
// compile at every gen start, and gen.yaml's validation matches it once
// per app (images_test.go checks it against the expression).
func isTag(tag string) bool {
	if tag == "" || len(tag) > 128 || tag[0] == '.' || tag[0] == '-' {
		return false
	}
	for i := 0; i < len(tag); i++ {
		c := tag[i]
		if !('a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || c == '_' || c == '.' || c == '-') {
			return false
		}
	}
	return true
}

// ValidateTag reports whether tag follows the OCI tag grammar.
func ValidateTag(tag string) error {
	if !isTag(tag) {
		return fmt.Errorf("tag %q: %w", tag, ErrInvalidTag)
	}
	return nil
}

// ValidateDigest reports whether digest is a sha256 content digest.
func ValidateDigest(digest string) error {
	if !digestPattern.MatchString(digest) {
		return fmt.Errorf("digest %q: %w", digest, ErrInvalidDigest)
	}
	return nil
}

// ValidateImageName accepts what an images: entry's name can match: a
// reference without tag or digest. It is deliberately loose (kustomize
// matches names literally) but refuses what cannot round-trip through YAML
// or would never match an image.
func ValidateImageName(name string) error {
	ok := name != "" && utf8.ValidString(name) && !strings.ContainsRune(name, '@')
	for _, r := range name {
		if unicode.IsSpace(r) || unicode.IsControl(r) || !unicode.IsPrint(r) {
			ok = false
		}
	}
	if !ok {
		return fmt.Errorf("image %q: %w", name, ErrInvalidImage)
	}
	return nil
}

// Version is what an images: entry pins: a tag, optionally with a digest.
type Version struct {
	Tag    string `json:"tag"`
	Digest string `json:"digest,omitempty"`
}

// String is the reference suffix kustomize builds from the entry:
// "v2", "v2@sha256:…", "@sha256:…" or "" for an entry that pins nothing.
func (v Version) String() string {
	if v.Digest == "" {
		return v.Tag
	}
	return v.Tag + "@" + v.Digest
}

// Image is one entry of a kustomization's images: list.
type Image struct {
	// Name is the image the entry matches in the resources.
	Name string
	// NewName replaces the repository when set.
	NewName string
	Version
}

// Change is one edited images: entry. The zero Change means nothing
// changed: the entry already pinned the requested version.
type Change struct {
	// File is the edited file; the editor leaves it empty, callers that
	// know the path fill it.
	File  string `json:"file,omitempty"`
	Image string `json:"image"`
	// Old is the version before the edit; zero when the entry was added.
	Old Version `json:"old"`
	New Version `json:"new"`
}

// IsZero reports whether c records no change.
func (c Change) IsZero() bool { return c == Change{} }

// Images lists the images: entries of a kustomization in file order.
func Images(data []byte) ([]Image, error) {
	root, err := parseKustomization(data)
	if err != nil {
		return nil, err
	}
	seq, err := imagesSeq(root)
	if err != nil || seq == nil {
		return nil, err
	}
	out := make([]Image, 0, len(seq.Content()))
	for i, item := range seq.Content() {
		img, err := readEntry(yaml.NewRNode(item), i)
		if err != nil {
			return nil, err
		}
		out = append(out, img)
	}
	return out, nil
}

// ReadImage returns the images: entry for name; ok is false when the
// kustomization has none.
func ReadImage(data []byte, name string) (img Image, ok bool, err error) {
	imgs, err := Images(data)
	if err != nil {
		return Image{}, false, err
	}
	found := -1
	for i, im := range imgs {
		if im.Name != name {
			continue
		}
		if found >= 0 {
			return Image{}, false, fmt.Errorf("images[%d] and images[%d] both name %q: %w", found, i, name, ErrNotKustomization)
		}
		found = i
	}
	if found < 0 {
		return Image{}, false, nil
	}
	return imgs[found], true, nil
}

// SetImage pins image name to tag (and digest, when not empty) in the
// kustomization data and returns the new file content with the change it
// made. The edit is a byte splice: only the entry's newTag and digest
// scalars change (or the lines added for them, or for a missing entry or
// images: field); every other byte of the file stays as it was — line
// endings, a byte-order mark, indentation, comments, blank lines, quoting.
// A file that cannot be edited that way (a block-scalar tag, say) is
// refused with ErrNotKustomization rather than re-encoded.
//
// An empty digest removes a digest the entry had: a tag bump must not stay
// pinned to the previous image. When the entry already pins exactly
// tag@digest, SetImage returns data unchanged and a zero Change.
func SetImage(data []byte, name, tag, digest string) ([]byte, Change, error) {
	if err := ValidateImageName(name); err != nil {
		return nil, Change{}, err
	}
	if err := ValidateTag(tag); err != nil {
		return nil, Change{}, err
	}
	if digest != "" {
		if err := ValidateDigest(digest); err != nil {
			return nil, Change{}, err
		}
	}
	// A file saved with CRLF line endings (core.autocrlf, eol=crlf) is
	// edited as LF and given its CRLFs back: the splice keeps every other
	// byte, and the line endings are the file's.
	if crlf := bytes.Count(data, []byte("\r\n")); crlf > 0 && crlf == bytes.Count(data, []byte("\n")) {
		out, ch, err := SetImage(bytes.ReplaceAll(data, []byte("\r\n"), []byte("\n")), name, tag, digest)
		if err != nil {
			return nil, Change{}, err
		}
		if ch.IsZero() {
			return data, ch, nil
		}
		return bytes.ReplaceAll(out, []byte("\n"), []byte("\r\n")), ch, nil
	}
	old, found, err := ReadImage(data, name)
	if err != nil {
		return nil, Change{}, err
	}
	want := Version{Tag: tag, Digest: digest}
	if found && old.Version == want {
		return data, Change{}, nil
	}
	out, err := spliceImage(data, name, tag, digest)
	if err != nil {
		return nil, Change{}, err
	}
	return out, Change{Image: name, Old: old.Version, New: want}, nil
}

// ImageSetter is a kyaml filter over a kustomization's root mapping that
// pins the images: entry Name to Tag (and Digest; empty removes it),
// adding the entry, or the images: field, when missing. Existing scalars
// are edited in place so their comments and quoting survive.
type ImageSetter struct {
	Name   string
	Tag    string
	Digest string
}

var _ yaml.Filter = ImageSetter{}

// Filter edits rn in place and returns it.
func (s ImageSetter) Filter(rn *yaml.RNode) (*yaml.RNode, error) {
	if err := checkRoot(rn); err != nil {
		return nil, err
	}
	seq, err := imagesSeq(rn)
	if err != nil {
		return nil, err
	}
	if seq == nil {
		// SetField copies the node into an existing (null) field, so
		// look the list up again rather than keep the new node.
		if err := rn.PipeE(yaml.SetField("images", yaml.NewListRNode())); err != nil {
			return nil, err
		}
		if seq, err = imagesSeq(rn); err != nil || seq == nil {
			return nil, fmt.Errorf("images: could not be added: %w", ErrNotKustomization)
		}
	}
	var entry *yaml.RNode
	for i, item := range seq.Content() {
		e := yaml.NewRNode(item)
		img, err := readEntry(e, i)
		if err != nil {
			return nil, err
		}
		if img.Name != s.Name {
			continue
		}
		if entry != nil {
			return nil, fmt.Errorf("images: two entries name %q: %w", s.Name, ErrNotKustomization)
		}
		entry = e
	}
	if entry == nil {
		entry = yaml.NewMapRNode(nil)
		if err := entry.PipeE(yaml.SetField("name", yaml.NewStringRNode(s.Name))); err != nil {
			return nil, err
		}
		if err := seq.PipeE(yaml.Append(entry.YNode())); err != nil {
			return nil, err
		}
	}
	if err := setScalar(entry, "newTag", s.Tag); err != nil {
		return nil, err
	}
	if s.Digest == "" {
		_, err := entry.Pipe(yaml.Clear("digest"))
		return rn, err
	}
	return rn, setScalar(entry, "digest", s.Digest)
}

// setScalar sets key to the string value, editing an existing scalar node
// in place (keeping its comments and quote style) or appending the key.
func setScalar(m *yaml.RNode, key, value string) error {
	f := m.Field(key)
	if f == nil {
		v := yaml.NewStringRNode(value)
		v.YNode().Style = styleFor(0, value)
		return m.PipeE(yaml.SetField(key, v))
	}
	n := f.Value.YNode()
	n.Kind = yaml.ScalarNode
	n.Tag = yaml.NodeTagString
	n.Value = value
	n.Content = nil
	n.Style = styleFor(n.Style, value)
	return nil
}

// styleFor keeps a plain or quoted style, and quotes a plain value that a
// YAML 1.1 reader (kustomize's) would take for a number, bool or date.
func styleFor(old yaml.Style, value string) yaml.Style {
	style := old &^ yaml.TaggedStyle
	if style != yaml.SingleQuotedStyle && style != yaml.DoubleQuotedStyle {
		style = 0
	}
	if style == 0 && (yaml.IsValueNonString(value) || !isPlainString(value)) {
		style = yaml.DoubleQuotedStyle
	}
	return style
}

// isPlainString reports whether YAML 1.2 reads value, unquoted, as the
// same string.
func isPlainString(value string) bool {
	var v any
	if err := yaml.Unmarshal([]byte("v: "+value), &v); err != nil {
		return false
	}
	m, ok := v.(map[string]any)
	if !ok {
		return false
	}
	s, ok := m["v"].(string)
	return ok && s == value
}

// parseKustomization decodes data as exactly one YAML document whose root
// is a mapping.
func parseKustomization(data []byte) (*yaml.RNode, error) {
	dec := yaml.NewDecoder(bytes.NewReader(data))
	var doc yaml.Node
	if err := dec.Decode(&doc); err != nil {
		if errors.Is(err, io.EOF) {
			return nil, fmt.Errorf("empty file: %w", ErrNotKustomization)
		}
		return nil, fmt.Errorf("%w: %w", ErrNotKustomization, err)
	}
	var extra yaml.Node
	if err := dec.Decode(&extra); !errors.Is(err, io.EOF) {
		return nil, fmt.Errorf("more than one YAML document: %w", ErrNotKustomization)
	}
	if doc.Kind != yaml.DocumentNode || len(doc.Content) != 1 {
		return nil, fmt.Errorf("empty document: %w", ErrNotKustomization)
	}
	// Decoding to values catches what a node tree lets through and
	// kustomize would reject (duplicate keys, excessive aliasing).
	var v any
	if err := yaml.Unmarshal(data, &v); err != nil {
		return nil, fmt.Errorf("%w: %w", ErrNotKustomization, err)
	}
	root := yaml.NewRNode(&doc)
	if err := checkRoot(root); err != nil {
		return nil, err
	}
	return root, nil
}

// checkRoot accepts a document or mapping node whose keys are unique
// where the edit looks (images), and refuses anchors, aliases and merge
// keys around the images: list: an in-place edit of an anchored node
// would silently change every alias of it.
func checkRoot(rn *yaml.RNode) error {
	m := rn.YNode()
	if m.Kind == yaml.DocumentNode {
		m = m.Content[0]
	}
	if m.Kind != yaml.MappingNode {
		return fmt.Errorf("the document is not a mapping: %w", ErrNotKustomization)
	}
	seen := false
	for i := 0; i+1 < len(m.Content); i += 2 {
		k := m.Content[i]
		if k.Value == "<<" || k.Kind == yaml.AliasNode {
			return fmt.Errorf("merge keys or aliases at the top level are not supported: %w", ErrNotKustomization)
		}
		if k.Value != "images" {
			continue
		}
		if seen {
			return fmt.Errorf("images: appears twice: %w", ErrNotKustomization)
		}
		seen = true
		if err := noAnchors(m.Content[i+1], "images"); err != nil {
			return err
		}
	}
	return nil
}

func noAnchors(n *yaml.Node, where string) error {
	if n.Kind == yaml.AliasNode || n.Anchor != "" {
		return fmt.Errorf("%s uses YAML anchors or aliases; edit it by hand: %w", where, ErrNotKustomization)
	}
	for _, c := range n.Content {
		if err := noAnchors(c, where); err != nil {
			return err
		}
	}
	return nil
}

// imagesSeq returns the images: list, nil when the field is missing or null.
func imagesSeq(root *yaml.RNode) (*yaml.RNode, error) {
	m := root
	if m.YNode().Kind == yaml.DocumentNode {
		m = yaml.NewRNode(m.YNode().Content[0])
	}
	f := m.Field("images")
	if f == nil || yaml.IsMissingOrNull(f.Value) {
		return nil, nil
	}
	if f.Value.YNode().Kind != yaml.SequenceNode {
		return nil, fmt.Errorf("images: is not a list: %w", ErrNotKustomization)
	}
	return f.Value, nil
}

// readEntry decodes images[i], which must be a mapping of unique scalar keys.
func readEntry(e *yaml.RNode, i int) (Image, error) {
	n := e.YNode()
	if n.Kind != yaml.MappingNode {
		return Image{}, fmt.Errorf("images[%d] is not a mapping: %w", i, ErrNotKustomization)
	}
	var img Image
	seen := map[string]bool{}
	for j := 0; j+1 < len(n.Content); j += 2 {
		k, v := n.Content[j], n.Content[j+1]
		if k.Kind != yaml.ScalarNode {
			return Image{}, fmt.Errorf("images[%d] has a non-scalar key: %w", i, ErrNotKustomization)
		}
		if seen[k.Value] {
			return Image{}, fmt.Errorf("images[%d].%s appears twice: %w", i, k.Value, ErrNotKustomization)
		}
		seen[k.Value] = true
		var dst *string
		switch k.Value {
		case "name":
			dst = &img.Name
		case "newName":
			dst = &img.NewName
		case "newTag":
			dst = &img.Tag
		case "digest":
			dst = &img.Digest
		default:
			continue
		}
		if v.Kind != yaml.ScalarNode {
			return Image{}, fmt.Errorf("images[%d].%s is not a string: %w", i, k.Value, ErrNotKustomization)
		}
		if v.ShortTag() != yaml.NodeTagNull {
			*dst = v.Value
		}
	}
	return img, nil
}

// sameNode reports whether x and y are the same YAML data: kinds, resolved
// tags and values, aliases followed; style, comments and positions aside.
// budget bounds the nodes visited (aliases can multiply them).
func sameNode(x, y *yaml.Node, budget *int) bool {
	*budget--
	if *budget < 0 {
		return false
	}
	for x.Kind == yaml.AliasNode && x.Alias != nil {
		x = x.Alias
	}
	for y.Kind == yaml.AliasNode && y.Alias != nil {
		y = y.Alias
	}
	if x.Kind != y.Kind || len(x.Content) != len(y.Content) {
		return false
	}
	if x.Kind == yaml.ScalarNode && (x.ShortTag() != y.ShortTag() || x.Value != y.Value) {
		return false
	}
	for i := range x.Content {
		if !sameNode(x.Content[i], y.Content[i], budget) {
			return false
		}
	}
	return true
}
