package forge

import (
	"context"
	"errors"
	"reflect"
	"strings"
	"testing"
)

const giteaToken = "0123456789abcdef0123456789abcdef01234567"

// TestGiteaContract replays Gitea pull request exchanges shaped as Gitea's
// API reference shows them (testdata/gitea, each file naming its model
// and endpoint) against code.gitea.io/sdk/gitea. Request bodies are what
// the SDK sends, zero fields included: the server ignores null labels,
// assignees and a zero milestone on edit, so an update keeps them.
func TestGiteaContract(t *testing.T) {
	ctx := context.Background()
	const pulls = "/api/v1/repos/gen/deploy/pulls"
	client := func(t *testing.T, ex ...exchange) Client {
		r := newReplay(t, "Authorization", "token "+giteaToken, ex...)
		c, err := New(Remote{Kind: Gitea, APIBase: r.srv.URL + "/api/v1", Path: "gen/deploy"}, giteaToken, r.srv.Client())
		if err != nil {
			t.Fatal(err)
		}
		return c
	}
	want3 := &PullRequest{Number: 3, URL: "https://gitea.example.com/gen/deploy/pulls/3", State: StateOpen, HeadBranch: "gen/web-prod", Title: "web prod: 1.5.0"}
	createBody := `{"head":"gen/web-prod","base":"main","title":"web prod: 1.5.0","body":"Image web 1.4.2 -> 1.5.0",
		"assignee":"","assignees":null,"reviewers":null,"team_reviewers":null,"milestone":0,"labels":null,"due_date":null}`

	t.Run("create", func(t *testing.T) {
		c := client(t, exchange{method: "POST", path: pulls, body: createBody, status: 201, reply: "gitea/create.json"})
		got, err := c.Create(ctx, NewPR{Title: "web prod: 1.5.0", Body: "Image web 1.4.2 -> 1.5.0", Head: "gen/web-prod", Base: "main"})
		if err != nil {
			t.Fatal(err)
		}
		if !reflect.DeepEqual(got, want3) {
			t.Errorf("Create = %+v, want %+v", got, want3)
		}
	})

	t.Run("find existing across two pages", func(t *testing.T) {
		c := client(t,
			exchange{method: "GET", path: pulls, query: q("state", "open", "page", "1", "limit", "50"), status: 200, reply: "gitea/list-page1.json",
				header: map[string]string{"Link": `<{{server}}/api/v1/repos/gen/deploy/pulls?limit=50&page=2&state=open>; rel="next",<{{server}}/api/v1/repos/gen/deploy/pulls?limit=50&page=2&state=open>; rel="last"`, "X-Total-Count": "3"}},
			exchange{method: "GET", path: pulls, query: q("state", "open", "page", "2", "limit", "50"), status: 200, reply: "gitea/list-page2.json",
				header: map[string]string{"Link": `<{{server}}/api/v1/repos/gen/deploy/pulls?limit=50&page=1&state=open>; rel="first",<{{server}}/api/v1/repos/gen/deploy/pulls?limit=50&page=1&state=open>; rel="prev"`, "X-Total-Count": "3"}},
		)
		// The list has no branch filter; page 1 holds another branch and a
		// fork's branch of the same name (mallory/deploy): neither is ours.
		got, err := c.FindOpen(ctx, "gen/web-prod", "main")
		if err != nil {
			t.Fatal(err)
		}
		if !reflect.DeepEqual(got, want3) {
			t.Errorf("FindOpen = %+v, want %+v", got, want3)
		}
	})

	t.Run("update", func(t *testing.T) {
		c := client(t, exchange{method: "PATCH", path: pulls + "/3",
			body: `{"title":"web prod: 1.6.0","body":"Image web 1.4.2 -> 1.6.0","base":"","assignee":"","assignees":null,"milestone":0,"labels":null,
				"state":null,"due_date":null,"unset_due_date":null,"allow_maintainer_edit":null}`,
			status: 201, reply: "gitea/update.json"})
		got, err := c.Update(ctx, 3, "web prod: 1.6.0", "Image web 1.4.2 -> 1.6.0")
		if err != nil {
			t.Fatal(err)
		}
		if got.Number != 3 || got.Title != "web prod: 1.6.0" || got.State != StateOpen {
			t.Errorf("Update = %+v", got)
		}
	})

	t.Run("labels by name over two pages of labels", func(t *testing.T) {
		c := client(t,
			exchange{method: "GET", path: "/api/v1/repos/gen/deploy/labels", query: q("page", "1", "limit", "50"), status: 200, reply: "gitea/labels-page1.json",
				header: map[string]string{"Link": `<{{server}}/api/v1/repos/gen/deploy/labels?limit=50&page=2>; rel="next"`}},
			exchange{method: "GET", path: "/api/v1/repos/gen/deploy/labels", query: q("page", "2", "limit", "50"), status: 200, reply: "gitea/labels-page2.json"},
			exchange{method: "POST", path: "/api/v1/repos/gen/deploy/issues/3/labels", body: `{"labels":[2,7]}`, status: 200, reply: "gitea/labels-added.json"},
		)
		if err := c.AddLabels(ctx, 3, []string{"gen", "production"}); err != nil {
			t.Fatal(err)
		}
	})

	t.Run("unknown label is named and nothing is added", func(t *testing.T) {
		c := client(t,
			exchange{method: "GET", path: "/api/v1/repos/gen/deploy/labels", query: q("page", "1", "limit", "50"), status: 200, reply: "gitea/labels-page2.json"},
		)
		err := c.AddLabels(ctx, 3, []string{"staging"})
		if err == nil || !strings.Contains(err.Error(), `no label "staging"`) {
			t.Fatalf("AddLabels error = %v, want one naming the label", err)
		}
	})

	t.Run("reviewers", func(t *testing.T) {
		c := client(t, exchange{method: "POST", path: pulls + "/3/requested_reviewers", body: `{"reviewers":["alice"],"team_reviewers":null}`, status: 201, reply: "gitea/reviewers.json"})
		if err := c.RequestReviewers(ctx, 3, []string{"alice"}); err != nil {
			t.Fatal(err)
		}
	})

	t.Run("auto-merge", func(t *testing.T) {
		c := client(t, exchange{method: "POST", path: pulls + "/3/merge",
			body:   `{"Do":"merge","MergeCommitID":"","MergeTitleField":"","MergeMessageField":"","force_merge":false,"head_commit_id":"","merge_when_checks_succeed":true}`,
			status: 200})
		if err := c.EnableAutoMerge(ctx, 3); err != nil {
			t.Fatal(err)
		}
	})

	t.Run("auto-merge refused is an error", func(t *testing.T) {
		// The SDK turns a non-2xx merge answer into "false", not an error.
		c := client(t, exchange{method: "POST", path: pulls + "/3/merge",
			body:   `{"Do":"merge","MergeCommitID":"","MergeTitleField":"","MergeMessageField":"","force_merge":false,"head_commit_id":"","merge_when_checks_succeed":true}`,
			status: 405})
		if err := c.EnableAutoMerge(ctx, 3); err == nil || !strings.Contains(err.Error(), "405") {
			t.Fatalf("EnableAutoMerge error = %v, want one naming the 405", err)
		}
	})

	t.Run("409 on merge is not ErrExists", func(t *testing.T) {
		// Gitea answers 409 when the head moved under the merge: only a
		// create's 409 means "already exists".
		c := client(t, exchange{method: "POST", path: pulls + "/3/merge",
			body:   `{"Do":"merge","MergeCommitID":"","MergeTitleField":"","MergeMessageField":"","force_merge":false,"head_commit_id":"","merge_when_checks_succeed":true}`,
			status: 409})
		if err := c.EnableAutoMerge(ctx, 3); err == nil || errors.Is(err, ErrExists) {
			t.Fatalf("EnableAutoMerge error = %v, want an error that is not ErrExists", err)
		}
	})

	t.Run("get merged and closed", func(t *testing.T) {
		c := client(t,
			exchange{method: "GET", path: pulls + "/3", status: 200, reply: "gitea/get-merged.json"},
			exchange{method: "GET", path: pulls + "/3", status: 200, reply: "gitea/get-closed.json"},
		)
		for _, want := range []State{StateMerged, StateClosed} {
			got, err := c.Get(ctx, 3)
			if err != nil {
				t.Fatal(err)
			}
			if got.State != want {
				t.Errorf("Get state = %q, want %q", got.State, want)
			}
		}
	})

	t.Run("401 is ErrAuth without the token", func(t *testing.T) {
		c := client(t, exchange{method: "GET", path: pulls, query: q("state", "open", "page", "1", "limit", "50"), status: 401, reply: "gitea/401.json"})
		_, err := c.FindOpen(ctx, "gen/web-prod", "main")
		if !errors.Is(err, ErrAuth) {
			t.Fatalf("FindOpen error = %v, want ErrAuth", err)
		}
		assertOneLineWithoutToken(t, err, giteaToken, "GITEA_TOKEN")
	})

	t.Run("409 is ErrExists", func(t *testing.T) {
		c := client(t, exchange{method: "POST", path: pulls, body: createBody, status: 409, reply: "gitea/409.json"})
		_, err := c.Create(ctx, NewPR{Title: "web prod: 1.5.0", Body: "Image web 1.4.2 -> 1.5.0", Head: "gen/web-prod", Base: "main"})
		if !errors.Is(err, ErrExists) {
			t.Fatalf("Create error = %v, want ErrExists", err)
		}
	})
}
