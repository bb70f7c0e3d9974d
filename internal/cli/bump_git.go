package cli

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"path"
	"sort"
	"time"

	"github.com/go-git/go-git/v5/plumbing"
	"github.com/go-git/go-git/v5/plumbing/filemode"
	"github.com/go-git/go-git/v5/plumbing/object"
	"github.com/go-git/go-git/v5/storage"

	"github.com/rolloutgen/rolloutgen/internal/bump"
	"github.com/rolloutgen/rolloutgen/internal/config"
	"github.com/rolloutgen/rolloutgen/internal/gitrepo"
	"github.com/rolloutgen/rolloutgen/internal/kustomize"
)

// This file adapts internal/gitrepo to the small interfaces internal/bump
// declares. (treeFS belongs in gitrepo; it lives here until gitrepo
// exports a tree view.)

func commitMeta(m bump.Meta) gitrepo.CommitMeta {
	sig := func(s bump.Signature) object.Signature {
		return object.Signature{Name: s.Name, Email: s.Email, When: s.When}
	}
	return gitrepo.CommitMeta{Message: m.Message, Author: sig(m.Author), Committer: sig(m.Committer)}
}

// localRepo is a checkout on disk.
type localRepo struct{ r *gitrepo.Repo }

func (l localRepo) CheckClean(p string) error { return l.r.CheckClean(p) }

func (l localRepo) CommitFile(ctx context.Context, p string, content []byte, meta bump.Meta) (bump.Commit, error) {
	res, err := l.r.CommitFile(ctx, gitrepo.CommitFileRequest{Path: p, Content: content, Meta: commitMeta(meta)})
	if err != nil {
		return bump.Commit{}, err
	}
	return bump.Commit{Hash: res.Commit.String(), Branch: res.Branch}, nil
}

// pusher pushes from storer to one remote branch with gitrepo.Push.
type pusher struct {
	storer storage.Storer
	ep     *gitrepo.Endpoint
	remote string
	branch string
	// head is pushed when the bump made no commit (the entry was already
	// at the tag locally); zero: nothing to push.
	head        plumbing.Hash
	maxAttempts int
	log         io.Writer
	// local, when set, is the checkout whose branch follows a re-applied
	// push (gitrepo.SyncTo), as git pull --rebase would leave it.
	local *gitrepo.Repo
}

func (p pusher) Push(ctx context.Context, c bump.Commit, file string, meta bump.Meta, reapply bump.Reapply) (bump.PushResult, error) {
	commit := p.head
	if c.Hash != "" {
		commit = plumbing.NewHash(c.Hash)
	}
	if commit.IsZero() {
		return bump.PushResult{}, nil
	}
	// gitrepo.ReapplyEdit commits with a fixed message; the message must
	// name the old tag found on the remote head, so the re-apply commits
	// itself.
	redo := func(ctx context.Context, parent *object.Commit) (plumbing.Hash, bool, error) {
		old, err := gitrepo.ReadFileAt(parent, file)
		if err != nil {
			return plumbing.ZeroHash, false, err
		}
		tree, err := parent.Tree()
		if err != nil {
			return plumbing.ZeroHash, false, err
		}
		content, msg, changed, err := reapply(ctx, treeFS{tree}, old)
		if err != nil || !changed {
			return plumbing.ZeroHash, false, err
		}
		m := meta
		m.Message = msg
		h, _, err := gitrepo.WriteCommit(p.storer, parent, file, content, commitMeta(m))
		return h, err == nil, err
	}
	req := gitrepo.PushRequest{
		Storer:     p.storer,
		Remote:     p.ep,
		RemoteName: p.remote,
		Branch:     p.branch,
		Commit:     commit,
		Reapply:    redo,
		Retry: gitrepo.Retry{
			MaxAttempts: p.maxAttempts,
			Logf:        func(format string, a ...any) { fmt.Fprintf(p.log, format+"\n", a...) },
		},
	}
	if p.local != nil && !p.mayReapply(c.Hash, commit) {
		// The user has unpushed commits of their own: re-applying only the
		// bump on the remote head would leave them behind, so a moved
		// remote is final, as for git push.
		req.Reapply = nil
	}
	res, err := gitrepo.Push(ctx, req)
	out := bump.PushResult{Commit: res.Commit.String(), Pushed: res.Pushed, Attempts: res.Attempts, Reapplied: res.Reapplied}
	if err != nil || p.local == nil || res.Commit == commit {
		return out, err
	}
	msg := fmt.Sprintf("gen bump: pushed as %s (re-applied on the remote head)", res.Commit)
	if !res.Pushed {
		msg = fmt.Sprintf("gen bump: remote %s already had the change", res.Commit)
	}
	if err := p.local.SyncTo(ctx, commit, res.Commit, commitMeta(meta).Committer, msg); err != nil {
		return out, fmt.Errorf("push %s %s: %s is on the remote: %w", p.ep, p.branch, res.Commit, err)
	}
	fmt.Fprintf(p.log, "local %s moved to %s, as on the remote\n", p.branch, res.Commit)
	return out, nil
}

// mayReapply: the local branch may follow a re-applied push only when it
// holds nothing of the user's that the remote lacks — HEAD is our bump on
// top of the remote-tracking ref, or (no bump commit) HEAD is that ref.
func (p pusher) mayReapply(ours string, head plumbing.Hash) bool {
	ref, err := p.storer.Reference(plumbing.NewRemoteReferenceName(p.remote, p.branch))
	if err != nil {
		return false
	}
	if ours == "" {
		return head == ref.Hash()
	}
	c, err := object.GetCommit(p.storer, head)
	return err == nil && len(c.ParentHashes) == 1 && c.ParentHashes[0] == ref.Hash()
}

// localPusher pushes the checkout's branch to --remote.
func (o *bumpOptions) localPusher(repo *gitrepo.Repo, branch string) (pusher, error) {
	u, err := repo.RemoteURL(o.remote)
	if err != nil {
		return pusher{}, usagef("--remote %q: %w", o.remote, err)
	}
	ep, err := gitrepo.ResolveEndpoint(u, o.authOptions())
	if err != nil {
		return pusher{}, usageErr(fmt.Errorf("--remote %q: %w", o.remote, err))
	}
	_, head, err := repo.Head()
	if err != nil {
		ep.Close()
		return pusher{}, err
	}
	remoteBranch := o.branch
	if remoteBranch == "" {
		remoteBranch = branch
	}
	return pusher{storer: repo.Storer(), ep: ep, remote: o.remote, branch: remoteBranch, head: head, maxAttempts: o.maxAttempts, log: o.deps.Stderr, local: repo}, nil
}

func (o *bumpOptions) authOptions() gitrepo.AuthOptions {
	return gitrepo.AuthOptions{Getenv: o.deps.Getenv, SSHKeyFile: o.sshKey, KnownHostsFile: o.sshKnownHosts}
}

// cloneRepo is remote mode's repository: a shallow clone in memory.
type cloneRepo struct{ c *gitrepo.ShallowClone }

func (cloneRepo) CheckClean(string) error { return nil }

func (r cloneRepo) CommitFile(_ context.Context, p string, content []byte, meta bump.Meta) (bump.Commit, error) {
	h, _, err := gitrepo.WriteCommit(r.c.Storer, r.c.Head, p, content, commitMeta(meta))
	if err != nil {
		return bump.Commit{}, err
	}
	return bump.Commit{Hash: h.String(), Branch: r.c.Branch}, nil
}

// runRemoteBump is --repo-url: clone shallow into memory, bump, push.
func runRemoteBump(ctx context.Context, o *bumpOptions) (err error) {
	ep, err := gitrepo.ResolveEndpoint(o.repoURL, o.authOptions())
	if err != nil {
		return usagef("--repo-url: %w", err)
	}
	defer ep.Close()
	// Whatever goes wrong, no credential reaches the output.
	defer func() { err = redacted(ep, err) }()
	fmt.Fprintf(o.deps.Stderr, "cloning %s (depth 1, no checkout)\n", ep)
	clone, err := gitrepo.CloneShallow(ctx, ep, o.branch)
	if err != nil {
		return err
	}
	tree, err := clone.Head.Tree()
	if err != nil {
		return err
	}
	tfs := treeFS{tree}
	var (
		target bump.Target
		cfg    *config.Config
	)
	if o.path != "" {
		dir := path.Clean(o.path)
		if !fs.ValidPath(dir) || dir == "." && o.path != "." {
			return usagef("--path %q: with --repo-url, a directory relative to the repository root", o.path)
		}
		target = bump.Target{Dir: dir, Image: o.image}
	} else {
		name := path.Clean(o.configPath)
		data, err := fs.ReadFile(tfs, name)
		if err != nil {
			return usagef("%s not found in %s at %s; pass --config or --path", name, ep, clone.Branch)
		}
		c, err := config.Parse(name, data)
		if err != nil {
			return usageErr(err)
		}
		cfg = c
		if target, err = configTarget(cfg, o.app, o.env, o.image); err != nil {
			return err
		}
		if sub := path.Dir(name); sub != "." {
			target.Dir = sub + "/" + target.Dir
		}
	}
	req, err := o.request(target, nil)
	if err != nil {
		return err
	}
	b := bump.Bumper{Repo: cloneRepo{clone}, FS: kustomize.FromFS(tfs), Root: "/", Log: o.deps.Stderr}
	if !o.dryRun {
		b.Pusher = pusher{storer: clone.Storer, ep: ep, remote: o.remote, branch: clone.Branch, maxAttempts: o.maxAttempts, log: o.deps.Stderr}
	}
	res, err := b.Run(ctx, req)
	if res.Branch == "" {
		res.Branch = clone.Branch
	}
	if err != nil {
		return bumpErr(err)
	}
	if err := o.print(res, req); err != nil {
		return err
	}
	if !o.dryRun && res.Changed {
		o.refreshArgoCD(ctx, cfg, target.Dir, o.repoURL)
	}
	return nil
}

// redacted scrubs ep's credentials from err's message, keeping its exit code.
func redacted(ep *gitrepo.Endpoint, err error) error {
	if err == nil {
		return nil
	}
	msg := ep.Redact(err.Error())
	if msg == err.Error() {
		return err
	}
	return &exitError{code: exitCode(err), err: errors.New(msg)}
}

// treeFS is a Git tree as an fs.FS, read lazily: only the trees on a
// path and the blobs read are inflated, so building one overlay of a
// 40,000-file repository reads a few dozen objects.
type treeFS struct{ root *object.Tree }

var (
	_ fs.ReadFileFS = treeFS{}
	_ fs.ReadDirFS  = treeFS{}
	_ fs.StatFS     = treeFS{}
)

func (t treeFS) lookup(op, name string) (*object.TreeEntry, error) {
	if !fs.ValidPath(name) {
		return nil, &fs.PathError{Op: op, Path: name, Err: fs.ErrInvalid}
	}
	if name == "." {
		return &object.TreeEntry{Name: ".", Mode: filemode.Dir, Hash: t.root.Hash}, nil
	}
	e, err := t.root.FindEntry(name)
	if err != nil {
		return nil, &fs.PathError{Op: op, Path: name, Err: fs.ErrNotExist}
	}
	return e, nil
}

func (t treeFS) Stat(name string) (fs.FileInfo, error) {
	e, err := t.lookup("stat", name)
	if err != nil {
		return nil, err
	}
	info := treeInfo{name: path.Base(name), mode: e.Mode}
	if e.Mode.IsFile() {
		if info.size, err = t.root.Size(name); err != nil {
			return nil, &fs.PathError{Op: "stat", Path: name, Err: err}
		}
	}
	return info, nil
}

func (t treeFS) ReadFile(name string) ([]byte, error) {
	e, err := t.lookup("read", name)
	if err != nil {
		return nil, err
	}
	if !e.Mode.IsFile() {
		return nil, &fs.PathError{Op: "read", Path: name, Err: errors.New("not a regular file")}
	}
	f, err := t.root.File(name)
	if err != nil {
		return nil, &fs.PathError{Op: "read", Path: name, Err: err}
	}
	r, err := f.Reader()
	if err != nil {
		return nil, &fs.PathError{Op: "read", Path: name, Err: err}
	}
	defer r.Close()
	return io.ReadAll(r)
}

func (t treeFS) ReadDir(name string) ([]fs.DirEntry, error) {
	dir := t.root
	if name != "." {
		e, err := t.lookup("readdir", name)
		if err != nil {
			return nil, err
		}
		if e.Mode != filemode.Dir {
			return nil, &fs.PathError{Op: "readdir", Path: name, Err: errors.New("not a directory")}
		}
		if dir, err = t.root.Tree(name); err != nil {
			return nil, &fs.PathError{Op: "readdir", Path: name, Err: err}
		}
	}
	out := make([]fs.DirEntry, 0, len(dir.Entries))
	for _, e := range dir.Entries {
		out = append(out, fs.FileInfoToDirEntry(treeInfo{name: e.Name, mode: e.Mode}))
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name() < out[j].Name() })
	return out, nil
}

func (t treeFS) Open(name string) (fs.File, error) {
	info, err := t.Stat(name)
	if err != nil {
		return nil, err
	}
	if info.IsDir() {
		entries, err := t.ReadDir(name)
		if err != nil {
			return nil, err
		}
		return &treeDir{info: info, entries: entries}, nil
	}
	data, err := t.ReadFile(name)
	if err != nil {
		return nil, err
	}
	return &treeFile{info: info, data: data}, nil
}

type treeInfo struct {
	name string
	mode filemode.FileMode
	size int64
}

func (i treeInfo) Name() string { return i.name }
func (i treeInfo) Size() int64  { return i.size }
func (i treeInfo) Mode() fs.FileMode {
	if i.mode == filemode.Dir {
		return fs.ModeDir | 0o555
	}
	m, _ := i.mode.ToOSFileMode()
	return m
}
func (i treeInfo) ModTime() time.Time { return time.Time{} }
func (i treeInfo) IsDir() bool        { return i.mode == filemode.Dir }
func (i treeInfo) Sys() any           { return nil }

type treeFile struct {
	info fs.FileInfo
	data []byte
	off  int
}

func (f *treeFile) Stat() (fs.FileInfo, error) { return f.info, nil }
func (f *treeFile) Close() error               { return nil }
func (f *treeFile) Read(b []byte) (int, error) {
	if f.off >= len(f.data) {
		return 0, io.EOF
	}
	n := copy(b, f.data[f.off:])
	f.off += n
	return n, nil
}

type treeDir struct {
	info    fs.FileInfo
	entries []fs.DirEntry
	off     int
}

func (d *treeDir) Stat() (fs.FileInfo, error) { return d.info, nil }
func (d *treeDir) Close() error               { return nil }
func (d *treeDir) Read([]byte) (int, error) {
	return 0, &fs.PathError{Op: "read", Path: d.info.Name(), Err: errors.New("is a directory")}
}
func (d *treeDir) ReadDir(n int) ([]fs.DirEntry, error) {
	rest := d.entries[d.off:]
	if n <= 0 {
		d.off = len(d.entries)
		return rest, nil
	}
	if len(rest) == 0 {
		return nil, io.EOF
	}
	n = min(n, len(rest))
	d.off += n
	return rest[:n], nil
}
