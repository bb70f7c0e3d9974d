package synth

import (
	"bufio"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"strings"

	"github.com/rolloutgen/rolloutgen/internal/config"
	"github.com/rolloutgen/rolloutgen/internal/kustomize"
	"github.com/rolloutgen/rolloutgen/internal/render"
)

// Options shape a generated repository.
type Options struct {
	Apps    int      // number of apps; Files() says how many files that makes
	Envs    []string // environments; default dev, staging, prod
	Commits int      // bump commits after the initial one
	Seed    uint64   // RNG seed: same options, same repository
	// NoCheckout leaves the repository with HEAD but no index or
	// worktree files: for benchmarks that only read objects.
	NoCheckout bool
	// Env is the environment of the git processes (nil: os.Environ()).
	// Identities and dates of the generated commits are fixed regardless.
	Env []string
}

// Files reports how many files a repository with these options has: per
// app six base files and, per environment, an overlay and an Argo CD
// Application; then the AppProject, the root Application, the two CI
// files and gen.yaml. The tests hold it to what render returns.
func (o Options) Files() int { return 6*o.Apps + 2*len(o.envs())*o.Apps + 5 }

func (o Options) envs() []string {
	if len(o.Envs) == 0 {
		return defaultEnvs()
	}
	return o.Envs
}

// GenYAML is the gen.yaml of a repository with these options.
func (o Options) GenYAML() []byte { return genYAML(o.Apps, o.envs()) }

// Render returns what gen render writes for o.GenYAML() in an empty
// directory, sorted by path.
func (o Options) Render() ([]render.File, error) {
	cfg, err := config.Parse("gen.yaml", o.GenYAML())
	if err != nil {
		return nil, fmt.Errorf("synth: %w", err)
	}
	r, err := render.New()
	if err != nil {
		return nil, fmt.Errorf("synth: %w", err)
	}
	files, err := r.Render(cfg, nil)
	if err != nil {
		return nil, fmt.Errorf("synth: %w", err)
	}
	return files, nil
}

// errFastImportExited stops the stream writer when git fast-import is gone.
var errFastImportExited = errors.New("git fast-import exited")

// epoch is the date of the first generated commit; each next one is a
// minute later, so history is ordered and hashes reproducible.
const epoch = 1767225600 // 2026-01-01T00:00:00Z

// Generate creates a repository at dir (which must not exist or be empty)
// on branch main.
func Generate(ctx context.Context, dir string, o Options) error {
	if o.Apps < 1 {
		return fmt.Errorf("synth: Apps = %d, want at least 1", o.Apps)
	}
	// Render first: a config or template error leaves no directory behind.
	files, err := o.Render()
	if err != nil {
		return err
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return fmt.Errorf("synth: %w", err)
	}
	run := func(stdin io.Reader, args ...string) error {
		cmd := exec.CommandContext(ctx, "git", args...)
		cmd.Dir = dir
		cmd.Env = o.Env
		cmd.Stdin = stdin
		var stderr strings.Builder
		cmd.Stderr = &stderr
		if err := cmd.Run(); err != nil {
			return fmt.Errorf("synth: git %s: %w\n%s", strings.Join(args, " "), err, stderr.String())
		}
		return nil
	}
	if err := run(nil, "init", "-q", "-b", "main", "."); err != nil {
		return err
	}
	pr, pw := io.Pipe()
	errc := make(chan error, 1)
	go func() {
		bw := bufio.NewWriterSize(pw, 1<<20)
		err := writeStream(bw, o, files)
		if err == nil {
			err = bw.Flush()
		}
		pw.CloseWithError(err)
		errc <- err
	}()
	err = run(pr, "fast-import", "--quiet", "--done")
	pr.CloseWithError(errFastImportExited)
	if werr := <-errc; werr != nil && !errors.Is(werr, errFastImportExited) {
		// The stream's own error (a failed edit) explains more than
		// fast-import's complaint about the cut stream.
		err = fmt.Errorf("synth: write stream: %w", werr)
	}
	if err != nil {
		return err
	}
	if err := run(nil, "gc", "--quiet"); err != nil {
		return err
	}
	if o.NoCheckout {
		return nil
	}
	// reset --hard writes the worktree and an index with a full cache-tree,
	// as a fresh clone would have.
	return run(nil, "reset", "--hard", "-q", "main")
}

// writeStream writes the fast-import stream: one commit with gen.yaml and
// the rendered files, then o.Commits commits each bumping the tag of one
// random overlay as gen bump would.
func writeStream(w *bufio.Writer, o Options, files []render.File) error {
	rng := rand.New(rand.NewPCG(o.Seed, o.Seed^0x9e3779b97f4a7c15))
	envs := o.envs()
	when := epoch
	header := func(msg string) {
		fmt.Fprintf(w, "commit refs/heads/main\n")
		fmt.Fprintf(w, "author Synth Author <synth@example.com> %d +0000\n", when)
		fmt.Fprintf(w, "committer Synth Committer <synth@example.com> %d +0000\n", when)
		fmt.Fprintf(w, "data %d\n%s\n", len(msg), msg)
		when += 60
	}
	file := func(path string, content []byte) {
		fmt.Fprintf(w, "M 100644 inline %s\ndata %d\n", path, len(content))
		w.Write(content)
		w.WriteString("\n")
	}
	header(fmt.Sprintf("synthetic monorepo: %d apps in %s, as gen render writes it\n", o.Apps, strings.Join(envs, ", ")))
	file("gen.yaml", o.GenYAML())
	overlays := make(map[string][]byte, len(envs)*o.Apps)
	for _, f := range files {
		file(f.Path, f.Data)
		if strings.HasPrefix(f.Path, "overlays/") {
			overlays[f.Path] = f.Data
		}
	}
	w.WriteString("\n")
	for c := 0; c < o.Commits; c++ {
		env := envs[rng.IntN(len(envs))]
		app := AppName(rng.IntN(o.Apps))
		tag := fmt.Sprintf("v1.%d.%d", c/100, c%100)
		p := OverlayPath(env, app)
		old, ok := overlays[p]
		if !ok {
			return fmt.Errorf("render wrote no %s", p)
		}
		content, change, err := kustomize.SetImage(old, Image(app), tag, "")
		if err != nil {
			return fmt.Errorf("%s: %w", p, err)
		}
		overlays[p] = content
		// gen bump's default message (bump.DefaultMessage) for app/env.
		header(fmt.Sprintf("bump %s/%s: %s %s -> %s\n", app, env, change.Image, change.Old, change.New))
		file(p, content)
		w.WriteString("\n")
	}
	_, err := w.WriteString("done\n")
	return err
}

// DirFor is a stable cache location for a repository with these options
// under root, so benchmark runs can reuse one instead of regenerating it.
// The name carries a fingerprint of what render writes for one app, so a
// change to the templates or the config defaults makes a new repository
// rather than reusing one gen would now render differently.
func DirFor(root string, o Options) string {
	name := fmt.Sprintf("synth-%dapps-%denvs-%dcommits-seed%d-%s", o.Apps, len(o.envs()), o.Commits, o.Seed, fingerprint(o.envs()))
	if o.NoCheckout {
		name += "-nocheckout"
	}
	return filepath.Join(root, name)
}

// fingerprint hashes the files rendered for one app in envs.
func fingerprint(envs []string) string {
	h := sha256.New()
	files, err := Options{Apps: 1, Envs: envs}.Render()
	if err != nil {
		// Generate will report the error; any name will do until then.
		h.Write([]byte(err.Error()))
	}
	for _, f := range files {
		fmt.Fprintf(h, "%s %d\n", f.Path, len(f.Data))
		h.Write(f.Data)
	}
	return hex.EncodeToString(h.Sum(nil))[:10]
}
