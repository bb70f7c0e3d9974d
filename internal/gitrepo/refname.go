package gitrepo

import (
	"errors"
	"fmt"
	"strings"
)

// ErrBadBranchName: a branch name git would refuse, or one that names
// something else (HEAD, a full ref).
var ErrBadBranchName = errors.New("not a valid branch name")

// CheckBranchName accepts what `git check-ref-format --branch` accepts
// (refs.c check_refname_format on refs/heads/<name>, plus
// strbuf_check_branch_ref's refusal of "HEAD" and a leading "-"), and
// refuses "refs/…" too: a short name is wanted, and refs/heads/x would
// become refs/heads/refs/heads/x on the remote.
func CheckBranchName(name string) error {
	bad := func(why string) error { return fmt.Errorf("%q: %s: %w", name, why, ErrBadBranchName) }
	switch {
	case name == "":
		return bad("empty")
	case name == "HEAD":
		return bad("HEAD names the current branch, not a branch")
	case strings.HasPrefix(name, "-"):
		return bad("starts with -")
	case strings.HasPrefix(name, "refs/"):
		return bad("want the short name, without refs/heads/")
	case name == "@":
		return bad("@ alone")
	case strings.Contains(name, ".."):
		return bad("contains ..")
	case strings.Contains(name, "@{"):
		return bad("contains @{")
	case strings.HasSuffix(name, ".") || strings.HasSuffix(name, "/") || strings.HasPrefix(name, "/"):
		return bad("begins with / or ends with . or /")
	}
	for _, c := range []byte(name) {
		if c < 0x20 || c == 0x7f || strings.IndexByte(" ~^:?*[\\", c) >= 0 {
			return bad(fmt.Sprintf("contains %q", c))
		}
	}
	for _, comp := range strings.Split(name, "/") {
		switch {
		case comp == "":
			return bad("contains //")
		case strings.HasPrefix(comp, "."):
			return bad("a component starts with .")
		case strings.HasSuffix(comp, ".lock"):
			return bad("a component ends with .lock")
		}
	}
	return nil
}
