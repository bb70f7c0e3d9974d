package probe

import (
	"encoding/json"
	"fmt"
	"regexp"
	"strings"
)

// Extractor turns a response body into the version that answered.
type Extractor func(body []byte) (string, error)

// SeedFormat reads the seed's answer, {"message":"v2"}.
func SeedFormat() Extractor { return JSONField("message") }

// JSONField reads a top-level or dotted (a.b.c) field of a JSON object;
// numbers and booleans are taken as written.
func JSONField(path string) Extractor {
	keys := strings.Split(path, ".")
	return func(body []byte) (string, error) {
		var v any
		if err := json.Unmarshal(body, &v); err != nil {
			return "", errUnparsable
		}
		for _, k := range keys {
			m, ok := v.(map[string]any)
			if !ok {
				return "", errUnparsable
			}
			if v, ok = m[k]; !ok {
				return "", errUnparsable
			}
		}
		switch x := v.(type) {
		case string:
			return x, nil
		case float64, bool:
			return fmt.Sprint(x), nil
		}
		return "", errUnparsable
	}
}

// Regexp returns the first capture group (or the whole match when the
// expression has none) of the first match in the body.
func Regexp(expr string) (Extractor, error) {
	re, err := regexp.Compile(expr)
	if err != nil {
		return nil, err
	}
	if re.NumSubexp() > 1 {
		return nil, fmt.Errorf("%q has %d capture groups; use at most one", expr, re.NumSubexp())
	}
	return func(body []byte) (string, error) {
		m := re.FindSubmatch(body)
		if m == nil {
			return "", errUnparsable
		}
		return string(m[len(m)-1]), nil
	}, nil
}
