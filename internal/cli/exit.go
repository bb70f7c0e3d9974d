package cli

import (
	"errors"
	"fmt"
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
