package gitrepo

import (
	"bytes"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strconv"
	"strings"
)

// Repo is a non-bare repository with a worktree, opened on the paths git
// itself uses: per-worktree files (HEAD, index, logs/HEAD, MERGE_HEAD, …)
// live in gitDir, shared ones (objects, refs, packed-refs, config) in
// commonDir; the two differ only in a linked worktree.
type Repo struct {
	root      string
	gitDir    string
	commonDir string
	objects   *objectStore
	config    *gitConfig
	getenv    func(string) string

	// afterStep, when set (by tests only), is called after each step of
	// CommitFile so a crash can be simulated at a precise point.
	afterStep func(step string)
}

// Open finds the repository containing dir (dir itself or a parent, like
// git does) and opens it. Only the config is read; the index and the
// worktree are not touched.
func Open(dir string) (*Repo, error) { return OpenEnv(dir, os.Getenv) }

// OpenEnv is Open with the environment read through getenv (config
// locations, GIT_CONFIG_*, GIT_ALTERNATE_OBJECT_DIRECTORIES).
func OpenEnv(dir string, getenv func(string) string) (*Repo, error) {
	abs, err := filepath.Abs(dir)
	if err != nil {
		return nil, fmt.Errorf("open repository at %q: %w", dir, err)
	}
	root, gitDir, err := findGitDir(abs)
	if err != nil {
		return nil, err
	}
	commonDir := gitDir
	if b, err := os.ReadFile(filepath.Join(gitDir, "commondir")); err == nil {
		c := strings.TrimSpace(string(b))
		if !filepath.IsAbs(c) {
			c = filepath.Join(gitDir, c)
		}
		commonDir = filepath.Clean(c)
	} else if !errors.Is(err, fs.ErrNotExist) {
		return nil, fmt.Errorf("open repository %q: %w", root, err)
	}
	r := &Repo{
		root:      root,
		gitDir:    gitDir,
		commonDir: commonDir,
		getenv:    getenv,
	}
	r.config, err = loadConfig(configSource{
		getenv: getenv, gitDir: gitDir, commonDir: commonDir,
		branch: func() string {
			ref, err := r.headTarget()
			if err != nil {
				return ""
			}
			return strings.TrimPrefix(ref, "refs/heads/")
		},
	})
	if err != nil {
		return nil, fmt.Errorf("open repository %q: %w", root, err)
	}
	if err := checkRepositoryFormat(r.config); err != nil {
		return nil, fmt.Errorf("open repository %q: %w", root, err)
	}
	// The object store is all go-git is used for: refs, HEAD and the
	// index are handled here with git's own file protocols.
	if r.objects, err = openObjectStore(commonDir, getenv); err != nil {
		return nil, fmt.Errorf("open repository %q: %w", root, err)
	}
	return r, nil
}

// knownExtensions are the extensions.* git 2.39 understands, with what
// this package does about each. Any other extension in a version 1
// repository makes git itself refuse the repository (setup.c,
// check_repository_format_gently), and so do we: it changes how objects
// or refs are stored (extensions.refStorage=reftable in newer gits).
var knownExtensions = map[string]bool{
	"noop": true, "noop-v1": true,
	"preciousobjects": true, // nothing here deletes objects
	"partialclone":    true, // a promisor remote; the worktree holds the blobs a bump reads
	"worktreeconfig":  true, // config.worktree is read (config.go)
	"objectformat":    true, // checked below: only sha1
}

func checkRepositoryFormat(cfg *gitConfig) error {
	version := 0
	if v, ok := cfg.get("core.repositoryformatversion"); ok {
		n, err := strconv.Atoi(v)
		if err != nil || n < 0 {
			return fmt.Errorf("core.repositoryformatversion %q is not a number", v)
		}
		version = n
	}
	if version > 1 {
		return fmt.Errorf("core.repositoryformatversion %d is not supported (git knows 0 and 1)", version)
	}
	if f := cfg.value("extensions.objectformat"); f != "" && !strings.EqualFold(f, "sha1") {
		return fmt.Errorf("object format %q (extensions.objectFormat) is not supported, only sha1", f)
	}
	if version == 0 {
		return nil // git ignores extensions in a version 0 repository
	}
	for _, k := range cfg.keysWithPrefix("extensions.") {
		name := strings.TrimPrefix(k, "extensions.")
		if !knownExtensions[name] {
			return fmt.Errorf("repository extension %q (%s = %q) is not supported; gen works on repositories git 2.39 can read (files refs backend, sha1)", name, k, cfg.value(k))
		}
	}
	return nil
}

// Root is the top directory of the worktree.
func (r *Repo) Root() string { return r.root }

// findGitDir walks up from dir to the first directory holding .git, a
// directory or (in linked worktrees and submodules) a "gitdir:" file.
func findGitDir(dir string) (root, gitDir string, err error) {
	for d := dir; ; {
		dotgit := filepath.Join(d, ".git")
		fi, err := os.Stat(dotgit)
		switch {
		case err == nil && fi.IsDir():
			return d, dotgit, nil
		case err == nil:
			b, err := os.ReadFile(dotgit)
			if err != nil {
				return "", "", fmt.Errorf("open repository: %w", err)
			}
			line, _, _ := bytes.Cut(b, []byte("\n"))
			target, ok := bytes.CutPrefix(line, []byte("gitdir: "))
			if !ok {
				return "", "", fmt.Errorf("open repository: %q is neither a directory nor a \"gitdir:\" file", dotgit)
			}
			g := strings.TrimSpace(string(target))
			if !filepath.IsAbs(g) {
				g = filepath.Join(d, g)
			}
			return d, filepath.Clean(g), nil
		case !errors.Is(err, fs.ErrNotExist):
			return "", "", fmt.Errorf("open repository: %w", err)
		}
		parent := filepath.Dir(d)
		if parent == d {
			return "", "", fmt.Errorf("open repository: no git repository at %q or any parent directory", dir)
		}
		d = parent
	}
}
