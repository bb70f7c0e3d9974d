package validate

import (
	"context"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"sigs.k8s.io/kustomize/kyaml/filesys"
)

// copyDemo copies the committed demo repository (gen render's output for
// the seed, at the top of this repository) into a temp dir a test may edit.
func copyDemo(t *testing.T) string {
	t.Helper()
	dst := t.TempDir()
	for _, dir := range []string{"base", "overlays", "argocd"} {
		copyTree(t, filepath.Join("..", "..", dir), filepath.Join(dst, dir))
	}
	return dst
}

func copyTree(t *testing.T, src, dst string) {
	t.Helper()
	err := filepath.WalkDir(src, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(src, p)
		if d.IsDir() {
			return os.MkdirAll(filepath.Join(dst, rel), 0o755)
		}
		b, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		return os.WriteFile(filepath.Join(dst, rel), b, 0o644)
	})
	if err != nil {
		t.Fatal(err)
	}
}

// demoRequest checks the demo's three overlays and everything under argocd/.
func demoRequest(t *testing.T, root string) Request {
	t.Helper()
	var files []string
	err := filepath.WalkDir(filepath.Join(root, "argocd"), func(p string, d fs.DirEntry, err error) error {
		if err == nil && !d.IsDir() && strings.HasSuffix(p, ".yaml") {
			rel, _ := filepath.Rel(root, p)
			files = append(files, filepath.ToSlash(rel))
		}
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	sort.Strings(files)
	return Request{
		FS:       filesys.MakeFsOnDisk(),
		Root:     root,
		Overlays: []string{"overlays/dev/rollouts-demo", "overlays/staging/rollouts-demo", "overlays/prod/rollouts-demo"},
		Files:    files,
	}
}

func demoValidator() *Validator { return New(Options{NginxIngressClasses: []string{"ack-nginx"}}) }

func TestDemoValidatesClean(t *testing.T) {
	root := copyDemo(t)
	got, err := demoValidator().Validate(context.Background(), demoRequest(t, root))
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range got {
		t.Errorf("unexpected finding: %s", f)
	}
}
