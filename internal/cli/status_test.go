package cli

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"strings"
	"sync"
	"testing"
	"time"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"

	"github.com/rolloutgen/rolloutgen/internal/gittest"
	"github.com/rolloutgen/rolloutgen/internal/kube"
	"github.com/rolloutgen/rolloutgen/internal/kube/kubetest"
)

// runKube runs gen in-process against a fake cluster (nil: no kubeconfig).
func runKube(ctx context.Context, home, dir string, c *kubetest.Cluster, args ...string) (code int, stdout, stderr string) {
	var out lockedBuffer
	code, stderr = runKubeTo(ctx, &out, home, dir, c, args...)
	return code, out.String(), stderr
}

// lockedBuffer is stdout a test can read while the command writes.
type lockedBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *lockedBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *lockedBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// pollUntil polls until cond holds, failing after a deadline.
func pollUntil(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

func runKubeTo(ctx context.Context, out io.Writer, home, dir string, c *kubetest.Cluster, args ...string) (code int, stderr string) {
	var errb bytes.Buffer
	env := map[string]string{}
	for _, kv := range gittest.Env(home) {
		if k, v, ok := strings.Cut(kv, "="); ok {
			env[k] = v
		}
	}
	env["KUBECONFIG"] = ""
	deps := Deps{Stdout: out, Stderr: &errb, Dir: dir, Getenv: func(k string) string { return env[k] }}
	deps.NewKube = func(kube.Config) (*kube.Client, error) {
		if c == nil {
			return nil, kube.ErrNoKubeConfig
		}
		return c.Client(), nil
	}
	code = Run(ctx, args, deps)
	return code, errb.String()
}

// liveDemo is the demo in env fully promoted at tag, Synced and Healthy.
func liveDemo(env, tag string) []*unstructured.Unstructured {
	return []*unstructured.Unstructured{
		kubetest.Application(env, "Synced", "abc1234", "Healthy"),
		kubetest.Rollout(kubetest.RolloutState{Env: env, Tag: tag, StableRS: "a", Current: "a", Step: 8, Phase: "Healthy", HealthySince: kubetest.T1}),
		kubetest.ReplicaSet(env, "a", tag, kubetest.T0),
	}
}

func TestStatusWithoutCluster(t *testing.T) {
	home, dir := renderedRepo(t)
	code, stdout, stderr := runKube(context.Background(), home, dir, nil, "status")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	if stderr != "gen: warning: no kube access (set KUBECONFIG or pass --kubeconfig): showing Git only\n" {
		t.Errorf("stderr %q", stderr)
	}
	want := `APP            ENV      GIT  LIVE  STEP  WEIGHT  VERDICT
rollouts-demo  dev      v2   -     -     -       git v2
rollouts-demo  staging  v2   -     -     -       git v2
rollouts-demo  prod     v2   -     -     -       git v2
`
	if stdout != want {
		t.Errorf("stdout:\n%s\nwant:\n%s", stdout, want)
	}
}

func TestStatusJSON(t *testing.T) {
	home, dir := renderedRepo(t)
	objs := append(liveDemo("dev", "v2"), liveDemo("staging", "v2")...)
	c := kubetest.NewCluster(objs...)
	code, stdout, stderr := runKube(context.Background(), home, dir, c, "status", "-o", "json")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	var rep struct {
		SchemaVersion int
		Rows          []struct{ Env, Verdict string }
	}
	if err := json.Unmarshal([]byte(stdout), &rep); err != nil {
		t.Fatal(err)
	}
	if rep.SchemaVersion != 1 || len(rep.Rows) != 3 || rep.Rows[0].Verdict != "live v2" || rep.Rows[2].Verdict != "no Application argo/rollouts-demo-prod" {
		t.Errorf("report %+v", rep)
	}
	if l := c.Count("list"); len(c.Actions()) != 5 || l["applications"] != 1 || l["rollouts"] != 1 || l["replicasets"] != 1 || l["events"] != 1 || l["ingresses"] != 1 {
		t.Errorf("requests %v: want one LIST per kind", c.Actions())
	}
}

// TestStatusWatch redraws once per event and stops when every row is
// settled; a Degraded row makes it exit 1.
func TestStatusWatch(t *testing.T) {
	home, dir := renderedRepo(t)
	for _, tt := range []struct {
		name  string
		final kubetest.RolloutState
		code  int
		last  string
	}{
		{"healthy", kubetest.RolloutState{Env: "dev", Tag: "v2", StableRS: "a", Current: "a", Step: 8, Phase: "Healthy", HealthySince: kubetest.T1}, 0, "live v2"},
		{"degraded", kubetest.RolloutState{Env: "dev", Tag: "v2", StableRS: "a", Current: "a", Step: 8, Phase: "Progressing", Message: "ProgressDeadlineExceeded"}, 1, "degraded: ProgressDeadlineExceeded"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			progressing := kubetest.RolloutState{Env: "dev", Tag: "v2", StableRS: "a", Current: "a", Step: 8, Phase: "Progressing"}
			objs := []*unstructured.Unstructured{kubetest.Application("dev", "Synced", "abc", "Progressing"), kubetest.Rollout(progressing), kubetest.ReplicaSet("dev", "a", "v2", kubetest.T0)}
			c := kubetest.NewCluster(objs...)
			type result struct {
				code           int
				stdout, stderr string
			}
			done := make(chan result, 1)
			var out lockedBuffer
			go func() {
				code, stderr := runKubeTo(context.Background(), &out, home, dir, c, "status", "--env", "dev", "--watch")
				done <- result{code, out.String(), stderr}
			}()
			ws := c.WaitWatches(5)
			ws["rollouts"].Modify(kubetest.Rollout(tt.final))
			pollUntil(t, "the second drawing", func() bool { return strings.Count(out.String(), "VERDICT") == 2 })
			health := "Healthy"
			if tt.code == 1 {
				health = "Degraded"
			}
			ws["applications"].Modify(kubetest.Application("dev", "Synced", "abc", health))
			r := <-done
			if r.code != tt.code {
				t.Fatalf("exit %d, want %d: %s", r.code, tt.code, r.stderr)
			}
			tables := strings.Split(strings.TrimPrefix(r.stdout, "\n"), "\n\n")
			if len(tables) != 3 {
				t.Fatalf("%d drawings, want 3 (the list, two events):\n%s", len(tables), r.stdout)
			}
			if !strings.Contains(tables[2], tt.last) {
				t.Errorf("last drawing lacks %q:\n%s", tt.last, tables[2])
			}
			if l, w := c.Count("list"), c.Count("watch"); len(l) != 5 || len(w) != 5 || l["rollouts"] != 1 || w["rollouts"] != 1 {
				t.Errorf("lists %v, watches %v: want one of each per kind", l, w)
			}
		})
	}
}

// TestStatusCanaryIngressWeight shows the weight the controller set and
// the one on its canary Ingress, read from one LIST of Ingresses: equal,
// one number; different, both, in every format.
func TestStatusCanaryIngressWeight(t *testing.T) {
	home, dir := renderedRepo(t)
	canary := func(ingress int64) []*unstructured.Unstructured {
		return []*unstructured.Unstructured{
			kubetest.Application("dev", "Synced", "abc1234", "Suspended"),
			kubetest.Rollout(kubetest.RolloutState{Env: "dev", Tag: "v3", StableRS: "a", Current: "b", Step: 3, Weight: 20, Paused: true, Phase: "Paused"}),
			kubetest.ReplicaSet("dev", "a", "v2", kubetest.T0), kubetest.ReplicaSet("dev", "b", "v3", kubetest.T1),
			kubetest.CanaryIngress("dev", ingress),
		}
	}
	for _, tt := range []struct {
		name         string
		ingress      int64
		weight, wide string
		verdict      string
		mismatch     bool
	}{
		{"in step", 20, "20%", "20%", "canary v3 20% paused", false},
		{"ingress behind", 0, "20% ≠ ing 0%", "0%", "canary v3 20% paused (ingress 0%)", true},
	} {
		t.Run(tt.name, func(t *testing.T) {
			c := kubetest.NewCluster(canary(tt.ingress)...)
			code, stdout, stderr := runKube(context.Background(), home, dir, c, "status", "--env", "dev")
			if code != 0 {
				t.Fatalf("exit %d: %s", code, stderr)
			}
			lines := strings.Split(stdout, "\n")
			if !strings.Contains(lines[1], "  "+tt.weight+"  ") || !strings.HasSuffix(lines[1], tt.verdict) {
				t.Errorf("text row %q; want WEIGHT %q and verdict %q", lines[1], tt.weight, tt.verdict)
			}
			if l := c.Count("list"); l["ingresses"] != 1 || len(c.Count("get")) != 0 {
				t.Errorf("lists %v gets %v: want one LIST of Ingresses, no GET", l, c.Count("get"))
			}

			_, stdout, _ = runKube(context.Background(), home, dir, c, "status", "--env", "dev", "-o", "wide")
			head, row := strings.Fields(strings.Split(stdout, "\n")[0]), strings.Split(stdout, "\n")[1]
			if head[11] != "INGRESS" || !strings.Contains(row, " "+tt.wide+" ") {
				t.Errorf("wide:\n%s", stdout)
			}

			_, stdout, _ = runKube(context.Background(), home, dir, c, "status", "--env", "dev", "-o", "json")
			var rep struct {
				SchemaVersion int
				Rows          []struct {
					Rollout struct {
						Weight, IngressWeight *int64
						CanaryIngress         string
						WeightMismatch        bool
					}
				}
			}
			if err := json.Unmarshal([]byte(stdout), &rep); err != nil {
				t.Fatal(err)
			}
			ro := rep.Rows[0].Rollout
			if rep.SchemaVersion != 1 || ro.Weight == nil || *ro.Weight != 20 || ro.IngressWeight == nil || *ro.IngressWeight != tt.ingress ||
				ro.CanaryIngress != "rollouts-demo-rollouts-demo-stable-canary" || ro.WeightMismatch != tt.mismatch {
				t.Errorf("json:\n%s", stdout)
			}
		})
	}
}
