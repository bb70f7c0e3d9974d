package forge

import (
	"context"
	"fmt"
	"net/http"

	gitlab "gitlab.com/gitlab-org/api/client-go"
)

// gitlabClient talks to GitLab through its client-go. Pull requests are
// merge requests there; Number is the merge request's IID (!12).
type gitlabClient struct {
	api   *gitlab.Client
	path  string // group/sub/project: client-go escapes it as the project ID
	token string
}

var _ Client = (*gitlabClient)(nil)

func newGitLab(r Remote, token string, hc *http.Client) (*gitlabClient, error) {
	api, err := gitlab.NewClient(token, gitlab.WithBaseURL(r.APIBase), gitlab.WithHTTPClient(hc))
	if err != nil {
		return nil, fmt.Errorf("gitlab API root %q: %w", r.APIBase, err)
	}
	return &gitlabClient{api: api, path: r.Path, token: token}, nil
}

func (c *gitlabClient) err(op string, resp *gitlab.Response, err error) error {
	return apiError(op, GitLab, c.token, gitlabStatus(resp), false, err)
}

// createErr: GitLab answers a create with 409 only for "Another open merge
// request already exists for this source branch".
func (c *gitlabClient) createErr(op string, resp *gitlab.Response, err error) error {
	st := gitlabStatus(resp)
	return apiError(op, GitLab, c.token, st, st == http.StatusConflict, err)
}

func gitlabStatus(resp *gitlab.Response) int {
	if resp == nil || resp.Response == nil {
		return 0
	}
	return resp.StatusCode
}

// FindOpen filters on both branches on the server and pages through the
// answers, keeping a merge request from this project (a fork may use the
// same branch name).
func (c *gitlabClient) FindOpen(ctx context.Context, head, base string) (*PullRequest, error) {
	opts := &gitlab.ListProjectMergeRequestsOptions{
		ListOptions:  gitlab.ListOptions{PerPage: 100},
		State:        gitlab.Ptr("opened"),
		SourceBranch: gitlab.Ptr(head),
		TargetBranch: gitlab.Ptr(base),
	}
	for {
		mrs, resp, err := c.api.MergeRequests.ListProjectMergeRequests(c.path, opts, gitlab.WithContext(ctx))
		if err != nil {
			return nil, c.err(fmt.Sprintf("list merge requests of %s from %q into %q", c.path, head, base), resp, err)
		}
		for _, mr := range mrs {
			if mr.SourceBranch == head && mr.TargetBranch == base && mr.SourceProjectID == mr.TargetProjectID {
				return fromGitLab(mr), nil
			}
		}
		if resp.NextPage == 0 {
			return nil, nil
		}
		opts.Page = resp.NextPage
	}
}

func (c *gitlabClient) Create(ctx context.Context, n NewPR) (*PullRequest, error) {
	mr, resp, err := c.api.MergeRequests.CreateMergeRequest(c.path, &gitlab.CreateMergeRequestOptions{
		Title: gitlab.Ptr(n.Title), Description: gitlab.Ptr(n.Body),
		SourceBranch: gitlab.Ptr(n.Head), TargetBranch: gitlab.Ptr(n.Base),
	}, gitlab.WithContext(ctx))
	if err != nil {
		return nil, c.createErr(fmt.Sprintf("open merge request %q into %q", n.Head, n.Base), resp, err)
	}
	return fromGitLab(&mr.BasicMergeRequest), nil
}

func (c *gitlabClient) Update(ctx context.Context, number int64, title, body string) (*PullRequest, error) {
	mr, resp, err := c.api.MergeRequests.UpdateMergeRequest(c.path, number, &gitlab.UpdateMergeRequestOptions{
		Title: gitlab.Ptr(title), Description: gitlab.Ptr(body),
	}, gitlab.WithContext(ctx))
	if err != nil {
		return nil, c.err(fmt.Sprintf("update merge request !%d", number), resp, err)
	}
	return fromGitLab(&mr.BasicMergeRequest), nil
}

// AddLabels uses add_labels, which keeps the labels already there.
func (c *gitlabClient) AddLabels(ctx context.Context, number int64, labels []string) error {
	if len(labels) == 0 {
		return nil
	}
	l := gitlab.LabelOptions(labels)
	_, resp, err := c.api.MergeRequests.UpdateMergeRequest(c.path, number, &gitlab.UpdateMergeRequestOptions{
		AddLabels: &l,
	}, gitlab.WithContext(ctx))
	return c.err(fmt.Sprintf("label merge request !%d", number), resp, err)
}

// RequestReviewers: GitLab takes user IDs and replaces the whole list, so
// look each login up and keep the reviewers already asked.
func (c *gitlabClient) RequestReviewers(ctx context.Context, number int64, reviewers []string) error {
	if len(reviewers) == 0 {
		return nil
	}
	op := fmt.Sprintf("request reviewers on merge request !%d", number)
	mr, resp, err := c.api.MergeRequests.GetMergeRequest(c.path, number, nil, gitlab.WithContext(ctx))
	if err != nil {
		return c.err(op, resp, err)
	}
	var ids []int64
	asked := map[string]bool{}
	for _, u := range mr.Reviewers {
		ids = append(ids, u.ID)
		asked[u.Username] = true
	}
	for _, name := range reviewers {
		if asked[name] {
			continue
		}
		asked[name] = true
		users, resp, err := c.api.Users.ListUsers(&gitlab.ListUsersOptions{Username: gitlab.Ptr(name)}, gitlab.WithContext(ctx))
		if err != nil {
			return c.err(op, resp, err)
		}
		if len(users) == 0 {
			return fmt.Errorf("%s: no GitLab user %q: check --reviewers", op, name)
		}
		ids = append(ids, users[0].ID)
	}
	_, resp, err = c.api.MergeRequests.UpdateMergeRequest(c.path, number, &gitlab.UpdateMergeRequestOptions{
		ReviewerIDs: &ids,
	}, gitlab.WithContext(ctx))
	return c.err(op, resp, err)
}

// EnableAutoMerge sets auto_merge on the accept call: GitLab merges when
// the pipeline succeeds (or at once if there is none and it is mergeable).
func (c *gitlabClient) EnableAutoMerge(ctx context.Context, number int64) error {
	_, resp, err := c.api.MergeRequests.AcceptMergeRequest(c.path, number, &gitlab.AcceptMergeRequestOptions{
		AutoMerge: gitlab.Ptr(true),
	}, gitlab.WithContext(ctx))
	return c.err(fmt.Sprintf("auto-merge merge request !%d", number), resp, err)
}

func (c *gitlabClient) Get(ctx context.Context, number int64) (*PullRequest, error) {
	mr, resp, err := c.api.MergeRequests.GetMergeRequest(c.path, number, nil, gitlab.WithContext(ctx))
	if err != nil {
		return nil, c.err(fmt.Sprintf("read merge request !%d", number), resp, err)
	}
	return fromGitLab(&mr.BasicMergeRequest), nil
}

func fromGitLab(mr *gitlab.BasicMergeRequest) *PullRequest {
	st := StateOpen
	switch mr.State {
	case "merged":
		st = StateMerged
	case "closed": // "locked" is a merge in progress: still open
		st = StateClosed
	}
	return &PullRequest{Number: mr.IID, URL: mr.WebURL, State: st, HeadBranch: mr.SourceBranch, Title: mr.Title}
}
