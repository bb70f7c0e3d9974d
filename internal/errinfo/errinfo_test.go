package errinfo

import (
	"errors"
	"fmt"
	"testing"
)

func TestOf(t *testing.T) {
	base := errors.New("push rejected")
	err := fmt.Errorf("bump demo/dev: %w", WithCommit(fmt.Errorf("committed abc: %w", WithField(base, "", "--remote")), "abc123"))
	got := Of(err)
	if got != (Details{Field: "--remote", Commit: "abc123"}) {
		t.Errorf("Of = %+v", got)
	}
	if !errors.Is(err, base) || err.Error() != "bump demo/dev: committed abc: push rejected" {
		t.Errorf("the chain or the message changed: %v", err)
	}
	if Of(errors.Join(errors.New("x"), WithField(base, "gen.yaml", "apps"))) != (Details{File: "gen.yaml", Field: "apps"}) {
		t.Error("joined errors: details lost")
	}
	if WithCommit(nil, "x") != nil || WithField(nil, "f", "g") != nil {
		t.Error("nil errors must stay nil")
	}
}
