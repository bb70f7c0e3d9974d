package gitrepo

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"syscall"
	"time"

	"github.com/go-git/go-git/v5/plumbing"
	"github.com/go-git/go-git/v5/plumbing/filemode"
	"github.com/go-git/go-git/v5/plumbing/format/index"
	"github.com/go-git/go-git/v5/plumbing/object"
)

// The repository's hooks, run as `git commit --only <file>` runs them
// (builtin/commit.c, hook.c): from core.hooksPath (relative to the
// worktree root) or <common dir>/hooks; a hook that is not executable is
// ignored with git's hint; cwd is the worktree root, GIT_INDEX_FILE a
// temporary index of HEAD plus the committed file, GIT_EDITOR=:, stdin
// empty, stdout and stderr both the hook's output.
//
// Hooks run only in checkout mode, where the commit is made of files in a
// worktree the hooks can look at. A clone (--repo-url) has no worktree and
// no hooks of its own, and a detached commit (on top of <remote>/<branch>)
// is not made of the worktree's files, so a hook would check the wrong
// content; both run none, as git commit-tree runs none. A re-applied
// commit runs none either, as git rebase runs no pre-commit.

// ErrHook: a hook refused the commit or the push (its output follows in
// the error), or did what gen cannot honour (staged other paths).
var ErrHook = errors.New("hook refused")

// Check re-checks a file a pre-commit hook rewrote (the build check of
// the command that committed it); nil accepts any content.
type Check func(ctx context.Context, content []byte) error

// hookRunner runs one repository's hooks.
type hookRunner struct {
	dir    string // hooks directory
	root   string // worktree root: the hooks' cwd
	gitDir string
	env    []string
	out    io.Writer
}

// hookRunner is nil when the policy skips hooks (--no-verify).
func (r *Repo) hookRunner(p CommitPolicy) *hookRunner {
	if p.NoVerify {
		return nil
	}
	dir := filepath.Join(r.commonDir, "hooks")
	if v, ok := r.config.get("core.hookspath"); ok && v != "" {
		dir = expandHome(v, r.getenv)
		if !filepath.IsAbs(dir) {
			dir = filepath.Join(r.root, dir) // "relative to where hooks are run": the worktree root
		}
	}
	return &hookRunner{dir: dir, root: r.root, gitDir: r.gitDir, env: p.environ(), out: p.hookOutput()}
}

// find returns the hook's path when it exists and may run; a hook that is
// present but not executable is skipped with git's hint.
func (h *hookRunner) find(name string) (string, bool) {
	p, fi := h.stat(name)
	if fi == nil {
		return "", false
	}
	if fi.Mode()&0o111 == 0 {
		fmt.Fprintf(h.out, "hint: The '%s' hook was ignored because it's not set as executable.\nhint: You can disable this warning with `git config advice.ignoredHook false`.\n", p)
		return "", false
	}
	return p, true
}

func (h *hookRunner) stat(name string) (string, fs.FileInfo) {
	if h == nil {
		return "", nil
	}
	p := filepath.Join(h.dir, name)
	fi, err := os.Stat(p)
	if err != nil || fi.IsDir() {
		return p, nil
	}
	return p, fi
}

// any reports whether one of names is present (executable or not: run
// gives git's hint for one that is not).
func (h *hookRunner) any(names ...string) bool {
	for _, n := range names {
		if _, fi := h.stat(n); fi != nil {
			return true
		}
	}
	return false
}

// run runs hook name (if present) with args, extra environment and stdin.
// Its output goes to h.out when it succeeds and into the error when it
// fails.
func (h *hookRunner) run(ctx context.Context, name string, env []string, stdin []byte, args ...string) error {
	p, ok := h.find(name)
	if !ok {
		return nil
	}
	var out bytes.Buffer
	err := h.exec(ctx, p, env, stdin, &out, args)
	if err != nil {
		msg := strings.TrimRight(out.String(), "\n")
		if msg != "" {
			msg = "\n" + msg
		}
		return fmt.Errorf("%s hook %s: %w: %w%s", name, p, ErrHook, err, msg)
	}
	_, _ = h.out.Write(out.Bytes())
	return nil
}

func (h *hookRunner) exec(ctx context.Context, p string, env []string, stdin []byte, out io.Writer, args []string) error {
	start := func(argv0 string, argv []string) error {
		cmd := exec.CommandContext(ctx, argv0, argv...)
		cmd.Dir = h.root
		cmd.Env = append(append(append([]string(nil), h.env...), "GIT_EDITOR=:"), env...)
		cmd.Stdin = bytes.NewReader(stdin)
		cmd.Stdout, cmd.Stderr = out, out
		return cmd.Run()
	}
	err := start(p, args)
	if errors.Is(err, syscall.ENOEXEC) {
		// No #! line: git's run-command retries with the shell.
		err = start("/bin/sh", append([]string{p}, args...))
	}
	return err
}

// commitHooks are the hooks that run before the commit object is written.
var commitHooks = []string{"pre-commit", "prepare-commit-msg", "commit-msg"}

// runCommitHooks is the hooks step of a checkout transaction: the files
// are written to the worktree first (with their undo), since hooks look at
// the worktree as git commit leaves it; pre-commit runs on a temporary
// index of parent plus the files, then prepare-commit-msg and commit-msg
// on the message. A file the hook rewrote (in the worktree, or staged) is
// re-read, re-checked and committed as it now is; any other path it
// staged is refused. It returns the (possibly new) tree and message, and
// the files' stat data for the index.
func (t *txn) runCommitHooks(ctx context.Context, h *hookRunner, parent *object.Commit, files []fileChange, meta *CommitMeta, check Check) (tree plumbing.Hash, stats []entryStat, err error) {
	stats, err = t.writeWorktree(files)
	if err != nil {
		return tree, nil, err
	}
	tmp := filepath.Join(h.gitDir, fmt.Sprintf("next-index-%d.lock", os.Getpid()))
	defer os.Remove(tmp)
	want, err := t.writeTempIndex(tmp, parent, files, stats)
	if err != nil {
		return tree, nil, err
	}
	env := []string{"GIT_INDEX_FILE=" + tmp}
	if err := h.run(ctx, "pre-commit", env, nil); err != nil {
		return tree, nil, err
	}
	rewrote, err := t.rereadAfterHook(ctx, tmp, want, files, check)
	if err != nil {
		return tree, nil, err
	}
	if rewrote {
		for i := range files {
			fi, err := t.r.lstatWorktree(files[i].path)
			if err != nil {
				return tree, nil, fmt.Errorf("stat %q: %w", files[i].path, err)
			}
			stats[i] = indexStat(fi)
		}
	}
	if tree, err = t.objects(parent, files); err != nil {
		return tree, nil, err
	}
	if h.any("prepare-commit-msg", "commit-msg") {
		msgFile := filepath.Join(h.gitDir, "COMMIT_EDITMSG")
		if err := os.WriteFile(msgFile, []byte(cleanupMessage(meta.Message)), 0o666); err != nil {
			return tree, nil, err
		}
		if err := h.run(ctx, "prepare-commit-msg", env, nil, msgFile, "message"); err != nil {
			return tree, nil, err
		}
		if err := h.run(ctx, "commit-msg", env, nil, msgFile); err != nil {
			return tree, nil, err
		}
		b, err := os.ReadFile(msgFile)
		if err != nil {
			return tree, nil, err
		}
		msg := cleanupMessage(string(b))
		if msg == "" {
			return tree, nil, fmt.Errorf("the commit-msg hooks left an empty message in %s: %w", msgFile, ErrHook)
		}
		meta.Message = msg
	}
	return tree, stats, nil
}

// indexItem is an entry of the temporary index, for comparing it after
// the hook.
type indexItem struct {
	hash plumbing.Hash
	mode filemode.FileMode
}

// writeTempIndex writes parent's tree plus the files as an index at path
// (git's "false index" of a partial commit) and returns its entries.
func (t *txn) writeTempIndex(path string, parent *object.Commit, files []fileChange, stats []entryStat) (map[string]indexItem, error) {
	want := map[string]indexItem{}
	tree, err := object.GetTree(t.store, parent.TreeHash)
	if err != nil {
		return nil, fmt.Errorf("read tree of %s: %w", parent.Hash, err)
	}
	w := object.NewTreeWalker(tree, true, nil)
	defer w.Close()
	for {
		name, e, err := w.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, fmt.Errorf("read tree of %s: %w", parent.Hash, err)
		}
		if e.Mode == filemode.Dir {
			continue
		}
		want[name] = indexItem{e.Hash, e.Mode}
	}
	idx := &index.Index{Version: 2}
	for _, f := range files {
		want[f.path] = indexItem{f.to.Hash, f.to.Mode}
	}
	names := make([]string, 0, len(want))
	for n := range want {
		names = append(names, n)
	}
	sort.Strings(names)
	statOf := map[string]entryStat{}
	for i, f := range files {
		statOf[f.path] = stats[i]
	}
	for _, n := range names {
		e := &index.Entry{Name: n, Hash: want[n].hash, Mode: want[n].mode}
		if st, ok := statOf[n]; ok {
			e.Size, e.Dev, e.Inode, e.UID, e.GID = st.size, st.dev, st.ino, st.uid, st.gid
			e.CreatedAt = time.Unix(int64(st.ctimeSec), int64(st.ctimeNsec))
			e.ModifiedAt = time.Unix(int64(st.mtimeSec), int64(st.mtimeNsec))
		}
		idx.Entries = append(idx.Entries, e)
	}
	var buf bytes.Buffer
	if err := index.NewEncoder(&buf).Encode(idx); err != nil {
		return nil, fmt.Errorf("write %s: %w", path, err)
	}
	if err := os.WriteFile(path, buf.Bytes(), 0o666); err != nil {
		return nil, err
	}
	return want, nil
}

// rereadAfterHook reads the temporary index and the files after
// pre-commit. Another path staged or unstaged is refused; a file the hook
// rewrote is taken as the worktree now holds it (it must agree with what
// the hook staged, if it staged it), checked, and its blob written.
func (t *txn) rereadAfterHook(ctx context.Context, tmp string, want map[string]indexItem, files []fileChange, check Check) (rewrote bool, err error) {
	data, err := os.ReadFile(tmp)
	if err != nil {
		return false, fmt.Errorf("read the index after pre-commit: %w", err)
	}
	idx := &index.Index{}
	if err := index.NewDecoder(bytes.NewReader(data)).Decode(idx); err != nil {
		return false, fmt.Errorf("read the index after pre-commit: %w", err)
	}
	got := map[string]indexItem{}
	for _, e := range idx.Entries {
		got[e.Name] = indexItem{e.Hash, e.Mode}
	}
	ours := map[string]bool{}
	for _, f := range files {
		ours[f.path] = true
	}
	var others []string
	for n, w := range want {
		if g, ok := got[n]; !ours[n] && (!ok || g != w) {
			others = append(others, n)
		}
	}
	for n := range got {
		if _, ok := want[n]; !ok {
			others = append(others, n)
		}
	}
	if len(others) > 0 {
		sort.Strings(others)
		return false, fmt.Errorf("the pre-commit hook staged other paths (%s); gen commits only %s: %w", strings.Join(quoteAll(others), ", "), strings.Join(quoteAll(keys(ours)), ", "), ErrHook)
	}
	for i := range files {
		f := &files[i]
		content, err := t.r.readWorktree(f.path)
		if errors.Is(err, fs.ErrNotExist) {
			return false, fmt.Errorf("the pre-commit hook removed %q: %w", f.path, ErrHook)
		} else if err != nil {
			return false, fmt.Errorf("read %q after pre-commit: %w", f.path, err)
		}
		blob, err := t.r.blobContent(f.path, content, f.from, f.inFrom)
		if err != nil {
			return false, err
		}
		h := plumbing.ComputeHash(plumbing.BlobObject, blob)
		staged := got[f.path].hash
		if h == f.to.Hash && staged == f.to.Hash {
			continue
		}
		if staged != f.to.Hash && staged != h {
			return false, fmt.Errorf("the pre-commit hook staged a version of %q that is not in the worktree: %w", f.path, ErrHook)
		}
		if check != nil {
			if err := check(ctx, content); err != nil {
				return false, fmt.Errorf("%q as the pre-commit hook rewrote it: %w", f.path, err)
			}
		}
		f.content, f.blob = content, blob
		rewrote = true
	}
	return rewrote, nil
}

func quoteAll(ss []string) []string {
	out := make([]string, len(ss))
	for i, s := range ss {
		out[i] = fmt.Sprintf("%q", s)
	}
	return out
}

func keys(m map[string]bool) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

// cleanupMessage is git's --cleanup=whitespace (strbuf_stripspace without
// comments), the cleanup of a commit -m message: trailing spaces off each
// line, runs of empty lines made one, none at the start or the end, and a
// final newline. An empty result is "".
func cleanupMessage(msg string) string {
	var out []string
	blank := false
	for _, l := range strings.Split(msg, "\n") {
		l = strings.TrimRight(l, " \t\r\v\f")
		if l == "" {
			blank = len(out) > 0
			continue
		}
		if blank {
			out = append(out, "")
			blank = false
		}
		out = append(out, l)
	}
	if len(out) == 0 {
		return ""
	}
	return strings.Join(out, "\n") + "\n"
}

// prePush runs the pre-push hook as git push does: arguments the remote's
// name and URL, one line "<local ref> <local sha> <remote ref> <remote
// sha>" on stdin.
func (h *hookRunner) prePush(ctx context.Context, remoteName, url, branch string, local, remote plumbing.Hash) error {
	ref := "refs/heads/" + branch
	line := fmt.Sprintf("%s %s %s %s\n", ref, local, ref, remote)
	return h.run(ctx, "pre-push", nil, []byte(line), remoteName, url)
}
