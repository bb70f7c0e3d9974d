package forge

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"
)

// Client is what the --pr flow needs from a forge. Numbers are the
// per-repository pull request numbers users see (#12, !12).
type Client interface {
	// FindOpen returns the open pull request from head into base, or nil
	// when there is none. It reads every page of open pull requests.
	FindOpen(ctx context.Context, head, base string) (*PullRequest, error)
	// Create opens a pull request; ErrExists when one already exists for
	// the same head and base.
	Create(ctx context.Context, pr NewPR) (*PullRequest, error)
	// Update replaces the title and body.
	Update(ctx context.Context, number int64, title, body string) (*PullRequest, error)
	// AddLabels adds labels, keeping those already there.
	AddLabels(ctx context.Context, number int64, labels []string) error
	// RequestReviewers asks users (by login) for a review.
	RequestReviewers(ctx context.Context, number int64, reviewers []string) error
	// EnableAutoMerge merges the pull request once its checks pass;
	// ErrUnsupported where the forge's REST API cannot do it (GitHub).
	EnableAutoMerge(ctx context.Context, number int64) error
	// Get reads a pull request, for its state.
	Get(ctx context.Context, number int64) (*PullRequest, error)
}

// State is a pull request's state, the same words on every forge.
type State string

const (
	StateOpen   State = "open"
	StateMerged State = "merged"
	StateClosed State = "closed"
)

// PullRequest is the part of a pull request the --pr flow reads.
type PullRequest struct {
	Number     int64
	URL        string // the page a human opens
	State      State
	HeadBranch string
	Title      string
}

// NewPR is a pull request to open from Head into Base.
type NewPR struct {
	Title string
	Body  string
	Head  string
	Base  string
}

var (
	// ErrExists: a pull request from this head into this base is already
	// open (GitHub 422, GitLab and Gitea 409). Find it and update it.
	ErrExists = errors.New("a pull request for this branch already exists")
	// ErrAuth: the forge refused the token (401) or its permissions (403).
	ErrAuth = errors.New("the forge refused the token")
	// ErrUnsupported: the forge's API cannot do what was asked.
	ErrUnsupported = errors.New("not supported by this forge")
)

// apiError turns an SDK error into one the caller can branch on and show.
// status is the HTTP status (0 when there was no response). exists says
// whether the forge's answer means "already exists". The message never
// carries the token, even when the SDK's text would (it is redacted).
func apiError(op string, kind Kind, token string, status int, exists bool, err error) error {
	if err == nil {
		return nil
	}
	switch {
	case status == http.StatusUnauthorized || status == http.StatusForbidden:
		return fmt.Errorf("%s: %w (HTTP %d): set GEN_GIT_TOKEN or %s to a token with access to the repository", op, ErrAuth, status, kind.TokenVar())
	case exists:
		return fmt.Errorf("%s: %w", op, ErrExists)
	}
	return &redactedError{msg: redact(fmt.Sprintf("%s: %v", op, err), token), err: err}
}

// redactedError keeps the SDK error for errors.Is/As but prints a message
// with the token removed.
type redactedError struct {
	msg string
	err error
}

func (e *redactedError) Error() string { return e.msg }
func (e *redactedError) Unwrap() error { return e.err }

func redact(s, token string) string {
	if token == "" {
		return s
	}
	return strings.ReplaceAll(s, token, "[token]")
}
