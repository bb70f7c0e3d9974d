//go:build e2e

package e2e

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"code.gitea.io/sdk/gitea"

	"github.com/rolloutgen/rolloutgen/internal/gittest"
	"github.com/rolloutgen/rolloutgen/internal/kustomize"
)

// demoImage is the image gen init writes into gen.yaml.
const demoImage = "registry.example.com/demo/rollouts-demo"

// TestGiteaPullRequests is issue 15's proof on a real forge: gen's --pr
// against Gitea opens one pull request, leaves it alone when nothing
// changed, updates it in place for a newer tag, never overwrites a
// commit it did not make, and waits for the merge; a protected main
// refuses gen's direct push, and a main that requires signed commits takes
// gen's SSH- and OpenPGP-signed commits (Gitea verifies them, and signs the
// merge of a pull request only when all its commits are signed) and
// refuses unsigned ones.
func TestGiteaPullRequests(t *testing.T) {
	tl, err := findTools()
	if err != nil {
		t.Fatal(err) // never a skip: CI must not pass without the tools
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Minute)
	t.Cleanup(cancel)
	dir := t.TempDir()
	ps := &processes{logDir: filepath.Join(dir, "logs")}
	if err := os.MkdirAll(ps.logDir, 0o755); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if t.Failed() {
			ps.dumpLogs(os.Stderr, 60)
		}
		ps.stopAll()
	})

	// The committer's SSH signing key, trusted by Gitea, and Gitea's own
	// key for the merges it signs.
	signer := gittest.SSHKeygen(t, "")
	signerPub, err := os.ReadFile(signer + ".pub")
	if err != nil {
		t.Fatal(err)
	}
	gt, err := startGitea(ctx, tl, ps, dir, giteaConfig{
		trustedSSHKeys: []string{strings.TrimSpace(string(signerPub))},
		signingKey:     gittest.SSHKeygen(t, ""),
	})
	if err != nil {
		t.Fatal(err)
	}
	const repoName = "demo"
	url, bare, err := gt.createRepo(repoName)
	if err != nil {
		t.Fatal(err)
	}
	repo, err := initDemoRepo(tl.gen, gitRemote{url: url, bare: bare, pushEnv: gt.pushEnv()}, gt.genEnv(),
		dir, demoImage, "v1", "")
	if err != nil {
		t.Fatal(err)
	}
	f := &forgeRun{t: t, ctx: ctx, gt: gt, repo: repo, name: repoName}
	const branch = "gen/rollouts-demo-dev"
	prFlags := []string{"--pr", "--forge", "gitea", "--forge-url", gt.url, "-o", "json"}

	// A label and a reviewer with access, as a team has them.
	if _, _, err := gt.api.CreateLabel(gt.user, repoName, gitea.CreateLabelOption{Name: "release", Color: "#0e8a16"}); err != nil {
		t.Fatal(err)
	}
	mustChange := false
	if _, _, err := gt.api.AdminCreateUser(gitea.CreateUserOption{Username: "reviewer", Email: "reviewer@example.com",
		Password: "reviewer-password-not-secret", MustChangePassword: &mustChange}); err != nil {
		t.Fatal(err)
	}
	write := gitea.AccessModeWrite
	if _, err := gt.api.AddCollaborator(gt.user, repoName, "reviewer", gitea.AddCollaboratorOption{Permission: &write}); err != nil {
		t.Fatal(err)
	}

	mainAtStart := f.head("main")
	checkout := f.checkout()
	var first prJSON
	f.step("bump --pr opens one pull request; main and the checkout untouched", func() {
		first = f.genPR(append([]string{"bump", "--tag", "v2", "--labels", "release", "--reviewers", "reviewer"}, prFlags...)...)
		pr := f.pr(first.PullRequest.Number)
		if pr.Head.Ref != branch || pr.Base.Ref != "main" || !strings.Contains(pr.Title, "v2") || pr.State != gitea.StateOpen {
			t.Fatalf("pull request #%d: head %q base %q title %q state %s; want %s into main, v2 in the title, open", pr.Index, pr.Head.Ref, pr.Base.Ref, pr.Title, pr.State, branch)
		}
		if first.PullRequest.URL != pr.HTMLURL || first.PullRequest.Unchanged {
			t.Fatalf("gen said %+v; Gitea's page is %s", first.PullRequest, pr.HTMLURL)
		}
		if !strings.Contains(pr.Body, "`v1` → `v2`") || !strings.Contains(pr.Body, `+  newTag: "v2"`) {
			t.Errorf("pull request body lacks the version change and the diff:\n%s", pr.Body)
		}
		var labels []string
		for _, l := range pr.Labels {
			labels = append(labels, l.Name)
		}
		if !slices.Contains(labels, "release") {
			t.Errorf("labels %v, want release", labels)
		}
		var reviewers []string
		for _, u := range pr.RequestedReviewers {
			reviewers = append(reviewers, u.UserName)
		}
		if !slices.Contains(reviewers, "reviewer") {
			t.Errorf("requested reviewers %v, want reviewer", reviewers)
		}
		if got := f.head("main"); got != mainAtStart {
			t.Fatalf("--pr moved main from %s to %s", mainAtStart, got)
		}
		if got := f.git("rev-parse", branch+"^"); got != mainAtStart {
			t.Fatalf("%s's commit sits on %s, want main's head %s", branch, got, mainAtStart)
		}
		if msg := f.git("log", "-1", "--format=%B", branch); !strings.Contains(msg, "Gen-Change: rollouts-demo/dev") {
			t.Fatalf("%s's commit lacks its Gen-Change trailer:\n%s", branch, msg)
		}
		if got := f.checkout(); got != checkout {
			t.Fatalf("--pr changed the checkout:\nbefore: %s\nafter:  %s", checkout, got)
		}
	})
	f.step("the same bump again is a no-op that prints the pull request", func() {
		before := f.head(branch)
		again := f.genPR(append([]string{"bump", "--tag", "v2"}, prFlags...)...)
		if !again.PullRequest.Unchanged || again.PullRequest.Number != first.PullRequest.Number || f.head(branch) != before {
			t.Fatalf("second identical bump: %+v, branch %s → %s; want unchanged #%d", again.PullRequest, before, f.head(branch), first.PullRequest.Number)
		}
	})
	var updated prJSON
	f.step("a newer tag updates the same pull request in place", func() {
		before := f.head(branch)
		updated = f.genPR(append([]string{"bump", "--tag", "v3"}, prFlags...)...)
		pr := f.pr(updated.PullRequest.Number)
		if updated.PullRequest.Number != first.PullRequest.Number || updated.PullRequest.Unchanged || !strings.Contains(pr.Title, "v3") {
			t.Fatalf("bump v3: %+v, title %q; want #%d updated to v3", updated.PullRequest, pr.Title, first.PullRequest.Number)
		}
		if f.head(branch) == before || f.git("rev-list", "--count", "main.."+branch) != "1" {
			t.Fatalf("%s: want one new commit on main, got %s", branch, f.git("log", "--oneline", "main.."+branch))
		}
		if n := len(f.openPRs()); n != 1 {
			t.Fatalf("%d open pull requests, want 1", n)
		}
	})
	f.step("a commit gen did not make on its branch is never overwritten", func() {
		genHead := f.head(branch)
		human := f.pushHumanCommit(branch)
		out, code := f.gen(append([]string{"bump", "--tag", "v4"}, prFlags...)...)
		if code != 1 || !strings.Contains(out, "gen did not make") || !strings.Contains(out, branch) {
			t.Fatalf("bump v4 onto a branch with a human commit: exit %d, want 1 naming the branch and the commit:\n%s", code, out)
		}
		if got := f.head(branch); got != human {
			t.Fatalf("%s moved from the human commit %s to %s", branch, human, got)
		}
		f.pushAs(genHead+":refs/heads/"+branch, "--force") // the human takes it back
	})
	f.step("main protected: a direct push is refused and named, nothing committed", func() {
		if err := gt.protect(repoName, gitea.CreateBranchProtectionOption{EnablePush: false}); err != nil {
			t.Fatal(err)
		}
		before, local := f.head("main"), f.gitWork("rev-parse", "HEAD")
		out, code := f.gen("bump", "--tag", "v4", "--push")
		if code != 1 || !strings.Contains(out, "protected") {
			t.Fatalf("bump --push to a protected main: exit %d, want 1 and a message naming the protection:\n%s", code, out)
		}
		if strings.Contains(out, "attempt 2") || strings.Contains(out, "retrying") {
			t.Fatalf("gen retried a refusal by branch protection:\n%s", out)
		}
		if got := f.head("main"); got != before {
			t.Fatalf("the refused push moved main from %s to %s:\n%s", before, got, out)
		}
		// As after `git commit && git push`, the commit stays in the
		// checkout, and gen says so, naming it.
		kept := f.gitWork("rev-parse", "HEAD")
		if f.gitWork("rev-parse", "HEAD^") != local || !strings.Contains(out, kept[:12]) {
			t.Fatalf("after the refused push: HEAD %s (was %s); want one commit on top, named in gen's message:\n%s", kept, local, out)
		}
		if st := f.gitWork("status", "--porcelain"); st != "" {
			t.Fatalf("the refused push left the worktree dirty:\n%s", st)
		}
		f.gitWork("reset", "-q", "--hard", "HEAD^")
		t.Logf("    refused: %s", lastLine(out))
	})
	f.step("--wait-merged returns once a reviewer merges", func() {
		cmd, out := f.repo.start(t, nil, append([]string{"bump", "--tag", "v4", "--wait-merged", "--merge-poll", "200ms", "--merge-timeout", "2m"}, prFlags...)...)
		var n int64
		if _, err := poll(ctx, "the v4 pull request updated", time.Minute, 0, ps.exited, func() (bool, string, error) {
			pr, err := gt.openPR(repoName, branch)
			if err != nil || pr == nil {
				return false, "no open pull request from " + branch, err
			}
			n = pr.Index
			return strings.Contains(pr.Title, "v4"), pr.Title, nil
		}); err != nil {
			t.Fatal(err)
		}
		if err := gt.merge(ctx, repoName, n); err != nil {
			t.Fatal(err)
		}
		if err := cmd.Wait(); err != nil || !strings.Contains(out.String(), fmt.Sprintf("#%d merged", n)) {
			t.Fatalf("gen --wait-merged after the merge: %v\n%s", err, out)
		}
		if tag := f.overlayTag("main", "dev"); tag != "v4" {
			t.Fatalf("main's dev overlay says %s after the merge, want v4", tag)
		}
	})

	// Signed commits required on main (pull requests only): Gitea merges
	// only when it can sign the merge, and it signs only when every commit
	// of the pull request is signed by a key it verifies.
	if err := gt.protect(repoName, gitea.CreateBranchProtectionOption{EnablePush: false, RequireSignedCommits: true}); err != nil {
		t.Fatal(err)
	}
	f.step("signed commits required: an unsigned pull request cannot be merged", func() {
		unsigned := f.genPR(append([]string{"bump", "--tag", "v5", "--no-sign"}, prFlags...)...)
		if ok, why, err := gt.commitVerified(repoName, unsigned.Commit); err != nil || ok {
			t.Fatalf("Gitea verified the unsigned commit %s (%s, %v)", unsigned.Commit, why, err)
		}
		refusal, err := gt.mergeRefused(ctx, repoName, unsigned.PullRequest.Number)
		if err != nil {
			t.Fatal(err)
		}
		if !strings.Contains(strings.ToLower(refusal), "sign") {
			t.Fatalf("Gitea refused the merge of unsigned commits, but not for their signatures: %s", refusal)
		}
		t.Logf("    merge refused: %s", refusal)
	})
	f.step("signed commits required: gen's SSH-signed commit is verified and merged", func() {
		f.gitWork("config", "commit.gpgSign", "true")
		f.gitWork("config", "gpg.format", "ssh")
		f.gitWork("config", "user.signingKey", signer)
		signed := f.genPR(append([]string{"bump", "--tag", "v5"}, prFlags...)...)
		f.verifyCommit(signed.Commit, "-c", "gpg.ssh.allowedSignersFile="+gittest.AllowedSigners(t, giteaAdminEmail, signer+".pub"))
		if ok, why, err := gt.commitVerified(repoName, signed.Commit); err != nil || !ok {
			t.Fatalf("Gitea does not verify gen's SSH-signed commit %s: %s %v", signed.Commit, why, err)
		}
		if err := gt.merge(ctx, repoName, signed.PullRequest.Number); err != nil {
			t.Fatal(err)
		}
		merge := f.head("main")
		if ok, why, err := gt.commitVerified(repoName, merge); err != nil || !ok {
			t.Fatalf("Gitea's merge %s is not signed: %s %v", merge, why, err)
		}
		if tag := f.overlayTag("main", "dev"); tag != "v5" {
			t.Fatalf("main's dev overlay says %s after the signed merge, want v5", tag)
		}
	})

	// Direct pushes allowed again, signatures still required.
	if err := gt.protect(repoName, gitea.CreateBranchProtectionOption{EnablePush: true, RequireSignedCommits: true}); err != nil {
		t.Fatal(err)
	}
	f.step("signed commits required: an unsigned direct push is refused", func() {
		f.gitWork("fetch", "-q", "origin") // the checkout catches up with the merges
		f.gitWork("reset", "-q", "--hard", "origin/main")
		before := f.head("main")
		out, code := f.gen("bump", "--env", "staging", "--tag", "v6", "--push", "--no-sign")
		// Gitea 1.26 logs "Unverified commit: <sha>" but answers the push
		// with "Internal Server Error (no message for end users)" from its
		// pre-receive hook, so gen can only name the hook that refused.
		if code != 1 || !strings.Contains(out, "pre-receive") || !strings.Contains(out, "not retried") {
			t.Fatalf("unsigned push to a main requiring signatures: exit %d, want 1 naming the refusing pre-receive hook, not retried:\n%s", code, out)
		}
		if f.head("main") != before {
			t.Fatal("the refused push moved main")
		}
		t.Logf("    refused: %s", lastLine(out))
		f.gitWork("reset", "-q", "--hard", "origin/main") // drop the commit the refused push kept
	})
	f.step("signed commits required: gen's SSH-signed direct push is accepted and verified", func() {
		before := f.head("main")
		out := f.mustGen("bump", "--env", "staging", "--tag", "v6", "--push")
		sha := f.head("main")
		if sha == before || f.overlayTag(sha, "staging") != "v6" {
			t.Fatalf("the signed push did not land staging v6 on main (%s → %s):\n%s", before, sha, out)
		}
		f.verifyCommit(sha, "-c", "gpg.ssh.allowedSignersFile="+gittest.AllowedSigners(t, giteaAdminEmail, signer+".pub"))
		if ok, why, err := gt.commitVerified(repoName, sha); err != nil || !ok {
			t.Fatalf("Gitea does not verify %s: %s %v (gen said %s)", sha, why, err, out)
		}
	})
	f.step("signed commits required: an OpenPGP key registered through the API verifies", func() {
		gnupg, fpr := gittest.GPGKey(t, "e2e <"+giteaAdminEmail+">")
		armored := f.run(exec.Command("gpg", "--homedir", gnupg, "--armor", "--export", fpr))
		if _, _, err := gt.api.CreateGPGKey(gitea.CreateGPGKeyOption{ArmoredKey: armored}); err != nil {
			t.Fatalf("gitea: add the gpg key: %v", err)
		}
		f.gitWork("config", "gpg.format", "openpgp")
		f.gitWork("config", "user.signingKey", fpr)
		f.repo.env = append(f.repo.env, "GNUPGHOME="+gnupg)
		before := f.head("main")
		f.mustGen("bump", "--env", "prod", "--tag", "v6", "--push")
		sha := f.head("main")
		if sha == before || f.overlayTag(sha, "prod") != "v6" {
			t.Fatalf("the OpenPGP-signed push did not land prod v6 on main")
		}
		f.verifyCommit(sha, "-c", "gpg.program=gpg")
		if ok, why, err := gt.commitVerified(repoName, sha); err != nil || !ok {
			t.Fatalf("Gitea does not verify gen's OpenPGP-signed commit %s: %s %v", sha, why, err)
		}
	})
	f.fsck()
}

// forgeRun is the state of TestGiteaPullRequests and its checks.
type forgeRun struct {
	t    *testing.T
	ctx  context.Context
	gt   *giteaServer
	repo *demoRepo
	name string
}

// prJSON is what gen -o json prints for --pr.
type prJSON struct {
	Commit      string `json:"commit"`
	Changed     bool   `json:"changed"`
	PullRequest struct {
		URL       string `json:"url"`
		Number    int64  `json:"number"`
		Branch    string `json:"branch"`
		Unchanged bool   `json:"unchanged"`
	} `json:"pullRequest"`
}

func (f *forgeRun) step(name string, fn func()) {
	f.t.Helper()
	f.t.Logf("=== %s", name)
	start := time.Now()
	fn()
	f.t.Logf("--- %s: %.2fs", name, time.Since(start).Seconds())
}

func (f *forgeRun) gen(args ...string) (string, int) {
	f.t.Helper()
	stdout, stderr, code := f.repo.runGenSplit(args...)
	return strings.TrimSpace(stdout + "\n" + stderr), code
}

func (f *forgeRun) mustGen(args ...string) string {
	f.t.Helper()
	out, code := f.gen(args...)
	if code != 0 {
		f.t.Fatalf("gen %s: exit %d\n%s", strings.Join(args, " "), code, out)
	}
	return out
}

// genPR runs a --pr command and decodes its JSON.
func (f *forgeRun) genPR(args ...string) prJSON {
	f.t.Helper()
	stdout, stderr, code := f.repo.runGenSplit(args...)
	var r prJSON
	if code != 0 {
		f.t.Fatalf("gen %s: exit %d\n%s%s", strings.Join(args, " "), code, stdout, stderr)
	}
	if err := json.Unmarshal([]byte(stdout), &r); err != nil || r.PullRequest.Number == 0 {
		f.t.Fatalf("gen %s: want JSON with pullRequest.number: %v\n%s", strings.Join(args, " "), err, stdout)
	}
	f.t.Logf("    gen %s: #%d %s", strings.Join(args[:3], " "), r.PullRequest.Number, strings.TrimSpace(stderr))
	return r
}

// git runs the git CLI on Gitea's repository on disk.
func (f *forgeRun) git(args ...string) string {
	f.t.Helper()
	out, err := runGit(f.repo.bare, nil, args...)
	if err != nil {
		f.t.Fatal(err)
	}
	return out
}

// gitWork runs the git CLI in the user's checkout.
func (f *forgeRun) gitWork(args ...string) string {
	f.t.Helper()
	out, err := runGit(f.repo.work, f.gt.pushEnv(), args...)
	if err != nil {
		f.t.Fatal(err)
	}
	return out
}

func (f *forgeRun) run(cmd *exec.Cmd) string {
	f.t.Helper()
	out, err := cmd.Output()
	if err != nil {
		f.t.Fatalf("%s: %v", strings.Join(cmd.Args, " "), err)
	}
	return string(out)
}

func (f *forgeRun) head(branch string) string { return f.git("rev-parse", "refs/heads/"+branch) }

// checkout is the user's HEAD, index and worktree state.
func (f *forgeRun) checkout() string {
	f.t.Helper()
	return f.gitWork("rev-parse", "HEAD") + " " + f.gitWork("status", "--porcelain=v1", "--untracked-files=all")
}

// overlayTag is the tag env's overlay pins at rev, read as gen reads it.
func (f *forgeRun) overlayTag(rev, env string) string {
	f.t.Helper()
	k := f.git("show", rev+":overlays/"+env+"/rollouts-demo/kustomization.yaml")
	img, ok, err := kustomize.ReadImage([]byte(k), demoImage)
	if err != nil || !ok {
		f.t.Fatalf("no %s entry in %s's %s overlay (%v):\n%s", demoImage, rev, env, err, k)
	}
	return img.Tag
}

func (f *forgeRun) pr(n int64) *gitea.PullRequest {
	f.t.Helper()
	pr, _, err := f.gt.api.GetPullRequest(f.gt.user, f.name, n)
	if err != nil {
		f.t.Fatal(err)
	}
	return pr
}

func (f *forgeRun) openPRs() []*gitea.PullRequest {
	f.t.Helper()
	prs, err := f.gt.openPRs(f.name)
	if err != nil {
		f.t.Fatal(err)
	}
	return prs
}

// pushHumanCommit pushes a commit without gen's trailer onto branch, as a
// person fixing something by hand would, and returns it.
func (f *forgeRun) pushHumanCommit(branch string) string {
	f.t.Helper()
	clone := filepath.Join(f.t.TempDir(), "human")
	if _, err := runGit(f.t.TempDir(), nil, "clone", "-q", "--branch", branch, f.repo.url, clone); err != nil {
		f.t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(clone, "NOTES.md"), []byte("a reviewer's note\n"), 0o644); err != nil {
		f.t.Fatal(err)
	}
	for _, args := range [][]string{{"add", "NOTES.md"}, {"commit", "-q", "-m", "Add a reviewer's note"}, {"push", "-q", "origin", branch}} {
		if _, err := runGit(clone, f.gt.pushEnv(), args...); err != nil {
			f.t.Fatal(err)
		}
	}
	return f.head(branch)
}

// pushAs pushes refspec from the user's checkout.
func (f *forgeRun) pushAs(refspec string, flags ...string) {
	f.t.Helper()
	if _, err := runGit(f.repo.work, f.gt.pushEnv(), append(append([]string{"push", "-q"}, flags...), "origin", refspec)...); err != nil {
		f.t.Fatal(err)
	}
}

// verifyCommit runs git verify-commit on Gitea's repository.
func (f *forgeRun) verifyCommit(sha string, config ...string) {
	f.t.Helper()
	args := append(append([]string{}, config...), "verify-commit", sha)
	cmd := exec.Command("git", args...)
	cmd.Dir = f.repo.bare
	cmd.Env = append(os.Environ(), f.repo.env...)
	if out, err := cmd.CombinedOutput(); err != nil {
		f.t.Fatalf("git verify-commit %s: %v\n%s", sha, err, out)
	}
}

// fsck checks Gitea's repository with git itself after everything gen
// pushed to it.
func (f *forgeRun) fsck() {
	f.t.Helper()
	if out, err := runGit(f.repo.bare, nil, "fsck", "--strict", "--no-dangling"); err != nil {
		f.t.Fatalf("git fsck on Gitea's repository: %v\n%s", err, out)
	}
}
