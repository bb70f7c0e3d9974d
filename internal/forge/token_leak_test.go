package forge

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

// TestErrorsNeverShowToken drives every forge's client into errors whose
// answers echo the token back (as a misconfigured proxy might) and checks
// that no error string carries it, for every status class gen meets.
func TestErrorsNeverShowToken(t *testing.T) {
	const token = "tok-S3CRET-do-not-print-0123456789"
	kinds := []struct {
		kind Kind
		base string
	}{{GitHub, ""}, {GitLab, "/api/v4"}, {Gitea, "/api/v1"}}
	for _, k := range kinds {
		for _, status := range []int{http.StatusBadRequest, http.StatusUnauthorized, http.StatusForbidden, http.StatusConflict, http.StatusUnprocessableEntity} {
			t.Run(fmt.Sprintf("%s %d", k.kind, status), func(t *testing.T) {
				srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
					w.Header().Set("Content-Type", "application/json")
					w.WriteHeader(status)
					// Echo every header value, the token among them.
					var seen []string
					for _, v := range r.Header {
						seen = append(seen, v...)
					}
					fmt.Fprintf(w, `{"message":%q,"errors":[{"message":%q}]}`, strings.Join(seen, " "), "echo "+token)
				}))
				defer srv.Close()
				c, err := New(Remote{Kind: k.kind, APIBase: srv.URL + k.base, Path: "acme/deploy"}, token, srv.Client())
				if err != nil {
					t.Fatal(err)
				}
				ctx := context.Background()
				_, errCreate := c.Create(ctx, NewPR{Title: "t", Body: "b", Head: "gen/web-prod", Base: "main"})
				_, errFind := c.FindOpen(ctx, "gen/web-prod", "main")
				errLabels := c.AddLabels(ctx, 3, []string{"gen"})
				errReview := c.RequestReviewers(ctx, 3, []string{"alice"})
				for _, err := range []error{errCreate, errFind, errLabels, errReview} {
					if err == nil {
						t.Fatalf("want an error for HTTP %d", status)
					}
					if strings.Contains(err.Error(), token) {
						t.Errorf("error shows the token: %q", err)
					}
				}
				if auth := status == http.StatusUnauthorized || status == http.StatusForbidden; auth != errors.Is(errFind, ErrAuth) {
					t.Errorf("HTTP %d: errors.Is(ErrAuth) = %v", status, !auth)
				}
			})
		}
	}
}
