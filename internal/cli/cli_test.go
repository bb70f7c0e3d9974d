package cli

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// run executes gen in dir with test streams.
func run(t *testing.T, dir string, args ...string) (code int, stdout, stderr string) {
	t.Helper()
	var out, errb bytes.Buffer
	code = Run(context.Background(), args, Deps{Stdout: &out, Stderr: &errb, Getenv: func(string) string { return "" }, Dir: dir})
	return code, out.String(), errb.String()
}

func TestVersion(t *testing.T) {
	for _, args := range [][]string{{"version"}, {"--version"}} {
		code, out, _ := run(t, t.TempDir(), args...)
		if code != 0 || out != "gen "+Version+"\n" {
			t.Errorf("gen %v: code %d, out %q", args, code, out)
		}
	}
}

func TestUsageErrorsExit2(t *testing.T) {
	dir := t.TempDir()
	for _, tt := range []struct {
		args []string
		want string
	}{
		{[]string{"bogus"}, `gen: unknown command "bogus" for "gen"`},
		{[]string{"render", "--bogus"}, "gen: unknown flag: --bogus"},
		{[]string{"render", "extra"}, `gen: unknown command "extra" for "gen render"`},
		{[]string{"render"}, "gen: gen.yaml not found; run gen init to write one, or pass --config"},
	} {
		code, _, stderr := run(t, dir, tt.args...)
		if code != ExitUsage || strings.TrimSpace(stderr) != tt.want {
			t.Errorf("gen %v: code %d stderr %q; want 2 and %q", tt.args, code, stderr, tt.want)
		}
	}
}

func TestInitRefusesToOverwrite(t *testing.T) {
	dir := t.TempDir()
	if code, _, stderr := run(t, dir, "init"); code != 0 {
		t.Fatalf("init: %d %s", code, stderr)
	}
	p := filepath.Join(dir, "gen.yaml")
	if err := os.WriteFile(p, []byte("# mine\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	code, _, stderr := run(t, dir, "init")
	if code != ExitUsage || !strings.Contains(stderr, "gen.yaml already exists; pass --force to overwrite it") {
		t.Errorf("second init: %d %q", code, stderr)
	}
	if b, _ := os.ReadFile(p); string(b) != "# mine\n" {
		t.Errorf("init without --force changed gen.yaml")
	}
	if code, _, _ := run(t, dir, "init", "--force"); code != 0 {
		t.Errorf("init --force: %d", code)
	}
	if b, _ := os.ReadFile(p); !strings.Contains(string(b), "rollouts-demo") {
		t.Errorf("init --force did not write the demo")
	}
}

func TestRenderCheckAndBuild(t *testing.T) {
	dir := t.TempDir()
	run(t, dir, "init")
	if code, _, _ := run(t, dir, "render", "--check"); code != ExitFailed {
		t.Errorf("check before render: %d, want 1", code)
	}
	if code, _, stderr := run(t, dir, "render"); code != 0 {
		t.Fatalf("render: %d %s", code, stderr)
	}
	if code, out, stderr := run(t, dir, "render", "--check"); code != 0 || out != "" {
		t.Errorf("check after render: %d %q %q", code, out, stderr)
	}
	p := filepath.Join(dir, "base/rollouts-demo/ingress.yaml")
	b, _ := os.ReadFile(p)
	os.WriteFile(p, append(b, "# hand edit\n"...), 0o644)
	code, out, _ := run(t, dir, "render", "--check")
	if code != ExitFailed || out != "changed: base/rollouts-demo/ingress.yaml\n" {
		t.Errorf("check after hand edit: %d %q", code, out)
	}
	if after, _ := os.ReadFile(p); !bytes.HasSuffix(after, []byte("# hand edit\n")) {
		t.Error("render --check wrote files")
	}

	code, out, stderr := run(t, dir, "build", "--env", "staging")
	if code != 0 || !strings.Contains(out, "namespace: rollouts-demo-staging") || strings.Contains(out, "rollouts-demo-dev") {
		t.Errorf("build --env staging: %d %s %s", code, out, stderr)
	}
	code, _, stderr = run(t, dir, "build", "--env", "qa")
	if code != ExitUsage || !strings.Contains(stderr, `--env "qa": no such environment in gen.yaml; environments: dev, staging, prod`) {
		t.Errorf("build --env qa: %d %q", code, stderr)
	}
	code, _, stderr = run(t, dir, "build", "--out-dir", "out")
	if code != 0 {
		t.Fatalf("build --out-dir: %d %s", code, stderr)
	}
	for _, env := range []string{"dev", "staging", "prod"} {
		if _, err := os.Stat(filepath.Join(dir, "out", env+"-rollouts-demo.yaml")); err != nil {
			t.Error(err)
		}
	}
}

func TestBadConfigWritesNothing(t *testing.T) {
	dir := t.TempDir()
	os.WriteFile(filepath.Join(dir, "gen.yaml"), []byte("apiVersion: rolloutgen.dev/v1alpha1\nkind: GenConfig\nrepo: {url: x}\napps:\n  - name: web\n    image: r/web\n    tag: v1\n    replicaz: 2\n    ingress: {host: a.example.com}\nenvironments: [{name: dev}]\n"), 0o644)
	code, _, stderr := run(t, dir, "render")
	if code != ExitUsage || !strings.HasPrefix(stderr, "gen: gen.yaml:8: apps[0].replicaz: unknown field") {
		t.Errorf("render with a bad gen.yaml: %d %q", code, stderr)
	}
	entries, _ := os.ReadDir(dir)
	if len(entries) != 1 {
		t.Errorf("a failed render wrote files: %v", entries)
	}
}

// gen render --check fails while an interrupted render's journal is
// there; gen render rolls it back first. Unowned files warn, and fail
// with --strict.
func TestRenderJournalAndUnowned(t *testing.T) {
	dir := t.TempDir()
	run(t, dir, "init")
	if code, _, stderr := run(t, dir, "render"); code != 0 {
		t.Fatalf("render: %d %s", code, stderr)
	}
	os.WriteFile(filepath.Join(dir, "overlays/dev/local-secrets.env"), []byte("TOKEN=x\n"), 0o600)
	code, out, stderr := run(t, dir, "render", "--check")
	if code != 0 || out != "" || !strings.Contains(stderr, "warning: unowned: overlays/dev/local-secrets.env") {
		t.Errorf("check with an unowned file: %d %q %q", code, out, stderr)
	}
	code, out, _ = run(t, dir, "render", "--check", "--strict")
	if code != ExitFailed || out != "unowned: overlays/dev/local-secrets.env\n" {
		t.Errorf("check --strict with an unowned file: %d %q", code, out)
	}
	// A journal as a killed render leaves it: it had created argocd/extra.yaml.
	journal := filepath.Join(dir, ".gen/render/journal")
	os.WriteFile(filepath.Join(dir, "argocd/extra.yaml"), []byte("# Generated by gen render\n"), 0o644)
	os.WriteFile(journal, []byte(`{"version":1,"ops":[{"path":"argocd/extra.yaml"}]}`), 0o644)
	code, _, stderr = run(t, dir, "render", "--check")
	if code != ExitFailed || !strings.Contains(stderr, "an interrupted gen render left a journal; run gen render to roll it back") {
		t.Errorf("check with a journal: %d %q", code, stderr)
	}
	code, _, stderr = run(t, dir, "render")
	if code != 0 || !strings.Contains(stderr, "rolled back an interrupted render") {
		t.Errorf("render with a journal: %d %q", code, stderr)
	}
	if _, err := os.Stat(filepath.Join(dir, "argocd/extra.yaml")); err == nil {
		t.Error("roll back kept the file the interrupted render created")
	}
	if code, _, stderr := run(t, dir, "render", "--check"); code != 0 {
		t.Errorf("check after the roll back: %d %q", code, stderr)
	}
	if b, _ := os.ReadFile(filepath.Join(dir, "overlays/dev/local-secrets.env")); string(b) != "TOKEN=x\n" {
		t.Error("render touched an unowned file")
	}
}

// What the generated CI runs on a pull request, gen render --check, on
// the attacks of issue 11: a symlinked overlay (named, its target never
// read or written), an overlay linked to a secret (never printed), and an
// images: entry sending the overlay to another registry (drift naming file
// and field).
func TestRenderCheckOnHostileTree(t *testing.T) {
	const secret = "ghp_s3cr3tTokenValue0123456789"
	for name, tt := range map[string]struct {
		attack func(t *testing.T, dir string)
		want   string
	}{
		"symlinked overlay": {func(t *testing.T, dir string) {
			victim := t.TempDir()
			os.RemoveAll(filepath.Join(dir, "overlays/staging/rollouts-demo"))
			os.Symlink(victim, filepath.Join(dir, "overlays/staging/rollouts-demo"))
		}, "gen: overlays/staging/rollouts-demo: is a symbolic link"},
		"overlay linked to a secret": {func(t *testing.T, dir string) {
			s := filepath.Join(t.TempDir(), "token")
			os.WriteFile(s, []byte(secret+"\n"), 0o600)
			p := filepath.Join(dir, "overlays/dev/rollouts-demo/kustomization.yaml")
			os.Remove(p)
			os.Symlink(s, p)
		}, "gen: overlays/dev/rollouts-demo/kustomization.yaml: is a symbolic link"},
		"another registry": {func(t *testing.T, dir string) {
			p := filepath.Join(dir, "overlays/prod/rollouts-demo/kustomization.yaml")
			b, _ := os.ReadFile(p)
			os.WriteFile(p, bytes.Replace(b, []byte("  newTag:"), []byte("  newName: evil.example.net/miner\n  newTag:"), 1), 0o644)
		}, `changed: overlays/prod/rollouts-demo/kustomization.yaml: images[0].newName: "evil.example.net/miner" is render's`},
	} {
		t.Run(name, func(t *testing.T) {
			dir := t.TempDir()
			run(t, dir, "init")
			if code, _, stderr := run(t, dir, "render"); code != 0 {
				t.Fatalf("render: %d %s", code, stderr)
			}
			tt.attack(t, dir)
			code, out, stderr := run(t, dir, "render", "--check")
			if code != ExitFailed || !strings.Contains(out+stderr, tt.want) || strings.Contains(out+stderr, "s3cr3t") {
				t.Errorf("render --check: %d\n%s%s\nwant exit 1 and %q", code, out, stderr, tt.want)
			}
		})
	}
}
