package validate

import (
	"encoding/json"
	"fmt"
	"io"
	"sort"
	"strings"
)

// Severity says whether a finding fails validation.
type Severity string

const (
	// Error fails validation (exit 1).
	Error Severity = "error"
	// Warning is reported but passes, unless --strict.
	Warning Severity = "warning"
)

// Finding is one problem with one field of one object.
type Finding struct {
	Severity Severity `json:"severity"`
	// Location is the overlay directory or plain file checked, slash-separated
	// and relative to the repository root.
	Location string `json:"location"`
	// File is the file the object was read from, when it differs from
	// Location (an overlay's object comes from a base file).
	File    string `json:"file,omitempty"`
	Kind    string `json:"kind,omitempty"`
	Name    string `json:"name,omitempty"`
	Field   string `json:"field,omitempty"`
	Problem string `json:"problem"`
	Fix     string `json:"fix,omitempty"`
}

// String is the one-line form:
// <overlay or file>: <Kind>/<name>: <field path>: <problem> — <what to do>.
func (f Finding) String() string {
	var b strings.Builder
	b.WriteString(f.Location)
	if f.File != "" && f.File != f.Location {
		fmt.Fprintf(&b, " (%s)", f.File)
	}
	b.WriteString(": ")
	if f.Kind != "" {
		fmt.Fprintf(&b, "%s/%s: ", f.Kind, f.Name)
	}
	if f.Field != "" {
		b.WriteString(f.Field + ": ")
	}
	if f.Severity == Warning {
		b.WriteString("warning: ")
	}
	b.WriteString(f.Problem)
	if f.Fix != "" {
		b.WriteString(" — " + f.Fix)
	}
	return b.String()
}

// Sort orders findings by location, object, field and text, so output is
// the same on every run whatever the build order.
func Sort(fs []Finding) {
	sort.SliceStable(fs, func(i, j int) bool {
		a, b := fs[i], fs[j]
		if a.Location != b.Location {
			return a.Location < b.Location
		}
		if a.Kind != b.Kind {
			return a.Kind < b.Kind
		}
		if a.Name != b.Name {
			return a.Name < b.Name
		}
		if a.Field != b.Field {
			return a.Field < b.Field
		}
		return a.String() < b.String()
	})
}

// HasErrors reports whether any finding fails validation; strict counts
// warnings as errors.
func HasErrors(fs []Finding, strict bool) bool {
	for _, f := range fs {
		if f.Severity == Error || strict {
			return true
		}
	}
	return false
}

// WriteText writes one finding a line.
func WriteText(w io.Writer, fs []Finding) error {
	for _, f := range fs {
		if _, err := fmt.Fprintln(w, f.String()); err != nil {
			return err
		}
	}
	return nil
}

// JSONSchemaVersion versions gen validate -o json.
const JSONSchemaVersion = 1

// Summary is a run's totals: what the text output's summary line says.
type Summary struct {
	Overlays int     `json:"overlays"`
	Files    int     `json:"files"`
	Errors   int     `json:"errors"`
	Warnings int     `json:"warnings"`
	Skipped  Skipped `json:"skipped"`
}

// Skipped counts the files left out as not manifests, by reason, and
// lists them.
type Skipped struct {
	Total    int            `json:"total"`
	ByReason map[string]int `json:"byReason"`
	Files    []Skip         `json:"files"`
}

// Summarize totals a report of overlays overlays and files plain files.
func Summarize(overlays, files int, r Report) Summary {
	s := Summary{Overlays: overlays, Files: files,
		Skipped: Skipped{Total: len(r.Skipped), ByReason: skipCounts(r.Skipped), Files: r.Skipped}}
	if s.Skipped.Files == nil {
		s.Skipped.Files = []Skip{}
	}
	for _, f := range r.Findings {
		if f.Severity == Error {
			s.Errors++
		} else {
			s.Warnings++
		}
	}
	return s
}

// WriteJSON writes the summary and the findings as one JSON object:
// {"schemaVersion", "summary", "findings"}; findings is an empty list,
// not null, when there are none.
func WriteJSON(w io.Writer, s Summary, fs []Finding) error {
	if fs == nil {
		fs = []Finding{}
	}
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(struct {
		SchemaVersion int       `json:"schemaVersion"`
		Summary       Summary   `json:"summary"`
		Findings      []Finding `json:"findings"`
	}{JSONSchemaVersion, s, fs})
}
