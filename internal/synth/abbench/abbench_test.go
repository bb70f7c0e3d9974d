package abbench

import (
	"errors"
	"slices"
	"testing"
	"time"
)

func TestInterleaveWarmsUpThenAlternates(t *testing.T) {
	var order []string
	contender := func(name string) Contender {
		n := 0
		return Contender{Name: name, Run: func() (Sample, error) {
			n++
			order = append(order, name)
			return Sample{Wall: time.Duration(n) * time.Second, RSSKB: int64(n)}, nil
		}}
	}
	res, err := Interleave("3 apps", 2, contender("a"), contender("b"))
	if err != nil {
		t.Fatal(err)
	}
	if want := []string{"a", "b", "a", "b", "b", "a"}; !slices.Equal(order, want) {
		t.Errorf("order %v, want %v", order, want)
	}
	if len(res.A) != 2 || len(res.B) != 2 {
		t.Fatalf("samples A %d, B %d; want 2 each (warm-up not counted)", len(res.A), len(res.B))
	}
	if got := Median(res.A); got != 3*time.Second {
		t.Errorf("median A %v, want 3s", got)
	}
	if got := PeakRSSKB(res.B); got != 3 {
		t.Errorf("peak RSS B %d, want 3", got)
	}
}

func TestInterleaveErrorsNameLabelRoundAndContender(t *testing.T) {
	boom := errors.New("boom")
	calls := 0
	ok := Contender{Name: "gen", Run: func() (Sample, error) { return Sample{}, nil }}
	failsSecond := Contender{Name: "git CLI", Run: func() (Sample, error) {
		calls++
		if calls == 2 {
			return Sample{}, boom
		}
		return Sample{}, nil
	}}
	_, err := Interleave("5 apps", 3, ok, failsSecond)
	if !errors.Is(err, boom) || err.Error() != "5 apps round 0: git CLI: boom" {
		t.Errorf("err %v", err)
	}
	_, err = Interleave("5 apps", 3, Contender{Name: "gen", Run: func() (Sample, error) { return Sample{}, boom }}, ok)
	if err == nil || err.Error() != "5 apps: gen: boom" {
		t.Errorf("warm-up err %v", err)
	}
}
