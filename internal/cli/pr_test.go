package cli

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/rolloutgen/rolloutgen/internal/forge"
	"github.com/rolloutgen/rolloutgen/internal/gittest"
)

// fakeForge is an in-memory forge.Client: pull requests by number, and
// the calls made, for the --pr tests.
type fakeForge struct {
	mu      sync.Mutex
	prs     []*forge.PullRequest
	bodies  map[int64]string
	labels  map[int64][]string
	revs    map[int64][]string
	auto    []int64
	creates int
	updates int
	// raceCreate: the first Create finds another run's pull request
	// (opened meanwhile) and answers ErrExists.
	raceCreate bool
	// states are what Get answers, one per call (the last repeats).
	states []forge.State
	gets   int
}

func newFakeForge() *fakeForge {
	return &fakeForge{bodies: map[int64]string{}, labels: map[int64][]string{}, revs: map[int64][]string{}}
}

func (f *fakeForge) FindOpen(_ context.Context, head, base string) (*forge.PullRequest, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	for _, p := range f.prs {
		if p.HeadBranch == head && p.State == forge.StateOpen {
			c := *p
			return &c, nil
		}
	}
	return nil, nil
}

func (f *fakeForge) add(n forge.NewPR) *forge.PullRequest {
	num := int64(len(f.prs) + 1)
	p := &forge.PullRequest{Number: num, URL: fmt.Sprintf("https://forge.example/org/gitops/pulls/%d", num), State: forge.StateOpen, HeadBranch: n.Head, Title: n.Title}
	f.prs = append(f.prs, p)
	f.bodies[num] = n.Body
	return p
}

func (f *fakeForge) Create(_ context.Context, n forge.NewPR) (*forge.PullRequest, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.creates++
	if f.raceCreate {
		f.raceCreate = false
		f.add(forge.NewPR{Title: "the other run's", Head: n.Head, Base: n.Base})
		return nil, fmt.Errorf("create: %w", forge.ErrExists)
	}
	c := *f.add(n)
	return &c, nil
}

func (f *fakeForge) Update(_ context.Context, num int64, title, body string) (*forge.PullRequest, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.updates++
	p := f.prs[num-1]
	p.Title, f.bodies[num] = title, body
	c := *p
	return &c, nil
}

func (f *fakeForge) AddLabels(_ context.Context, n int64, l []string) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.labels[n] = append(f.labels[n], l...)
	return nil
}

func (f *fakeForge) RequestReviewers(_ context.Context, n int64, r []string) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.revs[n] = append(f.revs[n], r...)
	return nil
}

func (f *fakeForge) EnableAutoMerge(_ context.Context, n int64) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.auto = append(f.auto, n)
	return nil
}

func (f *fakeForge) Get(_ context.Context, n int64) (*forge.PullRequest, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	c := *f.prs[n-1]
	if len(f.states) > 0 {
		c.State = f.states[min(f.gets, len(f.states)-1)]
	}
	f.gets++
	return &c, nil
}

// prRepo is a rendered gen repository whose origin is a bare repository
// served over smart HTTP as http://127.0.0.1:PORT/org/gitops.git, so the
// forge is detected from a real URL (with --forge gitea).
type prRepo struct {
	home, dir, bare string
	forge           *fakeForge
}

func newPRRepo(t *testing.T) *prRepo {
	t.Helper()
	home, dir := renderedRepo(t)
	root := t.TempDir()
	bare := filepath.Join(root, "org", "gitops.git")
	gittest.Git(t, home, root, "clone", "-q", "--bare", dir, bare)
	gittest.Git(t, home, bare, "config", "http.receivepack", "true")
	srv := gittest.NewHTTPServer(t, &gittest.Remote{Root: root, Dir: bare, Home: home}, gittest.HTTPAuth{})
	gittest.Git(t, home, dir, "remote", "add", "origin", srv.URL("org/gitops.git"))
	gittest.Git(t, home, dir, "fetch", "-q", "origin")
	gittest.Git(t, home, dir, "branch", "-q", "-u", "origin/main")
	for k, v := range map[string]string{"HOME": home, "XDG_CONFIG_HOME": filepath.Join(home, ".config"), "GIT_CONFIG_NOSYSTEM": "1"} {
		t.Setenv(k, v)
	}
	return &prRepo{home: home, dir: dir, bare: bare, forge: newFakeForge()}
}

// gen runs gen in-process with the fake forge and a zero poll interval.
func (r *prRepo) gen(t *testing.T, args ...string) (int, string, string) {
	t.Helper()
	env := map[string]string{
		"GEN_GIT_TOKEN":      secretToken,
		"GIT_AUTHOR_NAME":    "Test Author",
		"GIT_AUTHOR_EMAIL":   "author@example.com",
		"GIT_COMMITTER_NAME": "Test Committer", "GIT_COMMITTER_EMAIL": "committer@example.com",
		"HOME": r.home,
	}
	var out, errb bytes.Buffer
	var gotToken string
	deps := Deps{
		Stdout: &out, Stderr: &errb, Dir: r.dir,
		Getenv: func(k string) string { return env[k] },
		Now:    func() time.Time { return time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC) },
		Forge: func(_ forge.Remote, token string) (forge.Client, error) {
			gotToken = token
			return r.forge, nil
		},
	}
	code := Run(context.Background(), append([]string{"--config", filepath.Join(r.dir, "gen.yaml")}, args...), deps)
	if gotToken != "" && gotToken != secretToken {
		t.Errorf("forge got token %q", gotToken)
	}
	assertNoSecret(t, out.String(), errb.String())
	return code, out.String(), errb.String()
}

// checkout is everything of the user's a --pr run must not change.
func (r *prRepo) checkout(t *testing.T) string {
	t.Helper()
	idx, err := os.ReadFile(filepath.Join(r.dir, ".git", "index"))
	if err != nil {
		t.Fatal(err)
	}
	return strings.Join([]string{
		snapshot(t, r.home, r.dir),
		gittest.Git(t, r.home, r.dir, "rev-parse", "refs/heads/main"),
		gittest.Git(t, r.home, r.dir, "symbolic-ref", "HEAD"),
		string(idx),
	}, "\n---\n")
}

func (r *prRepo) remote(t *testing.T, args ...string) string {
	t.Helper()
	return gittest.Git(t, r.home, r.bare, args...)
}

const prBranch = "gen/rollouts-demo-dev"

var prFlags = []string{"bump", "--tag", "v3", "--pr", "--forge", "gitea"}

func TestPRFirstRunOpensAndSecondIsNoOp(t *testing.T) {
	r := newPRRepo(t)
	// A dirty and a staged file of the user's stay exactly as they are.
	gittest.WriteFiles(t, r.dir, map[string]string{"notes.txt": "mine\n", devOverlay: readFile(t, filepath.Join(r.dir, devOverlay)) + "# wip\n"})
	gittest.Git(t, r.home, r.dir, "add", "notes.txt")
	before := r.checkout(t)
	mainBefore := r.remote(t, "rev-parse", "main")

	code, stdout, stderr := r.gen(t, append(prFlags, "--labels", "release,gen", "--reviewers", "alice", "--reviewers", "bob", "-o", "json")...)
	if code != 0 {
		t.Fatalf("exit %d\n%s", code, stderr)
	}
	var res prResult
	if err := json.Unmarshal([]byte(stdout), &res); err != nil {
		t.Fatal(err, stdout)
	}
	if res.PullRequest.URL == "" || res.PullRequest.Number != 1 || res.PullRequest.Branch != prBranch || res.PullRequest.Base != "main" || res.PullRequest.Unchanged {
		t.Errorf("pull request %+v", res.PullRequest)
	}
	if after := r.checkout(t); after != before {
		t.Errorf("the checkout changed:\nbefore:\n%s\nafter:\n%s", before, after)
	}
	if got := r.remote(t, "rev-parse", "main"); got != mainBefore {
		t.Error("main moved on the remote")
	}
	head := r.remote(t, "rev-parse", prBranch)
	if head != res.Commit {
		t.Errorf("remote %s at %s, reported %s", prBranch, head, res.Commit)
	}
	if parent := r.remote(t, "rev-parse", prBranch+"^"); parent != mainBefore {
		t.Errorf("gen's commit is on %s, want main %s", parent, mainBefore)
	}
	if tr := r.remote(t, "log", "-1", "--format=%(trailers:key=Gen-Change,valueonly)", prBranch); tr != "rollouts-demo/dev" {
		t.Errorf("Gen-Change trailer %q", tr)
	}
	if got := r.remote(t, "show", prBranch+":"+devOverlay); !strings.Contains(got, "v3") {
		t.Errorf("overlay on the branch:\n%s", got)
	}
	r.remote(t, "fsck", "--strict", "--no-progress")
	gittest.Git(t, r.home, r.dir, "fsck", "--strict", "--no-progress")
	f := r.forge
	if f.creates != 1 || len(f.prs) != 1 {
		t.Fatalf("creates %d, prs %d", f.creates, len(f.prs))
	}
	p := f.prs[0]
	if !strings.Contains(p.Title, "rollouts-demo/dev") || !strings.Contains(p.Title, "v3") {
		t.Errorf("title %q", p.Title)
	}
	body := f.bodies[1]
	for _, want := range []string{"rollouts-demo", "`dev`", "`v2` → `v3`", "```diff", `-  newTag: "v2"`, `+  newTag: "v3"`} {
		if !strings.Contains(body, want) {
			t.Errorf("body lacks %q:\n%s", want, body)
		}
	}
	if !slices.Equal(f.labels[1], []string{"release", "gen"}) || !slices.Equal(f.revs[1], []string{"alice", "bob"}) {
		t.Errorf("labels %v reviewers %v", f.labels[1], f.revs[1])
	}

	// Same tag, same target head: nothing committed or pushed, URL printed.
	reflog := r.remote(t, "rev-parse", prBranch)
	code, stdout, stderr = r.gen(t, prFlags...)
	if code != 0 {
		t.Fatalf("second run: exit %d\n%s", code, stderr)
	}
	if !strings.Contains(stdout, p.URL) || !strings.Contains(stdout, "nothing pushed") {
		t.Errorf("second run output %q", stdout)
	}
	if got := r.remote(t, "rev-parse", prBranch); got != reflog {
		t.Error("the second run pushed")
	}
	if f.creates != 1 || f.updates != 0 {
		t.Errorf("second run: creates %d updates %d", f.creates, f.updates)
	}
	if after := r.checkout(t); after != before {
		t.Error("the checkout changed on the second run")
	}
}

func TestPRNewerTagAndMovedTargetRebuildWithLease(t *testing.T) {
	r := newPRRepo(t)
	if code, _, stderr := r.gen(t, prFlags...); code != 0 {
		t.Fatalf("exit %d\n%s", code, stderr)
	}
	first := r.remote(t, "rev-parse", prBranch)

	// A newer tag: one commit, rebuilt on main, force-pushed over the first.
	if code, _, stderr := r.gen(t, "bump", "--tag", "v4", "--pr", "--forge", "gitea"); code != 0 {
		t.Fatalf("newer tag: exit %d\n%s", code, stderr)
	}
	second := r.remote(t, "rev-parse", prBranch)
	if second == first || r.remote(t, "rev-parse", prBranch+"^") != r.remote(t, "rev-parse", "main") {
		t.Errorf("newer tag: branch %s (was %s) not one commit on main", second, first)
	}
	if n := r.remote(t, "rev-list", "--count", "main.."+prBranch); n != "1" {
		t.Errorf("%s commits on the branch", n)
	}
	if r.forge.updates != 1 || r.forge.creates != 1 || !strings.Contains(r.forge.prs[0].Title, "v4") {
		t.Errorf("creates %d updates %d title %q", r.forge.creates, r.forge.updates, r.forge.prs[0].Title)
	}

	// The target moves: the same tag is rebuilt on its new head.
	other := filepath.Join(t.TempDir(), "other")
	gittest.Git(t, r.home, filepath.Dir(other), "clone", "-q", r.bare, other)
	gittest.WriteFiles(t, other, map[string]string{"README.md": "moved\n"})
	gittest.Git(t, r.home, other, "add", "README.md")
	gittest.Git(t, r.home, other, "commit", "-q", "-m", "someone else")
	gittest.Git(t, r.home, other, "push", "-q", "origin", "main")
	before := r.checkout(t)
	if code, _, stderr := r.gen(t, "bump", "--tag", "v4", "--pr", "--forge", "gitea"); code != 0 {
		t.Fatalf("moved target: exit %d\n%s", code, stderr)
	}
	if r.remote(t, "rev-parse", prBranch+"^") != r.remote(t, "rev-parse", "main") {
		t.Error("moved target: not rebuilt on the new main")
	}
	if r.remote(t, "show", prBranch+":README.md") != "moved" {
		t.Error("moved target: the branch lacks main's new commit")
	}
	if after := r.checkout(t); after != before {
		t.Error("the checkout changed")
	}
	r.remote(t, "fsck", "--strict", "--no-progress")
}

func TestPRRefusesHumanCommitOnGensBranch(t *testing.T) {
	r := newPRRepo(t)
	if code, _, stderr := r.gen(t, prFlags...); code != 0 {
		t.Fatalf("exit %d\n%s", code, stderr)
	}
	human := filepath.Join(t.TempDir(), "human")
	gittest.Git(t, r.home, filepath.Dir(human), "clone", "-q", "-b", prBranch, r.bare, human)
	gittest.WriteFiles(t, human, map[string]string{"fix.txt": "fix\n"})
	gittest.Git(t, r.home, human, "add", "fix.txt")
	gittest.Git(t, r.home, human, "commit", "-q", "-m", "a reviewer's fix")
	gittest.Git(t, r.home, human, "push", "-q", "origin", prBranch)
	theirs := r.remote(t, "rev-parse", prBranch)

	code, _, stderr := r.gen(t, "bump", "--tag", "v4", "--pr", "--forge", "gitea")
	if code != 1 || !strings.Contains(stderr, "a reviewer's fix") || !strings.Contains(stderr, theirs[:12]) {
		t.Errorf("exit %d, want 1 naming the commit:\n%s", code, stderr)
	}
	if r.remote(t, "rev-parse", prBranch) != theirs {
		t.Error("the human's commit was overwritten")
	}
}

func TestPRExistsRaceUpdatesTheOtherPR(t *testing.T) {
	r := newPRRepo(t)
	r.forge.raceCreate = true
	code, stdout, stderr := r.gen(t, append(prFlags, "-o", "yaml")...)
	if code != 0 {
		t.Fatalf("exit %d\n%s", code, stderr)
	}
	if len(r.forge.prs) != 1 || r.forge.updates != 1 || !strings.Contains(r.forge.prs[0].Title, "v3") {
		t.Errorf("prs %d updates %d title %q", len(r.forge.prs), r.forge.updates, r.forge.prs[0].Title)
	}
	if !strings.Contains(stdout, "url: https://forge.example/org/gitops/pulls/1") || !strings.Contains(stdout, "number: 1") {
		t.Errorf("yaml output:\n%s", stdout)
	}
}

func TestPRWaitMergedAndAutoMerge(t *testing.T) {
	r := newPRRepo(t)
	r.forge.states = []forge.State{forge.StateOpen, forge.StateOpen, forge.StateMerged}
	if code, _, stderr := r.gen(t, append(prFlags, "--auto-merge", "--wait-merged", "--merge-poll", "1ms")...); code != 0 {
		t.Fatalf("merged: exit %d\n%s", code, stderr)
	}
	if r.forge.gets != 3 || !slices.Equal(r.forge.auto, []int64{1}) {
		t.Errorf("gets %d auto %v", r.forge.gets, r.forge.auto)
	}
	r.forge.states, r.forge.gets = []forge.State{forge.StateClosed}, 0
	code, _, stderr := r.gen(t, "bump", "--tag", "v4", "--pr", "--forge", "gitea", "--wait-merged", "--merge-poll", "1ms")
	if code != 1 || !strings.Contains(stderr, "closed without merging") {
		t.Errorf("closed: exit %d\n%s", code, stderr)
	}
	r.forge.states = []forge.State{forge.StateOpen}
	code, _, stderr = r.gen(t, "bump", "--tag", "v4", "--pr", "--forge", "gitea", "--wait-merged", "--merge-poll", "1ms", "--merge-timeout", "30ms")
	if code != 1 || !strings.Contains(stderr, "--merge-timeout") {
		t.Errorf("timeout: exit %d\n%s", code, stderr)
	}
}

func TestPRBadFlagsExit2(t *testing.T) {
	r := newPRRepo(t)
	before := r.checkout(t)
	for _, tc := range []struct {
		args []string
		flag string
	}{
		{[]string{"--push"}, "--push"},
		{[]string{"--repo-url", "https://example.com/org/x.git"}, "--repo-url"},
		{[]string{"--pr-branch", "bad..name"}, "--pr-branch"},
		{[]string{"--forge", "bitbucket"}, "--forge"},
		{[]string{"--auto-merge", "--forge", "github"}, "--auto-merge"},
		{[]string{"--wait-merged", "--merge-timeout", "0s"}, "--merge-timeout"},
		{[]string{"--wait-merged", "--merge-poll", "0s"}, "--merge-poll"},
		{[]string{"--merge-poll", "1s"}, "--merge-poll"},
	} {
		args := append([]string{"bump", "--tag", "v3", "--pr"}, tc.args...)
		if !slices.Contains(tc.args, "--forge") {
			args = append(args, "--forge", "gitea")
		}
		code, _, stderr := r.gen(t, args...)
		line := strings.TrimSpace(stderr)
		if i := strings.LastIndex(line, "\n"); i >= 0 {
			line = line[i+1:]
		}
		if code != 2 || !strings.Contains(line, tc.flag) {
			t.Errorf("%v: exit %d, want 2 naming %s:\n%s", tc.args, code, tc.flag, stderr)
		}
	}
	for _, flag := range []string{"--labels=x", "--auto-merge", "--pr-branch=x", "--wait-merged"} {
		code, _, stderr := r.gen(t, "bump", "--tag", "v3", flag)
		if code != 2 || !strings.Contains(stderr, "needs --pr") {
			t.Errorf("%s without --pr: exit %d\n%s", flag, code, stderr)
		}
	}
	if r.forge.creates != 0 {
		t.Error("a bad flag reached the forge")
	}
	if len(r.forge.prs) != 0 || gittest.Git(t, r.home, r.bare, "branch", "--list", "gen/*") != "" {
		t.Error("a bad flag pushed")
	}
	if after := r.checkout(t); after != before {
		t.Error("the checkout changed")
	}
}

// TestPRConcurrentRunsBothLand: two clones run the same --pr bump at the
// same moment, round after round with a newer tag: both exit 0 every time
// (the loser of the push reads gen's branch again and finds its change
// there, or pushes again on the new head), gen's branch ends as one gen
// commit on main with the round's tag, and there is one pull request.
func TestPRConcurrentRunsBothLand(t *testing.T) {
	r := newPRRepo(t)
	other := *r
	other.dir = filepath.Join(t.TempDir(), "other")
	url := gittest.Git(t, r.home, r.dir, "remote", "get-url", "origin")
	gittest.Git(t, r.home, filepath.Dir(other.dir), "clone", "-q", url, other.dir)
	for round := range 4 {
		tag := fmt.Sprintf("v%d", 10+round)
		var wg sync.WaitGroup
		codes, errs := make([]int, 2), make([]string, 2)
		for i, rr := range []*prRepo{r, &other} {
			wg.Add(1)
			go func() {
				defer wg.Done()
				codes[i], _, errs[i] = rr.gen(t, "bump", "--tag", tag, "--pr", "--forge", "gitea")
			}()
		}
		wg.Wait()
		for i, code := range codes {
			if code != 0 {
				t.Fatalf("round %d, run %d: exit %d\n%s", round, i, code, errs[i])
			}
		}
		if n := r.remote(t, "rev-list", "--count", "main.."+prBranch); n != "1" {
			t.Fatalf("round %d: %s holds %s commits over main, want 1", round, prBranch, n)
		}
		if got := r.remote(t, "show", prBranch+":"+devOverlay); !strings.Contains(got, tag) {
			t.Fatalf("round %d: overlay on %s:\n%s", round, prBranch, got)
		}
	}
	r.remote(t, "fsck", "--strict", "--no-progress")
	if len(r.forge.prs) != 1 {
		t.Errorf("%d pull requests, want 1", len(r.forge.prs))
	}
}

// An unsigned commit of gen's on its branch, made before signing was set
// up, is not "the same change" once gen signs: it is replaced by a signed
// one (a branch rule requiring signed commits would refuse the pull
// request otherwise), and the run after that is a no-op again.
func TestPRReplacesUnsignedCommitOnceSigning(t *testing.T) {
	r := newPRRepo(t)
	if code, _, stderr := r.gen(t, append(prFlags, "--no-sign")...); code != 0 {
		t.Fatalf("unsigned run: exit %d\n%s", code, stderr)
	}
	unsigned := r.remote(t, "rev-parse", prBranch)
	keyFile := gittest.SSHKeygen(t, "")
	for _, kv := range [][2]string{{"commit.gpgSign", "true"}, {"gpg.format", "ssh"}, {"user.signingKey", keyFile}} {
		gittest.Git(t, r.home, r.dir, "config", kv[0], kv[1])
	}
	code, stdout, stderr := r.gen(t, prFlags...)
	if code != 0 {
		t.Fatalf("signed run: exit %d\n%s", code, stderr)
	}
	signed := r.remote(t, "rev-parse", prBranch)
	if signed == unsigned || strings.Contains(stdout, "nothing pushed") {
		t.Fatalf("gen kept its unsigned commit %s although it signs now:\n%s", unsigned, stdout)
	}
	allowed := gittest.AllowedSigners(t, "committer@example.com", keyFile+".pub")
	gittest.Git(t, r.home, r.bare, "-c", "gpg.ssh.allowedSignersFile="+allowed, "verify-commit", signed)
	if parent := r.remote(t, "rev-parse", prBranch+"^"); parent != r.remote(t, "rev-parse", "main") {
		t.Errorf("the signed commit sits on %s, not on main", parent)
	}
	if code, stdout, _ := r.gen(t, prFlags...); code != 0 || !strings.Contains(stdout, "nothing pushed") || r.remote(t, "rev-parse", prBranch) != signed {
		t.Errorf("third run: exit %d, want a no-op on the signed commit:\n%s", code, stdout)
	}
	if r.forge.creates != 1 {
		t.Errorf("%d pull requests opened, want 1 (then updated)", r.forge.creates)
	}
}

// gen rollback --pr goes through the same --pr path as bump: its commit
// (message, Reverts and Gen-Change trailers) on gen's branch on top of
// main, main and the checkout untouched, and a pull request naming the
// rollback and the commit it reverts.
func TestPRRollback(t *testing.T) {
	r := newPRRepo(t)
	if code, _, stderr := r.gen(t, "bump", "--tag", "v3", "--push"); code != 0 {
		t.Fatalf("bump --push: exit %d\n%s", code, stderr)
	}
	bumped := r.remote(t, "rev-parse", "main")
	// Not r.checkout: the index's bytes were just written by bump --push,
	// and git status may refresh its racily clean entries at any moment
	// (TestPRFirstRunOpensAndSecondIsNoOp compares them on a settled one).
	before := snapshot(t, r.home, r.dir)
	code, stdout, stderr := r.gen(t, "rollback", "--env", "dev", "--tag", "v2", "--pr", "--forge", "gitea", "-o", "json")
	if code != 0 {
		t.Fatalf("rollback --pr: exit %d\n%s", code, stderr)
	}
	var res prResult
	if err := json.Unmarshal([]byte(stdout), &res); err != nil {
		t.Fatal(err, stdout)
	}
	if r.remote(t, "rev-parse", "main") != bumped || snapshot(t, r.home, r.dir) != before {
		t.Fatal("rollback --pr moved main or changed the checkout")
	}
	if parent := r.remote(t, "rev-parse", prBranch+"^"); parent != bumped {
		t.Errorf("the rollback commit sits on %s, want main %s", parent, bumped)
	}
	msg := r.remote(t, "log", "-1", "--format=%B", prBranch)
	for _, want := range []string{"rollback rollouts-demo/dev: v3 -> v2", "Reverts: " + bumped, "Gen-Change: rollouts-demo/dev"} {
		if !strings.Contains(msg, want) {
			t.Errorf("rollback commit lacks %q:\n%s", want, msg)
		}
	}
	p := r.forge.prs[0]
	if !strings.Contains(p.Title, "gen rollback") || !strings.Contains(p.Title, "v2") || res.PullRequest.Number != p.Number {
		t.Errorf("pull request %q (#%d), gen said #%d", p.Title, p.Number, res.PullRequest.Number)
	}
	if body := r.forge.bodies[p.Number]; !strings.Contains(body, "| Reverts | `"+bumped) || !strings.Contains(body, "`v3` → `v2`") {
		t.Errorf("body lacks the reverted commit and the version change:\n%s", body)
	}
}
