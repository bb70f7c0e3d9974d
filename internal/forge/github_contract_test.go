package forge

import (
	"context"
	"errors"
	"reflect"
	"strings"
	"testing"
)

const githubToken = "ghp_contractTestToken0123456789"

// TestGitHubContract replays GitHub REST exchanges recorded from its API
// documentation (testdata/github, each file naming its page) against the
// go-github client, checking what gen sends and what it reads back.
func TestGitHubContract(t *testing.T) {
	ctx := context.Background()
	const pulls = "/repos/octocat/Hello-World/pulls"
	client := func(t *testing.T, ex ...exchange) Client {
		r := newReplay(t, "Authorization", "Bearer "+githubToken, ex...)
		c, err := New(Remote{Kind: GitHub, APIBase: r.srv.URL, Path: "octocat/Hello-World"}, githubToken, r.srv.Client())
		if err != nil {
			t.Fatal(err)
		}
		return c
	}
	want1347 := &PullRequest{Number: 1347, URL: "https://github.com/octocat/Hello-World/pull/1347", State: StateOpen, HeadBranch: "new-feature", Title: "Amazing new feature"}

	t.Run("create", func(t *testing.T) {
		c := client(t, exchange{method: "POST", path: pulls,
			body:   `{"title":"Amazing new feature","body":"Please pull these awesome changes in!","head":"new-feature","base":"master"}`,
			status: 201, reply: "github/create.json"})
		got, err := c.Create(ctx, NewPR{Title: "Amazing new feature", Body: "Please pull these awesome changes in!", Head: "new-feature", Base: "master"})
		if err != nil {
			t.Fatal(err)
		}
		if !reflect.DeepEqual(got, want1347) {
			t.Errorf("Create = %+v, want %+v", got, want1347)
		}
	})

	t.Run("find existing across two pages", func(t *testing.T) {
		c := client(t,
			exchange{method: "GET", path: pulls, query: q("state", "open", "base", "master", "per_page", "100"), status: 200, reply: "github/list-page1.json",
				header: map[string]string{"Link": `<{{server}}/repositories/1296269/pulls?state=open&base=master&per_page=100&page=2>; rel="next", <{{server}}/repositories/1296269/pulls?state=open&base=master&per_page=100&page=2>; rel="last"`}},
			exchange{method: "GET", path: pulls, query: q("state", "open", "base", "master", "per_page", "100", "page", "2"), status: 200, reply: "github/list-page2.json",
				header: map[string]string{"Link": `<{{server}}/repositories/1296269/pulls?state=open&base=master&per_page=100&page=1>; rel="prev", <{{server}}/repositories/1296269/pulls?state=open&base=master&per_page=100&page=1>; rel="first"`}},
		)
		// Page 1 holds a fork's pull request from a branch of the same
		// name: not ours.
		got, err := c.FindOpen(ctx, "new-feature", "master")
		if err != nil {
			t.Fatal(err)
		}
		if !reflect.DeepEqual(got, want1347) {
			t.Errorf("FindOpen = %+v, want %+v", got, want1347)
		}
	})

	t.Run("find none", func(t *testing.T) {
		c := client(t, exchange{method: "GET", path: pulls, query: q("state", "open", "base", "master", "per_page", "100"), status: 200, reply: "github/list-page2.json"})
		got, err := c.FindOpen(ctx, "gen/web-prod", "master")
		if err != nil || got != nil {
			t.Errorf("FindOpen = %+v, %v; want nil, nil", got, err)
		}
	})

	t.Run("update", func(t *testing.T) {
		c := client(t, exchange{method: "PATCH", path: pulls + "/1347", body: `{"title":"new title","body":"updated body"}`, status: 200, reply: "github/update.json"})
		got, err := c.Update(ctx, 1347, "new title", "updated body")
		if err != nil {
			t.Fatal(err)
		}
		if got.Number != 1347 || got.Title != "new title" || got.State != StateOpen {
			t.Errorf("Update = %+v", got)
		}
	})

	t.Run("labels", func(t *testing.T) {
		// The docs accept a bare array of names as the body.
		c := client(t, exchange{method: "POST", path: "/repos/octocat/Hello-World/issues/1347/labels", body: `["bug","enhancement"]`, status: 200, reply: "github/labels.json"})
		if err := c.AddLabels(ctx, 1347, []string{"bug", "enhancement"}); err != nil {
			t.Fatal(err)
		}
	})

	t.Run("reviewers", func(t *testing.T) {
		c := client(t, exchange{method: "POST", path: pulls + "/1347/requested_reviewers", body: `{"reviewers":["octocat","hubot","other_user"]}`, status: 201, reply: "github/reviewers.json"})
		if err := c.RequestReviewers(ctx, 1347, []string{"octocat", "hubot", "other_user"}); err != nil {
			t.Fatal(err)
		}
	})

	t.Run("get merged and closed", func(t *testing.T) {
		c := client(t,
			exchange{method: "GET", path: pulls + "/1347", status: 200, reply: "github/get-merged.json"},
			exchange{method: "GET", path: pulls + "/1347", status: 200, reply: "github/get-closed.json"},
		)
		for _, want := range []State{StateMerged, StateClosed} {
			got, err := c.Get(ctx, 1347)
			if err != nil {
				t.Fatal(err)
			}
			if got.State != want {
				t.Errorf("Get state = %q, want %q", got.State, want)
			}
		}
	})

	t.Run("401 is ErrAuth without the token", func(t *testing.T) {
		c := client(t, exchange{method: "GET", path: pulls, query: q("state", "open", "base", "master", "per_page", "100"), status: 401, reply: "github/401.json"})
		_, err := c.FindOpen(ctx, "new-feature", "master")
		if !errors.Is(err, ErrAuth) {
			t.Fatalf("FindOpen error = %v, want ErrAuth", err)
		}
		assertOneLineWithoutToken(t, err, githubToken, "GITHUB_TOKEN")
	})

	t.Run("403 for a spent rate limit is not ErrAuth", func(t *testing.T) {
		c := client(t, exchange{method: "GET", path: pulls + "/1347", status: 403, reply: "github/403-rate-limit.json",
			header: map[string]string{"X-RateLimit-Limit": "5000", "X-RateLimit-Remaining": "0", "X-RateLimit-Used": "5000", "X-RateLimit-Reset": "1893456000"}})
		_, err := c.Get(ctx, 1347)
		if err == nil || errors.Is(err, ErrAuth) || !strings.Contains(err.Error(), "rate limit") {
			t.Fatalf("Get error = %v, want a rate-limit error that is not ErrAuth", err)
		}
	})

	t.Run("422 already exists is ErrExists", func(t *testing.T) {
		c := client(t, exchange{method: "POST", path: pulls, body: `{"title":"t","body":"b","head":"new-feature","base":"master"}`, status: 422, reply: "github/422-exists.json"})
		_, err := c.Create(ctx, NewPR{Title: "t", Body: "b", Head: "new-feature", Base: "master"})
		if !errors.Is(err, ErrExists) {
			t.Fatalf("Create error = %v, want ErrExists", err)
		}
	})

	t.Run("422 for another reason is not ErrExists", func(t *testing.T) {
		c := client(t, exchange{method: "POST", path: pulls, body: `{"title":"t","body":"b","head":"new-feature","base":"master"}`, status: 422, reply: "github/422-no-commits.json"})
		_, err := c.Create(ctx, NewPR{Title: "t", Body: "b", Head: "new-feature", Base: "master"})
		if err == nil || errors.Is(err, ErrExists) || !strings.Contains(err.Error(), "No commits between") {
			t.Fatalf("Create error = %v, want the forge's reason and not ErrExists", err)
		}
	})

	t.Run("auto-merge is unsupported and sends nothing", func(t *testing.T) {
		c := client(t)
		err := c.EnableAutoMerge(ctx, 1347)
		if !errors.Is(err, ErrUnsupported) || !strings.Contains(err.Error(), "GraphQL") {
			t.Fatalf("EnableAutoMerge error = %v, want ErrUnsupported naming GraphQL", err)
		}
	})
}

// assertOneLineWithoutToken checks the message a user sees on a refused
// token: one line, naming the variables to fix, never the token.
func assertOneLineWithoutToken(t *testing.T, err error, token, tokenVar string) {
	t.Helper()
	msg := err.Error()
	if strings.Contains(msg, token) {
		t.Errorf("error shows the token: %q", msg)
	}
	if strings.Contains(msg, "\n") {
		t.Errorf("error is not one line: %q", msg)
	}
	if !strings.Contains(msg, "GEN_GIT_TOKEN") || !strings.Contains(msg, tokenVar) {
		t.Errorf("error %q does not name GEN_GIT_TOKEN and %s", msg, tokenVar)
	}
}
