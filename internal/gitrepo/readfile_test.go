package gitrepo

import (
	"strings"
	"testing"
)

func TestReadFile(t *testing.T) {
	g := seedRepo(t)
	first := g.git("rev-parse", "HEAD")
	if _, err := bump(t, g, bumpPath, bumped); err != nil {
		t.Fatal(err)
	}
	r, err := Open(g.dir)
	if err != nil {
		t.Fatal(err)
	}
	const v1 = "images:\n- name: app1 # the app\n  newTag: v1\n"
	for rev, want := range map[string]string{"HEAD": bumped, "": bumped, "main": bumped, "HEAD~1": v1, first: v1} {
		got, err := r.ReadFile(rev, bumpPath)
		if err != nil || string(got) != want {
			t.Errorf("ReadFile(%q) = %q, %v; want %q", rev, got, err, want)
		}
	}
	if _, err := r.ReadFile("HEAD", "nope.yaml"); err == nil || !strings.Contains(err.Error(), "nope.yaml") {
		t.Errorf("missing file: %v", err)
	}
	if _, err := r.ReadFile("HEAD", "overlays"); err == nil {
		t.Errorf("directory read as file")
	}
	if _, err := Open(t.TempDir()); err == nil || !strings.Contains(err.Error(), "no git repository") {
		t.Errorf("Open outside a repo: %v", err)
	}
}
