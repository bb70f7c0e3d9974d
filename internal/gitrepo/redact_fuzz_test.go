package gitrepo

import (
	"context"
	"fmt"
	"net/url"
	"strings"
	"testing"
)

const fuzzToken = "ghp_Fuzz7oken0123456789abcdefXYZ"

// FuzzTokenNeverShown feeds URLs carrying a token (as the password, as a
// lone user, %-escaped in part) with arbitrary schemes, users, hosts,
// ports and trailing bytes — control characters, spaces, bad escapes,
// bad ports — through every path that sees a URL: RedactURL,
// ResolveEndpoint's errors and its Endpoint's printed forms, and a clone
// that fails. The token must appear in none of them, in any encoding.
func FuzzTokenNeverShown(f *testing.F) {
	for _, s := range []struct {
		scheme, user, host, suffix string
		escape                     bool
	}{
		{"https", "x-access-token", "github.com", "/org/gitops.git", false},
		{"https", "x-access-token", "github.com", "/org/gitops.git\n", false},
		{"https", "git", "github.com", "/org/gitops.git\t", false},
		{"https", "git", "github.com ", "/org/gitops.git", false},
		{"https", "oauth2", "gitlab.com:notaport", "/g.git", true},
		{"https", "u", "127.0.0.1:1", "/r.git", false},
		{"http", "u", "127.0.0.1:1", "/r.git", true},
		{"ssh", "git", "example.com", "/r.git\r\n", false},
		{"https", "u", "ex%zzample.com", "/r.git", false},
		{"https", "u\x1b[31m", "example.com", "/r.git", false},
		{"file", "u", "", "/srv/r.git", false},
		{"https", "", "example.com", " /r.git", true},
	} {
		f.Add(s.scheme, s.user, s.host, s.suffix, s.escape)
	}
	f.Fuzz(func(t *testing.T, scheme, user, host, suffix string, escape bool) {
		for _, part := range []string{scheme, user, host, suffix} {
			if strings.Contains(part, "Fuzz7oken") || strings.Contains(part, "%") && part != host {
				t.Skip("the token itself, or escapes that could spell it, outside the userinfo")
			}
		}
		if strings.ContainsAny(scheme, ":/@?#") || strings.ContainsAny(user, "/?#@") {
			// The token would not be in the userinfo at all but in the
			// path, for git as for net/url.
			t.Skip()
		}
		tok := fuzzToken
		if escape {
			tok = strings.Replace(tok, "_", "%5F", 1) // what the server sees decoded
		}
		raws := []string{
			scheme + "://" + user + ":" + tok + "@" + host + suffix,
			scheme + "://" + tok + "@" + host + suffix,
		}
		for _, raw := range raws {
			shown := []string{RedactURL(raw)}
			ep, err := ResolveEndpoint(raw, AuthOptions{Getenv: env(EnvToken, fuzzToken)})
			if err != nil {
				shown = append(shown, err.Error(), fmt.Sprintf("%+v", err), fmt.Sprintf("%q", err))
			} else {
				shown = append(shown, ep.URL, ep.String(), fmt.Sprint(ep), fmt.Sprintf("%+v", *ep), fmt.Sprintf("%#v", ep), ep.Redact(raw))
				if strings.HasPrefix(ep.URL, "http://127.0.0.1:1/") {
					// Nothing listens on port 1: the dial fails at once.
					if _, cerr := CloneSource(context.Background(), PushTarget{Remote: ep}); cerr != nil {
						shown = append(shown, cerr.Error())
					}
				}
				ep.Close()
			}
			for _, s := range shown {
				for _, form := range []string{fuzzToken, tok, url.QueryEscape(fuzzToken), strings.TrimPrefix(fuzzToken, "ghp_")} {
					if strings.Contains(s, form) {
						t.Fatalf("token shown for %q:\n%s", raw, s)
					}
				}
			}
		}
	})
}

// TestShortUserNotMasked: a user name beside a token is not a secret; a
// short one like "git" must not be masked wherever the word appears.
func TestShortUserNotMasked(t *testing.T) {
	_, err := ResolveEndpoint("https://git:"+fuzzToken+"@github.com/org/gitops.git\n", AuthOptions{})
	if err == nil {
		t.Fatal("a URL with a newline was accepted")
	}
	msg := err.Error()
	if strings.Contains(msg, fuzzToken) || strings.Contains(msg, "***ops") || !strings.Contains(msg, "gitops.git") {
		t.Errorf("error = %q; want the token masked and the path intact", msg)
	}
	ep, err := ResolveEndpoint("https://git:"+fuzzToken+"@github.com/org/gitops.git", AuthOptions{})
	if err != nil {
		t.Fatal(err)
	}
	defer ep.Close()
	if got := ep.Redact("push main to github.com/org/gitops.git as git: refused"); got != "push main to github.com/org/gitops.git as git: refused" {
		t.Errorf("Redact = %q", got)
	}
}
