package cli

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"path/filepath"
	"strings"
	"time"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"
	"sigs.k8s.io/yaml"

	"github.com/rolloutgen/rolloutgen/internal/argocd"
	"github.com/rolloutgen/rolloutgen/internal/bump"
	"github.com/rolloutgen/rolloutgen/internal/config"
	"github.com/rolloutgen/rolloutgen/internal/errinfo"
	"github.com/rolloutgen/rolloutgen/internal/gitrepo"
	"github.com/rolloutgen/rolloutgen/internal/kustomize"
	"github.com/rolloutgen/rolloutgen/internal/registry"
	"github.com/rolloutgen/rolloutgen/internal/release"
)

type bumpOptions struct {
	*globalOptions

	app, env       string
	path, image    string
	tag, digest    string
	resolveDigest  bool
	message        string
	author         string
	committer      string
	push           bool
	remote, branch string
	maxAttempts    int
	repoURL        string
	dryRun         bool
	allowUnused    bool
	build          kustomize.Builder
	output         string
	sshKey         string
	sshKnownHosts  string
	// sign and noSign are --sign / --no-sign; noVerify --no-verify.
	sign, noSign bool
	noVerify     bool
	// refresh asks Argo CD to look at the pushed commit at once.
	refresh refreshOptions

	// maxDepth bounds how far promote and rollback deepen a --repo-url
	// clone to read history (--max-depth).
	maxDepth int

	// Set by gen promote and gen rollback, which commit through runBump.
	kind          bump.Kind
	from, reverts string
	trailers      []bump.Trailer
	expect        *kustomize.Version
	// gates is promote's evidence, for a --pr body.
	gates []release.Gate

	// pr is --pr and its flags; flags the command's flag set (which
	// --pr flags were given).
	pr    prOptions
	flags *pflag.FlagSet
}

func newBumpCmd(g *globalOptions) *cobra.Command {
	o := &bumpOptions{globalOptions: g}
	c := &cobra.Command{
		Use:   "bump --tag TAG [--app APP] [--env ENV] [--push]",
		Short: "Commit an image-tag bump of one overlay (and push it)",
		Long: `Pin an app's image to a new tag in overlays/<env>/<app>/kustomization.yaml
and commit that one file: the images: entry is edited in place (comments,
order and formatting survive), the overlay is built in-process before
anything is written, and only the bumped file goes into the commit — other
changes in the worktree stay as they were.

Without --env the first environment of the promotion chain is bumped;
without --app the repository must have exactly one app. --path DIR bumps
any kustomization directory, no gen.yaml needed.

--push pushes the branch; when the remote moved on, the same bump is
re-applied on the new remote head and pushed again (bounded by
--max-attempts). --repo-url bumps a remote repository without a checkout
(shallow clone in memory) and implies --push.

Already at the tag: says so and exits 0 without a commit.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error { return runBump(cmd.Context(), o) },
	}
	f := c.Flags()
	f.StringVar(&o.tag, "tag", "", "image tag to pin (required; OCI grammar [A-Za-z0-9_][A-Za-z0-9._-]{0,127})")
	f.StringVar(&o.digest, "digest", "", "image digest to pin with the tag (sha256:<64 hex>); without it an existing digest is removed")
	f.BoolVar(&o.resolveDigest, "resolve-digest", false, "look the tag up in the image's registry (Docker config credentials, as crane) and pin its digest too; an absent tag is refused")
	f.StringVar(&o.app, "app", "", "app to bump (default: the only app in gen.yaml)")
	f.StringVar(&o.env, "env", "", "environment to bump (default: the first of the promotion chain)")
	f.StringVar(&o.path, "path", "", "kustomization directory to bump instead of an app's overlay (no gen.yaml needed)")
	f.StringVar(&o.image, "image", "", "images: entry to set (default: the app's image, or with --path the only entry)")
	f.BoolVar(&o.allowUnused, "allow-unused", false, "pin an image that no container of the overlay's build runs (refused otherwise: the commit would change nothing)")
	o.addCommitFlags(f)
	addBuildFlags(f, &o.build)
	_ = c.RegisterFlagCompletionFunc("output", cobra.FixedCompletions([]string{"text", "json", "yaml"}, cobra.ShellCompDirectiveNoFileComp))
	c.Example = `  gen bump --tag v3                          # the only app, first environment
  gen bump --app web --env prod --tag v3 --digest sha256:... --push
  gen bump --repo-url https://git.example.com/org/gitops.git --tag v3
  gen bump --path clusters/dev/web --image example.com/web --tag v3 --dry-run`
	return c
}

// addCommitFlags adds the flags of every command that commits (bump,
// promote, rollback): one commit path, one set of flags.
func (o *bumpOptions) addCommitFlags(f *pflag.FlagSet) {
	f.StringVar(&o.message, "message", "", "commit message template (Go text/template: .App .Env .Image .OldTag .NewTag .Old .New .Dir .File .From .To .Reverts)")
	f.StringVar(&o.author, "author", "", `commit author "Name <email>" (default: GIT_AUTHOR_NAME/GIT_AUTHOR_EMAIL, then git config)`)
	f.StringVar(&o.committer, "committer", "", `committer "Name <email>" (default: GIT_COMMITTER_*, then git config, then the author)`)
	f.BoolVar(&o.push, "push", false, "push the commit; retried on non-fast-forward by re-applying the bump on the new remote head")
	f.StringVar(&o.remote, "remote", "origin", "remote to push to")
	f.StringVar(&o.branch, "branch", "", "remote branch to push to (default: the current branch; with --repo-url the remote's default)")
	f.IntVar(&o.maxAttempts, "max-attempts", gitrepo.DefaultMaxAttempts, "push attempts before giving up")
	f.StringVar(&o.repoURL, "repo-url", "", "bump this remote repository without a checkout (shallow clone in memory; implies --push)")
	f.BoolVar(&o.dryRun, "dry-run", false, "print the diff and the commit it would make; change nothing")
	f.StringVarP(&o.output, "output", "o", "text", "output format: text|json|yaml")
	f.StringVar(&o.sshKey, "ssh-key", "", "SSH private key file for the remote (default: GEN_SSH_KEY, then the SSH agent)")
	f.StringVar(&o.sshKnownHosts, "ssh-known-hosts", "", "known_hosts file for the remote (default: GEN_SSH_KNOWN_HOSTS, then ~/.ssh/known_hosts)")
	f.BoolVar(&o.sign, "sign", false, "sign the commit as git commit -S does (gpg.format, user.signingKey, gpg.program); default: commit.gpgSign")
	f.BoolVar(&o.noSign, "no-sign", false, "do not sign the commit, whatever commit.gpgSign says")
	f.BoolVar(&o.noVerify, "no-verify", false, "skip the repository's pre-commit, prepare-commit-msg, commit-msg, post-commit and pre-push hooks, as git commit --no-verify (pass it on untrusted content)")
	o.refresh.addFlags(f)
	o.pr.addFlags(f)
	o.flags = f
}

// validate checks the flags alone; each error names the flag.
func (o *bumpOptions) validate() error {
	if o.tag == "" {
		return usagef("--tag is required")
	}
	if err := kustomize.ValidateTag(o.tag); err != nil {
		return usagef("--tag: %w", err)
	}
	if o.digest != "" {
		if err := kustomize.ValidateDigest(o.digest); err != nil {
			return usagef("--digest: %w", err)
		}
		if o.resolveDigest {
			return usagef("--digest and --resolve-digest both name the digest: pass one")
		}
	}
	if o.image != "" {
		if err := kustomize.ValidateImageName(o.image); err != nil {
			return usagef("--image: %w", err)
		}
	}
	if o.path != "" && (o.app != "" || o.env != "") {
		return usagef("--path bumps a directory directly; it cannot be combined with --app or --env")
	}
	return o.validateCommitFlags()
}

// validateCommitFlags checks the flags every committing command shares.
func (o *bumpOptions) validateCommitFlags() error {
	if err := checkOutput(o.output, "text", "json", "yaml"); err != nil {
		return err
	}
	if o.branch != "" {
		// Before anything is committed: a bad name would otherwise fail
		// only at the push, after the local commit, or create a junk ref.
		if err := gitrepo.CheckBranchName(o.branch); err != nil {
			return usagef("--branch %w", err)
		}
	}
	if o.sign && o.noSign {
		return usagef("--sign and --no-sign contradict each other: pass one")
	}
	if o.maxAttempts < 1 {
		return usagef("--max-attempts %d: want at least 1", o.maxAttempts)
	}
	if err := o.validatePR(o.flags); err != nil {
		return err
	}
	if o.refresh.enabled && !o.push && o.repoURL == "" {
		return usagef("--refresh asks Argo CD to look at a pushed commit: add --push")
	}
	if _, err := bump.ParseMessage(o.message); err != nil {
		return usageErr(err)
	}
	for _, id := range []struct{ flag, v string }{{"--author", o.author}, {"--committer", o.committer}} {
		if _, _, err := parseIdentity(id.v); err != nil {
			return usagef("%s %q: %w", id.flag, id.v, err)
		}
	}
	return nil
}

// parseIdentity splits "Name <email>" as git commit --author does; ""
// is no identity.
func parseIdentity(s string) (name, email string, err error) { return gitrepo.ParseIdent(s) }

// remoteMemoryLimit is the GOMEMLIMIT of a remote bump, unless set.
const remoteMemoryLimit = 80 << 20

// bumpGCPercent is the GOGC of a local bump, unless GOGC is set.
const bumpGCPercent = 25

func runBump(ctx context.Context, o *bumpOptions) error {
	if err := o.validate(); err != nil {
		return err
	}
	return o.withWork(ctx, func(w *bumpWork) (err error) {
		if w.cfg != nil {
			if w.target, err = w.targetFor(o.app, o.env, o.image); err != nil {
				return err
			}
		}
		return o.commit(ctx, w)
	})
}

// withWork opens what a committing command works on (open), runs fn on it
// and closes it.
func (o *bumpOptions) withWork(ctx context.Context, fn func(*bumpWork) error) (err error) {
	w, err := o.open(ctx)
	if w != nil {
		defer w.close()
		// Whatever goes wrong, no credential reaches the output.
		defer func() { err = redacted(w.ep, err) }()
	}
	if err != nil {
		return err
	}
	return fn(w)
}

// open opens what a bump, promote or rollback works on: the checkout, or
// with --repo-url a depth-1 clone. The caller closes it.
func (o *bumpOptions) open(ctx context.Context) (*bumpWork, error) {
	if o.repoURL != "" {
		if o.deps.SetMemoryLimit != nil && o.deps.Getenv("GOMEMLIMIT") == "" {
			// Cloning, go-git's pack parser caches delta bases (up to 96
			// MiB) and the heap doubles between collections by default; a
			// soft limit makes the collector work harder instead: on the
			// 5,000-app bench repo peak RSS 155 -> 117 MiB, time unchanged
			// within the noise.
			o.deps.SetMemoryLimit(remoteMemoryLimit)
		}
		return o.openClone(ctx)
	}
	if o.deps.SetGCPercent != nil && o.deps.Getenv("GOGC") == "" {
		// A local bump keeps little live (the index is streamed), so its
		// peak RSS is mostly heap grown between collections: on the
		// 5,000-app bench repo GOGC 25 takes ~2 MiB (RssAnon 10.6-12.1 ->
		// 7.3-8.9 MiB) off for a few ms. Not in remote mode, whose
		// in-memory clone is a large live heap that would pay in time.
		o.deps.SetGCPercent(bumpGCPercent)
	}
	return o.openLocal(ctx)
}

// commit edits w.target's overlay to o.tag (and o.digest) and commits it,
// pushes and refreshes as the flags say: the one commit path of bump,
// promote and rollback.
func (o *bumpOptions) commit(ctx context.Context, w *bumpWork) error {
	if err := o.validate(); err != nil {
		return err
	}
	req, err := o.request(w.target, w.src.Repo())
	if err != nil {
		return err
	}
	w.src.SetPolicy(o.commitPolicy())
	src := bumpSource{src: w.src, maxAttempts: o.maxAttempts}
	b := bump.Bumper{Repo: src, FS: w.fs, Root: w.root, Build: o.build, Log: o.deps.Stderr, KeepsCommits: w.src.Root() != ""}
	if o.resolveDigest {
		b.ResolveDigest = resolveDigest
	}
	if o.pr.enabled && !o.dryRun {
		return o.commitPR(ctx, w, req, b)
	}
	pushes := w.ep != nil && !o.dryRun
	if pushes {
		b.Pusher = src
	}
	res, err := b.Run(ctx, req)
	if res.Branch == "" {
		res.Branch = w.src.Branch()
	}
	if err != nil {
		return bumpErr(err)
	}
	if err := o.print(res, req); err != nil {
		return err
	}
	if pushes && res.Changed {
		o.refreshArgoCD(ctx, w.cfg, w.target.Dir, w.repoURL)
	}
	return nil
}

// commitPolicy is --sign, --no-sign and --no-verify; hooks print to
// stderr, as git's do.
func (o *bumpOptions) commitPolicy() gitrepo.CommitPolicy {
	p := gitrepo.CommitPolicy{NoVerify: o.noVerify, HookOutput: o.deps.Stderr}
	switch {
	case o.sign:
		p.Sign = gitrepo.SignAlways
	case o.noSign:
		p.Sign = gitrepo.SignNever
	}
	return p
}

// refreshArgoCD runs the --refresh step for a pushed bump of dir: the
// Applications may name the repository as gen.yaml renders it or as the
// remote spells it.
func (o *bumpOptions) refreshArgoCD(ctx context.Context, cfg *config.Config, dir, remoteURL string) {
	t := argocd.Target{RepoURLs: []string{remoteURL}, Paths: []string{dir}}
	if cfg != nil {
		t.RepoURLs = append(t.RepoURLs, cfg.Repo.URL)
	}
	o.refresh.refreshAfterPush(ctx, o.deps, cfg, t)
}

// request builds the bump request: flags, identity and clock.
func (o *bumpOptions) request(t bump.Target, repo *gitrepo.Repo) (bump.Request, error) {
	var flags gitrepo.IdentityFlags
	flags.AuthorName, flags.AuthorEmail, _ = parseIdentity(o.author)
	flags.CommitterName, flags.CommitterEmail, _ = parseIdentity(o.committer)
	author, committer, err := gitrepo.ResolveIdentity(flags, o.deps.Getenv, repo, o.now())
	if err != nil {
		return bump.Request{}, usageErr(err)
	}
	return bump.Request{
		Target:    t,
		Tag:       o.tag,
		Digest:    o.digest,
		Message:   o.message,
		Author:    bump.Signature{Name: author.Name, Email: author.Email, When: author.When},
		Committer: bump.Signature{Name: committer.Name, Email: committer.Email, When: committer.When},
		DryRun:    o.dryRun,

		AllowUnused: o.allowUnused,

		Kind:     o.kind,
		From:     o.from,
		Reverts:  o.reverts,
		Trailers: o.trailers,
		Expect:   o.expect,
	}, nil
}

func (o *bumpOptions) now() time.Time {
	if o.deps.Now != nil {
		return o.deps.Now()
	}
	return time.Now()
}

// configTarget picks the overlay of app in env from gen.yaml.
func configTarget(cfg *config.Config, app, env, image string) (bump.Target, error) {
	names := cfg.AppNames()
	if app == "" {
		if len(names) != 1 {
			return bump.Target{}, usagef("gen.yaml has %d apps (%s); pass --app", len(names), strings.Join(names, ", "))
		}
		app = names[0]
	}
	if env == "" {
		if len(cfg.Environments) == 0 {
			return bump.Target{}, usagef("gen.yaml has no environments")
		}
		env = cfg.Environments[0].Name
	}
	if err := checkNames(cfg, env, app); err != nil {
		return bump.Target{}, err
	}
	a, _ := cfg.App(app)
	if image == "" {
		image = a.Image
	}
	return bump.Target{App: app, Env: env, Dir: config.OverlayDir(env, app), Image: image}, nil
}

// repoRel is dir relative to the repository root, slash-separated.
func repoRel(root, dir string) (string, error) {
	for _, p := range []*string{&root, &dir} {
		if r, err := filepath.EvalSymlinks(*p); err == nil {
			*p = r
		}
	}
	rel, err := filepath.Rel(root, dir)
	if err != nil || rel == ".." || strings.HasPrefix(rel, ".."+string(filepath.Separator)) {
		return "", fmt.Errorf("%s is outside the repository %s", dir, root)
	}
	return filepath.ToSlash(rel), nil
}

// registryTimeout bounds a --resolve-digest lookup.
const registryTimeout = 30 * time.Second

// resolveDigest is --resolve-digest: the digest image:tag names now.
func resolveDigest(ctx context.Context, image, tag string) (string, error) {
	ctx, cancel := context.WithTimeout(ctx, registryTimeout)
	defer cancel()
	d, err := registry.Resolver{}.Digest(ctx, image, tag)
	if err != nil {
		return "", fmt.Errorf("--resolve-digest: %w", err)
	}
	return d, nil
}

// bumpErr maps the bump's input errors to usage errors (exit 2): a tag the
// registry does not have is a well-formed value naming something absent;
// signing asked for with no usable key is a configuration error. A hook's
// refusal is a failed check (1).
func bumpErr(err error) error {
	if c := errinfo.Of(err).Commit; c != "" && errors.Is(err, gitrepo.ErrPushRefused) {
		// The kept commit can never be pushed there: say what to do.
		return fmt.Errorf("%w; open a pull request with --pr instead, and drop the commit with `git reset --keep %s^`", err, short12(c))
	}
	for _, e := range []error{bump.ErrImage, bump.ErrNoKustomization, bump.ErrUnsafeValue, gitrepo.ErrNoRemote, gitrepo.ErrCannotSign, kustomize.ErrInvalidTag, kustomize.ErrInvalidDigest, kustomize.ErrInvalidImage, registry.ErrTagNotFound} {
		if errors.Is(err, e) {
			return usageErr(err)
		}
	}
	return err
}

// print writes the result: JSON, or a line (and a dry run's diff) as text.
func (o *bumpOptions) print(res bump.Result, req bump.Request) error {
	w := o.deps.Stdout
	switch o.output {
	case "json":
		enc := json.NewEncoder(w)
		enc.SetIndent("", "  ")
		return enc.Encode(res)
	case "yaml":
		// The JSON field names, as kubectl -o yaml does.
		b, err := yaml.Marshal(res)
		if err != nil {
			return err
		}
		_, err = w.Write(b)
		return err
	}
	name := req.Dir
	if req.App != "" {
		name = req.App + "/" + req.Env
	}
	now := kustomize.Version{Tag: res.NewTag, Digest: res.Digest}
	switch {
	case !res.Changed:
		_, err := fmt.Fprintf(w, "%s: %s already at %s; nothing to commit\n", name, res.Image, now)
		return err
	case res.DryRun:
		fmt.Fprint(w, res.Diff)
		fmt.Fprintf(w, "\nwould commit on %s:\n  author:    %s\n  committer: %s\n\n", res.Branch, req.Author, req.Committer)
		for _, l := range strings.Split(strings.TrimRight(res.Message, "\n"), "\n") {
			fmt.Fprintf(w, "    %s\n", l)
		}
		return nil
	}
	old := kustomize.Version{Tag: res.OldTag, Digest: res.OldDigest}.String()
	if old == "" {
		old = "(none)"
	}
	pushed := ""
	if res.Pushed {
		pushed = ", pushed"
	}
	_, err := fmt.Fprintf(w, "%s: %s %s -> %s (commit %s on %s%s)\n", name, res.Image, old, now, res.Commit, res.Branch, pushed)
	return err
}
