package config

import (
	"regexp"
	"testing"
)

// syntaxes pairs every matcher of syntax.go with the regular expression it
// stands for; the expressions are the specification.
var syntaxes = []struct {
	name  string
	match func(string) bool
	re    *regexp.Regexp
}{
	{"isDNSLabelShape", isDNSLabelShape, regexp.MustCompile(`^[a-z0-9]([-a-z0-9]*[a-z0-9])?$`)},
	{"isDNSSubdomainShape", isDNSSubdomainShape, regexp.MustCompile(`^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$`)},
	{"isLabelName", isLabelName, regexp.MustCompile(`^[A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?$`)},
	{"isLabelValue", isLabelValue, regexp.MustCompile(`^([A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?)?$`)},
	{"isURLPath", isURLPath, regexp.MustCompile(`^/[A-Za-z0-9._~!$&'()*+,;=:@%/-]*$`)},
	{"isPlainFieldKey", isPlainFieldKey, regexp.MustCompile(`^[A-Za-z0-9_./-]+$`)},
	{"isQuantity", isQuantity, regexp.MustCompile(`^[0-9]+(\.[0-9]+)?(m|k|M|G|T|P|E|Ki|Mi|Gi|Ti|Pi|Ei)?$`)},
	{"isPauseDuration", isPauseDuration, regexp.MustCompile(`^[0-9]+(s|m|h)?$`)},
	{"isImageRepository", isImageRepository, regexp.MustCompile(`^([a-zA-Z0-9]([a-zA-Z0-9-]*[a-zA-Z0-9])?(\.[a-zA-Z0-9]([a-zA-Z0-9-]*[a-zA-Z0-9])?)*(:[0-9]+)?/)?[a-z0-9]+(([._]|__|-+)[a-z0-9]+)*(/[a-z0-9]+(([._]|__|-+)[a-z0-9]+)*)*$`)},
}

// syntaxSamples are edge cases of every syntax above; each is tried
// against every matcher.
var syntaxSamples = []string{
	"", "a", "A", "0", "-", ".", "_", "/", ":", "a-", "-a", "a-b", "a--b", "a.b", "a..b", ".a", "a.",
	"a_b", "a__b", "a___b", "a._b", "a-.b", "a/b", "a//b", "/a", "a/", "A.b", "Ab", "a-B",
	"app-0001", "app-0001.example.com", "*.example.com", "example.com.", "ex_ample.com",
	"registry.example.com/mono/app-0001", "localhost:5000/app", "localhost:/app", "localhost:50a/app",
	"Host.Example:443/a/b", "host-/a", "-host/a", "host..x/a", "a:1", "a:1/b:2", "UPPER/path", "host/UPPER",
	"ghcr.io/a__b/c---d/e.f_g", "a/b.", "a/_b", "gcr.io/a-", "a:80/b/c:1",
	"/", "/healthz", "/a b", "/a%20b", "/~u/x;y=z", "//", "/?q", "/#f", "a/", "/é",
	"0", "10", "1.5", "1.", ".5", "100m", "128Mi", "1Ki", "1iM", "1mi", "2E", "2Ei", "1.5.5", "1e3", "m", "Mi", "k",
	"30s", "5m", "1h", "s", "1d", "10", "1ss",
	"app.kubernetes.io/name", "x_y", "x.y-z_", "_x", "1", "a\n", "\na", "a\x00", "\xff", "é", "a\u2028",
}

func TestSyntaxMatchesItsExpression(t *testing.T) {
	for _, s := range syntaxes {
		for _, in := range syntaxSamples {
			if got, want := s.match(in), s.re.MatchString(in); got != want {
				t.Errorf("%s(%q) = %v, its expression says %v", s.name, in, got, want)
			}
		}
	}
}

func FuzzSyntaxMatchesItsExpression(f *testing.F) {
	for _, in := range syntaxSamples {
		f.Add(in)
	}
	f.Fuzz(func(t *testing.T, in string) {
		for _, s := range syntaxes {
			if got, want := s.match(in), s.re.MatchString(in); got != want {
				t.Errorf("%s(%q) = %v, its expression says %v", s.name, in, got, want)
			}
		}
	})
}
