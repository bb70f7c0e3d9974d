package gitrepo

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/rolloutgen/rolloutgen/internal/gittest"
)

// hookCase is one row of the hooks matrix: the same hooks in two clones
// of one repository, one committed by git commit --only, one by gen.
type hookCase struct {
	name string
	// hooks maps a hook's name to its script; hooksPath, when set, is
	// core.hooksPath (relative: to the worktree root) and where they go.
	hooks     map[string]string
	notExec   bool
	hooksPath string
	content   string
	noVerify  bool
	// genRefuses: gen refuses where git commits (a documented difference).
	genRefuses bool
	// wantFail: both refuse; wantOut is in both outputs.
	wantFail bool
	wantOut  string
	// wantFile is the committed file ("": content).
	wantFile string
}

// TestHooksMatchGitCommitOnly runs each row under git commit --only <file>
// and under gen, and compares what git can see: success, the commit (its
// hash: same tree, message, parents and dates), what the hooks recorded
// (staged names, cwd, GIT_EDITOR, prepare-commit-msg's source, HEAD in
// post-commit), and the output of a failing hook.
func TestHooksMatchGitCommitOnly(t *testing.T) {
	record := `out="$HOOK_OUT"; git diff --cached --name-only > "$out/staged"; pwd > "$out/pwd"; printf '%s\n' "$GIT_EDITOR" > "$out/editor"; test -f "$GIT_INDEX_FILE" && echo yes > "$out/index-file"`
	reformatted := strings.Replace(bumped, "newTag: v2", "newTag:    v2", 1)
	cases := []hookCase{
		{name: "pre-commit lists the staged paths", hooks: map[string]string{
			"pre-commit":  "#!/bin/sh\n" + record + "\n",
			"post-commit": "#!/bin/sh\ngit rev-parse HEAD > \"$HOOK_OUT/post-commit\"\n",
		}},
		{name: "message hooks edit the message", hooks: map[string]string{
			"prepare-commit-msg": "#!/bin/sh\nprintf '%s\\n' \"$2\" > \"$HOOK_OUT/source\"\nsed -i '1s/^/[hook] /' \"$1\"\n",
			"commit-msg":         "#!/bin/sh\nprintf '\\n\\nSigned-off-by: Hook <hook@example.com>\\n\\n' >> \"$1\"\n",
		}},
		{name: "failing pre-commit", hooks: map[string]string{
			"pre-commit": "#!/bin/sh\necho 'lint: overlays are badly indented' >&2\nexit 3\n",
		}, wantFail: true, wantOut: "lint: overlays are badly indented"},
		{name: "failing commit-msg", hooks: map[string]string{
			"commit-msg": "#!/bin/sh\necho 'message lacks a ticket' >&2\nexit 1\n",
		}, wantFail: true, wantOut: "message lacks a ticket"},
		{name: "--no-verify skips a failing hook", hooks: map[string]string{
			"pre-commit": "#!/bin/sh\nexit 1\n",
		}, noVerify: true},
		{name: "a hook that is not executable is ignored", hooks: map[string]string{
			"pre-commit": "#!/bin/sh\nexit 1\n",
		}, notExec: true, wantOut: "hook was ignored because it's not set as executable"},
		{name: "relative core.hooksPath", hooksPath: "ci/hooks", hooks: map[string]string{
			"pre-commit": "#!/bin/sh\n" + record + "\n",
		}},
		{name: "pre-commit reformats and stages the file", hooks: map[string]string{
			"pre-commit": "#!/bin/sh\nsed -i 's/newTag:  */newTag: /' " + bumpPath + " && git add " + bumpPath + "\n",
		}, content: reformatted, wantFile: bumped},
		{name: "pre-commit stages another path", hooks: map[string]string{
			"pre-commit": "#!/bin/sh\necho extra > extra.txt && git add extra.txt\n",
		}, genRefuses: true, wantOut: `staged other paths ("extra.txt")`},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			if tc.content == "" {
				tc.content = bumped
			}
			if tc.wantFile == "" {
				tc.wantFile = tc.content
			}
			g := seedRepo(t)
			other := &gitRepo{t: t, dir: filepath.Join(t.TempDir(), "repo"), home: g.home}
			gittest.Git(t, g.home, filepath.Dir(other.dir), "clone", "-q", g.dir, other.dir)
			sides := []*gitRepo{g, other}
			outs := make([]string, 2)
			for i, s := range sides {
				outs[i] = t.TempDir()
				hookDir := filepath.Join(s.dir, ".git", "hooks")
				if tc.hooksPath != "" {
					s.git("config", "core.hooksPath", tc.hooksPath)
					hookDir = filepath.Join(s.dir, tc.hooksPath)
				}
				mode := os.FileMode(0o755)
				if tc.notExec {
					mode = 0o644
				}
				for name, script := range tc.hooks {
					gittest.WriteFiles(t, hookDir, map[string]string{name: script})
					if err := os.Chmod(filepath.Join(hookDir, name), mode); err != nil {
						t.Fatal(err)
					}
				}
				// Other work in progress, which --only leaves alone.
				s.write("base/app2/rollout.yaml", "kind: Rollout # staged\n")
				s.git("add", "base/app2/rollout.yaml")
				s.write("README.md", "modified, not staged\n")
			}
			meta := testCommitMeta("bump app1 in dev to v2\n\nold: v1")
			idEnv := []string{
				"GIT_AUTHOR_NAME=" + meta.Author.Name, "GIT_AUTHOR_EMAIL=" + meta.Author.Email, "GIT_AUTHOR_DATE=2026-01-02T03:04:05Z",
				"GIT_COMMITTER_NAME=" + meta.Committer.Name, "GIT_COMMITTER_EMAIL=" + meta.Committer.Email, "GIT_COMMITTER_DATE=2026-01-02T03:04:05Z",
			}
			statusBefore := g.git("status", "--porcelain")
			headBefore := g.git("rev-parse", "HEAD")

			// git commit --only, in the clone.
			other.write(bumpPath, tc.content)
			args := []string{"commit", "--only", bumpPath, "-m", meta.Message}
			if tc.noVerify {
				args = append(args, "--no-verify")
			}
			gitOut, gitErr := other.gitEnvErr(append(idEnv, "GIT_EDITOR=:", "HOOK_OUT="+outs[1]), args...)

			// gen, in the first.
			env, getenv := signEnv(g.home, "HOOK_OUT="+outs[0])
			r, err := OpenEnv(filepath.Join(g.dir, "overlays"), getenv)
			if err != nil {
				t.Fatal(err)
			}
			var hookOut strings.Builder
			var checked []string
			check := func(_ context.Context, c []byte) error { checked = append(checked, string(c)); return nil }
			_, genErr := r.CommitFile(context.Background(), CommitFileRequest{
				Path: bumpPath, Content: []byte(tc.content), Meta: meta, Check: check,
				Policy: CommitPolicy{NoVerify: tc.noVerify, Env: env, HookOutput: &hookOut},
			})
			genOut := hookOut.String()
			if genErr != nil {
				genOut += genErr.Error()
			}

			if tc.wantOut != "" && (!strings.Contains(genOut, tc.wantOut) || !tc.genRefuses && !strings.Contains(gitOut, tc.wantOut)) {
				t.Errorf("output lacks %q:\ngit: %s\ngen: %s", tc.wantOut, gitOut, genOut)
			}
			switch {
			case tc.genRefuses:
				if gitErr != nil || !errors.Is(genErr, ErrHook) {
					t.Fatalf("git: %v %s; gen: %v (want git to commit, gen to refuse)", gitErr, gitOut, genErr)
				}
			case tc.wantFail:
				if gitErr == nil || !errors.Is(genErr, ErrHook) {
					t.Fatalf("git: %v %s; gen: %v (want both to refuse)", gitErr, gitOut, genErr)
				}
				if other.git("rev-parse", "HEAD") != headBefore {
					t.Error("git committed")
				}
				// Unlike git, which leaves the edit in the worktree, gen
				// puts back what it changed.
				if other.git("status", "--porcelain", bumpPath) == "" {
					t.Error("git no longer leaves the edit: the README's note is stale")
				}
			default:
				if gitErr != nil || genErr != nil {
					t.Fatalf("git: %v %s; gen: %v", gitErr, gitOut, genErr)
				}
				genHead, gitHead := g.git("rev-parse", "HEAD"), other.git("rev-parse", "HEAD")
				if genHead != gitHead {
					t.Errorf("commits differ:\ngen:\n%s\ngit:\n%s", g.git("cat-file", "commit", "HEAD"), other.git("cat-file", "commit", "HEAD"))
				}
				if got := g.git("show", "HEAD:"+bumpPath); got+"\n" != tc.wantFile {
					t.Errorf("committed %q, want %q", got, tc.wantFile)
				}
				if tc.wantFile != tc.content && (len(checked) != 1 || checked[0] != tc.wantFile) {
					t.Errorf("the rewritten file was checked %q times, want once with %q", checked, tc.wantFile)
				}
				if got := g.git("status", "--porcelain"); got != statusBefore {
					t.Errorf("gen left status %q, want %q", got, statusBefore)
				}
				assertHealthy(t, g, statusBefore)
			}
			if tc.wantFail || tc.genRefuses {
				if got := g.git("rev-parse", "HEAD"); got != headBefore {
					t.Errorf("gen committed %s", got)
				}
				if got := g.git("status", "--porcelain"); got != statusBefore && !(tc.genRefuses && strings.Contains(got, "extra.txt")) {
					t.Errorf("gen left status %q, want %q", got, statusBefore)
				}
				if got := readTestFile(t, filepath.Join(g.dir, bumpPath)); got == tc.content {
					t.Error("gen left its edit in the worktree")
				}
			}
			// What the hooks saw, with each repository's path made equal.
			for _, f := range []string{"staged", "pwd", "editor", "index-file", "source", "post-commit"} {
				gen, gerr := os.ReadFile(filepath.Join(outs[0], f))
				git, xerr := os.ReadFile(filepath.Join(outs[1], f))
				genS := strings.ReplaceAll(string(gen), g.dir, "<root>")
				gitS := strings.ReplaceAll(string(git), other.dir, "<root>")
				if (gerr == nil) != (xerr == nil) || genS != gitS {
					t.Errorf("hook recorded %s: gen %q (%v), git %q (%v)", f, genS, gerr, gitS, xerr)
				}
			}
		})
	}
}

func readTestFile(t *testing.T, p string) string {
	t.Helper()
	b, err := os.ReadFile(p)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// TestHookRewriteFailingTheCheckIsRefused: a pre-commit hook whose
// rewrite fails the command's check stops the commit and gen restores
// the file.
func TestHookRewriteFailingTheCheckIsRefused(t *testing.T) {
	g := seedRepo(t)
	gittest.WriteFiles(t, filepath.Join(g.dir, ".git", "hooks"), map[string]string{"pre-commit": "#!/bin/sh\necho 'images: broken' > " + bumpPath + "\n"})
	if err := os.Chmod(filepath.Join(g.dir, ".git", "hooks", "pre-commit"), 0o755); err != nil {
		t.Fatal(err)
	}
	old := readTestFile(t, filepath.Join(g.dir, bumpPath))
	env, getenv := signEnv(g.home)
	r, err := OpenEnv(g.dir, getenv)
	if err != nil {
		t.Fatal(err)
	}
	errBroken := errors.New("the overlay no longer builds")
	_, err = r.CommitFile(context.Background(), CommitFileRequest{
		Path: bumpPath, Content: []byte(bumped), Meta: testCommitMeta("bump"),
		Check:  func(context.Context, []byte) error { return errBroken },
		Policy: CommitPolicy{Env: env},
	})
	if !errors.Is(err, errBroken) || !strings.Contains(err.Error(), "as the pre-commit hook rewrote it") {
		t.Fatalf("err = %v", err)
	}
	if got := readTestFile(t, filepath.Join(g.dir, bumpPath)); got != old {
		t.Errorf("file not restored: %q", got)
	}
	assertHealthy(t, g, "")
}

// TestPrePushHook: with a push, pre-push runs as git push runs it (the
// remote's name and URL as arguments, "<local ref> <local sha> <remote
// ref> <remote sha>" on stdin); its refusal ends the push at once, not
// retried, the commit kept as git commit && git push would keep it.
func TestPrePushHook(t *testing.T) {
	for _, fail := range []bool{false, true} {
		name := "passes"
		if fail {
			name = "refuses"
		}
		t.Run(name, func(t *testing.T) {
			r := gittest.NewRemote(t, seedFiles())
			dir := r.Clone(t)
			out := t.TempDir()
			script := "#!/bin/sh\necho \"$1 $2\" > \"$HOOK_OUT/args\"\ncat > \"$HOOK_OUT/stdin\"\n"
			if fail {
				script += "echo 'pre-push: tests failed' >&2\nexit 1\n"
			}
			hooks := filepath.Join(dir, ".git", "hooks")
			gittest.WriteFiles(t, hooks, map[string]string{"pre-push": script})
			if err := os.Chmod(filepath.Join(hooks, "pre-push"), 0o755); err != nil {
				t.Fatal(err)
			}
			env, getenv := signEnv(r.Home, "HOOK_OUT="+out)
			repo, err := OpenEnv(dir, getenv)
			if err != nil {
				t.Fatal(err)
			}
			ep := mustEndpoint(t, r.FileURL(), AuthOptions{})
			var sl sleeps
			src, err := OpenSource(repo, PushTarget{Remote: ep, Retry: noSleep(&sl)})
			if err != nil {
				t.Fatal(err)
			}
			src.SetPolicy(CommitPolicy{Env: env})
			meta := testCommitMeta("bump")
			old := r.Git(t, "rev-parse", "main")
			c, err := src.CommitFile(context.Background(), app1, []byte("tag: v2\n"), meta, nil)
			if err != nil {
				t.Fatal(err)
			}
			res, err := src.Push(context.Background(), PushFile{Committed: true, Path: app1, Meta: meta, Redo: tagEdit("v2")})
			if got := readTestFile(t, filepath.Join(out, "args")); got != "origin "+ep.String()+"\n" {
				t.Errorf("pre-push arguments %q", got)
			}
			if got, want := readTestFile(t, filepath.Join(out, "stdin")), "refs/heads/main "+c.Hash.String()+" refs/heads/main "+old+"\n"; got != want {
				t.Errorf("pre-push stdin %q, want %q", got, want)
			}
			if !fail {
				if err != nil || r.Git(t, "rev-parse", "main") != c.Hash.String() {
					t.Fatalf("push: %v", err)
				}
				return
			}
			if !errors.Is(err, ErrHook) || !strings.Contains(err.Error(), "pre-push: tests failed") || res.Attempts != 1 || sl.count() != 0 {
				t.Fatalf("push: %+v %v; want one attempt refused by the hook with its output", res, err)
			}
			if r.Git(t, "rev-parse", "main") != old {
				t.Error("pushed despite the hook")
			}
			if got := gittest.Git(t, r.Home, dir, "rev-parse", "HEAD"); got != c.Hash.String() {
				t.Errorf("the local commit is gone: HEAD %s", got)
			}
		})
	}
}
