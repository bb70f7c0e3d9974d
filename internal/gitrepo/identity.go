package gitrepo

import (
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/go-git/go-git/v5/plumbing/object"
)

// IdentityFlags are identities given on the command line; empty fields
// fall through to the environment and then to git config.
type IdentityFlags struct {
	AuthorName, AuthorEmail       string
	CommitterName, CommitterEmail string
}

// ParseIdent splits "Name <email>" as git does for --author
// (ident.c, split_ident_line): the name is what precedes the first '<',
// the email what lies between it and the next '>'; anything after is
// ignored. Both are then cleaned as git cleans every identity it writes
// (see cleanIdent), so "github-actions[bot] <1+github-actions[bot]@…>"
// is taken as is and `Name (comment) <e>` keeps its comment. "" is no
// identity.
func ParseIdent(s string) (name, email string, err error) {
	if strings.TrimSpace(s) == "" {
		return "", "", nil
	}
	lt := strings.IndexByte(s, '<')
	if lt < 0 {
		return "", "", errors.New(`want "Name <email>"`)
	}
	gt := strings.IndexByte(s[lt+1:], '>')
	if gt < 0 {
		return "", "", errors.New(`want "Name <email>": no '>' after the email`)
	}
	name, email = cleanIdent(s[:lt]), cleanIdent(s[lt+1:lt+1+gt])
	if name == "" {
		return "", "", fmt.Errorf("empty name (git: \"empty ident name not allowed\")")
	}
	return name, email, nil
}

// cleanIdent is git's strbuf_addstr_without_crud: "crud" (control
// characters, space and . , : ; < > " \ ') is trimmed from both ends, and
// '<', '>' and newlines are dropped inside, so the identity line stays
// parseable. Nothing else changes: quotes and parentheses inside a name
// are kept.
func cleanIdent(s string) string {
	crud := func(c byte) bool {
		return c <= ' ' || strings.IndexByte(".,:;<>\"\\'", c) >= 0
	}
	for len(s) > 0 && crud(s[0]) {
		s = s[1:]
	}
	for len(s) > 0 && crud(s[len(s)-1]) {
		s = s[:len(s)-1]
	}
	return strings.Map(func(r rune) rune {
		if r == '<' || r == '>' || r == '\n' {
			return -1
		}
		return r
	}, s)
}

// ResolveIdentity picks author and committer the way git commit does, with
// command-line flags in front: flags, then GIT_AUTHOR_NAME/_EMAIL and
// GIT_COMMITTER_NAME/_EMAIL, then git config as `git config --get` reads
// it (author.* or committer.*, then user.*; every scope, includes
// followed: config.go), then $EMAIL for the email. Names and emails are
// cleaned as git cleans them (cleanIdent).
// A committer name or email found nowhere is the author's, so a CI job that passes only
// --author works without any git config. Dates are now, unless
// GIT_AUTHOR_DATE / GIT_COMMITTER_DATE are set. repo may be nil (no
// repository-level config); getenv is os.Getenv in production.
func ResolveIdentity(flags IdentityFlags, getenv func(string) string, repo *Repo, now time.Time) (author, committer object.Signature, err error) {
	var cfg *gitConfig
	if repo != nil {
		cfg = repo.config
	} else if cfg, err = loadConfig(configSource{getenv: getenv}); err != nil {
		return author, committer, err
	}
	fromConfig := func(role, key string) string {
		if v, ok := cfg.get(role + "." + key); ok {
			return v
		}
		return cfg.value("user." + key)
	}
	pick := func(flag, envKey, role, key string) string {
		for _, v := range []string{flag, getenv(envKey), fromConfig(role, key)} {
			if v = cleanIdent(v); v != "" {
				return v
			}
		}
		if key == "email" {
			return cleanIdent(getenv("EMAIL"))
		}
		return ""
	}
	author = object.Signature{
		Name:  pick(flags.AuthorName, "GIT_AUTHOR_NAME", "author", "name"),
		Email: pick(flags.AuthorEmail, "GIT_AUTHOR_EMAIL", "author", "email"),
	}
	committer = object.Signature{
		Name:  pick(flags.CommitterName, "GIT_COMMITTER_NAME", "committer", "name"),
		Email: pick(flags.CommitterEmail, "GIT_COMMITTER_EMAIL", "committer", "email"),
	}
	if committer.Name == "" {
		committer.Name = author.Name
	}
	if committer.Email == "" {
		committer.Email = author.Email
	}
	for _, s := range []struct {
		role string
		sig  *object.Signature
		flag string
	}{{"author", &author, "--author"}, {"committer", &committer, "--committer"}} {
		if s.sig.Name == "" || s.sig.Email == "" {
			return author, committer, fmt.Errorf("no %s identity (name %q, email %q): pass %s, set GIT_%s_NAME and GIT_%s_EMAIL, or run git config user.name and git config user.email",
				s.role, s.sig.Name, s.sig.Email, s.flag, strings.ToUpper(s.role), strings.ToUpper(s.role))
		}
	}
	if author.When, err = identityDate(getenv("GIT_AUTHOR_DATE"), now); err != nil {
		return author, committer, fmt.Errorf("GIT_AUTHOR_DATE: %w", err)
	}
	if committer.When, err = identityDate(getenv("GIT_COMMITTER_DATE"), now); err != nil {
		return author, committer, fmt.Errorf("GIT_COMMITTER_DATE: %w", err)
	}
	return author, committer, nil
}

// identityDate parses the date formats git documents for GIT_*_DATE: its
// internal "<unix> <tz>" (optionally with '@'), RFC 2822 and ISO 8601.
// Empty means now.
func identityDate(s string, now time.Time) (time.Time, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return now, nil
	}
	if secs, tz, ok := strings.Cut(strings.TrimPrefix(s, "@"), " "); ok || strings.HasPrefix(s, "@") {
		if n, err := strconv.ParseInt(secs, 10, 64); err == nil {
			loc := time.UTC
			if ok {
				off, err := parseTZ(tz)
				if err != nil {
					return time.Time{}, err
				}
				loc = off
			}
			return time.Unix(n, 0).In(loc), nil
		}
	}
	if n, err := strconv.ParseInt(s, 10, 64); err == nil && n >= 100000000 {
		return time.Unix(n, 0).UTC(), nil // git reads a bare large number as seconds
	}
	for _, layout := range []string{
		time.RFC1123Z, "Mon, 2 Jan 2006 15:04:05 -0700", "2 Jan 2006 15:04:05 -0700",
		time.RFC3339Nano, "2006-01-02T15:04:05-0700", "2006-01-02 15:04:05 -0700", "2006-01-02 15:04:05-07:00",
	} {
		if t, err := time.Parse(layout, s); err == nil {
			return t, nil
		}
	}
	for _, layout := range []string{"2006-01-02T15:04:05", "2006-01-02 15:04:05"} {
		if t, err := time.ParseInLocation(layout, s, now.Location()); err == nil {
			return t, nil
		}
	}
	return time.Time{}, fmt.Errorf("cannot parse date %q; use \"<unix seconds> +hhmm\", RFC 2822 or ISO 8601", s)
}

func parseTZ(tz string) (*time.Location, error) {
	if len(tz) != 5 || (tz[0] != '+' && tz[0] != '-') {
		return nil, fmt.Errorf("bad time zone %q, want +hhmm", tz)
	}
	h, err1 := strconv.Atoi(tz[1:3])
	m, err2 := strconv.Atoi(tz[3:5])
	if err1 != nil || err2 != nil || m > 59 {
		return nil, fmt.Errorf("bad time zone %q, want +hhmm", tz)
	}
	off := h*3600 + m*60
	if tz[0] == '-' {
		off = -off
	}
	return time.FixedZone("", off), nil
}
