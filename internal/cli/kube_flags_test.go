package cli

import (
	"bytes"
	"context"
	"strings"
	"testing"
	"time"

	"github.com/rolloutgen/rolloutgen/internal/gittest"
	"github.com/rolloutgen/rolloutgen/internal/kube"
)

// TestRequestTimeoutFlag: --kube-request-timeout reaches the kube layer as
// kubectl's flag means it (0: none), the default is the kube layer's, and
// a negative value is a usage error naming the flag.
func TestRequestTimeoutFlag(t *testing.T) {
	home, dir := renderedRepo(t)
	env := map[string]string{}
	for _, kv := range gittest.Env(home) {
		if k, v, ok := strings.Cut(kv, "="); ok {
			env[k] = v
		}
	}
	run := func(args ...string) (code int, got time.Duration, stderr string) {
		var out, errb bytes.Buffer
		got = -42
		deps := Deps{Stdout: &out, Stderr: &errb, Dir: dir, Getenv: func(k string) string { return env[k] }}
		deps.NewKube = func(c kube.Config) (*kube.Client, error) {
			got = c.Timeout
			return nil, kube.ErrNoKubeConfig // status then shows Git only
		}
		code = Run(context.Background(), append([]string{"status"}, args...), deps)
		return code, got, errb.String()
	}
	for _, tc := range []struct {
		args []string
		want time.Duration
	}{
		{nil, kube.DefaultTimeout},
		{[]string{"--kube-request-timeout", "45s"}, 45 * time.Second},
		{[]string{"--kube-request-timeout", "0"}, -1},
	} {
		if code, got, stderr := run(tc.args...); code != 0 || got != tc.want {
			t.Errorf("%v: exit %d, kube.Config.Timeout %s, want %s\n%s", tc.args, code, got, tc.want, stderr)
		}
	}
	code, got, stderr := run("--kube-request-timeout", "-1s")
	if code != 2 || !strings.Contains(stderr, "--kube-request-timeout") || got != -42 {
		t.Errorf("--kube-request-timeout -1s: exit %d, stderr %q, client built: %v; want exit 2 naming the flag, no client", code, stderr, got != -42)
	}
}
