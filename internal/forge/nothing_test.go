package forge

import (
	"context"
	"testing"
)

// TestNothingToAddSendsNothing: no --labels or --reviewers means no request
// (the replay server fails the test on any).
func TestNothingToAddSendsNothing(t *testing.T) {
	for _, tt := range []struct {
		kind Kind
		base string
	}{{GitHub, ""}, {GitLab, "/api/v4"}, {Gitea, "/api/v1"}} {
		t.Run(string(tt.kind), func(t *testing.T) {
			r := newReplay(t, "", "")
			c, err := New(Remote{Kind: tt.kind, APIBase: r.srv.URL + tt.base, Path: "acme/deploy"}, "tok", r.srv.Client())
			if err != nil {
				t.Fatal(err)
			}
			if err := c.AddLabels(context.Background(), 3, nil); err != nil {
				t.Errorf("AddLabels(nil) = %v", err)
			}
			if err := c.RequestReviewers(context.Background(), 3, []string{}); err != nil {
				t.Errorf("RequestReviewers(empty) = %v", err)
			}
		})
	}
}
