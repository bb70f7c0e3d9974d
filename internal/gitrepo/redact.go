package gitrepo

import (
	"errors"
	"net/url"
	"sort"
	"strconv"
	"strings"
)

// redactedMark replaces every secret. It is deliberately not a valid token
// shape so a redacted string can never be mistaken for a working credential.
const redactedMark = "***"

// RedactURL returns raw with its credentials removed, for messages and logs.
// An HTTP(S) URL loses its whole userinfo: a lone username there is often a
// token (https://TOKEN@host/...). An SSH URL keeps its user name, which is not
// a secret (git@host), but loses any password. Strings that do not parse as
// URLs (scp-like git@host:path, plain paths) carry no password field and are
// returned unchanged.
func RedactURL(raw string) string {
	u, err := url.Parse(raw)
	if err != nil || u.User == nil || u.Scheme == "" {
		if err != nil {
			// A URL that does not parse may still hold "user:pass@"; drop
			// everything between the scheme and the last '@' before the host.
			return redactUnparsedURL(raw)
		}
		return raw
	}
	switch u.Scheme {
	case "ssh", "git+ssh", "ssh+git":
		if _, has := u.User.Password(); has {
			u.User = url.UserPassword(u.User.Username(), redactedMark)
		}
	default:
		u.User = url.User(redactedMark)
	}
	// url.String escapes the mark; put it back so the output stays readable.
	return strings.Replace(u.String(), url.PathEscape(redactedMark), redactedMark, 1)
}

func redactUnparsedURL(raw string) string {
	scheme, rest, ok := strings.Cut(raw, "://")
	if !ok {
		return raw
	}
	at := userinfoEnd(rest)
	if at < 0 {
		return raw
	}
	return scheme + "://" + redactedMark + rest[at:]
}

// userinfoEnd is the index of the '@' that ends the userinfo in rest (what
// follows "scheme://"), or -1: the last '@' before the path, query or
// fragment, as git and net/url read it.
func userinfoEnd(rest string) int {
	hostEnd := strings.IndexAny(rest, "/?#")
	if hostEnd < 0 {
		hostEnd = len(rest)
	}
	return strings.LastIndex(rest[:hostEnd], "@")
}

// urlSecrets are the credentials in raw's userinfo, found without parsing
// raw as a URL, so that a URL that fails to parse (a trailing newline, a
// tab, a bad port, a bad %-escape) cannot leak them through the parse
// error. The password is a secret; the user only when there is no
// password (https://TOKEN@host): a user name beside a password ("git",
// "x-access-token") is not, and masking it would mask every "git" in the
// message ("***ops.***").
func urlSecrets(raw string) secrets {
	var s secrets
	_, rest, ok := strings.Cut(raw, "://")
	if !ok {
		return s
	}
	at := userinfoEnd(rest)
	if at < 0 {
		return s
	}
	user, pass, hasPass := strings.Cut(rest[:at], ":")
	if hasPass {
		s.add(pass)
	} else {
		s.addUserToken(user)
	}
	return s
}

// minUserToken is the shortest lone URL user taken for a token: tokens
// are long, while user names like "git" or "deploy" are words that a
// message uses elsewhere too.
const minUserToken = 8

// addUserToken records a URL user that stands alone (no password) as a
// secret, when it is long enough to be a token.
func (s *secrets) addUserToken(user string) {
	if len(user) >= minUserToken {
		s.add(user)
	}
}

// secrets is the set of credential values one remote operation may use. Every
// error and message that leaves this package for that operation goes through
// it, because go-git and the servers it talks to may echo a URL or a header.
type secrets []string

// add records a secret with the encodings it may appear in (a URL escapes
// it); empty values are ignored.
func (s *secrets) add(vals ...string) {
	for _, v := range vals {
		if v == "" {
			continue
		}
		*s = append(*s, v, url.QueryEscape(v), url.PathEscape(v), url.UserPassword("", v).String()[1:],
			strconv.Quote(v)[1:len(strconv.Quote(v))-1])
		if d, err := url.PathUnescape(v); err == nil && d != v {
			// A %-escaped secret in a URL is used, and may be echoed, decoded.
			s.add(d)
		}
	}
}

// redact replaces every known secret in msg. Longer secrets go first so one
// that contains another is not left half-masked.
func (s secrets) redact(msg string) string {
	if len(s) == 0 {
		return msg
	}
	vals := append([]string(nil), s...)
	sort.Slice(vals, func(i, j int) bool { return len(vals[i]) > len(vals[j]) })
	for _, v := range vals {
		if v != "" && v != ":" {
			msg = strings.ReplaceAll(msg, v, redactedMark)
		}
	}
	return msg
}

// wrap returns err with every secret removed from its message. The result
// still answers errors.Is for what err wrapped (so callers can test for
// ErrNonFastForward or an auth failure) but deliberately has no Unwrap:
// unwrapping would hand back the unredacted message.
func (s secrets) wrap(err error) error {
	if err == nil {
		return nil
	}
	// go-git ends some messages with a newline or a dangling ": ".
	msg := strings.TrimRight(s.redact(err.Error()), " :\n")
	return &redactedError{msg: msg, inner: err}
}

type redactedError struct {
	msg   string
	inner error
}

func (e *redactedError) Error() string { return e.msg }

// Is lets errors.Is see the sentinels inside without exposing their text.
func (e *redactedError) Is(target error) bool { return errors.Is(e.inner, target) }
