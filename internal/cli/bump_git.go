package cli

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"path"

	"github.com/spf13/pflag"
	"sigs.k8s.io/kustomize/kyaml/filesys"

	"github.com/rolloutgen/rolloutgen/internal/bump"
	"github.com/rolloutgen/rolloutgen/internal/config"
	"github.com/rolloutgen/rolloutgen/internal/gitrepo"
	"github.com/rolloutgen/rolloutgen/internal/kustomize"
	"github.com/rolloutgen/rolloutgen/internal/release"
)

// This file opens the repository a bump works on (a gitrepo.Source: the
// checkout, or with --repo-url a clone) and adapts it to the interfaces
// internal/bump declares. Git itself is internal/gitrepo's.

// bumpSource is a gitrepo.Source as bump.Repo and bump.Pusher.
type bumpSource struct {
	src         *gitrepo.Source
	maxAttempts int
}

func commitMeta(m bump.Meta) gitrepo.CommitMeta {
	sig := func(s bump.Signature) gitrepo.Signature {
		return gitrepo.Signature{Name: s.Name, Email: s.Email, When: s.When}
	}
	return gitrepo.CommitMeta{Message: m.Message, Author: sig(m.Author), Committer: sig(m.Committer)}
}

func (b bumpSource) CheckClean(p string) error { return b.src.CheckClean(p) }

func (b bumpSource) CommitFile(ctx context.Context, p string, content []byte, meta bump.Meta, check bump.Check) (bump.Commit, error) {
	c, err := b.src.CommitFile(ctx, p, content, commitMeta(meta), gitrepo.Check(check))
	if err != nil {
		return bump.Commit{}, err
	}
	return bump.Commit{Hash: c.Hash.String(), Branch: c.Branch}, nil
}

func (b bumpSource) Push(ctx context.Context, c bump.Commit, file string, meta bump.Meta, reapply bump.Reapply) (bump.PushResult, error) {
	res, err := b.src.Push(ctx, gitrepo.PushFile{Committed: c.Hash != "", Path: file, Meta: commitMeta(meta), Redo: gitrepo.Redo(reapply)})
	out := bump.PushResult{Pushed: res.Pushed, Attempts: res.Attempts, Reapplied: res.Reapplied}
	if !res.Commit.IsZero() {
		out.Commit = res.Commit.String()
	}
	if err != nil && gitrepo.IsNonFastForward(err) && res.Attempts >= b.maxAttempts {
		err = fmt.Errorf("--max-attempts %d: %w", b.maxAttempts, err)
	}
	return out, err
}

// bumpWork is what a bump works on, local or remote alike.
type bumpWork struct {
	src    *gitrepo.Source
	target bump.Target
	cfg    *config.Config // nil with --path
	// sub is gen.yaml's directory relative to the repository root ("."
	// at the root): overlay paths are prefixed with it.
	sub string
	// fs and root are where the overlay builds from: the worktree on
	// disk, or "/" over a clone's tree.
	fs   filesys.FileSystem
	root string
	// ep is the remote pushed to (nil: no push); repoURL its URL as
	// configured, for --refresh.
	ep      *gitrepo.Endpoint
	repoURL string
}

// targetFor is app's overlay in env, by gen.yaml (image "" is the app's),
// with its path relative to the repository root.
func (w *bumpWork) targetFor(app, env, image string) (bump.Target, error) {
	t, err := configTarget(w.cfg, app, env, image)
	if err != nil {
		return t, err
	}
	if w.sub != "." && w.sub != "" {
		t.Dir = w.sub + "/" + t.Dir
	}
	return t, nil
}

func (w *bumpWork) close() {
	w.src.Close()
	if w.ep != nil {
		w.ep.Close()
	}
}

func (o *bumpOptions) pushTarget(ep *gitrepo.Endpoint) gitrepo.PushTarget {
	return gitrepo.PushTarget{
		Remote: ep, RemoteName: o.remote, Branch: o.branch,
		Retry: gitrepo.Retry{
			MaxAttempts: o.maxAttempts,
			Logf:        func(format string, a ...any) { fmt.Fprintf(o.deps.Stderr, format+"\n", a...) },
		},
	}
}

func (o *bumpOptions) authOptions() gitrepo.AuthOptions {
	return gitrepo.AuthOptions{
		Getenv: o.deps.Getenv, SSHKeyFile: o.sshKey, KnownHostsFile: o.sshKnownHosts,
		SSHKeyHint: "--ssh-key", KnownHostsHint: "--ssh-known-hosts",
	}
}

// openLocal opens the checkout holding gen.yaml (or --path), with --remote
// as the push target when the bump pushes. With gen.yaml the caller picks
// the target (targetFor).
func (o *bumpOptions) openLocal(ctx context.Context) (*bumpWork, error) {
	w := &bumpWork{fs: kustomize.OnDisk()}
	var repo *gitrepo.Repo
	var err error
	if o.path != "" {
		dir := o.globalOptions.path(o.path)
		if repo, err = gitrepo.OpenEnv(dir, o.deps.Getenv); err != nil {
			return nil, usagef("--path %s: %w", o.path, err)
		}
		rel, err := repoRel(repo.Root(), dir)
		if err != nil {
			return nil, usagef("--path %s: %w", o.path, err)
		}
		w.target = bump.Target{Dir: rel, Image: o.image}
	} else {
		cfg, root, err := o.loadConfig()
		if err != nil {
			return nil, err
		}
		w.cfg = cfg
		if repo, err = gitrepo.OpenEnv(root, o.deps.Getenv); err != nil {
			return nil, err
		}
		if w.sub, err = repoRel(repo.Root(), root); err != nil {
			return nil, usagef("%s: %w", o.configPath, err)
		}
	}
	w.root = repo.Root()
	if (o.push || o.pr.enabled) && !o.dryRun {
		u, err := repo.RemoteURL(o.remote)
		if err != nil {
			return nil, usagef("--remote %q: %w; pass --repo-url or add the remote", o.remote, err)
		}
		if w.ep, err = gitrepo.ResolveEndpoint(u, o.authOptions()); err != nil {
			return nil, usageErr(fmt.Errorf("--remote %q: %w", o.remote, err))
		}
		w.repoURL = u
	}
	if o.pr.enabled {
		return w, o.openDetached(ctx, w, repo)
	}
	if w.src, err = gitrepo.OpenSource(repo, o.pushTarget(w.ep)); err != nil {
		return w, err
	}
	return w, nil
}

// openDetached is --pr's source: the target branch (--branch, else the
// current one) fetched, and commits made on top of its remote-tracking
// ref; the overlay builds from that commit's tree, not the worktree.
func (o *bumpOptions) openDetached(ctx context.Context, w *bumpWork, repo *gitrepo.Repo) error {
	target := o.branch
	if target == "" {
		b, _, err := repo.Head()
		if err != nil {
			return usagef("--pr: %w; pass --branch with the pull request's target", err)
		}
		target = b
	}
	fmt.Fprintf(o.deps.Stderr, "fetching %s %s\n", o.remote, target)
	if err := repo.FetchTracking(ctx, o.remote, target); err != nil {
		return fmt.Errorf("--pr: fetch %s %s: %w", o.remote, target, err)
	}
	pt := o.pushTarget(w.ep)
	pt.Branch, pt.Detached = target, true
	var err error
	if w.src, err = gitrepo.OpenSource(repo, pt); err != nil {
		return err
	}
	tfs, err := w.src.Files()
	if err != nil {
		return err
	}
	w.fs, w.root = kustomize.FromFS(tfs), "/"
	return nil
}

// openClone is --repo-url: a depth-1 clone, no checkout, gen.yaml (or
// --path) read from its tree.
func (o *bumpOptions) openClone(ctx context.Context) (*bumpWork, error) {
	ep, err := gitrepo.ResolveEndpoint(o.repoURL, o.authOptions())
	if err != nil {
		return nil, usagef("--repo-url: %w", err)
	}
	w := &bumpWork{ep: ep, repoURL: o.repoURL, root: "/"}
	fmt.Fprintf(o.deps.Stderr, "cloning %s (depth 1, no checkout)\n", ep)
	if w.src, err = gitrepo.CloneSource(ctx, o.pushTarget(ep)); err != nil {
		if errors.Is(err, gitrepo.ErrRemoteHeadNotBranch) {
			return w, usagef("--repo-url: %w; pass --branch", err)
		}
		return w, err
	}
	tfs, err := w.src.Files()
	if err != nil {
		return w, err
	}
	w.fs = kustomize.FromFS(tfs)
	if o.path != "" {
		dir := path.Clean(o.path)
		if !fs.ValidPath(dir) || dir == "." && o.path != "." {
			return w, usagef("--path %q: with --repo-url, a directory relative to the repository root", o.path)
		}
		w.target = bump.Target{Dir: dir, Image: o.image}
		return w, nil
	}
	name := path.Clean(o.configPath)
	data, err := fs.ReadFile(tfs, name)
	if err != nil {
		return w, usagef("%s not found in %s at %s; pass --config or --path", name, ep, w.src.Branch())
	}
	if w.cfg, err = config.Parse(name, data); err != nil {
		return w, usageErr(err)
	}
	w.sub = path.Dir(name)
	return w, nil
}

// addHistoryFlags adds the flags of the commands that read history
// (promote, rollback).
func (o *bumpOptions) addHistoryFlags(f *pflag.FlagSet) {
	f.IntVar(&o.maxDepth, "max-depth", gitrepo.DefaultMaxDepth, "with --repo-url: deepen the depth-1 clone (doubling steps) to at most this many commits to read history")
}

func (o *bumpOptions) validateHistoryFlags() error {
	if o.maxDepth < 1 {
		return usagef("--max-depth %d: want at least 1", o.maxDepth)
	}
	return o.validateCommitFlags()
}

// historyErr is the one line for history that ends before the answer:
// what, why, how deep a clone was fetched, and the flags that let the
// user say what gen will not guess.
func historyErr(what string, h *gitrepo.History, err error, instead string) error {
	if !errors.Is(err, release.ErrHistoryEnds) && !errors.Is(err, gitrepo.ErrRevisionNotFound) {
		return fmt.Errorf("%s: %w", what, err)
	}
	if d := h.Depth(); d > 0 {
		instead += fmt.Sprintf(" (or a --max-depth above %d)", h.MaxDepth())
		return fmt.Errorf("%s: %w, fetched %d commits deep; gen does not guess: pass %s", what, err, d, instead)
	}
	return fmt.Errorf("%s: %w; gen does not guess: pass %s", what, err, instead)
}

// contains answers the promote gate's question — does a revision Argo CD
// synced contain want? — from w's history: the checkout's (fetching once
// when a revision is unknown there), or the clone's, deepened up to
// --max-depth.
func (w *bumpWork) contains(ctx context.Context, hist *gitrepo.History, remote, want string) (release.Contains, error) {
	if repo := w.src.Repo(); repo != nil {
		return containsRevision(ctx, repo, remote, want)
	}
	return func(rev string) (bool, error) {
		ok, err := hist.IsAncestor(ctx, want, rev)
		if err != nil {
			return false, historyErr("Argo CD's revision "+rev, hist, err, "--force --reason to promote anyway")
		}
		return ok, nil
	}, nil
}

// redacted scrubs ep's credentials from err's message, keeping its exit code.
func redacted(ep *gitrepo.Endpoint, err error) error {
	if err == nil || ep == nil {
		return err
	}
	msg := ep.Redact(err.Error())
	if msg == err.Error() {
		return err
	}
	return &exitError{code: exitCode(err), err: errors.New(msg)}
}
