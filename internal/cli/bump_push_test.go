package cli

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/rolloutgen/rolloutgen/internal/gittest"
)

const secretToken = "s3cr3t-t0ken-do-not-print"

// assertNoSecret fails when any output carries the token.
func assertNoSecret(t *testing.T, outs ...string) {
	t.Helper()
	for _, o := range outs {
		if strings.Contains(o, secretToken) {
			t.Errorf("the token leaked into the output:\n%s", o)
		}
	}
}

func prodOverlay(tag string) string {
	return strings.Replace(plainRepo["deploy/prod/kustomization.yaml"], `"1.0.0"`, `"`+tag+`"`, 1)
}

func TestBumpPushFileRemote(t *testing.T) {
	remote := gittest.NewRemote(t, plainRepo)
	dir := remote.Clone(t)
	// Someone else pushes first: the bump is re-applied on their commit.
	remote.Commit(t, "unrelated", map[string]string{"README.md": "hello\n"})
	code, stdout, stderr := gen(t, remote.Home, dir, nil, "bump", "--path", "deploy/prod", "--image", "example.com/app", "--tag", "2.0.0", "--push", "-o", "json")
	if code != 0 {
		t.Fatalf("exit %d\n%s", code, stderr)
	}
	var res struct {
		Commit   string
		Pushed   bool
		Attempts int
		Changed  bool
	}
	if err := json.Unmarshal([]byte(stdout), &res); err != nil {
		t.Fatal(err, stdout)
	}
	if !res.Pushed || !res.Changed || res.Attempts != 2 {
		t.Errorf("result %+v; want pushed on the second attempt", res)
	}
	if got := remote.Git(t, "rev-parse", "main"); got != res.Commit {
		t.Errorf("remote main %s, reported %s", got, res.Commit)
	}
	if got := remote.Show(t, "deploy/prod/kustomization.yaml"); got+"\n" != prodOverlay("2.0.0") {
		t.Errorf("remote file:\n%s", got)
	}
	if remote.Show(t, "README.md") != "hello" {
		t.Error("the other push was lost")
	}
	// The checkout followed, as git pull --rebase would leave it.
	if local := gittest.Git(t, remote.Home, dir, "rev-parse", "HEAD"); local != res.Commit {
		t.Errorf("local HEAD %s, remote %s", local, res.Commit)
	}
	if st := gittest.Git(t, remote.Home, dir, "status", "--porcelain"); st != "" {
		t.Errorf("local status after the re-applied push:\n%s", st)
	}
	if readFile(t, filepath.Join(dir, "README.md")) != "hello\n" || readFile(t, filepath.Join(dir, "deploy/prod/kustomization.yaml")) != prodOverlay("2.0.0") {
		t.Error("local worktree does not match the pushed commit")
	}
	gittest.Git(t, remote.Home, dir, "fsck", "--strict", "--no-progress")
	if got := gittest.Git(t, remote.Home, dir, "show", "-s", "--format=%s", "HEAD"); got != "bump deploy/prod: example.com/app 1.0.0 -> 2.0.0" {
		t.Errorf("re-applied message %q", got)
	}

	// Unpushed commits of the user's own: a moved remote is final, nothing
	// of theirs is dropped.
	mine := remote.Clone(t)
	gittest.WriteFiles(t, mine, map[string]string{"mine.txt": "mine\n"})
	gittest.Git(t, remote.Home, mine, "add", "mine.txt")
	gittest.Git(t, remote.Home, mine, "commit", "-q", "-m", "mine")
	remote.Commit(t, "other", map[string]string{"other.txt": "x\n"})
	code, _, stderr = gen(t, remote.Home, mine, nil, "bump", "--path", "deploy/prod", "--image", "example.com/app", "--tag", "2.1.0", "--push")
	if code != 1 || !strings.Contains(stderr, "non-fast-forward") {
		t.Errorf("with unpushed commits: exit %d, %q", code, stderr)
	}
	if got := gittest.Git(t, remote.Home, mine, "log", "-2", "--format=%s"); !strings.Contains(got, "mine") {
		t.Errorf("the user's commit is gone: %q", got)
	}
	if merges := remote.Git(t, "rev-list", "--merges", "main"); merges != "" {
		t.Errorf("history not linear: %s", merges)
	}
	remote.Fsck(t)
	// Already on the remote: nothing pushed, exit 0.
	code, stdout, _ = gen(t, remote.Home, remote.Clone(t), nil, "bump", "--path", "deploy/prod", "--image", "example.com/app", "--tag", "2.0.0", "--push")
	if code != 0 || !strings.Contains(stdout, "already at 2.0.0") {
		t.Errorf("second bump: %d %q", code, stdout)
	}
}

// TestBumpPushKeepsTrackingRef: after gen bump --push the clone's
// origin/main is the pushed commit, as after git push: git status is not
// "ahead", and the next bump, overtaken by someone else's push, is
// re-applied on the new remote head instead of failing non-fast-forward.
func TestBumpPushKeepsTrackingRef(t *testing.T) {
	remote := gittest.NewRemote(t, plainRepo)
	dir := remote.Clone(t)
	bump := func(tag string) {
		t.Helper()
		code, _, stderr := gen(t, remote.Home, dir, nil, "bump", "--path", "deploy/prod", "--image", "example.com/app", "--tag", tag, "--push")
		if code != 0 {
			t.Fatalf("bump %s: exit %d\n%s", tag, code, stderr)
		}
	}
	bump("2.0.0")
	if st := gittest.Git(t, remote.Home, dir, "status", "-sb"); st != "## main...origin/main" {
		t.Errorf("git status after the push = %q", st)
	}
	remote.Commit(t, "someone else", map[string]string{"README.md": "moved on\n"})
	bump("2.1.0")
	if got := remote.Show(t, "deploy/prod/kustomization.yaml"); got+"\n" != prodOverlay("2.1.0") {
		t.Errorf("remote file:\n%s", got)
	}
	if remote.Show(t, "README.md") != "moved on" {
		t.Errorf("the other push was lost")
	}
	if st := gittest.Git(t, remote.Home, dir, "status", "-sb"); st != "## main...origin/main" {
		t.Errorf("git status after the second push = %q", st)
	}
	remote.Fsck(t)
}

// TestBumpPushRejectedByHook: the server's reasons reach the user, as
// git push shows them.
func TestBumpPushRejectedByHook(t *testing.T) {
	remote := gittest.NewRemote(t, plainRepo)
	hook := filepath.Join(remote.Dir, "hooks", "pre-receive")
	if err := os.WriteFile(hook, []byte("#!/bin/sh\necho 'main is protected: open a pull request' >&2\nexit 1\n"), 0o755); err != nil {
		t.Fatal(err)
	}
	dir := remote.Clone(t)
	code, _, stderr := gen(t, remote.Home, dir, nil, "bump", "--path", "deploy/prod", "--image", "example.com/app", "--tag", "2.0.0", "--push")
	// The error is one line (issue 13.9); git's remote: line is kept in it.
	if code == 0 || !strings.Contains(stderr, "remote: main is protected: open a pull request") || strings.Count(stderr, "gen: ") != 1 {
		t.Errorf("exit %d, stderr:\n%s", code, stderr)
	}
	// The commit stays, as after git commit && git push, and the message
	// names the way out: it can never be pushed there.
	kept := gittest.Git(t, remote.Home, dir, "rev-parse", "HEAD")
	if want := "drop the commit with `git reset --keep " + kept[:12] + "^`"; !strings.Contains(stderr, want) || !strings.Contains(stderr, "--pr") {
		t.Errorf("stderr lacks %q and --pr:\n%s", want, stderr)
	}
}

func TestBumpRemoteModeOverHTTPWithToken(t *testing.T) {
	remote := gittest.NewRemote(t, plainRepo)
	srv := gittest.NewHTTPServer(t, remote, gittest.HTTPAuth{Token: secretToken})
	u := strings.Replace(srv.URL(remote.Name), "http://", "http://x-access-token:"+secretToken+"@", 1)
	work := t.TempDir()

	// Token in the URL.
	code, stdout, stderr := gen(t, remote.Home, work, nil, "bump", "--repo-url", u, "--path", "deploy/prod", "--image", "example.com/app", "--tag", "3.0.0", "-o", "json")
	assertNoSecret(t, stdout, stderr)
	if code != 0 {
		t.Fatalf("exit %d\n%s", code, stderr)
	}
	if got := remote.Show(t, "deploy/prod/kustomization.yaml"); got+"\n" != prodOverlay("3.0.0") {
		t.Errorf("remote file:\n%s", got)
	}
	// Token in the environment.
	code, stdout, stderr = gen(t, remote.Home, work, []string{"GEN_GIT_TOKEN=" + secretToken}, "bump", "--repo-url", srv.URL(remote.Name), "--path", "deploy/prod", "--image", "example.com/app", "--tag", "3.0.1")
	assertNoSecret(t, stdout, stderr)
	if code != 0 {
		t.Fatalf("exit %d\n%s", code, stderr)
	}
	// Wrong token: a clear error, nothing changed, the token not printed.
	head := remote.Git(t, "rev-parse", "main")
	bad := strings.Replace(srv.URL(remote.Name), "http://", "http://x-access-token:"+secretToken+"-wrong@", 1)
	code, stdout, stderr = gen(t, remote.Home, work, nil, "bump", "--repo-url", bad, "--path", "deploy/prod", "--image", "example.com/app", "--tag", "9.9.9", "-o", "json")
	assertNoSecret(t, stdout, stderr)
	if code == 0 || !strings.Contains(stderr, "authentication") {
		t.Errorf("wrong token: exit %d, %q", code, stderr)
	}
	if remote.Git(t, "rev-parse", "main") != head {
		t.Error("a failed bump changed the remote")
	}
	if entries, _ := os.ReadDir(work); len(entries) != 0 {
		t.Errorf("remote mode wrote files in the working directory: %v", entries)
	}
	remote.Fsck(t)
}

func TestBumpLocalPushOverHTTP(t *testing.T) {
	remote := gittest.NewRemote(t, plainRepo)
	srv := gittest.NewHTTPServer(t, remote, gittest.HTTPAuth{Token: secretToken})
	dir := remote.Clone(t)
	gittest.Git(t, remote.Home, dir, "remote", "set-url", "origin", srv.URL(remote.Name))
	code, stdout, stderr := gen(t, remote.Home, dir, []string{"GEN_GIT_TOKEN=" + secretToken}, "bump", "--path", "deploy/prod", "--image", "example.com/sidecar", "--tag", "1.1", "--push")
	assertNoSecret(t, stdout, stderr)
	if code != 0 {
		t.Fatalf("exit %d\n%s", code, stderr)
	}
	if local, rem := gittest.Git(t, remote.Home, dir, "rev-parse", "HEAD"), remote.Git(t, "rev-parse", "main"); local != rem {
		t.Errorf("local %s, remote %s", local, rem)
	}
	// The token in origin's URL, as some CI checkouts leave it; then a
	// wrong one.
	withToken := strings.Replace(srv.URL(remote.Name), "http://", "http://x-access-token:"+secretToken+"@", 1)
	gittest.Git(t, remote.Home, dir, "remote", "set-url", "origin", withToken)
	code, stdout, stderr = gen(t, remote.Home, dir, nil, "bump", "--path", "deploy/prod", "--image", "example.com/sidecar", "--tag", "1.2", "--push", "-o", "json")
	assertNoSecret(t, stdout, stderr)
	if code != 0 {
		t.Fatalf("exit %d\n%s", code, stderr)
	}
	gittest.Git(t, remote.Home, dir, "remote", "set-url", "origin", strings.Replace(withToken, secretToken, secretToken+"-wrong", 1))
	code, stdout, stderr = gen(t, remote.Home, dir, nil, "bump", "--path", "deploy/prod", "--image", "example.com/sidecar", "--tag", "1.3", "--push", "-o", "json")
	assertNoSecret(t, stdout, stderr)
	if code == 0 || !strings.Contains(stderr, "authentication") || !strings.Contains(stderr, "did not push") {
		t.Errorf("wrong token: exit %d, %q", code, stderr)
	}
}

// Race: 16 gen processes push at once to one remote, from separate clones
// (local mode) or without a checkout (--repo-url), over file:// and HTTP:
// every distinct bump lands, history stays linear, the contended entry
// ends at one of the tags asked for.
func TestBumpRace(t *testing.T) {
	const workers, distinct = 16, 10
	files := map[string]string{}
	for k, v := range plainRepo {
		files[k] = v
	}
	for i := range distinct {
		files[fmt.Sprintf("deploy/app%02d/kustomization.yaml", i)] = "resources:\n- ../../base/app\nimages:\n- name: example.com/app\n  newTag: v0\n"
	}
	remote := gittest.NewRemote(t, files)
	srv := gittest.NewHTTPServer(t, remote, gittest.HTTPAuth{Token: secretToken})
	seed := remote.Git(t, "rev-parse", "main")

	type job struct {
		path, tag, dir string
		args           []string
		env            []string
	}
	jobs := make([]job, workers)
	for i := range jobs {
		j := job{path: "deploy/prod", tag: fmt.Sprintf("c%02d", i)}
		if i < distinct {
			j.path, j.tag = fmt.Sprintf("deploy/app%02d", i), fmt.Sprintf("d%02d", i)
		}
		url := remote.FileURL()
		if i%4 >= 2 {
			url = srv.URL(remote.Name)
			j.env = []string{"GEN_GIT_TOKEN=" + secretToken}
		}
		j.args = []string{"bump", "--path", j.path, "--image", "example.com/app", "--tag", j.tag, "--max-attempts", "40", "-o", "json"}
		if i%2 == 0 {
			j.dir = t.TempDir()
			j.args = append(j.args, "--repo-url", url)
		} else {
			j.dir = remote.Clone(t)
			gittest.Git(t, remote.Home, j.dir, "remote", "set-url", "origin", url)
			j.args = append(j.args, "--push")
		}
		jobs[i] = j
	}
	type outcome struct {
		code           int
		stdout, stderr string
	}
	outs := make([]outcome, workers)
	var wg sync.WaitGroup
	for i, j := range jobs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			o := &outs[i]
			o.code, o.stdout, o.stderr = gen(t, remote.Home, j.dir, j.env, j.args...)
		}()
	}
	wg.Wait()

	maxAttempts := 0
	for i, o := range outs {
		assertNoSecret(t, o.stdout, o.stderr)
		if o.code != 0 {
			t.Errorf("job %d (%s → %s): exit %d\n%s", i, jobs[i].path, jobs[i].tag, o.code, o.stderr)
			continue
		}
		var res struct {
			Pushed   bool
			Attempts int
		}
		if err := json.Unmarshal([]byte(o.stdout), &res); err != nil || !res.Pushed {
			t.Errorf("job %d: %v %s", i, err, o.stdout)
		}
		maxAttempts = max(maxAttempts, res.Attempts)
	}
	for i := range distinct {
		p := fmt.Sprintf("deploy/app%02d/kustomization.yaml", i)
		if got := remote.Show(t, p); !strings.Contains(got, fmt.Sprintf("newTag: d%02d", i)) {
			t.Errorf("%s lost its bump:\n%s", p, got)
		}
	}
	final := remote.Show(t, "deploy/prod/kustomization.yaml")
	ok := false
	for i := distinct; i < workers; i++ {
		ok = ok || strings.Contains(final, fmt.Sprintf(`newTag: "c%02d"`, i)) || strings.Contains(final, fmt.Sprintf("newTag: c%02d", i))
	}
	if !ok {
		t.Errorf("contended entry ends at a tag nobody asked for:\n%s", final)
	}
	if merges := remote.Git(t, "rev-list", "--merges", "main"); merges != "" {
		t.Errorf("history not linear")
	}
	// Every request got its own commit (all tags differ).
	if n := remote.Git(t, "rev-list", "--count", seed+"..main"); n != fmt.Sprint(workers) {
		t.Errorf("%s commits on the remote, want %d", n, workers)
	}
	// The contended entry's commits chain: each names as old the tag the
	// previous one set (re-applied commits describe the remote's state).
	log := remote.Git(t, "log", "--reverse", "--format=%s", seed+"..main", "--", "deploy/prod/kustomization.yaml")
	prev := "1.0.0"
	for _, l := range strings.Split(log, "\n") {
		var oldTag, newTag string
		if _, err := fmt.Sscanf(l, "bump deploy/prod: example.com/app %s -> %s", &oldTag, &newTag); err != nil || oldTag != prev {
			t.Errorf("commit %q does not follow %q", l, prev)
		}
		prev = newTag
	}
	remote.Fsck(t)
	t.Logf("max attempts of one process: %d", maxAttempts)
}

func TestBumpOverSSH(t *testing.T) {
	remote := gittest.NewRemote(t, plainRepo)
	key := gittest.NewKey(t, "")
	srv := gittest.NewSSHServer(t, remote, key.Public)
	work := t.TempDir()
	args := []string{"bump", "--repo-url", srv.URL(remote.Name), "--path", "deploy/prod", "--image", "example.com/app", "--ssh-known-hosts", srv.KnownHosts}

	// Key file.
	code, _, stderr := gen(t, remote.Home, work, nil, append(args, "--tag", "4.0.0", "--ssh-key", key.File)...)
	if code != 0 {
		t.Fatalf("key file: exit %d\n%s", code, stderr)
	}
	// Agent.
	sock := gittest.NewAgent(t, key.Priv)
	code, _, stderr = gen(t, remote.Home, work, []string{"SSH_AUTH_SOCK=" + sock}, append(args, "--tag", "4.0.1")...)
	if code != 0 {
		t.Fatalf("agent: exit %d\n%s", code, stderr)
	}
	if got := remote.Show(t, "deploy/prod/kustomization.yaml"); got+"\n" != prodOverlay("4.0.1") {
		t.Errorf("remote file:\n%s", got)
	}
	// A key the server does not accept: a clear error, nothing pushed.
	head := remote.Git(t, "rev-parse", "main")
	other := gittest.NewKey(t, "")
	code, _, stderr = gen(t, remote.Home, work, nil, append(args, "--tag", "4.0.2", "--ssh-key", other.File)...)
	if code == 0 || !strings.Contains(stderr, "authentication") {
		t.Errorf("wrong key: exit %d, %q", code, stderr)
	}
	if remote.Git(t, "rev-parse", "main") != head {
		t.Error("a refused bump changed the remote")
	}
	remote.Fsck(t)
}

// TestBumpMalformedURLHidesToken: --repo-url, or the remote's url in the
// repository's config, with a trailing newline, a tab, a space or a bad
// port fails to parse; the error says so without printing the token (it
// used to quote the raw URL), and names the flag.
func TestBumpMalformedURLHidesToken(t *testing.T) {
	remote := gittest.NewRemote(t, plainRepo)
	base := "https://x-access-token:" + secretToken + "@127.0.0.1:1/r.git"
	forms := map[string]string{
		"newline":                  base + "\n",
		"tab":                      base + "\t",
		"space":                    "https://x-access-token:" + secretToken + "@127.0.0.1 :1/r.git",
		"bad port":                 "https://x-access-token:" + secretToken + "@127.0.0.1:notaport/r.git",
		"lone token user, newline": "https://" + secretToken + "@127.0.0.1:1/r.git\n",
	}
	for name, u := range forms {
		t.Run(name, func(t *testing.T) {
			code, stdout, stderr := gen(t, remote.Home, t.TempDir(), nil, "bump", "--repo-url", u, "--path", "deploy/prod", "--tag", "2.0.0")
			if code != 2 || !strings.Contains(stderr, "--repo-url") {
				t.Errorf("--repo-url: exit %d, stderr %q; want 2 naming the flag", code, stderr)
			}
			assertNoSecret(t, stdout, stderr)

			dir := remote.Clone(t)
			gittest.Git(t, remote.Home, dir, "config", "remote.origin.url", u)
			code, stdout, stderr = gen(t, remote.Home, dir, nil, "bump", "--path", "deploy/prod", "--image", "example.com/app", "--tag", "2.0.0", "--push")
			if code != 2 || !strings.Contains(stderr, "--remote") {
				t.Errorf("remote.origin.url: exit %d, stderr %q; want 2 naming --remote", code, stderr)
			}
			assertNoSecret(t, stdout, stderr)
		})
	}
}
