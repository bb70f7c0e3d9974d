package atomicfile_test

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/rolloutgen/rolloutgen/internal/atomicfile"
)

func TestWriteReplacesAndLeavesNoTemp(t *testing.T) {
	dir := t.TempDir()
	p := filepath.Join(dir, "sub", "f.yaml")
	for _, content := range []string{"one\n", "two\n"} {
		if err := atomicfile.Write(p, []byte(content), 0o640); err != nil {
			t.Fatal(err)
		}
		got, err := os.ReadFile(p)
		if err != nil || string(got) != content {
			t.Fatalf("read %q, %v; want %q", got, err, content)
		}
	}
	st, _ := os.Stat(p)
	if st.Mode().Perm() != 0o640 {
		t.Errorf("mode %v, want 0640", st.Mode().Perm())
	}
	entries, _ := os.ReadDir(filepath.Dir(p))
	if len(entries) != 1 {
		t.Errorf("temp files left behind: %v", entries)
	}
}

func TestWriteIntoMissingParentOfFileFails(t *testing.T) {
	dir := t.TempDir()
	blocker := filepath.Join(dir, "file")
	os.WriteFile(blocker, nil, 0o644)
	if err := atomicfile.Write(filepath.Join(blocker, "x"), []byte("x"), 0o644); err == nil {
		t.Fatal("writing below a regular file succeeded")
	}
}
