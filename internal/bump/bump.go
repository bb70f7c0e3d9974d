package bump

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"path"
	"strings"
	"time"
	"unicode"

	"github.com/rolloutgen/rolloutgen/internal/errinfo"
	"github.com/rolloutgen/rolloutgen/internal/kustomize"

	"sigs.k8s.io/kustomize/kyaml/filesys"
)

// Sentinels for the outcomes callers branch on.
var (
	// ErrNoKustomization: the directory holds no kustomization file.
	ErrNoKustomization = errors.New("no kustomization.yaml in the directory")
	// ErrImage: which images: entry to bump is not clear (none, or several
	// and no --image).
	ErrImage = errors.New("cannot tell which image to bump")
	// ErrBuild: the edited overlay no longer builds; nothing was written.
	ErrBuild = errors.New("the edited overlay does not build; nothing was written")
	// ErrUnsafeValue: a value read from a file, which would reach the
	// commit message, is not one line of printable text.
	ErrUnsafeValue = errors.New("a value that goes into the commit message must be one line without control characters; fix the file")
	// ErrUnusedImage: the images: entry matches no container of the
	// overlay's build, so pinning it would change nothing deployed.
	ErrUnusedImage = errors.New("the image matches no container in the build; nothing was written (--allow-unused pins it anyway)")
)

// checkMessageValue refuses a value read from file (field names where)
// that would reach the commit message or the terminal with a line break,
// an escape code or another control character: it could forge trailers
// ("Signed-off-by: …") or repaint the terminal. The value is shown %q.
func checkMessageValue(file, field, v string) error {
	if strings.ContainsFunc(v, func(r rune) bool { return unicode.IsControl(r) || r == '\u2028' || r == '\u2029' }) {
		return fmt.Errorf("%s: %s %q: %w", file, field, v, ErrUnsafeValue)
	}
	return nil
}

// checkOld refuses an entry whose current tag or digest is unsafe.
func checkOld(file, image string, old kustomize.Version) error {
	if err := checkMessageValue(file, fmt.Sprintf("images[name=%q].newTag", image), old.Tag); err != nil {
		return err
	}
	return checkMessageValue(file, fmt.Sprintf("images[name=%q].digest", image), old.Digest)
}

// Signature is who made a commit, and when.
type Signature struct {
	Name, Email string
	When        time.Time
}

// String is git's "Name <email>".
func (s Signature) String() string { return s.Name + " <" + s.Email + ">" }

// Meta is what a commit says besides its content.
type Meta struct {
	Message           string
	Author, Committer Signature
}

// Commit is a commit made in the repository.
type Commit struct {
	Hash string
	// Branch is the branch the commit is on; empty for a detached commit
	// (--pr), which is on none until pushed to its own.
	Branch string
}

// Repo is the repository a bump commits into: a checkout on disk, or a
// shallow clone in memory (whose CheckClean has nothing to check).
type Repo interface {
	// CheckClean fails (naming path) when path has uncommitted changes.
	CheckClean(path string) error
	// CommitFile commits content at path (slash-separated, repo-relative)
	// on the current branch, touching nothing else. check re-checks the
	// content if a commit hook rewrites it.
	CommitFile(ctx context.Context, path string, content []byte, meta Meta, check Check) (Commit, error)
}

// Check is the bump's check of a file's content: the entry still pins the
// requested version and the overlay still builds. A commit hook that
// reformats the file has its result checked by it.
type Check func(ctx context.Context, content []byte) error

// Reapply redoes the edit on another commit: tree is that commit's files,
// old the file's content there. It returns the new content and the commit
// message for it (the old tag there may differ from the local one);
// changed is false when old already pins the requested version.
type Reapply func(ctx context.Context, tree fs.FS, old []byte) (content []byte, message string, changed bool, err error)

// PushResult is what ended on the remote.
type PushResult struct {
	// Commit is the remote branch head afterwards.
	Commit string
	// Pushed is false when the remote already had the change.
	Pushed bool
	// Attempts counts the pushes tried.
	Attempts int
	// Reapplied: Commit was made by re-applying the edit on a newer
	// remote head, not the local commit.
	Reapplied bool
}

// Pusher publishes a commit of path, calling reapply on the remote's new
// head when the remote moved on (bounded, non-fast-forward only).
type Pusher interface {
	Push(ctx context.Context, commit Commit, path string, meta Meta, reapply Reapply) (PushResult, error)
}

// Target says which images: entry to bump.
type Target struct {
	// App and Env name the overlay in a gen repository ("" in --path mode);
	// they appear in messages only.
	App, Env string
	// Dir is the kustomization directory, slash-separated and relative to
	// the repository root.
	Dir string
	// Image is the images: entry's name; "" picks the only entry.
	Image string
}

// Request is one bump.
type Request struct {
	Target
	Tag, Digest string
	// Message is a text/template for the commit message ("": the default).
	Message string
	// Author and Committer sign the commit; their When is the commit time.
	Author, Committer Signature
	// DryRun computes the diff and the commit and changes nothing.
	DryRun bool
	// AllowUnused pins an image no container of the build runs.
	AllowUnused bool

	// Kind picks the default message (bump, promote, rollback).
	Kind Kind
	// From is a promotion's source environment; Reverts the commit a
	// rollback undoes (message fields).
	From, Reverts string
	// Trailers follow Gen-Change at the end of the message.
	Trailers []Trailer
	// Expect, when set, is the entry the command read and decided from:
	// if the file (locally, or on a newer remote head) pins anything
	// else, the command fails at once naming it rather than overwrite a
	// newer change.
	Expect *kustomize.Version
}

// ErrEntryMoved: the entry is no longer the one the command decided from.
var ErrEntryMoved = errors.New("the entry changed since gen read it")

// Result is what a bump did, for the text and JSON outputs.
type Result struct {
	App   string `json:"app,omitempty"`
	Env   string `json:"env,omitempty"`
	Dir   string `json:"dir"`
	File  string `json:"file"`
	Image string `json:"image"`
	// OldTag, NewTag, OldDigest and Digest describe the entry before and after.
	OldTag    string `json:"oldTag"`
	NewTag    string `json:"newTag"`
	OldDigest string `json:"oldDigest,omitempty"`
	Digest    string `json:"digest,omitempty"`
	// Changed is false when the entry already pinned the request.
	Changed bool `json:"changed"`
	// Commit is the commit made (or, after a push, the remote head).
	Commit   string `json:"commit,omitempty"`
	Branch   string `json:"branch,omitempty"`
	Pushed   bool   `json:"pushed"`
	Attempts int    `json:"attempts"`
	DryRun   bool   `json:"dryRun,omitempty"`
	Message  string `json:"message,omitempty"`
	// Diff is the unified diff of the file (dry runs only).
	Diff string `json:"diff,omitempty"`
}

// Bumper runs bumps against one repository.
type Bumper struct {
	// Repo commits; Pusher, when set, publishes after the commit.
	Repo   Repo
	Pusher Pusher
	// FS is the filesystem the overlay builds from and Root the
	// repository's directory in it (the worktree on disk, or "/" over a
	// clone's tree).
	FS   filesys.FileSystem
	Root string
	// Build bounds the build check (remote resources, file sizes, the
	// context); the zero value refuses remote resources.
	Build kustomize.Builder
	// Log receives one line per action.
	Log io.Writer
	// KeepsCommits: Repo is a checkout where a commit outlives a failed
	// push (not an in-memory clone); errors then say so.
	KeepsCommits bool
	// ResolveDigest, when set and the request names no digest, looks the
	// tag up in the registry of the image the entry deploys (its newName,
	// else its name) so tag and digest are pinned together. It runs before
	// anything is written.
	ResolveDigest func(ctx context.Context, image, tag string) (string, error)
}

func (b Bumper) logf(format string, a ...any) {
	if b.Log != nil {
		fmt.Fprintf(b.Log, format+"\n", a...)
	}
}

// name is the bump's name in errors: "app/env", or the directory.
func (t Target) name() string {
	if t.App != "" {
		return t.App + "/" + t.Env
	}
	return t.Dir
}

// Run bumps req's image: edit, build check, commit, push. Already at the
// requested version, it commits nothing (and, with a pusher, still makes
// sure the remote has it). A failure leaves the repository as it was.
func (b Bumper) Run(ctx context.Context, req Request) (Result, error) {
	res, err := b.run(ctx, req)
	if err != nil {
		return res, fmt.Errorf("bump %s: %w", req.name(), err)
	}
	return res, nil
}

func (b Bumper) run(ctx context.Context, req Request) (Result, error) {
	res := Result{App: req.App, Env: req.Env, Dir: req.Dir, NewTag: req.Tag, Digest: req.Digest, DryRun: req.DryRun}
	tmpl, err := parseMessage(req.Message, req.Kind)
	if err != nil {
		return res, err
	}
	file, err := b.findKustomization(req.Dir)
	if err != nil {
		return res, err
	}
	res.File = file
	if err := b.Repo.CheckClean(file); err != nil {
		return res, err
	}
	old, err := b.FS.ReadFile(b.abs(file))
	if err != nil {
		return res, fmt.Errorf("read %s: %w", file, err)
	}
	image, err := PickImage(old, file, req.Image)
	if err != nil {
		return res, err
	}
	res.Image = image
	if err := checkMessageValue(file, "images[].name", image); err != nil {
		return res, err
	}
	if cur, ok, err := kustomize.ReadImage(old, image); err == nil && ok {
		if err := checkOld(file, image, kustomize.Version{Tag: cur.Tag, Digest: cur.Digest}); err != nil {
			return res, err
		}
		res.OldTag, res.OldDigest = cur.Tag, cur.Digest
	}
	if err := checkExpected(req, file, kustomize.Version{Tag: res.OldTag, Digest: res.OldDigest}); err != nil {
		return res, err
	}
	if b.ResolveDigest != nil && req.Digest == "" {
		deployed := deployedImage(old, image)
		d, err := b.ResolveDigest(ctx, deployed, req.Tag)
		if err != nil {
			return res, err
		}
		b.logf("%s:%s is %s in the registry", deployed, req.Tag, d)
		req.Digest, res.Digest = d, d
	}
	content, change, err := b.edit(ctx, b.FS, b.Root, file, old, image, req)
	if err != nil {
		return res, err
	}
	res.Changed = !change.IsZero()
	meta := Meta{Author: req.Author, Committer: req.Committer}
	meta.Message, err = tmpl.render(req, res)
	if err != nil {
		return res, err
	}
	if !res.Changed {
		b.logf("%s: %s already at %s; nothing to commit", file, image, kustomize.Version{Tag: req.Tag, Digest: req.Digest})
		if b.Pusher == nil || req.DryRun {
			return res, nil
		}
	} else {
		b.logf("edited %s: %s %s -> %s", file, image, versionOrNone(change.Old), change.New)
		b.logf("built %s", req.Dir)
		res.Message = meta.Message
	}
	if req.DryRun {
		res.Diff = UnifiedDiff("a/"+file, "b/"+file, old, content)
		return res, nil
	}
	var commit Commit
	if res.Changed {
		check := func(ctx context.Context, content []byte) error {
			return b.check(ctx, b.FS, b.Root, file, content, image, req)
		}
		commit, err = b.Repo.CommitFile(ctx, file, content, meta, check)
		if err != nil {
			return res, err
		}
		res.Commit, res.Branch = commit.Hash, commit.Branch
		if commit.Branch == "" {
			b.logf("committed %s on no branch (detached)", short(commit.Hash))
		} else {
			b.logf("committed %s on %s", short(commit.Hash), commit.Branch)
		}
	}
	if b.Pusher == nil {
		return res, nil
	}
	reapply := func(ctx context.Context, tree fs.FS, old []byte) ([]byte, string, bool, error) {
		if cur, ok, err := kustomize.ReadImage(old, image); err == nil && ok {
			if err := checkExpected(req, file, cur.Version); err != nil {
				return nil, "", false, fmt.Errorf("on the remote head: %w", err)
			}
		}
		content, change, err := b.edit(ctx, kustomize.FromFS(tree), "/", file, old, image, req)
		if err != nil || change.IsZero() {
			return nil, "", false, err
		}
		if err := checkOld(file, image, change.Old); err != nil {
			return nil, "", false, err
		}
		res.OldTag, res.OldDigest = change.Old.Tag, change.Old.Digest
		msg, err := tmpl.render(req, res)
		if err != nil {
			return nil, "", false, err
		}
		res.Message = msg
		b.logf("re-applied on the remote head: %s %s -> %s", image, versionOrNone(change.Old), change.New)
		return content, msg, true, nil
	}
	pr, err := b.Pusher.Push(ctx, commit, file, meta, reapply)
	res.Attempts = pr.Attempts
	if err != nil {
		if commit.Hash != "" && b.KeepsCommits {
			// Like git commit && git push: the commit stays; running the
			// same bump with --push again pushes it.
			return res, errinfo.WithCommit(fmt.Errorf("committed %s on %s but did not push it: %w", short(commit.Hash), commit.Branch, err), commit.Hash)
		}
		return res, err
	}
	res.Pushed = pr.Pushed
	if pr.Commit != "" {
		res.Commit = pr.Commit
	}
	if pr.Reapplied && !pr.Pushed {
		// The remote already had the requested version.
		res.Changed = false
	}
	return res, nil
}

// edit pins image in the kustomization file (content old) and checks that
// the overlay still builds on fsys with the new content in place.
func (b Bumper) edit(ctx context.Context, fsys filesys.FileSystem, root, file string, old []byte, image string, req Request) ([]byte, kustomize.Change, error) {
	content, change, err := kustomize.SetImage(old, image, req.Tag, req.Digest)
	if err != nil {
		return nil, change, fmt.Errorf("%s: %w", file, err)
	}
	if change.IsZero() {
		return old, change, nil
	}
	change.File = file
	if err := b.check(ctx, fsys, root, file, content, image, req); err != nil {
		return nil, kustomize.Change{}, err
	}
	return content, change, nil
}

// check builds the overlay on fsys with content in place of file, and
// checks that content pins req's version of image, that a container runs
// it (unless AllowUnused).
func (b Bumper) check(ctx context.Context, fsys filesys.FileSystem, root, file string, content []byte, image string, req Request) error {
	img, ok, err := kustomize.ReadImage(content, image)
	if err != nil || !ok || img.Version != (kustomize.Version{Tag: req.Tag, Digest: req.Digest}) {
		return fmt.Errorf("%s: %q no longer pins %s", file, image, kustomize.Version{Tag: req.Tag, Digest: req.Digest})
	}
	abs := path.Join(root, file)
	view := kustomize.WithFiles(fsys, map[string][]byte{abs: content})
	m, err := b.Build.BuildResMap(ctx, view, path.Dir(abs))
	if err != nil {
		if ctx.Err() != nil {
			return err
		}
		return fmt.Errorf("%w: %w", ErrBuild, err)
	}
	if !req.AllowUnused && !kustomize.UsesImage(m, img) {
		return fmt.Errorf("%s: %q: %w", file, image, ErrUnusedImage)
	}
	return nil
}

// abs is file's path in b.FS.
func (b Bumper) abs(file string) string { return path.Join(b.Root, file) }

// findKustomization returns the repo-relative path of dir's kustomization
// file, under any of the names kustomize recognises.
func (b Bumper) findKustomization(dir string) (string, error) {
	for _, name := range []string{"kustomization.yaml", "kustomization.yml", "Kustomization"} {
		f := path.Join(dir, name)
		if b.FS.Exists(b.abs(f)) && !b.FS.IsDir(b.abs(f)) {
			return f, nil
		}
	}
	return "", fmt.Errorf("%s: %w", dir, ErrNoKustomization)
}

// deployedImage is the repository the entry named image deploys: its
// newName when it has one.
func deployedImage(data []byte, image string) string {
	imgs, _ := kustomize.Images(data) // parsed already by PickImage
	for _, im := range imgs {
		if im.Name == image && im.NewName != "" {
			return im.NewName
		}
	}
	return image
}

// PickImage returns want, or the kustomization's only images: entry (gen
// rollback --path reads history of the entry a bump would edit).
func PickImage(data []byte, file, want string) (string, error) {
	if want != "" {
		return want, kustomize.ValidateImageName(want)
	}
	imgs, err := kustomize.Images(data)
	if err != nil {
		return "", fmt.Errorf("%s: %w", file, err)
	}
	switch len(imgs) {
	case 1:
		return imgs[0].Name, nil
	case 0:
		return "", fmt.Errorf("%s has no images: entry; pass --image NAME to add one: %w", file, ErrImage)
	}
	names := make([]string, len(imgs))
	for i, im := range imgs {
		names[i] = im.Name
	}
	return "", fmt.Errorf("%s has several images (%s); pass --image NAME: %w", file, strings.Join(names, ", "), ErrImage)
}

func versionOrNone(v kustomize.Version) string {
	if s := v.String(); s != "" {
		return s
	}
	return "(none)"
}

func short(h string) string {
	if len(h) > 12 {
		return h[:12]
	}
	return h
}

// checkExpected fails when req expects another entry than cur.
func checkExpected(req Request, file string, cur kustomize.Version) error {
	if req.Expect == nil || *req.Expect == cur {
		return nil
	}
	return fmt.Errorf("%s: %w: it pins %s now, not %s; not overwriting a newer change", file, ErrEntryMoved, versionOrNone(cur), versionOrNone(*req.Expect))
}
