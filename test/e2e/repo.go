//go:build e2e

package e2e

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"
)

// demoRepo is the GitOps repository of the scenario: rendered by the gen
// binary under test, pushed to a repository on Gitea.
type demoRepo struct {
	gen  string // gen binary
	work string // working clone
	url  string // what Argo CD and `gen bump --push` use
	bare string // the repository on the Git server's disk, read with the git CLI
	// env is what gen needs in every run: its token for the Git server
	// and the forge's API.
	env []string
}

// gitRemote is an empty repository on the Git server: its URL (without
// credentials), its bare repository on disk, and the environment that lets
// the git CLI push to it.
type gitRemote struct {
	url, bare string
	pushEnv   []string
}

// initDemoRepo runs `gen init` and `gen render` with gen.yaml pointed at the
// Git server and registry and the initial tag overridden (the seed's demo
// starts at v2; the scenario starts at initialTag and bumps from there),
// and pushes it to remote. genEnv is passed to every gen run.
//
// breakage, when set, damages the rendered output on purpose (see
// breakRendered): the proof that the scenario can fail.
func initDemoRepo(gen string, remote gitRemote, genEnv []string, dir, image, initialTag, breakage string) (*demoRepo, error) {
	r := &demoRepo{gen: gen, work: filepath.Join(dir, "work"), bare: remote.bare, url: remote.url, env: genEnv}
	if _, err := runGit(dir, nil, "init", "-b", "main", r.work); err != nil {
		return nil, err
	}
	if _, err := r.runGen(nil, "init"); err != nil {
		return nil, err
	}
	cfg := filepath.Join(r.work, "gen.yaml")
	data, err := os.ReadFile(cfg)
	if err != nil {
		return nil, err
	}
	// The gen.yaml lines the scenario changes: the repository URL, the
	// app's image (the e2e registry's) and its initial tag. Fail loudly if
	// gen init's output moved on.
	for _, e := range []struct{ re, repl string }{
		{`(?m)^(\s+url:\s*)\S+`, "${1}" + r.url},
		{`(?m)^(\s+image:\s*)registry\.example\.com/demo/rollouts-demo\s*$`, "${1}" + image},
		{`(?m)^(\s+tag:\s*)v2\b`, "${1}" + initialTag},
	} {
		re := regexp.MustCompile(e.re)
		if n := len(re.FindAllIndex(data, -1)); n != 1 {
			return nil, fmt.Errorf("gen.yaml from gen init: want exactly one line matching %q to edit, found %d", e.re, n)
		}
		data = re.ReplaceAll(data, []byte(e.repl))
	}
	if err := os.WriteFile(cfg, data, 0o644); err != nil {
		return nil, err
	}
	if _, err := r.runGen(nil, "render"); err != nil {
		return nil, err
	}
	if breakage != "" {
		if err := breakRendered(r.work, breakage); err != nil {
			return nil, err
		}
	}
	for _, args := range [][]string{
		{"add", "-A"},
		{"commit", "-q", "-m", "Render the demo with gen"},
		{"remote", "add", "origin", r.url},
		{"push", "-q", "origin", "main"},
		{"fetch", "-q", "origin"},
	} {
		if _, err := runGit(r.work, remote.pushEnv, args...); err != nil {
			return nil, err
		}
	}
	return r, nil
}

// command is gen in the working clone, with the repository's environment
// (r.env), env, and the scenario's identity.
func (r *demoRepo) command(env []string, args ...string) *exec.Cmd {
	cmd := exec.Command(r.gen, args...)
	cmd.Dir = r.work
	cmd.Env = append(append(os.Environ(), r.env...), env...)
	cmd.Env = append(cmd.Env, "GIT_AUTHOR_NAME=e2e", "GIT_AUTHOR_EMAIL=e2e@example.com",
		"GIT_COMMITTER_NAME=e2e", "GIT_COMMITTER_EMAIL=e2e@example.com")
	return cmd
}

// runGenSplit runs gen in the repository and returns its stdout, stderr
// and exit code (-1 when it could not run).
func (r *demoRepo) runGenSplit(args ...string) (stdout, stderr string, code int) {
	cmd := r.command(nil, args...)
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	err := cmd.Run()
	var ee *exec.ExitError
	switch {
	case err == nil:
		code = 0
	case errors.As(err, &ee):
		code = ee.ExitCode()
	default:
		code = -1
		errb.WriteString(err.Error())
	}
	return out.String(), errb.String(), code
}

func (r *demoRepo) runGen(env []string, args ...string) (string, error) {
	cmd := r.command(env, args...)
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Run(); err != nil {
		return out.String(), fmt.Errorf("gen %s: %w\n%s", strings.Join(args, " "), err, out.String())
	}
	return out.String(), nil
}

// start runs gen in the background; its output goes to out. The process is
// killed at cleanup if it is still running.
func (r *demoRepo) start(t testing.TB, env []string, args ...string) (*exec.Cmd, *bytes.Buffer) {
	t.Helper()
	cmd := r.command(env, args...)
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = cmd.Process.Kill() })
	return cmd, &out
}

// bumpResult is one image-tag bump as the scenario measures it.
type bumpResult struct {
	sha     string
	started time.Time // just before the bump ran: commit→synced counts from here
	took    time.Duration
	how     string
	output  string // what gen printed
}

// bump runs `gen bump --tag TAG --push [--refresh]` in the working clone:
// the gen binary under test targets the first environment by default, and
// with --refresh it annotates the Application itself, using the cluster's
// kubeconfig from KUBECONFIG.
func (r *demoRepo) bump(tag string, kubeconfig string, refresh bool) (bumpResult, error) {
	res := bumpResult{started: time.Now(), how: "gen bump --push"}
	args := []string{"bump", "--tag", tag, "--push"}
	if refresh {
		args = append(args, "--refresh")
		res.how += " --refresh"
	}
	out, err := r.runGen([]string{"KUBECONFIG=" + kubeconfig}, args...)
	res.took = time.Since(res.started)
	res.output = strings.TrimSpace(out)
	if err != nil {
		return res, err
	}
	sha, err := runGit(r.bare, nil, "rev-parse", "refs/heads/main")
	if err != nil {
		return res, err
	}
	res.sha = sha
	return res, nil
}

// breakRendered damages the rendered repository the way a bad render
// would, for ROLLOUTGEN_E2E_BREAK: the scenario must then fail, with logs.
func breakRendered(work, breakage string) error {
	edits := map[string]struct{ file, old, new string }{
		// The Rollouts controller cannot find the Ingress to clone.
		"stable-ingress": {"base/rollouts-demo/rollout.yaml", "stableIngress: rollouts-demo-stable", "stableIngress: rollouts-demo-wrong"},
		// The header the traffic checks send no longer reaches the canary.
		"canary-header": {"base/rollouts-demo/rollout.yaml", `canary-by-header-value: "iwantsit"`, `canary-by-header-value: "iwantsit-not"`},
		// The weights count out of 200: a 20% step sends 10%.
		"canary-weight": {"base/rollouts-demo/rollout.yaml", `canary-by-header-value: "iwantsit"`,
			`canary-by-header-value: "iwantsit"` + "\n            canary-weight-total: \"200\""},
	}
	e, ok := edits[breakage]
	if !ok {
		return fmt.Errorf("ROLLOUTGEN_E2E_BREAK=%q: known breakages: stable-ingress, canary-header, canary-weight", breakage)
	}
	path := filepath.Join(work, e.file)
	data, err := os.ReadFile(path)
	if err != nil {
		return err
	}
	if !bytes.Contains(data, []byte(e.old)) {
		return fmt.Errorf("break %s: %q not found in %s", breakage, e.old, path)
	}
	return os.WriteFile(path, bytes.Replace(data, []byte(e.old), []byte(e.new), 1), 0o644)
}

// runGit runs git in dir with env added and returns trimmed stdout; the
// error carries stderr.
func runGit(dir string, env []string, args ...string) (string, error) {
	cmd := exec.Command("git", args...)
	cmd.Dir = dir
	cmd.Env = append(cmd.Environ(),
		"GIT_AUTHOR_NAME=e2e", "GIT_AUTHOR_EMAIL=e2e@example.com",
		"GIT_COMMITTER_NAME=e2e", "GIT_COMMITTER_EMAIL=e2e@example.com",
		"GIT_CONFIG_NOSYSTEM=1")
	cmd.Env = append(cmd.Env, env...)
	out, err := cmd.Output()
	if err != nil {
		var ee *exec.ExitError
		if errors.As(err, &ee) {
			return "", fmt.Errorf("git %s in %s: %w: %s", strings.Join(args, " "), dir, err, ee.Stderr)
		}
		return "", fmt.Errorf("git %s in %s: %w", strings.Join(args, " "), dir, err)
	}
	return strings.TrimSpace(string(out)), nil
}
