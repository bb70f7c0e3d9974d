package forge

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"

	"github.com/google/go-github/v75/github"
)

// githubClient talks to GitHub and GitHub Enterprise through go-github.
type githubClient struct {
	api         *github.Client
	owner, repo string
	token       string
}

var _ Client = (*githubClient)(nil)

func newGitHub(r Remote, token string, hc *http.Client) (*githubClient, error) {
	base, err := url.Parse(r.APIBase + "/")
	if err != nil {
		return nil, fmt.Errorf("github API root %q: %w", r.APIBase, err)
	}
	api := github.NewClient(hc).WithAuthToken(token)
	// Set the root as given: WithEnterpriseURLs would append /api/v3/ to
	// any host but api.github.com, which --forge-url must be free to name.
	api.BaseURL = base
	return &githubClient{api: api, owner: r.Owner(), repo: r.Repo(), token: token}, nil
}

// err maps an answer to the package's errors. exists is checked only for
// Create: 422 is also "no commits between" or a missing branch, and only
// the error naming an existing pull request is ErrExists.
func (c *githubClient) err(op string, resp *github.Response, err error) error {
	return c.classify(op, resp, err, false)
}

func (c *githubClient) createErr(op string, resp *github.Response, err error) error {
	return c.classify(op, resp, err, true)
}

func (c *githubClient) classify(op string, resp *github.Response, err error, create bool) error {
	status := 0
	if resp != nil {
		status = resp.StatusCode
	}
	var rl *github.RateLimitError
	var abuse *github.AbuseRateLimitError
	if errors.As(err, &rl) || errors.As(err, &abuse) {
		// GitHub answers 403 when the rate limit is spent: not the token.
		status = 0
	}
	exists := false
	var er *github.ErrorResponse
	if create && status == http.StatusUnprocessableEntity && errors.As(err, &er) {
		for _, e := range er.Errors {
			if strings.Contains(e.Message, "already exists") {
				exists = true
			}
		}
	}
	return apiError(op, GitHub, c.token, status, exists, err)
}

// FindOpen lists open pull requests into base, page by page, and matches
// the head branch of this repository here rather than with the head=
// filter, which needs the head owner's login and ignores a wrong one.
func (c *githubClient) FindOpen(ctx context.Context, head, base string) (*PullRequest, error) {
	opts := &github.PullRequestListOptions{State: "open", Base: base, ListOptions: github.ListOptions{PerPage: 100}}
	full := c.owner + "/" + c.repo
	for {
		prs, resp, err := c.api.PullRequests.List(ctx, c.owner, c.repo, opts)
		if err != nil {
			return nil, c.err(fmt.Sprintf("list pull requests of %s into %q", full, base), resp, err)
		}
		for _, pr := range prs {
			h := pr.GetHead()
			if h.GetRef() == head && strings.EqualFold(h.GetRepo().GetFullName(), full) {
				return fromGitHub(pr), nil
			}
		}
		if resp.NextPage == 0 {
			return nil, nil
		}
		opts.Page = resp.NextPage
	}
}

func (c *githubClient) Create(ctx context.Context, n NewPR) (*PullRequest, error) {
	pr, resp, err := c.api.PullRequests.Create(ctx, c.owner, c.repo, &github.NewPullRequest{
		Title: github.Ptr(n.Title), Body: github.Ptr(n.Body), Head: github.Ptr(n.Head), Base: github.Ptr(n.Base),
	})
	if err != nil {
		return nil, c.createErr(fmt.Sprintf("open pull request %q into %q", n.Head, n.Base), resp, err)
	}
	return fromGitHub(pr), nil
}

func (c *githubClient) Update(ctx context.Context, number int64, title, body string) (*PullRequest, error) {
	pr, resp, err := c.api.PullRequests.Edit(ctx, c.owner, c.repo, int(number), &github.PullRequest{
		Title: github.Ptr(title), Body: github.Ptr(body),
	})
	if err != nil {
		return nil, c.err(fmt.Sprintf("update pull request #%d", number), resp, err)
	}
	return fromGitHub(pr), nil
}

// AddLabels uses the issues endpoint: on GitHub a pull request's labels
// are its issue's.
func (c *githubClient) AddLabels(ctx context.Context, number int64, labels []string) error {
	if len(labels) == 0 {
		return nil
	}
	_, resp, err := c.api.Issues.AddLabelsToIssue(ctx, c.owner, c.repo, int(number), labels)
	return c.err(fmt.Sprintf("label pull request #%d", number), resp, err)
}

func (c *githubClient) RequestReviewers(ctx context.Context, number int64, reviewers []string) error {
	if len(reviewers) == 0 {
		return nil
	}
	_, resp, err := c.api.PullRequests.RequestReviewers(ctx, c.owner, c.repo, int(number), github.ReviewersRequest{Reviewers: reviewers})
	return c.err(fmt.Sprintf("request reviewers on pull request #%d", number), resp, err)
}

// EnableAutoMerge: GitHub enables auto-merge only through GraphQL
// (enablePullRequestAutoMerge); its REST API has no such call.
func (c *githubClient) EnableAutoMerge(ctx context.Context, number int64) error {
	return fmt.Errorf("auto-merge on GitHub pull request #%d: %w: GitHub offers it only through its GraphQL API; enable it on the pull request page or drop --auto-merge", number, ErrUnsupported)
}

func (c *githubClient) Get(ctx context.Context, number int64) (*PullRequest, error) {
	pr, resp, err := c.api.PullRequests.Get(ctx, c.owner, c.repo, int(number))
	if err != nil {
		return nil, c.err(fmt.Sprintf("read pull request #%d", number), resp, err)
	}
	return fromGitHub(pr), nil
}

func fromGitHub(pr *github.PullRequest) *PullRequest {
	st := StateOpen
	switch {
	case pr.GetMerged() || pr.MergedAt != nil:
		st = StateMerged
	case pr.GetState() == "closed":
		st = StateClosed
	}
	return &PullRequest{
		Number:     int64(pr.GetNumber()),
		URL:        pr.GetHTMLURL(),
		State:      st,
		HeadBranch: pr.GetHead().GetRef(),
		Title:      pr.GetTitle(),
	}
}
