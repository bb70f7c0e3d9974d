package release

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
)

// fakeHistory is a linear history of one file, newest first, of which
// the first held commits are visible; Deepen shows more, up to max.
type fakeHistory struct {
	files    []string // content at commit i (0 = HEAD)
	held     int
	max      int
	deepens  int
	logCalls int
}

func (f *fakeHistory) FileLog(_ context.Context, _ string, max int) ([]string, bool, error) {
	f.logCalls++
	var out []string
	n := min(f.held, len(f.files))
	for i := 0; i < n; i++ {
		if i+1 == n && n < len(f.files) {
			break // the boundary commit: its parent is not held
		}
		if i+1 == len(f.files) || f.files[i] != f.files[i+1] {
			out = append(out, fmt.Sprint(i))
			if len(out) == max {
				return out, false, nil
			}
		}
	}
	return out, n == len(f.files), nil
}

func (f *fakeHistory) ReadFile(rev, _ string) ([]byte, error) {
	i := 0
	if rev != "HEAD" {
		fmt.Sscan(strings.TrimSuffix(rev, "^"), &i)
	}
	if strings.HasSuffix(rev, "^") {
		i++ // the parent: one commit older
		if i >= len(f.files) {
			return nil, fmt.Errorf("commit %s has no parent", rev)
		}
		if i >= f.held {
			return nil, fmt.Errorf("commit %s: object not found", rev)
		}
	}
	return []byte(f.files[i]), nil
}

func (f *fakeHistory) Deepen(context.Context) (bool, error) {
	if f.held >= f.max {
		return false, nil
	}
	f.held, f.deepens = min(2*f.held, f.max), f.deepens+1
	return true, nil
}

func overlay(entry string) string {
	return "resources:\n- ../../base\nimages:\n- name: example.com/app\n" + entry
}

func TestReadEntryHistory(t *testing.T) {
	v2 := overlay("  newTag: v2\n")
	v3 := overlay("  newTag: v3\n")
	v3d := overlay("  newTag: v3\n  digest: sha256:" + fmt.Sprintf("%064d", 1) + "\n")
	v3other := "# a comment\n" + v3
	for _, tt := range []struct {
		name     string
		files    []string // newest first
		held     int
		max      int
		setBy    string
		previous string
		deepens  int
		logCalls int // FileLog calls (0: not checked)
		err      error
	}{
		{name: "set several commits back, other lines changed since", files: []string{v3other, v3other, v3, v3, v2}, held: 8, max: 8, setBy: "3", previous: "v2"},
		{name: "previous across a digest-only change", files: []string{v3, v3d, v2}, held: 8, max: 8, setBy: "0", previous: "v3@sha256:000000000000"},
		{name: "deepened until the previous entry shows", files: []string{v3other, v3, v3, v3, v3, v3, v2, v2}, held: 2, max: 16, setBy: "5", previous: "v2", deepens: 2},
		{name: "created with the entry", files: []string{v3, v3}, held: 8, max: 8, setBy: "1"},
		// The log is read 4 commits at a time, doubling: a recent answer
		// costs one short log, an old one a few longer ones.
		{name: "answer in the newest commits: one short log", files: append([]string{v3, v2}, repeat(overlay("  newTag: v1\n"), 40)...), held: 64, max: 64, setBy: "0", previous: "v2", logCalls: 1},
		{name: "six other changes first: the log doubles to 8", files: []string{"#1\n" + v3, "#2\n" + v3, "#3\n" + v3, "#4\n" + v3, "#5\n" + v3, "#6\n" + v3, v2, v2}, held: 8, max: 8, setBy: "5", previous: "v2", logCalls: 4},
		{name: "created with the entry, long history: read on to the creation", files: append([]string{v3}, repeat(v3, 3)...), held: 8, max: 8, setBy: "3", logCalls: 2},
		{name: "history ends before the answer", files: []string{v3other, v3, v3, v3, v3, v3, v2}, held: 2, max: 4, deepens: 1, err: ErrHistoryEnds},
	} {
		t.Run(tt.name, func(t *testing.T) {
			h := &fakeHistory{files: tt.files, held: tt.held, max: tt.max}
			eh, err := ReadEntryHistory(context.Background(), h, "k.yaml", "example.com/app")
			if !errors.Is(err, tt.err) || h.deepens != tt.deepens {
				t.Fatalf("err %v after %d deepens, want %v after %d", err, h.deepens, tt.err, tt.deepens)
			}
			if tt.logCalls != 0 && h.logCalls != tt.logCalls {
				t.Errorf("%d FileLog calls, want %d", h.logCalls, tt.logCalls)
			}
			if err != nil {
				return
			}
			prev := ""
			if eh.Previous != nil {
				prev = eh.Previous.String()
			}
			if eh.SetBy != tt.setBy || prev != tt.previous {
				t.Errorf("set by %q, previous %q; want %q, %q", eh.SetBy, prev, tt.setBy, tt.previous)
			}
		})
	}
}

func repeat(s string, n int) []string {
	out := make([]string, n)
	for i := range out {
		out[i] = s
	}
	return out
}
