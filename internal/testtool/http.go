package testtool

import (
	"context"
	"errors"
	"io"
	"net/http"
	"testing"
	"time"
)

// PollGet GETs url until a server answers and returns the body, ending
// the test when the process behind it exits first (exited) or 30 s pass.
// what names that process in the failure.
func PollGet(t testing.TB, url, what string, exited <-chan error) string {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	for {
		req, _ := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
		resp, err := http.DefaultClient.Do(req)
		if err == nil {
			b, err := io.ReadAll(resp.Body)
			resp.Body.Close()
			if err != nil {
				t.Fatal(err)
			}
			return string(b)
		}
		select {
		case err := <-exited:
			t.Fatalf("%s exited before answering: %v", what, err)
		case <-ctx.Done():
			t.Fatalf("no answer from %s on %s within 30 s: %v", what, url, errors.Join(err, ctx.Err()))
		case <-time.After(50 * time.Millisecond):
		}
	}
}
