package kustomize

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"testing/fstest"

	"sigs.k8s.io/kustomize/kyaml/filesys"
)

var testRepo = map[string]string{
	"base/demo/kustomization.yaml": "resources:\n- deploy.yaml\n",
	"base/demo/deploy.yaml": `apiVersion: apps/v1
kind: Deployment
metadata:
  name: demo
spec:
  template:
    spec:
      containers:
      - name: demo
        image: example.com/demo:v0
`,
	"overlays/dev/demo/kustomization.yaml": "resources:\n- ../../../base/demo\nimages:\n- name: example.com/demo\n  newTag: v1\n",
}

func TestWithFilesBuildsTheEditBeforeWriting(t *testing.T) {
	dir := t.TempDir()
	for p, c := range testRepo {
		f := filepath.Join(dir, p)
		if err := os.MkdirAll(filepath.Dir(f), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(f, []byte(c), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	file := filepath.Join(dir, "overlays/dev/demo/kustomization.yaml")
	edited, _, err := SetImage([]byte(testRepo["overlays/dev/demo/kustomization.yaml"]), "example.com/demo", "v2", "")
	if err != nil {
		t.Fatal(err)
	}
	fsys := WithFiles(filesys.MakeFsOnDisk(), map[string][]byte{file: edited})
	out, err := Build(fsys, filepath.Dir(file))
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(out), "image: example.com/demo:v2") {
		t.Errorf("build does not show the edit:\n%s", out)
	}
	if b, _ := os.ReadFile(file); string(b) != testRepo["overlays/dev/demo/kustomization.yaml"] {
		t.Errorf("the file on disk changed:\n%s", b)
	}
	if err := fsys.WriteFile(file, nil); err == nil {
		t.Error("the view accepted a write")
	}
}

func TestFromFSBuildsLikeDisk(t *testing.T) {
	m := fstest.MapFS{}
	for p, c := range testRepo {
		m[p] = &fstest.MapFile{Data: []byte(c)}
	}
	fsys := WithFiles(FromFS(m), map[string][]byte{
		"/overlays/dev/demo/kustomization.yaml": []byte("resources:\n- ../../../base/demo\nimages:\n- name: example.com/demo\n  newTag: v3\n"),
	})
	out, err := Build(fsys, "/overlays/dev/demo")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(out), "image: example.com/demo:v3") {
		t.Errorf("build:\n%s", out)
	}
	if _, err := Build(FromFS(m), "/overlays/prod/demo"); err == nil {
		t.Error("built a missing overlay")
	}
}
