package forge

import (
	"context"
	"errors"
	"reflect"
	"testing"
)

const gitlabToken = "glpat-contractTestToken0123"

// TestGitLabContract replays GitLab merge request exchanges recorded from
// its API documentation (testdata/gitlab, each file naming its page)
// against GitLab's client-go, on a project in nested groups.
func TestGitLabContract(t *testing.T) {
	ctx := context.Background()
	const mrs = "/api/v4/projects/acme%2Fplatform%2Fdeploy/merge_requests"
	client := func(t *testing.T, ex ...exchange) Client {
		r := newReplay(t, "PRIVATE-TOKEN", gitlabToken, ex...)
		c, err := New(Remote{Kind: GitLab, APIBase: r.srv.URL + "/api/v4", Path: "acme/platform/deploy"}, gitlabToken, r.srv.Client())
		if err != nil {
			t.Fatal(err)
		}
		return c
	}
	want1 := &PullRequest{Number: 1, URL: "https://gitlab.example.com/acme/platform/deploy/-/merge_requests/1", State: StateOpen, HeadBranch: "gen/web-prod", Title: "web prod: 1.5.0"}
	listQuery := func(page ...string) exchange {
		v := q("state", "opened", "source_branch", "gen/web-prod", "target_branch", "main", "per_page", "100")
		if len(page) > 0 {
			v.Set("page", page[0])
		}
		return exchange{method: "GET", path: mrs, query: v, status: 200}
	}

	t.Run("create", func(t *testing.T) {
		c := client(t, exchange{method: "POST", path: mrs,
			body:   `{"title":"web prod: 1.5.0","description":"Image web 1.4.2 -> 1.5.0","source_branch":"gen/web-prod","target_branch":"main"}`,
			status: 201, reply: "gitlab/create.json"})
		got, err := c.Create(ctx, NewPR{Title: "web prod: 1.5.0", Body: "Image web 1.4.2 -> 1.5.0", Head: "gen/web-prod", Base: "main"})
		if err != nil {
			t.Fatal(err)
		}
		if !reflect.DeepEqual(got, want1) {
			t.Errorf("Create = %+v, want %+v", got, want1)
		}
	})

	t.Run("find existing across two pages", func(t *testing.T) {
		p1 := listQuery()
		p1.reply = "gitlab/list-page1.json"
		p1.header = map[string]string{"X-Page": "1", "X-Next-Page": "2", "X-Per-Page": "100", "X-Total": "2", "X-Total-Pages": "2"}
		p2 := listQuery("2")
		p2.reply = "gitlab/list-page2.json"
		p2.header = map[string]string{"X-Page": "2", "X-Prev-Page": "1", "X-Per-Page": "100", "X-Total": "2", "X-Total-Pages": "2"}
		c := client(t, p1, p2)
		// Page 1 holds a merge request from a fork's branch of the same
		// name (source_project_id 4): not ours.
		got, err := c.FindOpen(ctx, "gen/web-prod", "main")
		if err != nil {
			t.Fatal(err)
		}
		if !reflect.DeepEqual(got, want1) {
			t.Errorf("FindOpen = %+v, want %+v", got, want1)
		}
	})

	t.Run("update", func(t *testing.T) {
		c := client(t, exchange{method: "PUT", path: mrs + "/1", body: `{"title":"web prod: 1.6.0","description":"Image web 1.4.2 -> 1.6.0"}`, status: 200, reply: "gitlab/update.json"})
		got, err := c.Update(ctx, 1, "web prod: 1.6.0", "Image web 1.4.2 -> 1.6.0")
		if err != nil {
			t.Fatal(err)
		}
		if got.Number != 1 || got.Title != "web prod: 1.6.0" || got.State != StateOpen {
			t.Errorf("Update = %+v", got)
		}
	})

	t.Run("labels", func(t *testing.T) {
		c := client(t, exchange{method: "PUT", path: mrs + "/1", body: `{"add_labels":"gen,production"}`, status: 200, reply: "gitlab/update-labels.json"})
		if err := c.AddLabels(ctx, 1, []string{"gen", "production"}); err != nil {
			t.Fatal(err)
		}
	})

	t.Run("reviewers keep those already asked", func(t *testing.T) {
		// admin is a reviewer already: kept, and not looked up again.
		c := client(t,
			exchange{method: "GET", path: mrs + "/1", status: 200, reply: "gitlab/get-reviewers.json"},
			exchange{method: "GET", path: "/api/v4/users", query: q("username", "raymond_smith"), status: 200, reply: "gitlab/users.json"},
			exchange{method: "PUT", path: mrs + "/1", body: `{"reviewer_ids":[1,2]}`, status: 200, reply: "gitlab/update-reviewers.json"},
		)
		if err := c.RequestReviewers(ctx, 1, []string{"admin", "raymond_smith"}); err != nil {
			t.Fatal(err)
		}
	})

	t.Run("auto-merge", func(t *testing.T) {
		c := client(t, exchange{method: "PUT", path: mrs + "/1/merge", body: `{"auto_merge":true}`, status: 200, reply: "gitlab/accept.json"})
		if err := c.EnableAutoMerge(ctx, 1); err != nil {
			t.Fatal(err)
		}
	})

	t.Run("get merged", func(t *testing.T) {
		c := client(t, exchange{method: "GET", path: mrs + "/1", status: 200, reply: "gitlab/get-merged.json"})
		got, err := c.Get(ctx, 1)
		if err != nil {
			t.Fatal(err)
		}
		if got.State != StateMerged {
			t.Errorf("Get state = %q, want merged", got.State)
		}
	})

	t.Run("401 is ErrAuth without the token", func(t *testing.T) {
		e := listQuery()
		e.status, e.reply = 401, "gitlab/401.json"
		c := client(t, e)
		_, err := c.FindOpen(ctx, "gen/web-prod", "main")
		if !errors.Is(err, ErrAuth) {
			t.Fatalf("FindOpen error = %v, want ErrAuth", err)
		}
		assertOneLineWithoutToken(t, err, gitlabToken, "GITLAB_TOKEN")
	})

	t.Run("409 is ErrExists", func(t *testing.T) {
		c := client(t, exchange{method: "POST", path: mrs,
			body:   `{"title":"t","description":"b","source_branch":"gen/web-prod","target_branch":"main"}`,
			status: 409, reply: "gitlab/409.json"})
		_, err := c.Create(ctx, NewPR{Title: "t", Body: "b", Head: "gen/web-prod", Base: "main"})
		if !errors.Is(err, ErrExists) {
			t.Fatalf("Create error = %v, want ErrExists", err)
		}
	})
}
