package cli

import (
	"encoding/json"
	"errors"
	"fmt"
	"strings"

	"github.com/spf13/cobra"

	"github.com/rolloutgen/rolloutgen/internal/config"
	"github.com/rolloutgen/rolloutgen/internal/errinfo"
)

// Exit codes, as fixed by the project's decisions: 0 ok; 1 drift, findings
// or a failed check; 2 usage or configuration error.
const (
	ExitOK     = 0
	ExitFailed = 1
	ExitUsage  = 2
)

// exitError carries the exit code a command wants for its error.
type exitError struct {
	code int
	err  error
}

func (e *exitError) Error() string { return e.err.Error() }
func (e *exitError) Unwrap() error { return e.err }

// usageErr marks err as a usage or configuration error (exit 2).
func usageErr(err error) error {
	if err == nil {
		return nil
	}
	return &exitError{code: ExitUsage, err: err}
}

// usagef is usageErr(fmt.Errorf(...)).
func usagef(format string, a ...any) error { return usageErr(fmt.Errorf(format, a...)) }

// errSilentFailure ends a command with exit 1 after it has already printed
// what went wrong (drift lists, findings).
var errSilentFailure = errors.New("failed")

// exitCode maps a command's error to the process exit code.
func exitCode(err error) int {
	if err == nil {
		return ExitOK
	}
	var ee *exitError
	if errors.As(err, &ee) {
		return ee.code
	}
	return ExitFailed
}

// errorReport is the error object -o json prints on failure:
// {"error": {"message", "file", "field", "exitCode"}}, with the commit a
// command made before failing (bump: committed, push failed) and, for a
// gen.yaml with several problems, each of them.
type errorReport struct {
	Message  string        `json:"message"`
	File     string        `json:"file"`
	Field    string        `json:"field"`
	Line     int           `json:"line,omitempty"`
	ExitCode int           `json:"exitCode"`
	Commit   string        `json:"commit,omitempty"`
	Problems []errorReport `json:"problems,omitempty"`
}

// newErrorReport describes err, which exits with code.
func newErrorReport(err error, code int) errorReport {
	r := errorReport{Message: strings.Join(errorLines(err), "; "), ExitCode: code}
	d := errinfo.Of(err)
	r.File, r.Field, r.Commit = d.File, d.Field, d.Commit
	var many config.Errors
	var one *config.FieldError
	switch {
	case errors.As(err, &many) && len(many) > 0:
		for _, e := range many {
			r.Problems = append(r.Problems, errorReport{Message: e.Error(), File: e.File, Field: e.Field, Line: e.Line, ExitCode: code})
		}
		r.File, r.Field, r.Line = many[0].File, many[0].Field, many[0].Line
	case errors.As(err, &one):
		r.File, r.Field, r.Line = one.File, one.Field, one.Line
	}
	if r.Field == "" {
		// Flag errors start with the flag they are about.
		if f, _, ok := strings.Cut(r.Message, " "); ok && strings.HasPrefix(f, "--") {
			r.Field = strings.TrimSuffix(f, ":")
		}
	}
	return r
}

// errorLines is err as the lines gen prints, each one problem: one per
// problem of a gen.yaml (or of joined errors), and any other message on
// one line.
func errorLines(err error) []string {
	var many config.Errors
	if errors.As(err, &many) && len(many) > 0 {
		lines := make([]string, len(many))
		for i, e := range many {
			lines[i] = oneLine(e.Error())
		}
		return lines
	}
	if j, ok := err.(interface{ Unwrap() []error }); ok {
		var lines []string
		for _, e := range j.Unwrap() {
			lines = append(lines, errorLines(e)...)
		}
		return lines
	}
	return []string{oneLine(err.Error())}
}

// oneLine joins a message's lines (kustomize's errors span several).
func oneLine(s string) string {
	var parts []string
	for _, l := range strings.Split(s, "\n") {
		if l = strings.TrimSpace(l); l != "" {
			parts = append(parts, l)
		}
	}
	return strings.Join(parts, "; ")
}

// report prints a failed command's error: one "gen: " line per problem
// on stderr (for the person reading the log), and with -o json the error
// object on stdout (for the program reading the output) unless the
// command printed its own result there already.
func report(deps Deps, cmd *cobra.Command, args []string, err error, code int, printed bool) {
	if err == nil || err == errSilentFailure {
		return
	}
	if outputFormat(cmd, args) == "json" && !printed {
		enc := json.NewEncoder(deps.Stdout)
		enc.SetIndent("", "  ")
		_ = enc.Encode(map[string]errorReport{"error": newErrorReport(err, code)})
	}
	for _, l := range errorLines(err) {
		fmt.Fprintf(deps.Stderr, "gen: %s\n", l)
	}
}

// outputFormat is the -o value of the command that ran, read from its
// parsed flags, or from args when parsing stopped before it.
func outputFormat(cmd *cobra.Command, args []string) string {
	if cmd != nil {
		if f := cmd.Flags().Lookup("output"); f != nil && f.Changed {
			return f.Value.String()
		}
	}
	for i, a := range args {
		switch {
		case (a == "-o" || a == "--output") && i+1 < len(args):
			return args[i+1]
		case strings.HasPrefix(a, "--output="):
			return strings.TrimPrefix(a, "--output=")
		case strings.HasPrefix(a, "-o") && !strings.HasPrefix(a, "--"):
			return strings.TrimPrefix(strings.TrimPrefix(a, "-o"), "=")
		}
	}
	return ""
}
