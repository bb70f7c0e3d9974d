//go:build e2e

package e2e

import (
	"strings"
	"time"

	"code.gitea.io/sdk/gitea"
)

// promoteToProdByPR: main is protected on Gitea as production's branch is
// in most organisations. gen promote --to prod --push is refused by the
// protection; gen promote --to prod --pr opens a pull request with the
// gates' evidence and waits until a reviewer merges it; Argo CD syncs the
// merge and prod walks its canary. prodRS are prod's ReplicaSets before
// the release: dev's and staging's phases must not have touched them.
func (s *scenario) promoteToProdByPR(prodRS string) {
	s.phase("prod untouched by the dev and staging releases", func() {
		if got := s.replicaSetNames("prod"); got != prodRS {
			s.t.Errorf("ReplicaSets of prod changed during the release:\nbefore: %s\nafter:  %s", prodRS, got)
		}
		s.waitRollout("prod", "still Healthy at v1", func(r rollout) bool {
			return r.Status.Phase == "Healthy" && r.Spec.Template.image() == s.image+":v1"
		})
	})
	s.phase("main protected on Gitea: gen promote --to prod --push refused", func() {
		if err := s.gitea.protect(demoRepoName, gitea.CreateBranchProtectionOption{EnablePush: false}); err != nil {
			s.t.Fatal(err)
		}
		head := s.headCommit()
		out, code := s.genCode("promote", "--to", "prod", "--push")
		if code != 1 || !strings.Contains(out, "protected") {
			s.t.Fatalf("gen promote --to prod --push to a protected main: exit %d, want 1 naming the protection:\n%s", code, out)
		}
		if got := s.headCommit(); got != head {
			s.t.Fatalf("the refused push moved main from %s to %s", head, got)
		}
		s.t.Logf("    refused as it should be: %s", lastLine(out))
		// The commit stays in the checkout, as after git commit && git
		// push; gen names the way out, and the release manager takes it.
		kept, err := runGit(s.repo.work, nil, "rev-parse", "HEAD")
		if err != nil {
			s.t.Fatal(err)
		}
		if !strings.Contains(out, "git reset --keep "+kept[:12]+"^") {
			s.t.Fatalf("the refusal does not say how to drop the kept commit %s:\n%s", kept, out)
		}
		if _, err := runGit(s.repo.work, nil, "reset", "-q", "--keep", kept+"^"); err != nil {
			s.t.Fatal(err)
		}
	})
	s.phase("gen promote --to prod --pr --wait-merged: reviewed, merged, synced", func() {
		cmd, out := s.repo.start(s.t, []string{"KUBECONFIG=" + s.c.kubeconfig}, "promote", "--to", "prod",
			"--pr", "--forge", "gitea", "--forge-url", s.gitea.url, "--wait-merged", "--merge-poll", "500ms", "--merge-timeout", "3m")
		var pr *gitea.PullRequest
		s.wait("the promotion's pull request", time.Minute, func() (bool, string, error) {
			var err error
			if pr, err = s.gitea.openPR(demoRepoName, "gen/rollouts-demo-prod"); err != nil || pr == nil {
				return false, out.String(), err
			}
			return true, pr.Title, nil
		})
		// The reviewer sees what changes and the gates' evidence.
		for _, want := range []string{"staging -> prod", "v2"} {
			if !strings.Contains(pr.Title, want) {
				s.t.Errorf("pull request title %q lacks %q", pr.Title, want)
			}
		}
		if !strings.Contains(pr.Body, "### Gates") || !strings.Contains(pr.Body, "✅") || strings.Contains(pr.Body, "❌") {
			s.t.Errorf("pull request body lacks the passed gates:\n%s", pr.Body)
		}
		if err := s.gitea.merge(s.ctx, demoRepoName, pr.Index); err != nil {
			s.t.Fatal(err)
		}
		if err := cmd.Wait(); err != nil {
			s.t.Fatalf("gen promote --pr --wait-merged after the merge: %v\n%s", err, out)
		}
		merge := s.headCommit()
		if msg := s.gitShow(merge + "^2"); !strings.Contains(msg, "Promoted-From: staging") || !strings.Contains(msg, "Source-Commit: ") {
			s.t.Fatalf("the merged promotion commit lacks its trailers:\n%s", msg)
		}
		s.gen("wait", "--env", "prod", "--for", "synced", "--revision", merge, "--timeout", "3m")
		// The merge happened on Gitea: the release manager's checkout
		// catches up (gen status reads the overlay at HEAD).
		if _, err := runGit(s.repo.work, nil, "pull", "-q", "--ff-only", "origin", "main"); err != nil {
			s.t.Fatal(err)
		}
		if err := s.gitea.unprotect(demoRepoName); err != nil { // the repair phases push directly
			s.t.Fatal(err)
		}
	})
	s.walkCanary("prod", "v2", nil)
}
