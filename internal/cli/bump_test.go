package cli

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/rolloutgen/rolloutgen/internal/config"
	"github.com/rolloutgen/rolloutgen/internal/gittest"
	"github.com/rolloutgen/rolloutgen/internal/testtool"
)

// The real binary, built once per test binary on first use: the bump tests
// run gen as a process, next to the git CLI, as a user or a CI job does.
var (
	genOnce sync.Once
	genPath string
	genErr  error
	binDir  string
)

func TestMain(m *testing.M) {
	var err error
	binDir, err = os.MkdirTemp("", "gen-bin-")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	code := m.Run()
	os.RemoveAll(binDir)
	os.Exit(code)
}

func genBinary(t testing.TB) string {
	t.Helper()
	testtool.Require(t, "go")
	genOnce.Do(func() {
		genPath = filepath.Join(binDir, "gen")
		out, err := exec.Command("go", "build", "-o", genPath, "github.com/rolloutgen/rolloutgen/cmd/gen").CombinedOutput()
		if err != nil {
			genErr = fmt.Errorf("go build: %v\n%s", err, out)
		}
	})
	if genErr != nil {
		t.Fatal(genErr)
	}
	return genPath
}

// gen runs the binary in dir with the git test environment plus env.
func gen(t testing.TB, home, dir string, env []string, args ...string) (code int, stdout, stderr string) {
	t.Helper()
	cmd := exec.Command(genBinary(t), args...)
	cmd.Dir = dir
	cmd.Env = append(gittest.Env(home), env...)
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	err := cmd.Run()
	code = 0
	if ee, ok := err.(*exec.ExitError); ok {
		code = ee.ExitCode()
	} else if err != nil {
		t.Fatalf("gen %v: %v", args, err)
	}
	return code, out.String(), errb.String()
}

// renderedRepo is gen init + gen render committed in a fresh repository.
func renderedRepo(t *testing.T) (home, dir string) {
	t.Helper()
	gittest.RequireGit(t)
	home = gittest.Home(t)
	dir = filepath.Join(t.TempDir(), "repo")
	gittest.Git(t, home, filepath.Dir(dir), "init", "-q", "-b", "main", dir)
	for _, args := range [][]string{{"init"}, {"render"}} {
		if code, _, stderr := gen(t, home, dir, nil, args...); code != 0 {
			t.Fatalf("gen %v: exit %d\n%s", args, code, stderr)
		}
	}
	gittest.Git(t, home, dir, "add", "-A")
	gittest.Git(t, home, dir, "commit", "-q", "-m", "render")
	return home, dir
}

const devOverlay = "overlays/dev/rollouts-demo/kustomization.yaml"

func readFile(t *testing.T, p string) string {
	t.Helper()
	b, err := os.ReadFile(p)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// snapshot is everything a failed or dry bump must leave as it was.
func snapshot(t *testing.T, home, dir string) string {
	t.Helper()
	return strings.Join([]string{
		gittest.Git(t, home, dir, "rev-parse", "HEAD"),
		gittest.Git(t, home, dir, "status", "--porcelain"),
		gittest.Git(t, home, dir, "diff", "--cached"),
		gittest.Git(t, home, dir, "reflog", "--format=%H %gs"),
		readFile(t, filepath.Join(dir, devOverlay)),
	}, "\n---\n")
}

func TestBumpLocalRenderedRepo(t *testing.T) {
	home, dir := renderedRepo(t)
	before := readFile(t, filepath.Join(dir, devOverlay))
	// Other work in progress must stay exactly as it is: one file staged,
	// one modified and unstaged.
	gittest.WriteFiles(t, dir, map[string]string{"staged.txt": "staged\n"})
	gittest.Git(t, home, dir, "add", "staged.txt")
	gittest.WriteFiles(t, dir, map[string]string{"base/rollouts-demo/kustomization.yaml": readFile(t, filepath.Join(dir, "base/rollouts-demo/kustomization.yaml")) + "# local edit\n"})
	statusBefore := gittest.Git(t, home, dir, "status", "--porcelain")
	oldHead := gittest.Git(t, home, dir, "rev-parse", "HEAD")

	code, stdout, stderr := gen(t, home, dir, nil, "bump", "--tag", "v3", "--author", "Release Bot <bot@example.com>")
	if code != 0 {
		t.Fatalf("exit %d\n%s", code, stderr)
	}
	if !strings.Contains(stdout, "v2 -> v3") {
		t.Errorf("stdout: %q", stdout)
	}
	if got := gittest.Git(t, home, dir, "rev-list", "--count", oldHead+"..HEAD"); got != "1" {
		t.Fatalf("%s new commits, want 1", got)
	}
	if got := gittest.Git(t, home, dir, "diff-tree", "--no-commit-id", "--name-only", "-r", "HEAD"); got != devOverlay {
		t.Errorf("commit touches %q, want only %s", got, devOverlay)
	}
	after := readFile(t, filepath.Join(dir, devOverlay))
	if want := strings.Replace(before, `newTag: "v2"`, `newTag: "v3"`, 1); after != want {
		t.Errorf("overlay after the bump:\n%s\nwant (only the tag changed, comments kept):\n%s", after, want)
	}
	if got := gittest.Git(t, home, dir, "show", "-s", "--format=%an <%ae>|%s", "HEAD"); got != "Release Bot <bot@example.com>|bump rollouts-demo/dev: registry.example.com/demo/rollouts-demo v2 -> v3" {
		t.Errorf("commit: %q", got)
	}
	gittest.Git(t, home, dir, "fsck", "--strict", "--no-progress")
	if got := gittest.Git(t, home, dir, "status", "--porcelain"); got != statusBefore {
		t.Errorf("status after:\n%s\nbefore:\n%s", got, statusBefore)
	}
	if got := gittest.Git(t, home, dir, "diff", "--cached", "--name-only"); got != "staged.txt" {
		t.Errorf("staged after the bump: %q, want staged.txt still staged", got)
	}
	if got := gittest.Git(t, home, dir, "reflog", "-1", "--format=%gs"); !strings.Contains(got, "bump rollouts-demo/dev") {
		t.Errorf("reflog: %q", got)
	}
	// With the unrelated work committed, index and HEAD agree.
	gittest.Git(t, home, dir, "commit", "-q", "-am", "wip")
	if gittest.Git(t, home, dir, "status", "--porcelain") != "" {
		t.Error("status not clean after committing the rest")
	}
	if a, b := gittest.Git(t, home, dir, "write-tree"), gittest.Git(t, home, dir, "rev-parse", "HEAD^{tree}"); a != b {
		t.Errorf("write-tree %s != HEAD^{tree} %s", a, b)
	}
	kubectl := testtool.Require(t, "kubectl")
	out, err := exec.Command(kubectl, "kustomize", filepath.Join(dir, "overlays/dev/rollouts-demo")).CombinedOutput()
	if err != nil {
		t.Fatalf("kubectl kustomize: %v\n%s", err, out)
	}
	if !strings.Contains(string(out), "image: registry.example.com/demo/rollouts-demo:v3") {
		t.Errorf("kubectl kustomize does not show v3:\n%s", out)
	}

	// Again: already at the tag, exit 0, no commit.
	head := gittest.Git(t, home, dir, "rev-parse", "HEAD")
	code, stdout, _ = gen(t, home, dir, nil, "bump", "--tag", "v3")
	if code != 0 || !strings.Contains(stdout, "already at v3") {
		t.Errorf("second bump: exit %d, %q", code, stdout)
	}
	if gittest.Git(t, home, dir, "rev-parse", "HEAD") != head {
		t.Error("second bump made a commit")
	}
}

func TestBumpOtherEnvAndDigestAndJSON(t *testing.T) {
	home, dir := renderedRepo(t)
	digest := "sha256:" + strings.Repeat("ab", 32)
	code, stdout, stderr := gen(t, home, dir, nil, "bump", "--env", "prod", "--tag", "v3", "--digest", digest, "-o", "json",
		"--message", "release {{.App}} {{.NewTag}} to {{.Env}} (was {{.OldTag}})")
	if code != 0 {
		t.Fatalf("exit %d\n%s", code, stderr)
	}
	var res map[string]any
	if err := json.Unmarshal([]byte(stdout), &res); err != nil {
		t.Fatalf("json: %v\n%s", err, stdout)
	}
	head := gittest.Git(t, home, dir, "rev-parse", "HEAD")
	want := map[string]any{"app": "rollouts-demo", "env": "prod", "image": "registry.example.com/demo/rollouts-demo",
		"oldTag": "v2", "newTag": "v3", "digest": digest, "commit": head, "pushed": false, "changed": true, "attempts": float64(0)}
	for k, v := range want {
		if res[k] != v {
			t.Errorf("json %s = %#v, want %#v", k, res[k], v)
		}
	}
	if got := gittest.Git(t, home, dir, "log", "-1", "--format=%s"); got != "release rollouts-demo v3 to prod (was v2)" {
		t.Errorf("message %q", got)
	}
	if !strings.Contains(readFile(t, filepath.Join(dir, "overlays/prod/rollouts-demo/kustomization.yaml")), "digest: "+digest) {
		t.Error("digest not written")
	}
	code, stdout, _ = gen(t, home, dir, nil, "bump", "--env", "prod", "--tag", "v3", "--digest", digest, "-o", "yaml")
	if code != 0 || !strings.Contains(stdout, "changed: false\n") || !strings.Contains(stdout, "oldTag: v3\n") {
		t.Errorf("-o yaml: exit %d\n%s", code, stdout)
	}
}

func TestBumpDryRunChangesNothing(t *testing.T) {
	home, dir := renderedRepo(t)
	before := snapshot(t, home, dir)
	code, stdout, stderr := gen(t, home, dir, nil, "bump", "--tag", "v9", "--dry-run")
	if code != 0 {
		t.Fatalf("exit %d\n%s", code, stderr)
	}
	for _, want := range []string{"--- a/" + devOverlay, `-  newTag: "v2"`, `+  newTag: "v9"`, "would commit on main", "bump rollouts-demo/dev"} {
		if !strings.Contains(stdout, want) {
			t.Errorf("dry run output lacks %q:\n%s", want, stdout)
		}
	}
	if after := snapshot(t, home, dir); after != before {
		t.Errorf("dry run changed the repository:\n%s\n=====\n%s", before, after)
	}
}

func TestBumpBadInputLeavesRepoAsItWas(t *testing.T) {
	home, dir := renderedRepo(t)
	tests := []struct {
		name     string
		args     []string
		code     int
		inStderr string
	}{
		{"no tag", []string{"bump"}, 2, "--tag is required"},
		{"bad tag", []string{"bump", "--tag", "v1/evil"}, 2, `--tag: tag "v1/evil"`},
		{"bad digest", []string{"bump", "--tag", "v1", "--digest", "md5:abc"}, 2, "--digest"},
		{"unknown app", []string{"bump", "--tag", "v1", "--app", "nope"}, 2, `--app "nope"`},
		{"unknown env", []string{"bump", "--tag", "v1", "--env", "qa"}, 2, `--env "qa"`},
		{"bad output", []string{"bump", "--tag", "v1", "-o", "xml"}, 2, "--output"},
		{"bad author", []string{"bump", "--tag", "v1", "--author", "nobody"}, 2, "--author"},
		{"bad template", []string{"bump", "--tag", "v1", "--message", "{{.Nope"}, 2, "--message"},
		{"path and app", []string{"bump", "--tag", "v1", "--path", "x", "--app", "y"}, 2, "--path"},
		{"missing config", []string{"bump", "--tag", "v1", "--config", "other.yaml"}, 2, "other.yaml not found"},
		// Refused before the local commit is made (it used to be made first).
		{"branch HEAD", []string{"bump", "--tag", "v1", "--push", "--branch", "HEAD"}, 2, `--branch "HEAD"`},
		{"branch full ref", []string{"bump", "--tag", "v1", "--push", "--branch", "refs/heads/x"}, 2, `--branch "refs/heads/x"`},
		{"branch option-like", []string{"bump", "--tag", "v1", "--push", "--branch=-x"}, 2, `--branch "-x"`},
		{"branch bad ref name", []string{"bump", "--tag", "v1", "--push", "--branch", "a..b"}, 2, `--branch "a..b"`},
		{"sign and no-sign", []string{"bump", "--tag", "v1", "--sign", "--no-sign"}, 2, "--sign and --no-sign"},
	}
	before := snapshot(t, home, dir)
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			code, _, stderr := gen(t, home, dir, nil, tt.args...)
			if code != tt.code || !strings.Contains(stderr, tt.inStderr) {
				t.Errorf("exit %d, stderr %q; want %d and %q", code, stderr, tt.code, tt.inStderr)
			}
			if strings.Count(strings.TrimSpace(stderr), "\n") > 0 {
				t.Errorf("want a one-line error, got %q", stderr)
			}
		})
	}
	if after := snapshot(t, home, dir); after != before {
		t.Errorf("bad input changed the repository")
	}
}

func TestBumpRefusesDirtyOverlay(t *testing.T) {
	home, dir := renderedRepo(t)
	f := filepath.Join(dir, devOverlay)
	if err := os.WriteFile(f, []byte(readFile(t, f)+"# my edit\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	before := snapshot(t, home, dir)
	code, _, stderr := gen(t, home, dir, nil, "bump", "--tag", "v3")
	if code != 1 || !strings.Contains(stderr, devOverlay) || !strings.Contains(stderr, "uncommitted") {
		t.Errorf("exit %d, stderr %q", code, stderr)
	}
	if snapshot(t, home, dir) != before {
		t.Error("a refused bump changed the repository")
	}
}

func TestBumpOverlayThatDoesNotBuildWritesNothing(t *testing.T) {
	home, dir := renderedRepo(t)
	// A base that no longer builds: the edit must not be committed over it.
	os.WriteFile(filepath.Join(dir, "base/rollouts-demo/kustomization.yaml"), []byte("resources:\n- missing.yaml\n"), 0o644)
	gittest.Git(t, home, dir, "commit", "-q", "-am", "break the base")
	before := snapshot(t, home, dir)
	code, _, stderr := gen(t, home, dir, nil, "bump", "--tag", "v3")
	if code != 1 || !strings.Contains(stderr, "does not build") {
		t.Errorf("exit %d, stderr %q", code, stderr)
	}
	if snapshot(t, home, dir) != before {
		t.Error("a bump whose overlay does not build changed the repository")
	}
}

// plainRepo is a kustomize repository gen did not render: --path mode.
var plainRepo = map[string]string{
	"base/app/kustomization.yaml": "resources:\n- deploy.yaml\n",
	"base/app/deploy.yaml": `apiVersion: apps/v1
kind: Deployment
metadata:
  name: app
spec:
  selector:
    matchLabels: {app: app}
  template:
    metadata:
      labels: {app: app}
    spec:
      containers:
      - name: app
        image: example.com/app:v0
      - name: sidecar
        image: example.com/sidecar:1.0
`,
	"deploy/prod/kustomization.yaml": `# prod, edited by hand and by CI
resources:
    - ../../base/app

images:
    - name: example.com/app
      newTag: "1.0.0"   # the release

    - name: example.com/sidecar
      newTag: "1.0"
`,
}

func TestBumpPathModeOnAPlainRepo(t *testing.T) {
	remote := gittest.NewRemote(t, plainRepo)
	dir := remote.Clone(t)
	home := remote.Home
	code, _, stderr := gen(t, home, dir, nil, "bump", "--path", "deploy/prod", "--tag", "1.1.0")
	if code != 2 || !strings.Contains(stderr, "example.com/app, example.com/sidecar") {
		t.Errorf("several images without --image: exit %d, %q", code, stderr)
	}
	sub := filepath.Join(dir, "deploy")
	code, _, stderr = gen(t, home, sub, nil, "bump", "--path", "prod", "--image", "example.com/app", "--tag", "1.1.0")
	if code != 0 {
		t.Fatalf("exit %d\n%s", code, stderr)
	}
	want := strings.Replace(plainRepo["deploy/prod/kustomization.yaml"], `"1.0.0"`, `"1.1.0"`, 1)
	if got := readFile(t, filepath.Join(dir, "deploy/prod/kustomization.yaml")); got != want {
		t.Errorf("got:\n%s\nwant:\n%s", got, want)
	}
	if got := gittest.Git(t, home, dir, "log", "-1", "--format=%s"); got != "bump deploy/prod: example.com/app 1.0.0 -> 1.1.0" {
		t.Errorf("message %q", got)
	}
	if gittest.Git(t, home, dir, "status", "--porcelain") != "" {
		t.Error("status not clean")
	}
	gittest.Git(t, home, dir, "fsck", "--strict", "--no-progress")
}

func TestConfigTarget(t *testing.T) {
	cfg := &config.Config{
		Apps:         []config.App{{Name: "a", Image: "r/a"}, {Name: "b", Image: "r/b"}},
		Environments: []config.Environment{{Name: "dev"}, {Name: "prod"}},
	}
	if _, err := configTarget(cfg, "", "", ""); err == nil || exitCode(err) != ExitUsage || !strings.Contains(err.Error(), "2 apps (a, b); pass --app") {
		t.Errorf("several apps: %v", err)
	}
	got, err := configTarget(cfg, "b", "", "")
	if err != nil || got.Env != "dev" || got.Dir != "overlays/dev/b" || got.Image != "r/b" {
		t.Errorf("default env: %+v %v", got, err)
	}
	for _, tt := range []struct{ app, env, want string }{
		{"c", "", `--app "c": no such app in gen.yaml; apps: a, b`},
		{"a", "qa", `--env "qa": no such environment in gen.yaml; environments: dev, prod`},
	} {
		if _, err := configTarget(cfg, tt.app, tt.env, ""); err == nil || exitCode(err) != ExitUsage || err.Error() != tt.want {
			t.Errorf("--app %q --env %q: %v; want %s", tt.app, tt.env, err, tt.want)
		}
	}
}

// TestBumpRefusesUnsafeOldTag: an old tag read from the overlay that
// would forge a commit trailer and repaint the terminal is refused, exit
// 2, naming the file and field with the value %q-quoted; nothing raw
// reaches the output and nothing is committed.
func TestBumpRefusesUnsafeOldTag(t *testing.T) {
	home, dir := renderedRepo(t)
	file := filepath.Join(dir, devOverlay)
	evil := `newTag: "v1\n\nSigned-off-by: Mallory <m@example.com>\e[31m"`
	content := strings.Replace(readFile(t, file), `newTag: "`+oldTag(readFile(t, file))+`"`, evil, 1)
	if !strings.Contains(content, evil) {
		t.Fatalf("no newTag line to replace in:\n%s", readFile(t, file))
	}
	if err := os.WriteFile(file, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
	gittest.Git(t, home, dir, "commit", "-qam", "hostile overlay")
	before := snapshot(t, home, dir)
	code, stdout, stderr := gen(t, home, dir, nil, "bump", "--tag", "v2")
	if code != 2 {
		t.Errorf("exit %d, want 2", code)
	}
	for _, want := range []string{devOverlay, "newTag", `"v1\n\nSigned-off-by: Mallory <m@example.com>\x1b[31m"`} {
		if !strings.Contains(stderr, want) {
			t.Errorf("stderr lacks %q:\n%s", want, stderr)
		}
	}
	if strings.ContainsAny(stdout+stderr, "\x1b\r") || strings.Count(strings.TrimSpace(stderr), "\n") > 0 {
		t.Errorf("raw control characters or several lines in the output:\n%q\n%q", stdout, stderr)
	}
	if after := snapshot(t, home, dir); after != before {
		t.Errorf("the refused bump changed the repository")
	}
}

// Issue 13.6: an --image no container of the build runs would commit an
// entry that changes nothing: refused (exit 1) before anything is written,
// unless --allow-unused.
func TestBumpRefusesImageNoContainerRuns(t *testing.T) {
	home, dir := renderedRepo(t)
	before := snapshot(t, home, dir)
	code, _, stderr := gen(t, home, dir, nil, "bump", "--tag", "v9", "--image", "example.com/not-deployed")
	if code != 1 || !strings.Contains(stderr, "matches no container") || !strings.Contains(stderr, "--allow-unused") {
		t.Fatalf("exit %d, stderr %q; want 1 naming --allow-unused", code, stderr)
	}
	if after := snapshot(t, home, dir); after != before {
		t.Fatal("a refused bump changed the repository")
	}
	code, _, stderr = gen(t, home, dir, nil, "bump", "--tag", "v9", "--image", "example.com/not-deployed", "--allow-unused")
	if code != 0 {
		t.Fatalf("--allow-unused: exit %d: %s", code, stderr)
	}
	if !strings.Contains(readFile(t, filepath.Join(dir, devOverlay)), "example.com/not-deployed") {
		t.Fatal("--allow-unused did not pin the entry")
	}
}
