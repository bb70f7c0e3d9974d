package validate

import (
	"reflect"
	"sort"
	"testing"

	"sigs.k8s.io/kustomize/kyaml/filesys"
)

func TestInputsTraceEverythingAKustomizationNames(t *testing.T) {
	fs := filesys.MakeFsInMemory()
	for p, c := range map[string]string{
		"base/app/kustomization.yaml":       "resources: [rollout.yaml]\nconfigurations: [rollout-transform.yaml]\n",
		"base/app/rollout.yaml":             "kind: Rollout\n",
		"base/app/rollout-transform.yaml":   "nameReference: []\n",
		"components/tls/kustomization.yaml": "kind: Component\npatches:\n- path: tls.yaml\n",
		"components/tls/tls.yaml":           "[]\n",
		"shared/replicas.yaml":              "[]\n",
		"shared/env.properties":             "A=1\n",
		"overlays/dev/app/kustomization.yaml": `resources: [../../../base/app]
components: [../../../components/tls]
namespace: dev
images: [{name: app, newTag: v1}]
patches:
- path: ../../../shared/replicas.yaml
  target: {kind: Rollout, name: app}
configMapGenerator:
- name: cfg
  envs: [../../../shared/env.properties]
`,
		"overlays/dev/other/kustomization.yaml": "resources: [../../../base/app]\n",
		"loop/a/kustomization.yaml":             "resources: [../b]\n",
		"loop/b/kustomization.yaml":             "resources: [../a]\n",
	} {
		if err := fs.WriteFile("/r/"+p, []byte(c)); err != nil {
			t.Fatal(err)
		}
	}
	in := NewInputs(fs, "/r")
	got := in.Of("overlays/dev/app")
	sort.Strings(got)
	want := []string{"base/app", "base/app/rollout-transform.yaml", "base/app/rollout.yaml", "components/tls", "components/tls/tls.yaml",
		"overlays/dev/app", "shared/env.properties", "shared/replicas.yaml"}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("inputs:\n got %v\nwant %v", got, want)
	}
	// kustomize refuses cycles; tracing must still end and name both.
	if got := in.Of("loop/a"); len(got) < 2 || got[0] != "loop/a" || got[1] != "loop/b" {
		t.Errorf("a cycle of kustomizations: %v", got)
	}
	overlays := []string{"overlays/dev/app", "overlays/dev/other"}
	for _, c := range []struct {
		changed []string
		want    []string
	}{
		{[]string{"overlays/dev/app/kustomization.yaml"}, []string{"overlays/dev/app"}},
		{[]string{"base/app/rollout.yaml"}, []string{"overlays/dev/app", "overlays/dev/other"}},
		{[]string{"shared/replicas.yaml"}, []string{"overlays/dev/app"}},
		{[]string{"components/tls/new-file.yaml"}, []string{"overlays/dev/app"}},
		{[]string{"shared/unused.yaml", "README.md"}, nil},
	} {
		if got := Affected(fs, "/r", overlays, c.changed, 2); !reflect.DeepEqual(got, c.want) {
			t.Errorf("changed %v: affected %v, want %v", c.changed, got, c.want)
		}
	}
}

// A deleted base (git rm -r base/app) leaves its overlays naming a path
// that is gone: they are affected, as the full run, which fails to build
// them, says.
func TestAffectedByDeletedInputs(t *testing.T) {
	fs := filesys.MakeFsInMemory()
	for p, c := range map[string]string{
		"overlays/dev/app/kustomization.yaml":  "resources: [../../../base/app]\npatches:\n- path: ../../../shared/gone.yaml\n",
		"overlays/dev/keep/kustomization.yaml": "resources: [rollout.yaml]\n",
		"overlays/dev/keep/rollout.yaml":       "kind: Rollout\n",
	} {
		if err := fs.WriteFile("/r/"+p, []byte(c)); err != nil {
			t.Fatal(err)
		}
	}
	overlays := []string{"overlays/dev/app", "overlays/dev/keep"}
	for _, c := range []struct {
		changed []string
		want    []string
	}{
		{[]string{"base/app/kustomization.yaml", "base/app/rollout.yaml"}, []string{"overlays/dev/app"}},
		{[]string{"shared/gone.yaml"}, []string{"overlays/dev/app"}},
		{[]string{"base/other/rollout.yaml"}, nil},
	} {
		if got := Affected(fs, "/r", overlays, c.changed, 1); !reflect.DeepEqual(got, c.want) {
			t.Errorf("changed %v: affected %v, want %v", c.changed, got, c.want)
		}
	}
}
