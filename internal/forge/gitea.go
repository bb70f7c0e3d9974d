package forge

import (
	"context"
	"fmt"
	"net/http"
	"strings"

	"code.gitea.io/sdk/gitea"
)

// giteaClient talks to Gitea and Forgejo through code.gitea.io/sdk/gitea.
type giteaClient struct {
	root        string // the site root: the SDK appends /api/v1 itself
	owner, repo string
	token       string
	hc          *http.Client
}

var _ Client = (*giteaClient)(nil)

func newGitea(r Remote, token string, hc *http.Client) *giteaClient {
	return &giteaClient{
		root: strings.TrimSuffix(r.APIBase, "/api/v1"), owner: r.Owner(), repo: r.Repo(), token: token, hc: hc,
	}
}

// api builds an SDK client for one call: the SDK keeps the context on the
// client, so a client per context is the only safe way to pass ctx. Building
// one makes no request because the version probe is turned off (Gitea
// releases this old, < 1.11, are long out of support).
func (c *giteaClient) api(ctx context.Context) (*gitea.Client, error) {
	return gitea.NewClient(c.root,
		gitea.SetToken(c.token), gitea.SetHTTPClient(c.hc), gitea.SetContext(ctx), gitea.SetGiteaVersion(""))
}

func (c *giteaClient) err(op string, resp *gitea.Response, err error) error {
	return apiError(op, Gitea, c.token, giteaStatus(resp), false, err)
}

// createErr: Gitea answers a create with 409 when "pull request already
// exists for these targets" (elsewhere 409 means other things, such as a
// merge against a moved head).
func (c *giteaClient) createErr(op string, resp *gitea.Response, err error) error {
	st := giteaStatus(resp)
	return apiError(op, Gitea, c.token, st, st == http.StatusConflict, err)
}

func giteaStatus(resp *gitea.Response) int {
	if resp == nil || resp.Response == nil {
		return 0
	}
	return resp.StatusCode
}

// FindOpen pages through open pull requests (the API has no branch
// filter) for one from head in this repository into base.
func (c *giteaClient) FindOpen(ctx context.Context, head, base string) (*PullRequest, error) {
	api, err := c.api(ctx)
	if err != nil {
		return nil, err
	}
	full := c.owner + "/" + c.repo
	opts := gitea.ListPullRequestsOptions{State: gitea.StateOpen, ListOptions: gitea.ListOptions{Page: 1, PageSize: 50}}
	for {
		prs, resp, err := api.ListRepoPullRequests(c.owner, c.repo, opts)
		if err != nil {
			return nil, c.err(fmt.Sprintf("list pull requests of %s", full), resp, err)
		}
		for _, pr := range prs {
			if pr.Head == nil || pr.Base == nil || pr.Head.Ref != head || pr.Base.Ref != base {
				continue
			}
			if pr.Head.Repository != nil && !strings.EqualFold(pr.Head.Repository.FullName, full) {
				continue // a fork's branch of the same name
			}
			return fromGitea(pr), nil
		}
		if resp.NextPage == 0 {
			return nil, nil
		}
		opts.Page = resp.NextPage
	}
}

func (c *giteaClient) Create(ctx context.Context, n NewPR) (*PullRequest, error) {
	api, err := c.api(ctx)
	if err != nil {
		return nil, err
	}
	pr, resp, err := api.CreatePullRequest(c.owner, c.repo, gitea.CreatePullRequestOption{
		Head: n.Head, Base: n.Base, Title: n.Title, Body: n.Body,
	})
	if err != nil {
		return nil, c.createErr(fmt.Sprintf("open pull request %q into %q", n.Head, n.Base), resp, err)
	}
	return fromGitea(pr), nil
}

func (c *giteaClient) Update(ctx context.Context, number int64, title, body string) (*PullRequest, error) {
	api, err := c.api(ctx)
	if err != nil {
		return nil, err
	}
	pr, resp, err := api.EditPullRequest(c.owner, c.repo, number, gitea.EditPullRequestOption{
		Title: title, Body: &body,
	})
	if err != nil {
		return nil, c.err(fmt.Sprintf("update pull request #%d", number), resp, err)
	}
	return fromGitea(pr), nil
}

// AddLabels: the SDK adds labels by ID, so read the repository's labels
// (every page) and map the names; a name that is not there is an error
// rather than a silently missing label.
func (c *giteaClient) AddLabels(ctx context.Context, number int64, labels []string) error {
	if len(labels) == 0 {
		return nil
	}
	op := fmt.Sprintf("label pull request #%d", number)
	api, err := c.api(ctx)
	if err != nil {
		return err
	}
	byName := map[string]int64{}
	opts := gitea.ListLabelsOptions{ListOptions: gitea.ListOptions{Page: 1, PageSize: 50}}
	for {
		ls, resp, err := api.ListRepoLabels(c.owner, c.repo, opts)
		if err != nil {
			return c.err(op, resp, err)
		}
		for _, l := range ls {
			byName[l.Name] = l.ID
		}
		if resp.NextPage == 0 {
			break
		}
		opts.Page = resp.NextPage
	}
	ids := make([]int64, 0, len(labels))
	for _, name := range labels {
		id, ok := byName[name]
		if !ok {
			return fmt.Errorf("%s: no label %q in %s/%s: create it or fix --labels", op, name, c.owner, c.repo)
		}
		ids = append(ids, id)
	}
	_, resp, err := api.AddIssueLabels(c.owner, c.repo, number, gitea.IssueLabelsOption{Labels: ids})
	return c.err(op, resp, err)
}

func (c *giteaClient) RequestReviewers(ctx context.Context, number int64, reviewers []string) error {
	if len(reviewers) == 0 {
		return nil
	}
	api, err := c.api(ctx)
	if err != nil {
		return err
	}
	resp, err := api.CreateReviewRequests(c.owner, c.repo, number, gitea.PullReviewRequestOptions{Reviewers: reviewers})
	return c.err(fmt.Sprintf("request reviewers on pull request #%d", number), resp, err)
}

// EnableAutoMerge schedules a merge commit for when the checks succeed.
func (c *giteaClient) EnableAutoMerge(ctx context.Context, number int64) error {
	api, err := c.api(ctx)
	if err != nil {
		return err
	}
	op := fmt.Sprintf("auto-merge pull request #%d", number)
	ok, resp, err := api.MergePullRequest(c.owner, c.repo, number, gitea.MergePullRequestOption{
		Style: gitea.MergeStyleMerge, MergeWhenChecksSucceed: true,
	})
	if err == nil && !ok {
		// The SDK reports a refused merge only through the status.
		err = fmt.Errorf("the forge answered %s", resp.Status)
	}
	return c.err(op, resp, err)
}

func (c *giteaClient) Get(ctx context.Context, number int64) (*PullRequest, error) {
	api, err := c.api(ctx)
	if err != nil {
		return nil, err
	}
	pr, resp, err := api.GetPullRequest(c.owner, c.repo, number)
	if err != nil {
		return nil, c.err(fmt.Sprintf("read pull request #%d", number), resp, err)
	}
	return fromGitea(pr), nil
}

func fromGitea(pr *gitea.PullRequest) *PullRequest {
	st := StateOpen
	switch {
	case pr.HasMerged:
		st = StateMerged
	case pr.State == gitea.StateClosed:
		st = StateClosed
	}
	head := ""
	if pr.Head != nil {
		head = pr.Head.Ref
	}
	return &PullRequest{Number: pr.Index, URL: pr.HTMLURL, State: st, HeadBranch: head, Title: pr.Title}
}
