package render

import (
	"fmt"
	"strings"

	"gopkg.in/yaml.v3"
)

// keptImage is what render keeps of an overlay's images: entry: the
// newTag and digest lines of the entry named From, which belong to the
// commands that commit (gen bump) and are copied verbatim
// (kustomize.KeepVersion). Everything else of the entry, and of the list,
// is render's: Notes name what the file sets otherwise.
type keptImage struct {
	From  string // the entry whose newTag and digest are kept; "" for none
	Notes []string
}

// keepImage picks the entry of an overlay's current content whose newTag
// and digest render keeps: the one for image or, when it is the only
// entry, one for another name (gen.yaml changed the app's image: they
// carry over to the new name). A newName, another field or a second entry
// is reported in Notes (drift that --check names) and dropped. Errors
// never quote the file beyond a key or a short %q value.
func keepImage(current []byte, p, image string) (keptImage, error) {
	var k keptImage
	if current == nil {
		return k, nil
	}
	var doc yaml.Node
	if err := yaml.Unmarshal(current, &doc); err != nil {
		return k, fmt.Errorf("%s: is not valid YAML%s, so its images: entry cannot be kept; fix the file or delete it", p, errLine(err))
	}
	if len(doc.Content) == 0 || doc.Content[0].Kind != yaml.MappingNode {
		return k, fmt.Errorf("%s: is not a YAML mapping, so its images: entry cannot be kept; fix the file or delete it", p)
	}
	images := lookup(doc.Content[0], "images")
	if images == nil {
		return k, nil
	}
	if images.Kind != yaml.SequenceNode {
		k.Notes = append(k.Notes, "images: is not a list")
		return k, nil
	}
	chosen := -1
	for i, e := range images.Content {
		if e.Kind == yaml.MappingNode {
			if n := lookup(e, "name"); n != nil && n.Kind == yaml.ScalarNode && n.Value == image {
				chosen = i
				break
			}
		}
	}
	if chosen < 0 && len(images.Content) == 1 && images.Content[0].Kind == yaml.MappingNode {
		if n := lookup(images.Content[0], "name"); n != nil && n.Kind == yaml.ScalarNode {
			chosen = 0
			k.Notes = append(k.Notes, fmt.Sprintf("images[0].name: %s is not the app's image %s: its newTag and digest carry over to %s", short(n.Value), short(image), short(image)))
		}
	}
	for i, e := range images.Content {
		if i != chosen {
			name := ""
			if e.Kind == yaml.MappingNode {
				if n := lookup(e, "name"); n != nil {
					name = " (name " + shortNode(n) + ")"
				}
			}
			k.Notes = append(k.Notes, fmt.Sprintf("images[%d]%s: an overlay has one entry, for its app's image; gen render removes this one", i, name))
			continue
		}
		k.From = lookup(e, "name").Value
		for j := 0; j+1 < len(e.Content); j += 2 {
			key, val := e.Content[j], e.Content[j+1]
			switch key.Value {
			case "name", "newTag", "digest":
			default:
				k.Notes = append(k.Notes, fmt.Sprintf("%s: %s is render's (only newTag and digest may change); gen render removes it", fieldName(i, key.Value), shortNode(val)))
			}
		}
	}
	return k, nil
}

func lookup(m *yaml.Node, key string) *yaml.Node {
	for i := 0; i+1 < len(m.Content); i += 2 {
		if m.Content[i].Value == key {
			return m.Content[i+1]
		}
	}
	return nil
}

// fieldName names an entry's field; a key that is not plain text is quoted.
func fieldName(i int, key string) string {
	for _, r := range key {
		if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '_' || r == '-' || r == '.') {
			return fmt.Sprintf("images[%d].%q", i, key)
		}
	}
	return fmt.Sprintf("images[%d].%s", i, key)
}

// short quotes a value from a file for a message, cut to 80 bytes.
func short(s string) string {
	if len(s) > 80 {
		s = s[:80] + "…"
	}
	return fmt.Sprintf("%q", s)
}

func shortNode(n *yaml.Node) string {
	if n.Kind == yaml.ScalarNode {
		return short(n.Value)
	}
	return "a non-scalar value"
}

// errLine is " (line N)" from a yaml.v3 error, or "": the error text
// itself may quote the file.
func errLine(err error) string {
	s := err.Error()
	i := strings.Index(s, "line ")
	if i < 0 {
		return ""
	}
	j := i + len("line ")
	for j < len(s) && s[j] >= '0' && s[j] <= '9' {
		j++
	}
	if j == i+len("line ") {
		return ""
	}
	return " (" + s[i:j] + ")"
}
