package render

import (
	"bytes"
	"encoding/json"
	"regexp"
)

var (
	plainKey = regexp.MustCompile(`^[A-Za-z][A-Za-z0-9._/-]*$`)
	// yaml11Words read as booleans or null by YAML 1.1 parsers.
	yaml11Words = regexp.MustCompile(`^(?i:y|yes|n|no|true|false|on|off|null)$`)
)

// key writes a mapping key plainly when no YAML parser can read it as
// anything but that string, and quoted otherwise.
func key(s string) string {
	if plainKey.MatchString(s) && !yaml11Words.MatchString(s) {
		return s
	}
	return quote(s)
}

// quote encodes s as a double-quoted YAML scalar. JSON strings are valid
// YAML, so no input can end the scalar or start a new key.
func quote(s string) string {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(s); err != nil {
		panic(err) // strings always encode
	}
	return string(bytes.TrimRight(b.Bytes(), "\n"))
}

// flowJSON encodes v as JSON, which YAML reads as a flow collection.
func flowJSON(v any) string {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		panic(err)
	}
	return string(bytes.TrimRight(b.Bytes(), "\n"))
}
