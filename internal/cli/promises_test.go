package cli

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/rolloutgen/rolloutgen/internal/gittest"
)

// allCommands walks the command tree (help and completion included).
func allCommands(t *testing.T) [][]string {
	t.Helper()
	root := newRootCmd(Deps{Stdout: os.Stdout, Stderr: os.Stderr, Getenv: os.Getenv})
	var out [][]string
	for _, c := range root.Commands() {
		out = append(out, []string{c.Name()})
		for _, sub := range c.Commands() {
			out = append(out, []string{c.Name(), sub.Name()})
		}
	}
	return append(out, nil) // the root itself
}

// Issue 13.9: every command's --help has an Examples section.
func TestEveryHelpHasExamples(t *testing.T) {
	for _, path := range allCommands(t) {
		code, out, _ := run(t, t.TempDir(), append(path, "--help")...)
		if code != 0 || !strings.Contains(out, "\nExamples:\n") {
			t.Errorf("gen %v --help: exit %d, no Examples section", path, code)
		}
	}
}

// Issue 13.9: every command has -o json, render, build, init and version
// included, and its output parses.
func TestEveryCommandHasJSONOutput(t *testing.T) {
	dir := t.TempDir()
	for _, args := range [][]string{
		{"version", "-o", "json"},
		{"init", "-o", "json"},
		{"render", "-o", "json"},
		{"render", "--check", "-o", "json"},
		{"build", "--env", "dev", "-o", "json"},
		{"validate", "-o", "json"},
	} {
		code, out, stderr := run(t, dir, args...)
		var v any
		if code != 0 || json.Unmarshal([]byte(out), &v) != nil {
			t.Errorf("gen %v: exit %d, stdout is not JSON: %q %q", args, code, out, stderr)
		}
	}
	for _, name := range []string{"version", "init", "render", "build", "bump", "validate", "probe", "status", "wait", "promote", "rollback", "canary promote", "canary abort", "canary retry", "canary pause"} {
		if _, out, _ := run(t, dir, append(strings.Fields(name), "--help")...); !strings.Contains(out, "-o, --output") {
			t.Errorf("gen %s has no -o/--output", name)
		}
	}
}

// jsonError decodes -o json's failure object.
func jsonError(t *testing.T, out string) errorReport {
	t.Helper()
	var v struct{ Error *errorReport }
	if err := json.Unmarshal([]byte(out), &v); err != nil || v.Error == nil {
		t.Fatalf("stdout is not a JSON error: %q", out)
	}
	return *v.Error
}

// Issue 13.9: with -o json a failure prints {"error": {...}} on stdout;
// without, errors are one "gen:" line per problem, without a cascade.
func TestErrorsAreJSONOrOneLineEach(t *testing.T) {
	dir := t.TempDir()
	code, out, _ := run(t, dir, "render", "-o", "json")
	e := jsonError(t, out)
	if code != 2 || e.ExitCode != 2 || !strings.Contains(e.Message, "gen.yaml not found") {
		t.Errorf("missing gen.yaml: exit %d, %+v", code, e)
	}
	code, out, _ = run(t, dir, "bump", "--tag", "v1/x", "-o", "json")
	if e := jsonError(t, out); code != 2 || e.Field != "--tag" {
		t.Errorf("bad --tag: exit %d, %+v; want field --tag", code, e)
	}

	bad := "apiVersion: rolloutgen.dev/v1alpha1\nkind: GenConfig\nbogus: 1\nalsoBogus: 2\n"
	if err := os.WriteFile(filepath.Join(dir, "gen.yaml"), []byte(bad), 0o644); err != nil {
		t.Fatal(err)
	}
	code, _, stderr := run(t, dir, "render")
	lines := strings.Split(strings.TrimSpace(stderr), "\n")
	if code != 2 || len(lines) < 2 {
		t.Fatalf("two problems: exit %d, stderr %q; want 2 and a line each", code, stderr)
	}
	for _, l := range lines {
		if !strings.HasPrefix(l, "gen: gen.yaml:") {
			t.Errorf("line %q lacks the gen: prefix and the file", l)
		}
	}
	code, out, _ = run(t, dir, "validate", "-o", "json")
	if e := jsonError(t, out); code != 2 || e.File != "gen.yaml" || e.Line == 0 || len(e.Problems) != len(lines) {
		t.Errorf("JSON: exit %d, %+v; want file gen.yaml with a line and each problem", code, e)
	}
}

// Issue 13.9: `gen bogus --help` is an error, not the root's help.
func TestUnknownCommandHelpIsAnError(t *testing.T) {
	for _, args := range [][]string{{"bogus", "--help"}, {"bogus", "-h"}, {"help", "bogus"}} {
		code, out, stderr := run(t, t.TempDir(), args...)
		if code != ExitUsage || !strings.Contains(stderr, `unknown command "bogus"`) || out != "" {
			t.Errorf("gen %v: exit %d, stdout %q, stderr %q; want 2 and unknown command", args, code, out, stderr)
		}
	}
}

// Issue 13.9: shell completion offers gen.yaml's environments and apps
// and the -o formats (through cobra's __complete, as the shells call it).
func TestCompletionFromConfig(t *testing.T) {
	dir := t.TempDir()
	if code, _, stderr := run(t, dir, "init"); code != 0 {
		t.Fatal(stderr)
	}
	for _, tt := range []struct {
		args []string
		want []string
	}{
		{[]string{"__complete", "bump", "--env", ""}, []string{"dev", "staging", "prod"}},
		{[]string{"__complete", "build", "--app", ""}, []string{"rollouts-demo"}},
		{[]string{"__complete", "validate", "--env", ""}, []string{"dev", "staging", "prod"}},
		{[]string{"__complete", "render", "-o", ""}, []string{"text", "json"}},
		{[]string{"__complete", "bump", "-o", ""}, []string{"text", "json", "yaml"}},
	} {
		_, out, _ := run(t, dir, tt.args...)
		got := strings.Split(strings.TrimSpace(out), "\n")
		got = got[:len(got)-1] // the directive line ":4"
		if strings.Join(got, " ") != strings.Join(tt.want, " ") {
			t.Errorf("gen %v: %q, want %q", tt.args, got, tt.want)
		}
	}
	for _, shell := range []string{"bash", "zsh", "fish"} {
		if code, out, _ := run(t, dir, "completion", shell); code != 0 || !strings.Contains(out, "gen") {
			t.Errorf("gen completion %s: exit %d", shell, code)
		}
	}
}

// Issue 13.9: flag and input problems exit 2 before anything changes.
func TestInputProblemsExit2AndChangeNothing(t *testing.T) {
	home, dir := renderedRepo(t)
	outside := t.TempDir()
	before := snapshot(t, home, dir)
	for _, tt := range []struct {
		name string
		args []string
		want string
	}{
		{"--path outside any repository", []string{"bump", "--tag", "v9", "--path", outside}, "--path"},
		{"a template field that does not exist", []string{"bump", "--tag", "v9", "--message", "{{.Nope}}"}, "--message"},
		{"a remote that does not exist", []string{"bump", "--tag", "v9", "--push", "--remote", "nope"}, "nope"},
	} {
		code, _, stderr := gen(t, home, dir, nil, tt.args...)
		if code != 2 || !strings.Contains(stderr, tt.want) || strings.Count(strings.TrimSpace(stderr), "\n") > 0 {
			t.Errorf("%s: exit %d, stderr %q; want 2 and one line naming %q", tt.name, code, stderr, tt.want)
		}
	}
	if after := snapshot(t, home, dir); after != before {
		t.Error("a refused bump changed the repository")
	}
}

// Issue 13.9: a push that fails after the commit reports the local commit
// in the JSON error, so a pipeline can push or drop it.
func TestBumpJSONErrorCarriesTheLocalCommit(t *testing.T) {
	home, dir := renderedRepo(t)
	gittest.Git(t, home, dir, "remote", "add", "origin", filepath.Join(t.TempDir(), "gone.git"))
	code, out, _ := gen(t, home, dir, nil, "bump", "--tag", "v9", "--push", "-o", "json")
	e := jsonError(t, out)
	head := strings.TrimSpace(gittest.Git(t, home, dir, "rev-parse", "HEAD"))
	if code == 0 || e.Commit != head {
		t.Errorf("exit %d, error %+v; want the local commit %s", code, e, head)
	}
}
