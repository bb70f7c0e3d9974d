package bump

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/rolloutgen/rolloutgen/internal/testtool"
)

// UnifiedDiff must print what diff -u prints (hunks and ranges).
func TestUnifiedDiffMatchesDiffU(t *testing.T) {
	diff := testtool.Require(t, "diff")
	long := strings.Repeat("keep\n", 10)
	cases := []struct{ a, b string }{
		{"a\nb\nc\n", "a\nB\nc\n"},
		{long + "x: 1\n" + long, long + "x: 2\n" + long},
		{"images:\n- name: d\n  newTag: v1\n", "images:\n- name: d\n  newTag: v2\n  digest: sha256:x\n"},
		{"a\n", "a\nb\n"},
		{"a\nb\n", "b\n"},
		{"1\n2\n3\n4\n5\n6\n7\n8\n9\n10\n11\n12\n", "1\nX\n3\n4\n5\n6\n7\n8\n9\n10\nY\n12\n"},
		{"no newline", "no newline\nmore"},
	}
	dir := t.TempDir()
	for i, c := range cases {
		a, b := filepath.Join(dir, "a"), filepath.Join(dir, "b")
		os.WriteFile(a, []byte(c.a), 0o644)
		os.WriteFile(b, []byte(c.b), 0o644)
		out, _ := exec.Command(diff, "-u", "--label", "a/f", "--label", "b/f", a, b).Output()
		got := UnifiedDiff("a/f", "b/f", []byte(c.a), []byte(c.b))
		if got != string(out) {
			t.Errorf("case %d:\ngot:\n%s\nwant:\n%s", i, got, out)
		}
	}
	if UnifiedDiff("a", "b", []byte("x\n"), []byte("x\n")) != "" {
		t.Error("equal files have a diff")
	}
}
