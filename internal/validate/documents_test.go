package validate

import (
	"strings"
	"testing"
)

// One document of a file that is not valid YAML (a flow mapping as a key,
// as in Argo Rollouts' examples/traffic-management/rollout-linkerd.yaml)
// is reported on that document; the file's other documents are checked as
// usual, as kubectl, which decodes each document apart, applies them.
func TestBadDocumentLeavesTheOthers(t *testing.T) {
	for _, c := range []struct {
		name, file string
		want       []string
	}{
		{
			name: "kind and name readable",
			file: rollout + `      steps: [{setWeight: 20}, {pause: {}}]
---
kind: AnalysisTemplate
apiVersion: argoproj.io/v1alpha1
metadata:
  labels:
    name: not-this
  name: load-test
spec:
  metrics:
    - name: pass
      provider:
        job:
          metadata:
            annotations:
              inject: {{args.enabled}}
---
apiVersion: v1
kind: Service
metadata: {name: app}
spec: {selector: {app: app}, ports: [{port: 80, type: Nope}]}
`,
			want: []string{
				`app.yaml: AnalysisTemplate/load-test: not valid YAML (document at line 14): yaml: invalid map key: map[interface {}]interface {}{"args.enabled":""} — fix the YAML syntax; the file's other documents are checked`,
				`app.yaml: Service/app: spec.ports[0].type: unknown field (the API server would reject or drop it) — remove it or fix its spelling; see kubectl explain service`,
			},
		},
		{
			name: "neither kind nor name readable",
			file: "# leading comment\n---\nfoo: 1\nbar: baz: 2\n---\n" + strings.TrimSuffix(rollout, "    canary:\n") + "    canary: {}\n",
			want: []string{
				`app.yaml: not valid YAML (document at line 3): yaml: line 4: mapping values are not allowed in this context — fix the YAML syntax; the file's other documents are checked`,
			},
		},
	} {
		t.Run(c.name, func(t *testing.T) {
			got := runClass(t, classCase{files: map[string]string{"app.yaml": c.file}})
			var lines []string
			for _, f := range got {
				lines = append(lines, f.String())
			}
			if strings.Join(lines, "\n") != strings.Join(c.want, "\n") {
				t.Errorf("got:\n%s\nwant:\n%s", strings.Join(lines, "\n"), strings.Join(c.want, "\n"))
			}
		})
	}
}

func TestSplitDocuments(t *testing.T) {
	in := "a: 1\n---\n\n# c\nb: 2\n--- # comment\n---\n--- x\nc: 3\n"
	got := splitDocuments([]byte(in))
	want := []struct {
		line int
		text string
	}{
		{1, "a: 1\n"},
		{5, "\n\n\n# c\nb: 2\n"},
		{8, "\n\n\n\n\n\n\n--- x\nc: 3\n"},
	}
	if len(got) != len(want) {
		t.Fatalf("%d documents, want %d: %+v", len(got), len(want), got)
	}
	for i, w := range want {
		if got[i].line != w.line || string(got[i].text) != w.text {
			t.Errorf("document %d: line %d %q, want line %d %q", i, got[i].line, got[i].text, w.line, w.text)
		}
	}
}
