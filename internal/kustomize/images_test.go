package kustomize

import (
	"errors"
	"regexp"
	"strings"
	"testing"
)

const digestA = "sha256:aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
const digestB = "sha256:bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb"

func TestSetImage(t *testing.T) {
	tests := []struct {
		name       string
		in         string
		image      string
		tag        string
		digest     string
		want       string // "" with wantChange false: output equals input
		wantChange Change
		wantErr    error
	}{
		{
			name:  "bumps the tag, keeps comments, quoting and blank lines",
			image: "example.com/demo",
			tag:   "v2",
			in: `# rendered by gen
apiVersion: kustomize.config.k8s.io/v1beta1
kind: Kustomization

resources:
  - ../../../base/demo # the base

images:
  # the app's image; gen bump owns this entry
  - name: example.com/demo
    newTag: "v1" # current release
  - name: other
    newTag: '1.0'
`,
			want: `# rendered by gen
apiVersion: kustomize.config.k8s.io/v1beta1
kind: Kustomization

resources:
  - ../../../base/demo # the base

images:
  # the app's image; gen bump owns this entry
  - name: example.com/demo
    newTag: "v2" # current release
  - name: other
    newTag: '1.0'
`,
			wantChange: Change{Image: "example.com/demo", Old: Version{Tag: "v1"}, New: Version{Tag: "v2"}},
		},
		{
			name:       "compact sequences stay compact",
			image:      "demo",
			tag:        "v2",
			in:         "images:\n- name: demo\n  newTag: v1\n\nnamespace: x\n",
			want:       "images:\n- name: demo\n  newTag: v2\n\nnamespace: x\n",
			wantChange: Change{Image: "demo", Old: Version{Tag: "v1"}, New: Version{Tag: "v2"}},
		},
		{
			name:       "already at the tag: no change, same bytes",
			image:      "demo",
			tag:        "v1",
			in:         "images:\n  - name: demo\n    newTag: v1   # odd spacing stays\n",
			wantChange: Change{},
		},
		{
			name:       "adds a digest",
			image:      "demo",
			tag:        "v2",
			digest:     digestA,
			in:         "images:\n  - name: demo\n    newTag: v1\n",
			want:       "images:\n  - name: demo\n    newTag: v2\n    digest: " + digestA + "\n",
			wantChange: Change{Image: "demo", Old: Version{Tag: "v1"}, New: Version{Tag: "v2", Digest: digestA}},
		},
		{
			name:       "a tag bump drops the old digest",
			image:      "demo",
			tag:        "v2",
			in:         "images:\n  - name: demo\n    newTag: v1\n    digest: " + digestB + "\n  - name: x\n",
			want:       "images:\n  - name: demo\n    newTag: v2\n  - name: x\n",
			wantChange: Change{Image: "demo", Old: Version{Tag: "v1", Digest: digestB}, New: Version{Tag: "v2"}},
		},
		{
			name:       "adds a missing entry, keeping newName of others",
			image:      "demo",
			tag:        "v2",
			in:         "images:\n  - name: other\n    newName: reg/other\n",
			want:       "images:\n  - name: other\n    newName: reg/other\n  - name: demo\n    newTag: v2\n",
			wantChange: Change{Image: "demo", New: Version{Tag: "v2"}},
		},
		{
			name:       "adds images: when missing",
			image:      "demo",
			tag:        "v2",
			in:         "resources:\n- a.yaml\n",
			want:       "resources:\n- a.yaml\nimages:\n- name: demo\n  newTag: v2\n",
			wantChange: Change{Image: "demo", New: Version{Tag: "v2"}},
		},
		{
			name:       "quotes a tag YAML 1.1 would read as a number",
			image:      "demo",
			tag:        "1.10",
			in:         "images:\n  - name: demo\n    newTag: v1\n",
			want:       "images:\n  - name: demo\n    newTag: \"1.10\"\n",
			wantChange: Change{Image: "demo", Old: Version{Tag: "v1"}, New: Version{Tag: "1.10"}},
		},
		{
			name:       "keeps newName and unknown keys of the entry",
			image:      "demo",
			tag:        "v3",
			in:         "images:\n  - name: demo\n    newName: reg.example.com/demo\n    newTag: v2\n",
			want:       "images:\n  - name: demo\n    newName: reg.example.com/demo\n    newTag: v3\n",
			wantChange: Change{Image: "demo", Old: Version{Tag: "v2"}, New: Version{Tag: "v3"}},
		},
		{
			name:       "four-space indentation, blank lines and comment spacing survive",
			image:      "example.com/app",
			tag:        "1.1.0",
			in:         "resources:\n    - ../../base/app\n\nimages:\n    - name: example.com/app\n      newTag: \"1.0.0\"   # the release\n\n    - name: x\n      newTag: \"1.0\"\n",
			want:       "resources:\n    - ../../base/app\n\nimages:\n    - name: example.com/app\n      newTag: \"1.1.0\"   # the release\n\n    - name: x\n      newTag: \"1.0\"\n",
			wantChange: Change{Image: "example.com/app", Old: Version{Tag: "1.0.0"}, New: Version{Tag: "1.1.0"}},
		},
		{
			name:       "a flow-style line keeps its spacing",
			image:      "demo",
			tag:        "v2",
			in:         "images:   [{name: demo,   newTag: v1}]\n",
			want:       "images:   [{name: demo,   newTag: v2}]\n",
			wantChange: Change{Image: "demo", Old: Version{Tag: "v1"}, New: Version{Tag: "v2"}},
		},
		// Issue 13.5: every byte outside the entry's newTag and digest stays.
		{
			name:       "CRLF line endings stay CRLF, also on added lines",
			image:      "demo",
			tag:        "v2",
			digest:     digestA,
			in:         "resources:\r\n  - a.yaml\r\nimages:\r\n  - name: demo\r\n    newTag: v1\r\n",
			want:       "resources:\r\n  - a.yaml\r\nimages:\r\n  - name: demo\r\n    newTag: v2\r\n    digest: " + digestA + "\r\n",
			wantChange: Change{Image: "demo", Old: Version{Tag: "v1"}, New: Version{Tag: "v2", Digest: digestA}},
		},
		{
			name:       "a byte-order mark and a leading --- stay",
			image:      "demo",
			tag:        "v2",
			in:         "\xef\xbb\xbf---\nimages:\n- name: demo\n  newTag: v1\n",
			want:       "\xef\xbb\xbf---\nimages:\n- name: demo\n  newTag: v2\n",
			wantChange: Change{Image: "demo", Old: Version{Tag: "v1"}, New: Version{Tag: "v2"}},
		},
		{
			name:       "spacing before comments, odd list indentation and other entries' quoting stay",
			image:      "demo",
			tag:        "v2",
			in:         "images:\n   -   name: demo\n       newTag: v1      # live\n   -   name: 'other'\n       newTag: \"1.0\"\n\n\n# end\n",
			want:       "images:\n   -   name: demo\n       newTag: v2      # live\n   -   name: 'other'\n       newTag: \"1.0\"\n\n\n# end\n",
			wantChange: Change{Image: "demo", Old: Version{Tag: "v1"}, New: Version{Tag: "v2"}},
		},
		{
			name:       "an anchor elsewhere in the file stays and the file still parses",
			image:      "demo",
			tag:        "v2",
			in:         "labels: &l\n  app: demo\ncommonAnnotations: *l\nimages:\n- name: demo\n  newTag: v1\n",
			want:       "labels: &l\n  app: demo\ncommonAnnotations: *l\nimages:\n- name: demo\n  newTag: v2\n",
			wantChange: Change{Image: "demo", Old: Version{Tag: "v1"}, New: Version{Tag: "v2"}},
		},
		{
			name:       "a new entry follows the list's own indentation",
			image:      "demo",
			tag:        "v2",
			in:         "images:\n    -  name: other\n       newTag: x # c\nnamespace: n\n",
			want:       "images:\n    -  name: other\n       newTag: x # c\n    -  name: demo\n       newTag: v2\nnamespace: n\n",
			wantChange: Change{Image: "demo", New: Version{Tag: "v2"}},
		},
		{
			name:       "a null images: becomes a list",
			image:      "demo",
			tag:        "v2",
			in:         "images: ~ # none yet\nnamespace: n\n",
			want:       "images: # none yet\n- name: demo\n  newTag: v2\nnamespace: n\n",
			wantChange: Change{Image: "demo", New: Version{Tag: "v2"}},
		},
		{
			name:       "a file without a final newline",
			image:      "demo",
			tag:        "v2",
			in:         "resources:\n- a.yaml",
			want:       "resources:\n- a.yaml\nimages:\n- name: demo\n  newTag: v2\n",
			wantChange: Change{Image: "demo", New: Version{Tag: "v2"}},
		},
		{
			name:       "a digest as the first key is removed up to the next key",
			image:      "demo",
			tag:        "v2",
			in:         "images:\n- digest: " + digestA + "\n  name: demo\n  newTag: v1\n",
			want:       "images:\n- name: demo\n  newTag: v2\n",
			wantChange: Change{Image: "demo", Old: Version{Tag: "v1", Digest: digestA}, New: Version{Tag: "v2"}},
		},
		{name: "a block-scalar tag is refused, not re-encoded", image: "demo", tag: "v2", in: "images:\n- name: demo\n  newTag: |\n    v1\n", wantErr: ErrNotKustomization},
		{name: "bad tag", image: "demo", tag: "-v1", in: "images: []\n", wantErr: ErrInvalidTag},
		{name: "tag too long", image: "demo", tag: strings.Repeat("a", 129), in: "images: []\n", wantErr: ErrInvalidTag},
		{name: "bad digest", image: "demo", tag: "v1", digest: "sha256:abc", in: "images: []\n", wantErr: ErrInvalidDigest},
		{name: "not a mapping", image: "demo", tag: "v1", in: "- a\n", wantErr: ErrNotKustomization},
		{name: "images not a list", image: "demo", tag: "v1", in: "images: x\n", wantErr: ErrNotKustomization},
		{name: "two documents", image: "demo", tag: "v1", in: "a: 1\n---\nb: 2\n", wantErr: ErrNotKustomization},
		{name: "duplicate entries", image: "demo", tag: "v1", in: "images:\n- name: demo\n- name: demo\n", wantErr: ErrNotKustomization},
		{name: "anchored tag", image: "demo", tag: "v2", in: "images:\n- name: demo\n  newTag: &t v1\nx: *t\n", wantErr: ErrNotKustomization},
		{name: "empty file", image: "demo", tag: "v1", in: "", wantErr: ErrNotKustomization},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			out, change, err := SetImage([]byte(tt.in), tt.image, tt.tag, tt.digest)
			if tt.wantErr != nil {
				if !errors.Is(err, tt.wantErr) {
					t.Fatalf("err = %v, want %v", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if change != tt.wantChange {
				t.Errorf("change = %+v, want %+v", change, tt.wantChange)
			}
			want := tt.want
			if tt.wantChange.IsZero() {
				want = tt.in
			}
			if string(out) != want {
				t.Errorf("output:\n%s\nwant:\n%s", out, want)
			}
		})
	}
}

func TestReadImage(t *testing.T) {
	in := []byte("images:\n- name: demo\n  newName: r/demo\n  newTag: v1\n  digest: " + digestA + "\n- name: x\n  newTag: ~\n")
	img, ok, err := ReadImage(in, "demo")
	if err != nil || !ok {
		t.Fatalf("ReadImage: %v %v", ok, err)
	}
	want := Image{Name: "demo", NewName: "r/demo", Version: Version{Tag: "v1", Digest: digestA}}
	if img != want {
		t.Errorf("got %+v, want %+v", img, want)
	}
	if img, ok, _ := ReadImage(in, "x"); !ok || img.Tag != "" {
		t.Errorf("null tag: %+v %v", img, ok)
	}
	if _, ok, _ := ReadImage(in, "missing"); ok {
		t.Error("found a missing image")
	}
}

func BenchmarkSetImage(b *testing.B) {
	in := []byte("# rendered by gen\napiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\nnamespace: demo-dev\nresources:\n- ../../../base/demo\nimages:\n- name: \"registry.example.com/demo\"\n  newTag: \"v1\" # live\npatches:\n- target:\n    kind: Ingress\n    name: demo\n  patch: |-\n    - {op: replace, path: /spec/rules/0/host, value: demo.dev.example.com}\n")
	b.ReportAllocs()
	for b.Loop() {
		if _, _, err := SetImage(in, "registry.example.com/demo", "v2", ""); err != nil {
			b.Fatal(err)
		}
	}
}

// A CRLF file (core.autocrlf, eol=crlf) keeps its line endings and every
// other byte; only the tag changes.
func TestSetImageKeepsCRLF(t *testing.T) {
	lf := "# prod\nresources:\n    - ../../base/app\n\nimages:\n    - name: example.com/app\n      newTag: \"1.0.0\"   # the release\n"
	crlf := strings.ReplaceAll(lf, "\n", "\r\n")
	got, ch, err := SetImage([]byte(crlf), "example.com/app", "1.1.0", "")
	if err != nil {
		t.Fatal(err)
	}
	want := strings.ReplaceAll(strings.Replace(lf, `"1.0.0"`, `"1.1.0"`, 1), "\n", "\r\n")
	if string(got) != want || ch.Old.Tag != "1.0.0" {
		t.Errorf("got %q (%+v), want %q", got, ch, want)
	}
	same, ch, err := SetImage([]byte(crlf), "example.com/app", "1.0.0", "")
	if err != nil || !ch.IsZero() || string(same) != crlf {
		t.Errorf("unchanged: %q %+v %v", same, ch, err)
	}
}

// tagGrammar is the OCI distribution spec's tag grammar, which isTag
// matches by hand.
var tagGrammar = regexp.MustCompile(`^[A-Za-z0-9_][A-Za-z0-9._-]{0,127}$`)

var tagSamples = []string{"", "v1", "V1.2.3-rc.1_x", "_a", ".a", "-a", "a.", "a-", "a b", "a:b", "a/b", "a@b", "é", "a\n",
	strings.Repeat("a", 128), strings.Repeat("a", 129), "sha256", "latest"}

func TestIsTagIsTheGrammar(t *testing.T) {
	for _, in := range tagSamples {
		if got, want := isTag(in), tagGrammar.MatchString(in); got != want {
			t.Errorf("isTag(%q) = %v, the grammar says %v", in, got, want)
		}
	}
}

func FuzzIsTagIsTheGrammar(f *testing.F) {
	for _, in := range tagSamples {
		f.Add(in)
	}
	f.Fuzz(func(t *testing.T, in string) {
		if got, want := isTag(in), tagGrammar.MatchString(in); got != want {
			t.Errorf("isTag(%q) = %v, the grammar says %v", in, got, want)
		}
	})
}
