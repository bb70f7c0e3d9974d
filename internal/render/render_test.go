package render_test

import (
	"bytes"
	"errors"
	"flag"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/rolloutgen/rolloutgen/internal/config"
	"github.com/rolloutgen/rolloutgen/internal/kustomize"
	"github.com/rolloutgen/rolloutgen/internal/render"
	"github.com/rolloutgen/rolloutgen/internal/synth"
	"github.com/rolloutgen/rolloutgen/templates"
)

var update = flag.Bool("update", false, "rewrite testdata/*/expected from the current templates")

func mustRender(t testing.TB, cfg *config.Config, read render.ReadFunc) []render.File {
	t.Helper()
	r, err := render.New()
	if err != nil {
		t.Fatal(err)
	}
	files, err := r.Render(cfg, read)
	if err != nil {
		t.Fatal(err)
	}
	return files
}

func loadCase(t *testing.T, name string) *config.Config {
	t.Helper()
	if name == "demo" {
		cfg, err := config.Parse("gen.yaml", templates.DemoConfig())
		if err != nil {
			t.Fatal(err)
		}
		return cfg
	}
	cfg, err := config.Load(filepath.Join("testdata", name, "input", "gen.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	return cfg
}

// TestGolden renders each case and compares it with testdata/<case>/expected;
// go test ./internal/render -update rewrites the expected trees.
func TestGolden(t *testing.T) {
	for _, name := range []string{"demo", "overrides"} {
		t.Run(name, func(t *testing.T) {
			files := mustRender(t, loadCase(t, name), nil)
			dir := filepath.Join("testdata", name, "expected")
			if *update {
				if err := os.RemoveAll(dir); err != nil {
					t.Fatal(err)
				}
				// Plain writes: render.Write would record its state in
				// the project's own .git.
				for _, f := range files {
					p := filepath.Join(dir, filepath.FromSlash(f.Path))
					if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
						t.Fatal(err)
					}
					if err := os.WriteFile(p, f.Data, 0o644); err != nil {
						t.Fatal(err)
					}
				}
			}
			d, err := render.Compare(dir, files)
			if err != nil {
				t.Fatal(err)
			}
			if !d.Empty() {
				t.Errorf("render differs from %s (run go test ./internal/render -update and review the diff):\n%s", dir, strings.Join(d.Lines(), "\n"))
			}
		})
	}
}

func TestDeterministic(t *testing.T) {
	cfg := loadCase(t, "overrides")
	a, b := mustRender(t, cfg, nil), mustRender(t, cfg, nil)
	if len(a) != len(b) {
		t.Fatal("file counts differ")
	}
	for i := range a {
		if a[i].Path != b[i].Path || !bytes.Equal(a[i].Data, b[i].Data) {
			t.Errorf("%s renders differently twice", a[i].Path)
		}
	}
}

func writeRender(t *testing.T, root string, cfg *config.Config) render.Drift {
	t.Helper()
	files := mustRender(t, cfg, render.DirReader(root))
	d, err := render.Compare(root, files)
	if err != nil {
		t.Fatal(err)
	}
	if err := render.Write(root, files, d); err != nil {
		t.Fatal(err)
	}
	return d
}

func check(t *testing.T, root string, cfg *config.Config) render.Drift {
	t.Helper()
	d, err := render.Compare(root, mustRender(t, cfg, render.DirReader(root)))
	if err != nil {
		t.Fatal(err)
	}
	return d
}

func TestIdempotentAndCheckCatchesHandEdits(t *testing.T) {
	root := t.TempDir()
	cfg := loadCase(t, "demo")
	if d := writeRender(t, root, cfg); len(d.Missing) != 16 { // 6 per base, 3 overlays, 5 argocd, 2 CI
		t.Fatalf("first render wrote %v", d.Lines())
	}
	if d := check(t, root, cfg); !d.Empty() {
		t.Fatalf("second render is not a no-op: %v", d.Lines())
	}
	rollout := filepath.Join(root, "base/rollouts-demo/rollout.yaml")
	data, _ := os.ReadFile(rollout)
	if err := os.WriteFile(rollout, bytes.Replace(data, []byte("replicas: 5"), []byte("replicas: 6"), 1), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(root, "argocd/apps/stray.yaml"), []byte(render.Marker+" from gen.yaml\nkind: Application\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.Remove(filepath.Join(root, "argocd/project.yaml")); err != nil {
		t.Fatal(err)
	}
	got := strings.Join(check(t, root, cfg).Lines(), "\n")
	want := "extra:   argocd/apps/stray.yaml\nmissing: argocd/project.yaml\nchanged: base/rollouts-demo/rollout.yaml"
	if got != want {
		t.Errorf("drift:\n%s\nwant:\n%s", got, want)
	}
	writeRender(t, root, cfg)
	if d := check(t, root, cfg); !d.Empty() {
		t.Errorf("render did not repair the drift: %v", d.Lines())
	}
}

// A bump edits the overlay's images: entry; render keeps it and --check
// does not report it.
func TestRenderKeepsImagesAfterBump(t *testing.T) {
	root := t.TempDir()
	cfg := loadCase(t, "demo")
	writeRender(t, root, cfg)
	p := filepath.Join(root, "overlays/dev/rollouts-demo/kustomization.yaml")
	data, _ := os.ReadFile(p)
	bumped, _, err := kustomize.SetImage(data, "registry.example.com/demo/rollouts-demo", "v3", "sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef")
	if err != nil {
		t.Fatal(err)
	}
	bumped = bytes.Replace(bumped, []byte("v3"), []byte("v3 # bumped"), 1)
	if err := os.WriteFile(p, bumped, 0o644); err != nil {
		t.Fatal(err)
	}
	if d := check(t, root, cfg); !d.Empty() {
		t.Fatalf("check reports a bumped images: entry: %v", d.Lines())
	}
	writeRender(t, root, cfg)
	after, _ := os.ReadFile(p)
	if !bytes.Equal(after, bumped) {
		t.Errorf("render changed the bumped overlay:\n%s\nwant:\n%s", after, bumped)
	}
	// The initial tag of gen.yaml does not overwrite bump's state either.
	cfg.Apps[0].Tag = "v9"
	if d := check(t, root, cfg); strings.Contains(strings.Join(d.Lines(), " "), "overlays/") {
		t.Errorf("a new initial tag drifts existing overlays: %v", d.Lines())
	}
}

func TestRenderRemovesAppsThatLeft(t *testing.T) {
	root := t.TempDir()
	cfg := loadCase(t, "overrides")
	writeRender(t, root, cfg)
	cfg.Apps = cfg.Apps[:1] // drop api
	cfg.Environments = cfg.Environments[:1]
	d := writeRender(t, root, cfg)
	for _, gone := range []string{"base/api", "overlays/prod", "overlays/dev/api", "argocd/apps/api-dev.yaml"} {
		if _, err := os.Stat(filepath.Join(root, gone)); !errors.Is(err, fs.ErrNotExist) {
			t.Errorf("%s still exists after its app left gen.yaml (drift %v)", gone, d.Lines())
		}
	}
	if _, err := os.Stat(filepath.Join(root, "overlays/dev/web/kustomization.yaml")); err != nil {
		t.Error(err)
	}
}

// Values that would break out of a YAML scalar are rejected by config;
// quotes, colons and hashes are legal and must stay inside their scalar.
func TestNoYAMLInjection(t *testing.T) {
	cfg := loadCase(t, "overrides")
	cfg.Repo.URL = `https://git.example.com/a.git#"x": {kind: Secret}`
	cfg.Apps[0].Canary.Header = &config.Header{Name: "X-Canary", Value: `'"; kind: Secret # `}
	files := mustRender(t, cfg, nil)
	for _, f := range files {
		if bytes.Contains(f.Data, []byte("\nkind: Secret")) {
			t.Errorf("%s: injected a key:\n%s", f.Path, f.Data)
		}
	}
	var rollout []byte
	for _, f := range files {
		if f.Path == "base/web/rollout.yaml" {
			rollout = f.Data
		}
	}
	if !bytes.Contains(rollout, []byte(`canary-by-header-value: "'\"; kind: Secret # "`)) {
		t.Errorf("header value not quoted as one scalar:\n%s", rollout)
	}
}

// Found by gen validate on the 1,000-app benchmark repo: the AppProject
// description listing every app broke the CRD's 255-byte maxLength, and the
// API server would reject the AppProject.
func TestProjectDescriptionFitsTheCRD(t *testing.T) {
	cfg, err := config.Parse("gen.yaml", synth.GenYAML(50))
	if err != nil {
		t.Fatal(err)
	}
	r, err := render.New()
	if err != nil {
		t.Fatal(err)
	}
	files, err := r.Render(cfg, nil)
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range files {
		if f.Path != "argocd/project.yaml" {
			continue
		}
		for _, l := range strings.Split(string(f.Data), "\n") {
			if d, ok := strings.CutPrefix(l, "  description: "); ok {
				if len(d) > 255+2 || !strings.Contains(d, "50 apps") {
					t.Errorf("description %d bytes: %s", len(d), d)
				}
				return
			}
		}
	}
	t.Fatal("no description in argocd/project.yaml")
}
