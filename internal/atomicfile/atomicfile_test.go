package atomicfile_test

import (
	"errors"
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

// WriteIn never writes through a symlink on the path, even one that
// stays inside the root, and names the link.
func TestWriteInRefusesSymlinks(t *testing.T) {
	dir := t.TempDir()
	outside := t.TempDir()
	os.Mkdir(filepath.Join(dir, "real"), 0o755)
	os.Symlink(outside, filepath.Join(dir, "out"))
	os.Symlink("real", filepath.Join(dir, "in"))
	os.Symlink(filepath.Join(outside, "f"), filepath.Join(dir, "real", "f"))
	r, err := os.OpenRoot(dir)
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	for name, link := range map[string]string{"out/x": "out", "in/x": "in", "real/f": "real/f"} {
		var se *atomicfile.SymlinkError
		if err := atomicfile.WriteIn(r, name, []byte("x"), 0o644); !errors.As(err, &se) || se.Path != link {
			t.Errorf("WriteIn(%s): %v, want a symlink error naming %s", name, err, link)
		}
		if _, err := atomicfile.ReadIn(r, name); !errors.As(err, &se) {
			t.Errorf("ReadIn(%s): %v", name, err)
		}
	}
	if entries, _ := os.ReadDir(outside); len(entries) != 0 {
		t.Errorf("wrote outside the root: %v", entries)
	}
	if err := atomicfile.WriteIn(r, "real/sub/g", []byte("g"), 0o644); err != nil {
		t.Fatal(err)
	}
	if b, _ := os.ReadFile(filepath.Join(dir, "real/sub/g")); string(b) != "g" {
		t.Errorf("WriteIn wrote %q", b)
	}
}
