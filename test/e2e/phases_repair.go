//go:build e2e

package e2e

import (
	"strings"
)

// abortAndRepair: a bump lands during a paused canary (the controller
// replaces it), gen canary abort sends traffic back to stable, gen status
// says Git and the cluster disagree, and gen rollback (default target:
// what the stable ReplicaSet runs) makes Git tell the truth again.
func (s *scenario) abortAndRepair() {
	s.phase("bump v3 (refresh) → synced, paused at step 1", func() {
		b := s.bump("v3", true)
		s.waitSyncedAt(firstEnv, b, "commit→synced (refresh)")
		s.waitCanaryPaused(firstEnv, "v3", 0)
	})
	s.phase("bump v4 during the paused v3 canary (refresh) → new canary, paused", func() {
		b := s.bump("v4", true)
		s.waitSyncedAt(firstEnv, b, "commit→synced (refresh, during a paused canary)")
		s.waitCanaryPaused(firstEnv, "v4", 0)
		s.waitRSScaledDown(firstEnv, "v3")
	})
	s.phase("gen canary abort → stable v2, Argo CD Degraded; gen status: git v4 ≠ live v2", func() {
		s.gen("canary", "abort", "--env", firstEnv)
		s.genWait(firstEnv, "aborted")
		s.waitStableRS(firstEnv, "v2", 5)
		s.waitCanaryIngress(firstEnv, "0")
		s.waitApp(firstEnv, "Synced and Degraded (the Rollout was aborted)", func(a application) bool {
			return a.Status.Sync.Status == "Synced" && a.Status.Health.Status == "Degraded"
		})
		s.capture(firstEnv+"-aborted", firstEnv, "dev canary v4 aborted: stable v2, Degraded")
		s.checkTraffic("aborted: 100% stable v2", firstEnv, trafficCase{canary: "v4", stable: "v2", percent: 0})
		if row := s.status(firstEnv); !strings.HasPrefix(row.Verdict, "git v4 ≠ live v2") {
			s.t.Fatalf("gen status after the abort: verdict %q, want git v4 ≠ live v2", row.Verdict)
		}
	})
	s.phase("gen rollback (what runs) → overlay v2, Synced + Healthy", func() {
		s.rollbackTo(firstEnv, "v4", "v2")
	})
}

// rollbackPausedCanary: gen rollback during a paused canary sends the
// Rollout straight back to its stable ReplicaSet, with the overlay saying
// the stable tag and Argo CD Synced and Healthy.
func (s *scenario) rollbackPausedCanary() {
	s.phase("bump v3 again (refresh) → paused at step 1", func() {
		b := s.bump("v3", true)
		s.waitSyncedAt(firstEnv, b, "commit→synced (refresh, after a rollback)")
		s.waitCanaryPaused(firstEnv, "v3", 0)
	})
	s.phase("gen rollback during the paused canary → stable v2, Synced + Healthy", func() {
		s.rollbackTo(firstEnv, "v3", "v2")
	})
}

// rollbackTo runs gen rollback (default target) on env and checks the
// commit, the Rollout back on stable, Argo CD, gen status and the traffic.
func (s *scenario) rollbackTo(env, from, to string) {
	s.t.Helper()
	s.gen("rollback", "--env", env, "--push", "--refresh")
	sha := s.headCommit()
	want := "rollback rollouts-demo/" + env + ": " + from + " -> " + to
	if msg := s.gitShow(sha); !strings.Contains(msg, want) || !strings.Contains(msg, "Reverts: ") {
		s.t.Fatalf("rollback commit %s: want %q and a Reverts trailer:\n%s", sha, want, msg)
	}
	s.waitRollout(env, "Healthy on stable "+to+", not aborted", func(r rollout) bool {
		return r.Status.Phase == "Healthy" && !r.Status.Abort && r.Status.StableRS == r.Status.CurrentPodHash &&
			r.Spec.Template.image() == s.image+":"+to
	})
	s.waitApp(env, "Synced at the rollback and Healthy", func(a application) bool {
		return a.Status.Sync.Status == "Synced" && a.Status.Sync.Revision == sha && a.Status.Health.Status == "Healthy"
	})
	if row := s.status(env); row.Verdict != "live "+to || row.Git.Tag != to {
		s.t.Fatalf("gen status %s after the rollback: verdict %q, git %q; want live %s", env, row.Verdict, row.Git.Tag, to)
	}
	s.checkTraffic("rolled back: 100% "+to, env, trafficCase{stable: to})
}

// headCommit is main on the Git server.
func (s *scenario) headCommit() string {
	s.t.Helper()
	sha, err := runGit(s.repo.bare, nil, "rev-parse", "refs/heads/main")
	if err != nil {
		s.t.Fatal(err)
	}
	return sha
}

// gitShow is a commit's message on the Git server.
func (s *scenario) gitShow(sha string) string {
	s.t.Helper()
	msg, err := runGit(s.repo.bare, nil, "log", "-1", "--format=%B", sha)
	if err != nil {
		s.t.Fatal(err)
	}
	return msg
}
