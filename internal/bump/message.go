package bump

import (
	"fmt"
	"strings"
	"text/template"
)

// DefaultMessage is the commit message when --message is not given: built
// from the result only (no clock, no environment), so the same bump always
// reads the same.
const DefaultMessage = `bump {{.Name}}: {{.Image}} {{or .Old "(none)"}} -> {{.New}}`

// The default messages of gen promote and gen rollback.
const (
	DefaultPromoteMessage  = `promote {{.Name}}: {{.Image}} {{or .Old "(none)"}} -> {{.New}} (from {{.From}})`
	DefaultRollbackMessage = `rollback {{.Name}}: {{or .Old "(none)"}} -> {{.New}}`
)

// MessageData is what a --message template sees.
type MessageData struct {
	// App and Env are empty in --path mode.
	App, Env string
	// Name is "app/env", or the directory in --path mode.
	Name, Dir, File, Image string
	OldTag, NewTag         string
	OldDigest, NewDigest   string
	// Old and New are "tag" or "tag@digest".
	Old, New string
	// From and To are a promotion's environments; Reverts the commit a
	// rollback undoes.
	From, To, Reverts string
}

// Message is a parsed --message template.
type Message struct{ t *template.Template }

// ParseMessage parses a commit message template ("" is DefaultMessage).
// Unknown fields are errors at parse or render time, never "<no value>".
func ParseMessage(text string) (Message, error) { return parseMessage(text, KindBump) }

func parseMessage(text string, kind Kind) (Message, error) {
	if text == "" {
		switch kind {
		case KindPromote:
			text = DefaultPromoteMessage
		case KindRollback:
			text = DefaultRollbackMessage
		default:
			text = DefaultMessage
		}
	}
	t, err := template.New("message").Option("missingkey=error").Parse(text)
	if err != nil {
		return Message{}, fmt.Errorf("--message: %w", err)
	}
	return Message{t}, nil
}

func (m Message) render(req Request, res Result) (string, error) {
	d := MessageData{
		App: req.App, Env: req.Env, Name: req.name(), Dir: req.Dir, File: res.File, Image: res.Image,
		OldTag: res.OldTag, NewTag: req.Tag, OldDigest: res.OldDigest, NewDigest: req.Digest,
		Old: joinVersion(res.OldTag, res.OldDigest), New: joinVersion(req.Tag, req.Digest),
		From: req.From, To: req.Env, Reverts: req.Reverts,
	}
	var b strings.Builder
	if err := m.t.Execute(&b, d); err != nil {
		return "", fmt.Errorf("--message: %w", err)
	}
	msg := strings.TrimSpace(b.String())
	if msg == "" {
		return "", fmt.Errorf("--message: the template renders an empty message")
	}
	return withTrailers(msg+"\n", req)
}

func joinVersion(tag, digest string) string {
	if digest == "" {
		return tag
	}
	return tag + "@" + digest
}
