package gitrepo

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
)

// gitConfig is every setting git would see, in the order git reads them,
// so the last entry for a key wins as with `git config --get`: system
// (GIT_CONFIG_SYSTEM or /etc/gitconfig, unless GIT_CONFIG_NOSYSTEM),
// global (GIT_CONFIG_GLOBAL, or $XDG_CONFIG_HOME/git/config then
// ~/.gitconfig), local (<commonDir>/config), worktree
// (<gitDir>/config.worktree with extensions.worktreeConfig), then
// GIT_CONFIG_COUNT/GIT_CONFIG_KEY_n/GIT_CONFIG_VALUE_n. include.path and
// includeIf.<cond>.path (gitdir:, gitdir/i:, onbranch:) are expanded where
// they stand. It is the one config reader of this package: identities,
// line endings, reflogs and remotes read through it.
type gitConfig struct {
	entries []configEntry
}

type configEntry struct {
	key   string // section[.subsection].name, section and name lower-cased
	value string
	bare  bool // "key" with no "=": a boolean true
	file  string
}

// configSource is what the readers need besides the files: the
// environment and, inside a repository, its directories and branch.
type configSource struct {
	getenv    func(string) string
	gitDir    string // "" outside a repository
	commonDir string
	branch    func() string // current branch, short name; for onbranch:
}

// maxIncludeDepth is git's MAX_INCLUDE_DEPTH.
const maxIncludeDepth = 10

// loadConfig reads every scope.
func loadConfig(src configSource) (*gitConfig, error) {
	c := &gitConfig{}
	getenv := src.getenv
	if !envBool(getenv("GIT_CONFIG_NOSYSTEM")) {
		sys := getenv("GIT_CONFIG_SYSTEM")
		if sys == "" {
			sys = "/etc/gitconfig"
		}
		if err := c.readFile(src, sys, 0); err != nil {
			return nil, err
		}
	}
	if g := getenv("GIT_CONFIG_GLOBAL"); g != "" {
		if err := c.readFile(src, g, 0); err != nil {
			return nil, err
		}
	} else {
		home := getenv("HOME")
		xdg := getenv("XDG_CONFIG_HOME")
		if xdg != "" {
			xdg = filepath.Join(xdg, "git", "config")
		} else if home != "" {
			xdg = filepath.Join(home, ".config", "git", "config")
		}
		for _, p := range []string{xdg, home} {
			if p == home && home != "" {
				p = filepath.Join(home, ".gitconfig")
			}
			if p == "" {
				continue
			}
			if err := c.readFile(src, p, 0); err != nil {
				return nil, err
			}
		}
	}
	if src.commonDir != "" {
		if err := c.readFile(src, filepath.Join(src.commonDir, "config"), 0); err != nil {
			return nil, err
		}
		if wt, _, _ := c.boolValue("extensions.worktreeconfig"); wt {
			if err := c.readFile(src, filepath.Join(src.gitDir, "config.worktree"), 0); err != nil {
				return nil, err
			}
		}
	}
	if n := getenv("GIT_CONFIG_COUNT"); n != "" {
		count, err := strconv.Atoi(n)
		if err != nil || count < 0 {
			return nil, fmt.Errorf("GIT_CONFIG_COUNT %q: not a count", n)
		}
		for i := range count {
			k := getenv(fmt.Sprintf("GIT_CONFIG_KEY_%d", i))
			if k == "" {
				return nil, fmt.Errorf("GIT_CONFIG_KEY_%d: missing config key", i)
			}
			key, err := canonicalKey(k)
			if err != nil {
				return nil, fmt.Errorf("GIT_CONFIG_KEY_%d: %w", i, err)
			}
			c.entries = append(c.entries, configEntry{key: key, value: getenv(fmt.Sprintf("GIT_CONFIG_VALUE_%d", i)), file: "command line"})
		}
	}
	// `git -c key=value` passes its settings to the programs it runs (an
	// alias, a hook) in GIT_CONFIG_PARAMETERS, read after GIT_CONFIG_COUNT
	// as git's git_config_from_parameters does.
	if p := getenv("GIT_CONFIG_PARAMETERS"); p != "" {
		entries, err := parseConfigParameters(p)
		if err != nil {
			return nil, fmt.Errorf("GIT_CONFIG_PARAMETERS: %w", err)
		}
		c.entries = append(c.entries, entries...)
	}
	return c, nil
}

// parseConfigParameters reads GIT_CONFIG_PARAMETERS: shell-single-quoted
// entries separated by spaces, each 'key'='value' (git 2.31 and later),
// 'key' (a boolean true) or the old 'key=value' (config.c,
// parse_config_env_list).
func parseConfigParameters(env string) ([]configEntry, error) {
	var entries []configEntry
	rest := env
	for {
		rest = strings.TrimLeft(rest, " \t\n")
		if rest == "" {
			return entries, nil
		}
		first, r, err := sqDequote(rest)
		if err != nil {
			return nil, err
		}
		rest = r
		e := configEntry{file: "command line"}
		var k string
		switch {
		case strings.HasPrefix(rest, "="):
			var v string
			if v, rest, err = sqDequote(rest[1:]); err != nil {
				return nil, err
			}
			k, e.value = first, v
		default:
			var ok bool
			if k, e.value, ok = strings.Cut(first, "="); !ok {
				e.bare = true
			}
		}
		if e.key, err = canonicalKey(k); err != nil {
			return nil, err
		}
		entries = append(entries, e)
	}
}

// sqDequote reads one shell-single-quoted word at the start of s, as
// git's sq_dequote_step: a quote inside the word is written as the four
// bytes quote, backslash, quote, quote. It returns the word and the rest.
func sqDequote(s string) (word, rest string, err error) {
	if !strings.HasPrefix(s, "'") {
		return "", "", fmt.Errorf("bogus format %q: want a single-quoted word", s)
	}
	var b strings.Builder
	s = s[1:]
	for {
		i := strings.IndexByte(s, '\'')
		if i < 0 {
			return "", "", fmt.Errorf("bogus format: unterminated quote")
		}
		b.WriteString(s[:i])
		s = s[i+1:]
		// Backslash, quote, quote after the closing quote: a quote inside
		// the word. Anything else ends it.
		if strings.HasPrefix(s, "\\''") {
			b.WriteByte('\'')
			s = s[3:]
			continue
		}
		return b.String(), s, nil
	}
}

func envBool(v string) bool {
	b, ok := parseBool(v, false)
	return ok && b
}

// get is `git config --get key`: the last value, and whether it is set.
func (c *gitConfig) get(key string) (string, bool) {
	if c == nil {
		return "", false
	}
	key, err := canonicalKey(key)
	if err != nil {
		return "", false
	}
	for i := len(c.entries) - 1; i >= 0; i-- {
		if c.entries[i].key == key {
			return c.entries[i].value, true
		}
	}
	return "", false
}

// value is get without the "set" flag.
func (c *gitConfig) value(key string) string {
	v, _ := c.get(key)
	return v
}

// boolValue is `git config --type=bool --get key`; ok is false when unset
// or not a boolean.
func (c *gitConfig) boolValue(key string) (val, ok bool, err error) {
	if c == nil {
		return false, false, nil
	}
	key, err = canonicalKey(key)
	if err != nil {
		return false, false, err
	}
	for i := len(c.entries) - 1; i >= 0; i-- {
		e := c.entries[i]
		if e.key != key {
			continue
		}
		b, ok := parseBool(e.value, e.bare)
		if !ok {
			return false, false, fmt.Errorf("%s: bad boolean config value %q for %q", e.file, e.value, key)
		}
		return b, true, nil
	}
	return false, false, nil
}

// keysWithPrefix lists the distinct keys under prefix (e.g. "extensions."),
// in the order first seen.
func (c *gitConfig) keysWithPrefix(prefix string) []string {
	var out []string
	seen := map[string]bool{}
	for _, e := range c.entries {
		if strings.HasPrefix(e.key, prefix) && !seen[e.key] {
			seen[e.key] = true
			out = append(out, e.key)
		}
	}
	return out
}

// parseBool is git_parse_maybe_bool: true/yes/on/1, false/no/off/0/"";
// a key with no "=" is true.
func parseBool(v string, bare bool) (val, ok bool) {
	if bare {
		return true, true
	}
	switch strings.ToLower(v) {
	case "true", "yes", "on":
		return true, true
	case "false", "no", "off", "":
		return false, true
	}
	if n, err := strconv.Atoi(v); err == nil {
		return n != 0, true
	}
	return false, false
}

// canonicalKey lower-cases the section and the name of
// section[.subsection].name; the subsection keeps its case.
func canonicalKey(k string) (string, error) {
	first := strings.IndexByte(k, '.')
	last := strings.LastIndexByte(k, '.')
	if first <= 0 || last == len(k)-1 {
		return "", fmt.Errorf("key %q does not contain a section and a name", k)
	}
	return strings.ToLower(k[:first]) + k[first:last] + strings.ToLower(k[last:]), nil
}

// readFile appends the entries of one file; a missing file is no entries.
func (c *gitConfig) readFile(src configSource, path string, depth int) error {
	if depth > maxIncludeDepth {
		return fmt.Errorf("config %q: includes nested deeper than %d (a loop?)", path, maxIncludeDepth)
	}
	data, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) || (depth > 0 && isNotDir(err)) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("read git config: %w", err)
	}
	p := configParser{data: data, file: path, line: 1}
	for {
		e, ok, err := p.next()
		if err != nil {
			return err
		}
		if !ok {
			return nil
		}
		c.entries = append(c.entries, e)
		inc, err := c.includePath(src, e)
		if err != nil {
			return err
		}
		if inc != "" {
			if err := c.readFile(src, inc, depth+1); err != nil {
				return err
			}
		}
	}
}

// includePath returns the file an include.path or a matching
// includeIf.<cond>.path entry names, resolved as git does: "~/" is
// $HOME, a relative path is relative to the including file.
func (c *gitConfig) includePath(src configSource, e configEntry) (string, error) {
	var cond string
	switch {
	case e.key == "include.path":
	case strings.HasPrefix(e.key, "includeif.") && strings.HasSuffix(e.key, ".path"):
		cond = e.key[len("includeif.") : len(e.key)-len(".path")]
		if cond == "" {
			return "", nil
		}
		ok, err := src.includeCondition(cond, e.file)
		if err != nil || !ok {
			return "", err
		}
	default:
		return "", nil
	}
	if e.bare || e.value == "" {
		return "", nil
	}
	p := expandHome(e.value, src.getenv)
	if !filepath.IsAbs(p) {
		p = filepath.Join(filepath.Dir(e.file), p)
	}
	return p, nil
}

func expandHome(p string, getenv func(string) string) string {
	if rest, ok := strings.CutPrefix(p, "~/"); ok {
		return filepath.Join(getenv("HOME"), rest)
	}
	return p
}

// includeCondition evaluates an includeIf condition. Conditions git has
// and this reader does not (hasconfig:) are false, as git treats unknown
// ones.
func (src configSource) includeCondition(cond, file string) (bool, error) {
	switch {
	case strings.HasPrefix(cond, "gitdir:"), strings.HasPrefix(cond, "gitdir/i:"):
		if src.gitDir == "" {
			return false, nil
		}
		pat, fold := strings.CutPrefix(cond, "gitdir/i:")
		if !fold {
			pat = strings.TrimPrefix(cond, "gitdir:")
		}
		pat = expandHome(pat, src.getenv)
		if rest, ok := strings.CutPrefix(pat, "./"); ok {
			pat = filepath.Join(filepath.Dir(file), rest)
		} else if !filepath.IsAbs(pat) {
			pat = "**/" + pat
		}
		if strings.HasSuffix(pat, "/") {
			pat += "**"
		}
		dirs := []string{src.gitDir}
		if real, err := filepath.EvalSymlinks(src.gitDir); err == nil && real != src.gitDir {
			dirs = append(dirs, real)
		}
		for _, d := range dirs {
			if wildmatchPath(pat, d, fold) {
				return true, nil
			}
		}
		return false, nil
	case strings.HasPrefix(cond, "onbranch:"):
		if src.branch == nil {
			return false, nil
		}
		b := src.branch()
		if b == "" {
			return false, nil
		}
		pat := strings.TrimPrefix(cond, "onbranch:")
		if strings.HasSuffix(pat, "/") {
			pat += "**"
		}
		return wildmatchPath(pat, b, false), nil
	}
	return false, nil
}

// wildmatchPath is git's wildmatch with WM_PATHNAME: "*" and "?" stop at
// "/", "**/" is any number of directories, "/**" anything below.
func wildmatchPath(pattern, name string, fold bool) bool {
	var b strings.Builder
	if fold {
		b.WriteString("(?i)")
	}
	b.WriteString("^")
	for i := 0; i < len(pattern); i++ {
		ch := pattern[i]
		switch {
		case strings.HasPrefix(pattern[i:], "**/"):
			b.WriteString("(?:.*/)?")
			i += 2
		case strings.HasPrefix(pattern[i:], "**"):
			b.WriteString(".*")
			i++
		case ch == '*':
			b.WriteString("[^/]*")
		case ch == '?':
			b.WriteString("[^/]")
		case ch == '[':
			end := strings.IndexByte(pattern[i+1:], ']')
			if end < 0 {
				b.WriteString(`\[`)
				continue
			}
			class := pattern[i+1 : i+1+end]
			if strings.HasPrefix(class, "!") {
				class = "^" + class[1:]
			}
			b.WriteString("[" + strings.ReplaceAll(class, `\`, `\\`) + "]")
			i += end + 1
		default:
			b.WriteString(regexp.QuoteMeta(string(ch)))
		}
	}
	b.WriteString("$")
	re, err := regexp.Compile(b.String())
	return err == nil && re.MatchString(name)
}

// configParser reads git's config syntax (config.c: get_next_char,
// parse_value, get_base_var): sections "[s]", "[s \"sub\"]" and the old
// "[s.sub]"; "key = value" with quotes, escapes and "\"-continued lines;
// "#" and ";" comments; a key alone is a boolean true.
type configParser struct {
	data    []byte
	pos     int
	file    string
	line    int
	section string // canonical "section" or "section.subsection"
}

func (p *configParser) errorf(format string, a ...any) error {
	return fmt.Errorf("%s:%d: bad config: %s", p.file, p.line, fmt.Sprintf(format, a...))
}

func (p *configParser) peek() (byte, bool) {
	if p.pos >= len(p.data) {
		return 0, false
	}
	return p.data[p.pos], true
}

func (p *configParser) advance() byte {
	ch := p.data[p.pos]
	p.pos++
	if ch == '\n' {
		p.line++
	}
	return ch
}

func (p *configParser) skipLine() {
	for {
		ch, ok := p.peek()
		if !ok {
			return
		}
		p.advance()
		if ch == '\n' {
			return
		}
	}
}

// next returns the next key/value entry.
func (p *configParser) next() (configEntry, bool, error) {
	if p.pos == 0 && len(p.data) >= 3 && string(p.data[:3]) == "\xef\xbb\xbf" {
		p.pos = 3 // a UTF-8 byte order mark, skipped as git does
	}
	for {
		ch, ok := p.peek()
		if !ok {
			return configEntry{}, false, nil
		}
		switch {
		case ch == '\n' || isConfigSpace(ch):
			p.advance()
		case ch == '#' || ch == ';':
			p.skipLine()
		case ch == '[':
			p.advance()
			if err := p.sectionHeader(); err != nil {
				return configEntry{}, false, err
			}
		case isAlpha(ch):
			if p.section == "" {
				return configEntry{}, false, p.errorf("key outside a section")
			}
			return p.keyValue()
		default:
			return configEntry{}, false, p.errorf("unexpected character %q", ch)
		}
	}
}

func isConfigSpace(ch byte) bool {
	return ch == ' ' || ch == '\t' || ch == '\r' || ch == '\v' || ch == '\f'
}
func isAlpha(ch byte) bool   { return ch|0x20 >= 'a' && ch|0x20 <= 'z' }
func isKeyChar(ch byte) bool { return isAlpha(ch) || ch >= '0' && ch <= '9' || ch == '-' }

func (p *configParser) sectionHeader() error {
	var name strings.Builder
	for {
		ch, ok := p.peek()
		if !ok {
			return p.errorf("unterminated section header")
		}
		p.advance()
		switch {
		case ch == ']':
			// [section.sub]: the old syntax, subsection lower-cased.
			p.section = strings.ToLower(name.String())
			if p.section == "" {
				return p.errorf("empty section name")
			}
			return nil
		case isConfigSpace(ch):
			return p.subsection(strings.ToLower(name.String()))
		case isKeyChar(ch) || ch == '.':
			name.WriteByte(ch)
		default:
			return p.errorf("bad section name character %q", ch)
		}
	}
}

func (p *configParser) subsection(section string) error {
	for {
		ch, ok := p.peek()
		if !ok {
			return p.errorf("unterminated section header")
		}
		if !isConfigSpace(ch) {
			break
		}
		p.advance()
	}
	if ch, _ := p.peek(); ch != '"' {
		return p.errorf("subsection of [%s] must be quoted", section)
	}
	p.advance()
	var sub strings.Builder
	for {
		ch, ok := p.peek()
		if !ok || ch == '\n' {
			return p.errorf("unterminated subsection name")
		}
		p.advance()
		if ch == '"' {
			break
		}
		if ch == '\\' {
			next, ok := p.peek()
			if !ok || next == '\n' {
				return p.errorf("unterminated subsection name")
			}
			ch = p.advance()
		}
		sub.WriteByte(ch)
	}
	if ch, ok := p.peek(); !ok || ch != ']' {
		return p.errorf("expected ']' after the subsection name")
	}
	p.advance()
	p.section = section + "." + sub.String()
	return nil
}

func (p *configParser) keyValue() (configEntry, bool, error) {
	var name strings.Builder
	for {
		ch, ok := p.peek()
		if !ok || !isKeyChar(ch) {
			break
		}
		name.WriteByte(ch)
		p.advance()
	}
	e := configEntry{key: p.section + "." + strings.ToLower(name.String()), file: p.file}
	for {
		ch, ok := p.peek()
		if !ok || !isConfigSpace(ch) {
			break
		}
		p.advance()
	}
	ch, ok := p.peek()
	switch {
	case !ok || ch == '\n':
		e.bare = true
		return e, true, nil
	case ch == '#' || ch == ';':
		p.skipLine()
		e.bare = true
		return e, true, nil
	case ch != '=':
		return e, false, p.errorf("expected '=' after %q", name.String())
	}
	p.advance()
	v, err := p.value()
	if err != nil {
		return e, false, err
	}
	e.value = v
	return e, true, nil
}

// value is config.c's parse_value: whitespace outside quotes is kept as
// single spaces between words and dropped at the ends.
func (p *configParser) value() (string, error) {
	var b strings.Builder
	quote, comment := false, false
	spaces := 0
	for {
		ch, ok := p.peek()
		if !ok {
			if quote {
				return "", p.errorf("unterminated quote")
			}
			return b.String(), nil
		}
		p.advance()
		if ch == '\n' {
			if quote {
				return "", p.errorf("unterminated quote")
			}
			return b.String(), nil
		}
		if comment {
			continue
		}
		if isConfigSpace(ch) && !quote {
			if b.Len() > 0 {
				spaces++
			}
			continue
		}
		if !quote && (ch == ';' || ch == '#') {
			comment = true
			continue
		}
		for ; spaces > 0; spaces-- {
			b.WriteByte(' ')
		}
		switch ch {
		case '\\':
			next, ok := p.peek()
			if !ok {
				return "", p.errorf("backslash at the end of the file")
			}
			p.advance()
			switch next {
			case '\n':
				continue // line continuation
			case 't':
				b.WriteByte('\t')
			case 'b':
				s := b.String()
				b.Reset()
				if len(s) > 0 {
					s = s[:len(s)-1]
				}
				b.WriteString(s)
			case 'n':
				b.WriteByte('\n')
			case '\\', '"':
				b.WriteByte(next)
			default:
				return "", p.errorf("bad escape \\%c", next)
			}
		case '"':
			quote = !quote
		default:
			b.WriteByte(ch)
		}
	}
}
