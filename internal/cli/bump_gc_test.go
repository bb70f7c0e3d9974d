package cli

import (
	"bytes"
	"context"
	"testing"
)

// A local bump lowers GOGC through Deps, unless the user set GOGC.
func TestBumpTunesGCUnlessGOGCIsSet(t *testing.T) {
	for _, tc := range []struct {
		gogc string
		want []int
	}{{"", []int{bumpGCPercent}}, {"200", nil}} {
		var got []int
		var out, errb bytes.Buffer
		deps := Deps{
			Stdout: &out, Stderr: &errb, Dir: t.TempDir(),
			Getenv:       func(k string) string { return map[string]string{"GOGC": tc.gogc}[k] },
			SetGCPercent: func(p int) int { got = append(got, p); return 100 },
		}
		// Fails after the tuning: the directory is no repository.
		Run(context.Background(), []string{"bump", "--path", ".", "--tag", "v2"}, deps)
		if len(got) != len(tc.want) || len(got) == 1 && got[0] != tc.want[0] {
			t.Errorf("GOGC=%q: SetGCPercent calls %v, want %v (stderr %s)", tc.gogc, got, tc.want, errb.String())
		}
	}
}
