package gitrepo

import (
	"fmt"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	formatcfg "github.com/go-git/go-git/v5/plumbing/format/config"
	"github.com/go-git/go-git/v5/plumbing/object"
)

// IdentityFlags are identities given on the command line; empty fields
// fall through to the environment and then to git config.
type IdentityFlags struct {
	AuthorName, AuthorEmail       string
	CommitterName, CommitterEmail string
}

// ResolveIdentity picks author and committer the way git commit does, with
// command-line flags in front: flags, then GIT_AUTHOR_NAME/_EMAIL and
// GIT_COMMITTER_NAME/_EMAIL, then git config (author.* or committer.*,
// then user.*; repository, then global ~/.gitconfig and
// $XDG_CONFIG_HOME/git/config, then system), then $EMAIL for the email.
// A committer name or email found nowhere is the author's, so a CI job that passes only
// --author works without any git config. Dates are now, unless
// GIT_AUTHOR_DATE / GIT_COMMITTER_DATE are set. repo may be nil (no
// repository-level config); getenv is os.Getenv in production.
// [include] directives of config files are not followed.
func ResolveIdentity(flags IdentityFlags, getenv func(string) string, repo *Repo, now time.Time) (author, committer object.Signature, err error) {
	layers, err := configLayers(getenv, repo)
	if err != nil {
		return author, committer, err
	}
	fromConfig := func(role, key string) string {
		for _, cfg := range layers { // most specific first
			if v := configValue(cfg, role, "", key); v != "" {
				return v
			}
			if v := configValue(cfg, "user", "", key); v != "" {
				return v
			}
		}
		return ""
	}
	pick := func(flag, envKey, role, key string) string {
		for _, v := range []string{flag, getenv(envKey), fromConfig(role, key)} {
			if v = strings.TrimSpace(v); v != "" {
				return v
			}
		}
		if key == "email" {
			return strings.TrimSpace(getenv("EMAIL"))
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
		if strings.ContainsAny(s.sig.Name+s.sig.Email, "<>\n\x00") {
			return author, committer, fmt.Errorf("%s identity %q <%q>: name and email must not contain '<', '>' or newlines", s.role, s.sig.Name, s.sig.Email)
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

// configLayers returns the config files git would read, most specific
// first: repository, global (~/.gitconfig over XDG), system.
func configLayers(getenv func(string) string, repo *Repo) ([]*formatcfg.Config, error) {
	var paths []string
	if g := getenv("GIT_CONFIG_GLOBAL"); g != "" {
		paths = append(paths, g)
	} else {
		home := getenv("HOME")
		if home != "" {
			paths = append(paths, filepath.Join(home, ".gitconfig"))
		}
		if xdg := getenv("XDG_CONFIG_HOME"); xdg != "" {
			paths = append(paths, filepath.Join(xdg, "git", "config"))
		} else if home != "" {
			paths = append(paths, filepath.Join(home, ".config", "git", "config"))
		}
	}
	if v := strings.ToLower(getenv("GIT_CONFIG_NOSYSTEM")); v == "" || v == "0" || v == "false" {
		if s := getenv("GIT_CONFIG_SYSTEM"); s != "" {
			paths = append(paths, s)
		} else {
			paths = append(paths, "/etc/gitconfig")
		}
	}
	var layers []*formatcfg.Config
	if repo != nil {
		layers = append(layers, repo.config)
	}
	for _, p := range paths {
		cfg, err := readConfigFile(p)
		if err != nil {
			return nil, err
		}
		layers = append(layers, cfg)
	}
	return layers, nil
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
