package validate

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// A pull request's symlinks may name files inside the repository, never
// outside: a plain file, a kustomization and a resource that resolve
// outside are refused by name, and the secret they point at appears in no
// finding.
func TestSymlinksOutsideTheRepositoryAreNotRead(t *testing.T) {
	dir := t.TempDir()
	secret := filepath.Join(dir, "secret")
	if err := os.WriteFile(secret, []byte("hunter2-token: s3cr3t\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	root := filepath.Join(dir, "repo")
	for p, c := range map[string]string{
		"inside/real.yaml":                "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: a}\n",
		"overlays/res/kustomization.yaml": "resources: [leak.yaml]\n",
		"overlays/kust/placeholder":       "",
	} {
		if err := os.MkdirAll(filepath.Dir(filepath.Join(root, p)), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(root, p), []byte(c), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	for link, target := range map[string]string{
		"leak.yaml":                        secret,
		"overlays/res/leak.yaml":           secret,
		"overlays/kust/kustomization.yaml": secret,
		"inside/link.yaml":                 filepath.Join(root, "inside/real.yaml"),
	} {
		if err := os.Symlink(target, filepath.Join(root, link)); err != nil {
			t.Fatal(err)
		}
	}
	fsys := OnDiskWithin(root)
	if _, err := fsys.ReadFile(filepath.Join(root, "leak.yaml")); !errors.Is(err, ErrOutsideRoot) {
		t.Errorf("reading a link to outside: %v, want ErrOutsideRoot", err)
	}
	if _, err := fsys.ReadFile(filepath.Join(root, "inside/link.yaml")); err != nil {
		t.Errorf("reading a link inside the repository: %v", err)
	}
	got, err := New(Options{}).Validate(context.Background(), Request{FS: fsys, Root: root,
		Files: []string{"leak.yaml", "inside/link.yaml"}, Overlays: []string{"overlays/res", "overlays/kust"}})
	if err != nil {
		t.Fatal(err)
	}
	var lines []string
	for _, f := range got {
		lines = append(lines, f.String())
	}
	all := strings.Join(lines, "\n")
	if strings.Contains(all, "hunter2") || strings.Contains(all, "s3cr3t") {
		t.Fatalf("a finding quotes the linked file:\n%s", all)
	}
	for _, want := range []string{"leak.yaml: symlink resolves outside the repository", "overlays/res: kustomize build failed", "overlays/kust: kustomize build failed"} {
		if !strings.Contains(all, want) {
			t.Errorf("no finding contains %q:\n%s", want, all)
		}
	}
	if len(got) != 3 {
		t.Errorf("%d findings, want 3 (the link inside is fine):\n%s", len(got), all)
	}
}

// Build errors keep to one line and never carry the node kyaml quotes.
func TestWithoutContent(t *testing.T) {
	for in, want := range map[string]string{
		"wrong node kind: expected MappingNode but got ScalarNode: node contents:\nhunter2\n": "wrong node kind: expected MappingNode but got ScalarNode (content not shown)",
		"invalid Kustomization: json: cannot unmarshal string\nsecret":                        "invalid Kustomization: json: cannot unmarshal string",
	} {
		if got := withoutContent(in); got != want {
			t.Errorf("withoutContent(%q) = %q, want %q", in, got, want)
		}
	}
}
