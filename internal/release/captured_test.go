package release

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	utilyaml "k8s.io/apimachinery/pkg/util/yaml"
	"sigs.k8s.io/yaml"
)

// captured is one fixture the e2e scenario wrote in capture mode (make
// e2e-capture): the real Application, Rollout, ReplicaSets and Rollout
// Events of one environment at a named phase.
type captured struct {
	phase, image string
	objs         []*unstructured.Unstructured
}

func loadCaptured(t *testing.T, name string) captured {
	t.Helper()
	data, err := os.ReadFile(filepath.Join("testdata", "e2e", name+".yaml"))
	if err != nil {
		t.Fatalf("%v (regenerate with make e2e-capture)", err)
	}
	var c captured
	for _, line := range strings.Split(string(data), "\n") {
		if v, ok := strings.CutPrefix(line, "# Captured by the e2e scenario (make e2e-capture), phase: "); ok {
			c.phase = v
		}
		if v, ok := strings.CutPrefix(line, "# image: "); ok {
			c.image = v
		}
	}
	if c.phase == "" || c.image == "" {
		t.Fatalf("%s: no phase or image header", name)
	}
	r := utilyaml.NewYAMLReader(bufio.NewReader(bytes.NewReader(data)))
	for {
		doc, err := r.Read()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		// Through JSON and the unstructured scheme, as the API client
		// decodes: integers stay int64 (a YAML decoder would make them
		// float64, which unstructured's accessors do not read).
		js, err := yaml.YAMLToJSON(doc)
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if string(bytes.TrimSpace(js)) == "null" {
			continue
		}
		u := &unstructured.Unstructured{}
		if err := u.UnmarshalJSON(js); err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		c.objs = append(c.objs, u)
	}
	return c
}

// target is the demo's env as the e2e run rendered it.
func (c captured) target(env string) Target {
	return Target{App: "rollouts-demo", Env: env, Namespace: "rollouts-demo-" + env, Rollout: "rollouts-demo",
		ArgoNamespace: "argo", Application: "rollouts-demo-" + env, Image: c.image, Dir: "overlays/" + env + "/rollouts-demo"}
}

// observe is what gen status sees in the fixture, with the overlay at git.
func (c captured) observe(t *testing.T, env, git string) Row {
	t.Helper()
	tg := c.target(env)
	s, err := snapshotOf(c.objs, tg)
	if err != nil {
		t.Fatal(err)
	}
	return Observe([]Target{tg}, map[string]GitState{tg.Dir: {Version: Version{Tag: git}}}, s)[0]
}

// TestGatesOnCapturedStates checks the promote gates and gen status's
// verdict on objects real Argo CD and Argo Rollouts wrote during the e2e
// run, each case naming the phase its fixture came from.
func TestGatesOnCapturedStates(t *testing.T) {
	tests := []struct {
		fixture, env, git string
		want              string        // the tag to promote
		unrelated         bool          // Argo CD synced a commit that does not contain the source commit
		soak, healthyFor  time.Duration // --soak, and how long the source has been Healthy at "now"
		failed            []string      // what the refusal says (empty: accepted)
		verdict           string
	}{
		{fixture: "dev-promoted", env: "dev", git: "v2", want: "v2", verdict: "live v2"},
		{fixture: "dev-promoted", env: "dev", git: "v2", want: "v2", unrelated: true, failed: []string{"synced: Synced at ", "which does not contain"}},
		{fixture: "dev-promoted", env: "dev", git: "v3", want: "v3", failed: []string{"promoted: stable runs v2, not v3"}, verdict: "git v3 ≠ live v2"},
		// Right after the full promotion the controller's Healthy condition
		// is still False (the old ReplicaSet waits out its 30 s scale-down):
		// a soak cannot have started.
		{fixture: "dev-promoted", env: "dev", git: "v2", want: "v2", soak: time.Minute, failed: []string{"soak: the Rollout is not Healthy"}},
		{fixture: "dev-settled", env: "dev", git: "v2", want: "v2", soak: time.Hour, healthyFor: time.Minute, failed: []string{"soak: Healthy for 1m0s of 1h0m0s"}, verdict: "live v2"},
		{fixture: "dev-settled", env: "dev", git: "v2", want: "v2", soak: time.Hour, healthyFor: 2 * time.Hour},
		{fixture: "dev-paused-step1", env: "dev", git: "v2", want: "v2", failed: []string{"healthy: Argo CD says Suspended", "canary v2 at step 1/8, paused"}, verdict: "canary v2 0% paused"},
		{fixture: "dev-paused-step7", env: "dev", git: "v2", want: "v2", failed: []string{"healthy: Argo CD says Suspended", "canary v2 at step 7/8, weight 60%, paused"}, verdict: "canary v2 60% paused"},
		{fixture: "dev-aborted", env: "dev", git: "v4", want: "v4", failed: []string{"healthy: Argo CD says Degraded", "aborted"}, verdict: "git v4 ≠ live v2 (aborted)"},
		{fixture: "staging-promoted", env: "staging", git: "v2", want: "v2", verdict: "live v2"},
		{fixture: "prod-promoted", env: "prod", git: "v2", want: "v2", verdict: "live v2"},
		{fixture: "prod-rollback-window", env: "prod", git: "v1", want: "v1", verdict: "live v1, rollback (window)"},
	}
	for _, tt := range tests {
		c := loadCaptured(t, tt.fixture)
		name := fmt.Sprintf("%s (%s): promote %s", tt.fixture, c.phase, tt.want)
		if tt.unrelated {
			name += ", synced at an unrelated commit"
		}
		if tt.soak > 0 {
			name += fmt.Sprintf(", soak %s after %s Healthy", tt.soak, tt.healthyFor)
		}
		t.Run(name, func(t *testing.T) {
			row := c.observe(t, tt.env, tt.git)
			if tt.verdict != "" && row.Verdict != tt.verdict {
				t.Errorf("verdict %q, want %q", row.Verdict, tt.verdict)
			}
			if row.Application == nil || row.Rollout == nil {
				t.Fatalf("fixture lacks the Application or the Rollout: %+v", row)
			}
			now := row.Rollout.HealthySince.Add(tt.healthyFor)
			gates, err := PromoteGates(GateInput{Row: row, Want: Version{Tag: tt.want}, SourceCommit: "c5", Soak: tt.soak, Now: now,
				Contains: func(string) (bool, error) { return !tt.unrelated, nil }})
			if err != nil {
				t.Fatal(err)
			}
			got := strings.Join(Failed(gates), "; ")
			if len(tt.failed) == 0 && got != "" {
				t.Fatalf("refused (%s), want accepted", got)
			}
			if len(tt.failed) > 0 && got == "" {
				t.Fatalf("accepted, want a refusal saying %q", tt.failed)
			}
			for _, want := range tt.failed {
				if !strings.Contains(got, want) {
					t.Errorf("refusal %q does not say %q", got, want)
				}
			}
		})
	}
}
