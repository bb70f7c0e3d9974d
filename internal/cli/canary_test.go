package cli

import (
	"context"
	"testing"

	clienttesting "k8s.io/client-go/testing"

	"github.com/rolloutgen/rolloutgen/internal/kube/kubetest"
)

func TestCanary(t *testing.T) {
	home, dir := renderedRepo(t)
	paused := kubetest.RolloutState{Env: "dev", Tag: "v3", StableRS: "a", Current: "b", Step: 1, Paused: true, Phase: "Paused"}
	done := kubetest.RolloutState{Env: "dev", Tag: "v2", StableRS: "a", Current: "a", Step: 8, Phase: "Healthy"}
	tests := []struct {
		name   string
		state  kubetest.RolloutState
		args   []string
		code   int
		stdout string
		stderr string
		patch  string
	}{
		{"promote at a pause", paused, []string{"promote", "--env", "dev"}, 0,
			"rollouts-demo/dev: promoted: the pause ends, the next step runs\n", "", `status {"status":{"pauseConditions":null}}`},
		{"promote a completed Rollout is refused", done, []string{"promote", "--env", "dev"}, 1,
			"", "gen: canary promote rollouts-demo/dev: refused: nothing to promote: fully promoted at registry.example.com/demo/rollouts-demo:v2\n", ""},
		{"abort", paused, []string{"abort", "--env", "dev"}, 0,
			"rollouts-demo/dev: aborted: traffic and replicas go back to the stable ReplicaSet\n", "", `status {"status":{"abort":true}}`},
		{"--env is required", paused, []string{"pause"}, 2, "", "gen: --env is required\n", ""},
		{"unknown environment", paused, []string{"retry", "--env", "qa"}, 2, "", "gen: --env \"qa\": no such environment in gen.yaml; environments: dev, staging, prod\n", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := kubetest.NewCluster(kubetest.Rollout(tt.state))
			code, stdout, stderr := runKube(context.Background(), home, dir, c, append([]string{"canary"}, tt.args...)...)
			if code != tt.code || stdout != tt.stdout || stderr != tt.stderr {
				t.Errorf("exit %d\nstdout %q\nstderr %q\nwant %d %q %q", code, stdout, stderr, tt.code, tt.stdout, tt.stderr)
			}
			var patches []string
			for _, a := range c.Actions() {
				if pa, ok := a.(clienttesting.PatchAction); ok {
					patches = append(patches, pa.GetSubresource()+" "+string(pa.GetPatch()))
				}
			}
			if tt.patch == "" && len(patches) != 0 || tt.patch != "" && (len(patches) != 1 || patches[0] != tt.patch) {
				t.Errorf("patches %q, want %q", patches, tt.patch)
			}
			if len(c.Count("get")) != 0 {
				t.Errorf("GETs %v, want none (one LIST)", c.Count("get"))
			}
		})
	}
}
