package cli

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/spf13/pflag"

	"github.com/rolloutgen/rolloutgen/internal/bump"
	"github.com/rolloutgen/rolloutgen/internal/forge"
	"github.com/rolloutgen/rolloutgen/internal/gitrepo"
	"github.com/rolloutgen/rolloutgen/internal/kustomize"
)

// This file is --pr: the commit of bump, promote or rollback made on top
// of <remote>/<target> without touching the checkout (a detached
// gitrepo.Source), force-pushed with lease to gen's own branch, and a pull
// request opened or updated for it through a forge.Client.

// prOptions are the --pr flags.
type prOptions struct {
	enabled      bool
	branch       string
	forge        string
	forgeURL     string
	labels       []string
	reviewers    []string
	autoMerge    bool
	waitMerged   bool
	mergeTimeout time.Duration
	mergePoll    time.Duration
}

func (p *prOptions) addFlags(f *pflag.FlagSet) {
	f.BoolVar(&p.enabled, "pr", false, "open a pull request instead of pushing: commit on top of <remote>/<branch> without touching the checkout, push to gen/<app>-<env>")
	f.StringVar(&p.branch, "pr-branch", "", "with --pr: the branch the pull request comes from (default gen/<app>-<env>)")
	f.StringVar(&p.forge, "forge", "", "with --pr: github|gitlab|gitea (default: from the remote URL's host)")
	f.StringVar(&p.forgeURL, "forge-url", "", "with --pr: the forge's API root, for self-hosted forges")
	f.StringSliceVar(&p.labels, "labels", nil, "with --pr: labels to add (repeatable or comma-separated)")
	f.StringSliceVar(&p.reviewers, "reviewers", nil, "with --pr: reviewers to request, by login (repeatable or comma-separated)")
	f.BoolVar(&p.autoMerge, "auto-merge", false, "with --pr: merge once the checks pass (GitLab, Gitea; not GitHub)")
	f.BoolVar(&p.waitMerged, "wait-merged", false, "with --pr: wait until the pull request is merged (exit 0) or closed (exit 1)")
	f.DurationVar(&p.mergeTimeout, "merge-timeout", 30*time.Minute, "with --wait-merged: give up after this long (exit 1)")
	f.DurationVar(&p.mergePoll, "merge-poll", 15*time.Second, "with --wait-merged: how often to read the pull request's state")
}

// validate checks the --pr flags against each other and the commit flags.
func (o *bumpOptions) validatePR(f *pflag.FlagSet) error {
	p := o.pr
	if !p.enabled {
		for _, name := range []string{"pr-branch", "forge", "forge-url", "labels", "reviewers", "auto-merge", "wait-merged", "merge-timeout", "merge-poll"} {
			if f != nil && f.Changed(name) {
				return usagef("--%s needs --pr", name)
			}
		}
		return nil
	}
	switch {
	case o.push:
		return usagef("--pr pushes to its own branch and opens a pull request: drop --push")
	case o.repoURL != "":
		return usagef("--pr works in a checkout, not with --repo-url: clone the repository and run gen there")
	case o.path != "":
		return usagef("--pr needs gen.yaml's app and environment (its commits carry Gen-Change: APP/ENV): --path is not supported")
	case p.waitMerged && p.mergeTimeout <= 0:
		return usagef("--merge-timeout %s: want a positive duration", p.mergeTimeout)
	case p.waitMerged && p.mergePoll <= 0:
		return usagef("--merge-poll %s: want a positive duration", p.mergePoll)
	case !p.waitMerged && f != nil && f.Changed("merge-timeout"):
		return usagef("--merge-timeout needs --wait-merged")
	case !p.waitMerged && f != nil && f.Changed("merge-poll"):
		return usagef("--merge-poll needs --wait-merged")
	}
	if p.branch != "" {
		if err := gitrepo.CheckBranchName(p.branch); err != nil {
			return usagef("--pr-branch %w", err)
		}
	}
	switch p.forge {
	case "", "github", "gitlab", "gitea", "forgejo":
	default:
		return usagef("--forge %q: want github, gitlab or gitea", p.forge)
	}
	for _, l := range [][]string{p.labels, p.reviewers} {
		if slices.Contains(l, "") {
			return usagef("--labels and --reviewers: empty value")
		}
	}
	return nil
}

// forgeClient finds the forge of the remote and its token; the refusals
// are configuration errors (exit 2), found before anything is written.
func (o *bumpOptions) forgeClient(remoteURL string) (forge.Client, forge.Remote, error) {
	r, err := forge.Detect(remoteURL, o.pr.forge, o.pr.forgeURL)
	if err != nil {
		return nil, r, usagef("--pr: %w", err)
	}
	if o.pr.autoMerge && r.Kind == forge.GitHub {
		return nil, r, usagef("--auto-merge: %w on GitHub (its auto-merge is GraphQL-only); drop --auto-merge or enable it on the pull request", forge.ErrUnsupported)
	}
	token, err := forge.Token(r.Kind, o.deps.Getenv)
	if err != nil {
		return nil, r, usagef("--pr: %w", err)
	}
	newClient := o.deps.Forge
	if newClient == nil {
		newClient = func(r forge.Remote, token string) (forge.Client, error) { return forge.New(r, token, nil) }
	}
	c, err := newClient(r, token)
	if err != nil {
		return nil, r, usagef("--pr: %w", err)
	}
	return c, r, nil
}

// prResult is what --pr reports: the bump and its pull request.
type prResult struct {
	bump.Result
	PullRequest prInfo `json:"pullRequest"`
}

type prInfo struct {
	URL    string `json:"url"`
	Number int64  `json:"number"`
	Branch string `json:"branch"`
	Base   string `json:"base"`
	State  string `json:"state"`
	// Unchanged: gen's branch already held this commit; nothing pushed.
	Unchanged bool `json:"unchanged"`
}

// commitPR is commit for --pr. w.src is detached on <remote>/<target>.
// readGenBranch reads gen's branch for change (app/env). It is an error
// when the branch holds a commit gen did not make for change; holds says
// it is exactly one such commit on the target head, changing only file,
// to want, and signed if signs (gen signs now: an unsigned commit made
// before signing was set up is replaced, so the pull request can meet a
// signed-commits rule).
func readGenBranch(ctx context.Context, w *bumpWork, branch, change, file string, want []byte, signs bool) (rb gitrepo.PRBranch, holds bool, err error) {
	if rb, err = w.src.ReadBranch(ctx, branch); err != nil {
		return rb, false, err
	}
	for _, c := range rb.Commits {
		if c.Parents != 1 || !slices.Contains(c.GenChange, change) {
			return rb, false, fmt.Errorf("--pr: branch %q holds commit %s %q that gen did not make for %s (no Gen-Change: %s trailer); gen never overwrites it: merge or delete the branch, or pass --pr-branch", branch, c.Hash[:12], c.Subject, change, change)
		}
	}
	if rb.Head != "" && len(rb.Commits) == 1 && rb.OnBase && slices.Equal(rb.Files, []string{file}) && (rb.Commits[0].Signed || !signs) {
		got, err := w.src.ReadFileAt(rb.Head, file)
		holds = err == nil && bytes.Equal(got, want)
	}
	return rb, holds, nil
}

// prPushAttempts bounds the pushes to gen's branch when other runs keep
// moving it.
const prPushAttempts = 5

func (o *bumpOptions) commitPR(ctx context.Context, w *bumpWork, req bump.Request, b bump.Bumper) error {
	client, _, err := o.forgeClient(w.repoURL)
	if err != nil {
		return err
	}
	target := w.src.Branch()
	// First the edit alone, committing nothing: is there a change, and
	// does gen's branch already hold it?
	dry := req
	dry.DryRun = true
	res, err := b.Run(ctx, dry)
	if err != nil {
		return bumpErr(err)
	}
	if !res.Changed {
		res.Branch = target
		return o.print(res, req)
	}
	branch := o.pr.branch
	if branch == "" {
		branch = "gen/" + req.App + "-" + req.Env
		if err := gitrepo.CheckBranchName(branch); err != nil {
			return usagef("--pr: branch for %s/%s: %w; pass --pr-branch", req.App, req.Env, err)
		}
	}
	base := w.src.Base()
	old, err := w.src.ReadFileAt(base, res.File)
	if err != nil {
		return err
	}
	want, _, err := kustomize.SetImage(old, res.Image, req.Tag, req.Digest)
	if err != nil {
		return err
	}
	change := req.App + "/" + req.Env
	who := gitrepo.Signature{Name: req.Committer.Name, Email: req.Committer.Email, When: req.Committer.When}
	signs, err := w.src.Signs(ctx, who)
	if err != nil {
		return bumpErr(err)
	}
	rb, holds, err := readGenBranch(ctx, w, branch, change, res.File, want, signs)
	if err != nil {
		return err
	}
	info := prInfo{Branch: branch, Base: target}
	if holds {
		info.Unchanged, res.Commit = true, rb.Head
	}
	if !info.Unchanged {
		if res, err = b.Run(ctx, req); err != nil {
			return bumpErr(err)
		}
		// Another run may push to gen's branch between the read and the
		// push (the lease then fails): read the branch again and, if it
		// holds only gen's commits, either it already says what this run
		// wants (nothing to push) or the push is tried again on its new
		// head. Bounded, like bump's retries.
		for attempt := 1; ; attempt++ {
			err := w.src.PushBranch(ctx, branch, rb.Head, who)
			if err == nil {
				res.Pushed = true
				break
			}
			if !errors.Is(err, gitrepo.ErrStaleLease) || attempt == prPushAttempts {
				if errors.Is(err, gitrepo.ErrStaleLease) {
					return fmt.Errorf("--pr: %w; other runs kept pushing to %q: run gen again", err, branch)
				}
				return err
			}
			if rb, holds, err = readGenBranch(ctx, w, branch, change, res.File, want, signs); err != nil {
				return err
			}
			if holds {
				info.Unchanged, res.Commit = true, rb.Head // the other run pushed this very change
				break
			}
		}
	}
	res.Branch = branch
	title, body := o.prText(req, res, old, want)
	pr, err := o.openPR(ctx, client, forge.NewPR{Title: title, Body: body, Head: branch, Base: target}, info.Unchanged)
	if err != nil {
		return err
	}
	if err := o.decoratePR(ctx, client, pr.Number); err != nil {
		return err
	}
	info.URL, info.Number, info.State = pr.URL, pr.Number, string(pr.State)
	if err := o.printPR(prResult{Result: res, PullRequest: info}, req); err != nil {
		return err
	}
	if o.pr.waitMerged {
		return o.waitMerged(ctx, client, pr)
	}
	return nil
}

// openPR finds the open pull request from head into base and updates it
// (unless unchanged), or opens one. Losing the race to open it
// (ErrExists), it finds the winner's and updates that.
func (o *bumpOptions) openPR(ctx context.Context, c forge.Client, n forge.NewPR, unchanged bool) (*forge.PullRequest, error) {
	pr, err := c.FindOpen(ctx, n.Head, n.Base)
	if err != nil {
		return nil, fmt.Errorf("--pr: %w", err)
	}
	if pr == nil {
		pr, err = c.Create(ctx, n)
		if err == nil {
			fmt.Fprintf(o.deps.Stderr, "opened pull request #%d\n", pr.Number)
			return pr, nil
		}
		if !errors.Is(err, forge.ErrExists) {
			return nil, fmt.Errorf("--pr: %w", err)
		}
		if pr, err = c.FindOpen(ctx, n.Head, n.Base); err != nil || pr == nil {
			return nil, fmt.Errorf("--pr: another run opened the pull request for %s, but it cannot be found: %v", n.Head, err)
		}
		unchanged = false
	}
	if unchanged {
		return pr, nil
	}
	updated, err := c.Update(ctx, pr.Number, n.Title, n.Body)
	if err != nil {
		return nil, fmt.Errorf("--pr: update #%d: %w", pr.Number, err)
	}
	fmt.Fprintf(o.deps.Stderr, "updated pull request #%d\n", updated.Number)
	return updated, nil
}

// decoratePR adds --labels and --reviewers and --auto-merge.
func (o *bumpOptions) decoratePR(ctx context.Context, c forge.Client, n int64) error {
	if len(o.pr.labels) > 0 {
		if err := c.AddLabels(ctx, n, o.pr.labels); err != nil {
			return fmt.Errorf("--labels: %w", err)
		}
	}
	if len(o.pr.reviewers) > 0 {
		if err := c.RequestReviewers(ctx, n, o.pr.reviewers); err != nil {
			return fmt.Errorf("--reviewers: %w", err)
		}
	}
	if o.pr.autoMerge {
		if err := c.EnableAutoMerge(ctx, n); err != nil {
			if errors.Is(err, forge.ErrUnsupported) {
				return usagef("--auto-merge: %w", err)
			}
			return fmt.Errorf("--auto-merge: %w", err)
		}
	}
	return nil
}

// waitMerged polls the pull request until it is merged (nil), closed
// (exit 1) or --merge-timeout passes (exit 1).
func (o *bumpOptions) waitMerged(ctx context.Context, c forge.Client, pr *forge.PullRequest) error {
	interval := o.pr.mergePoll
	ctx, cancel := context.WithTimeout(ctx, o.pr.mergeTimeout)
	defer cancel()
	fmt.Fprintf(o.deps.Stderr, "waiting for #%d to be merged (--merge-timeout %s)\n", pr.Number, o.pr.mergeTimeout)
	for {
		cur, err := c.Get(ctx, pr.Number)
		switch {
		case err != nil && ctx.Err() == nil:
			return fmt.Errorf("--wait-merged: %w", err)
		case err == nil && cur.State == forge.StateMerged:
			fmt.Fprintf(o.deps.Stderr, "#%d merged\n", pr.Number)
			return nil
		case err == nil && cur.State == forge.StateClosed:
			return fmt.Errorf("--wait-merged: %s was closed without merging", pr.URL)
		}
		t := time.NewTimer(interval)
		select {
		case <-ctx.Done():
			t.Stop()
			return fmt.Errorf("--wait-merged: %s still open after --merge-timeout %s", pr.URL, o.pr.mergeTimeout)
		case <-t.C:
		}
	}
}

// prText is the title and body: app, environment, image old -> new, the
// diff, and for a promotion the gates' evidence.
func (o *bumpOptions) prText(req bump.Request, res bump.Result, old, want []byte) (title, body string) {
	kind := req.Kind
	if kind == "" {
		kind = bump.KindBump
	}
	now := kustomize.Version{Tag: res.NewTag, Digest: res.Digest}
	was := kustomize.Version{Tag: res.OldTag, Digest: res.OldDigest}.String()
	if was == "" {
		was = "(none)"
	}
	title = fmt.Sprintf("gen %s: %s/%s to %s", kind, req.App, req.Env, now)
	if req.From != "" {
		title = fmt.Sprintf("gen %s: %s %s -> %s (%s)", kind, req.App, req.From, req.Env, now)
	}
	var b strings.Builder
	fmt.Fprintf(&b, "| | |\n|---|---|\n| App | `%s` |\n| Environment | `%s` |\n| Image | `%s` |\n| Version | `%s` → `%s` |\n", req.App, req.Env, res.Image, was, now)
	if req.From != "" {
		fmt.Fprintf(&b, "| Promoted from | `%s` |\n", req.From)
	}
	if req.Reverts != "" {
		fmt.Fprintf(&b, "| Reverts | `%s` |\n", req.Reverts)
	}
	fmt.Fprintf(&b, "\n```diff\n%s```\n", bump.UnifiedDiff("a/"+res.File, "b/"+res.File, old, want))
	if len(o.gates) > 0 {
		b.WriteString("\n### Gates\n\n")
		for _, g := range o.gates {
			mark := "✅"
			if !g.OK {
				mark = "❌"
			}
			fmt.Fprintf(&b, "- %s **%s**: %s\n", mark, g.Name, g.Detail)
		}
	}
	for _, t := range req.Trailers {
		if t.Key == bump.TrailerGatesSkipped {
			fmt.Fprintf(&b, "\n**Gates skipped** (--force): %s\n", t.Value)
		}
	}
	b.WriteString("\n<sub>Opened by gen; gen updates this branch and refuses to overwrite commits it did not make.</sub>\n")
	return title, b.String()
}

// printPR writes the result with its pull request.
func (o *bumpOptions) printPR(r prResult, req bump.Request) error {
	if o.output != "text" {
		return writeStructured(o.deps.Stdout, o.output, r)
	}
	now := kustomize.Version{Tag: r.NewTag, Digest: r.Digest}
	what := "pushed " + short12(r.Commit) + " to " + r.PullRequest.Branch
	if r.PullRequest.Unchanged {
		what = r.PullRequest.Branch + " already holds it; nothing pushed"
	}
	_, err := fmt.Fprintf(o.deps.Stdout, "%s/%s: %s -> %s: %s (#%d, %s)\n", req.App, req.Env, r.Image, now, r.PullRequest.URL, r.PullRequest.Number, what)
	return err
}

func short12(h string) string {
	if len(h) > 12 {
		return h[:12]
	}
	return h
}
