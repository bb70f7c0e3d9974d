// Package errinfo attaches to an error what a failed command reports
// besides its message: the file and field (or flag) it is about, and a
// commit made before the failure (gen bump: committed, push failed). The
// CLI prints them in -o json's {"error": {...}}; any package may fill
// them without importing the CLI.
package errinfo

import "errors"

// Error is err with optional details; empty fields are unknown.
type Error struct {
	Err error
	// File is the file the error is about, as the user names it.
	File string
	// Field is the field of File, or the flag, at fault.
	Field string
	// Commit is the hash of a commit the command made before failing.
	Commit string
}

func (e *Error) Error() string { return e.Err.Error() }
func (e *Error) Unwrap() error { return e.Err }

// WithCommit records that commit was made before err happened.
func WithCommit(err error, commit string) error {
	if err == nil {
		return nil
	}
	return &Error{Err: err, Commit: commit}
}

// WithField records the file and field (or flag) err is about.
func WithField(err error, file, field string) error {
	if err == nil {
		return nil
	}
	return &Error{Err: err, File: file, Field: field}
}

// Details is what err's chain says; the outermost non-empty value wins.
type Details struct {
	File, Field, Commit string
}

// Of collects the details attached anywhere in err's chain.
func Of(err error) Details {
	var d Details
	for err != nil {
		if e, ok := err.(*Error); ok {
			d.File = first(d.File, e.File)
			d.Field = first(d.Field, e.Field)
			d.Commit = first(d.Commit, e.Commit)
		}
		if j, ok := err.(interface{ Unwrap() []error }); ok {
			for _, inner := range j.Unwrap() {
				o := Of(inner)
				d.File, d.Field, d.Commit = first(d.File, o.File), first(d.Field, o.Field), first(d.Commit, o.Commit)
			}
			return d
		}
		err = errors.Unwrap(err)
	}
	return d
}

func first(a, b string) string {
	if a != "" {
		return a
	}
	return b
}
