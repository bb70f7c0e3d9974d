package gitrepo

import (
	"strings"
	"testing"
)

// attributesFor agrees with git check-attr on the attributes that decide
// the check-in conversion: nested .gitattributes, info/attributes,
// patterns with and without '/', macros, unset and unspecified states.
func TestAttributesMatchGitCheckAttr(t *testing.T) {
	g := newGitRepo(t)
	g.write(".gitattributes", "[attr]crlfy text eol=crlf\n*.yaml text\n*.bin binary\ndocs/** -text\n/top.txt crlfy\n*.enc working-tree-encoding=UTF-16\n")
	g.write("deploy/.gitattributes", "*.yaml eol=crlf\nprod/*.yaml !text filter=x\n")
	g.write(".git/info/attributes", "deploy/prod/over.yaml text=auto\n")
	paths := []string{
		"a.yaml", "deploy/a.yaml", "deploy/prod/k.yaml", "deploy/prod/over.yaml",
		"x.bin", "docs/sub/readme.md", "top.txt", "sub/top.txt", "data.enc", "plain.txt",
	}
	r, err := OpenEnv(g.dir, gittestEnv(g.home))
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range paths {
		attrs, err := r.attributesFor(p)
		if err != nil {
			t.Fatal(err)
		}
		for _, name := range []string{"text", "eol", "filter", "working-tree-encoding"} {
			out := g.git("check-attr", name, "--", p)
			want := out[strings.LastIndex(out, ": ")+2:]
			st := attrs[name]
			got := "unspecified"
			switch {
			case st.specified && st.value != "":
				got = st.value
			case st.specified && st.set:
				got = "set"
			case st.specified:
				got = "unset"
			}
			if got != want {
				t.Errorf("%s %s: got %s, git check-attr says %s", p, name, got, want)
			}
		}
	}
}
