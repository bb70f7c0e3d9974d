package gitrepo

import (
	"bytes"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"

	"github.com/go-git/go-billy/v5/osfs"
	formatcfg "github.com/go-git/go-git/v5/plumbing/format/config"
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
	config    *formatcfg.Config

	// afterStep, when set (by tests only), is called after each step of
	// CommitFile so a crash can be simulated at a precise point.
	afterStep func(step string)
}

// Open finds the repository containing dir (dir itself or a parent, like
// git does) and opens it. Only the config is read; the index and the
// worktree are not touched.
func Open(dir string) (*Repo, error) {
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
	cfg, err := readConfigFile(filepath.Join(commonDir, "config"))
	if err != nil {
		return nil, fmt.Errorf("open repository %q: %w", root, err)
	}
	if f := configValue(cfg, "extensions", "", "objectformat"); f != "" && !strings.EqualFold(f, "sha1") {
		return nil, fmt.Errorf("open repository %q: object format %q is not supported, only sha1", root, f)
	}
	return &Repo{
		root:      root,
		gitDir:    gitDir,
		commonDir: commonDir,
		// The object store is all go-git is used for: refs, HEAD and the
		// index are handled here with git's own file protocols.
		objects: newObjectStore(osfs.New(commonDir)),
		config:  cfg,
	}, nil
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

func readConfigFile(path string) (*formatcfg.Config, error) {
	cfg := formatcfg.New()
	f, err := os.Open(path)
	if errors.Is(err, fs.ErrNotExist) {
		return cfg, nil
	}
	if err != nil {
		return nil, err
	}
	defer f.Close()
	if err := formatcfg.NewDecoder(f).Decode(cfg); err != nil {
		return nil, fmt.Errorf("parse git config %q: %w", path, err)
	}
	return cfg, nil
}

// configValue returns the last value of section[.subsection].key, as git
// does when a key is set more than once (go-git's Section only looks at the
// last section of a name).
func configValue(cfg *formatcfg.Config, section, subsection, key string) string {
	if cfg == nil {
		return ""
	}
	val := ""
	for _, s := range cfg.Sections {
		if !s.IsName(section) {
			continue
		}
		opts := s.Options
		if subsection != "" {
			opts = nil
			for _, ss := range s.Subsections {
				if ss.IsName(subsection) {
					opts = append(opts, ss.Options...)
				}
			}
		}
		for _, o := range opts {
			if o.IsKey(key) {
				val = o.Value
			}
		}
	}
	return val
}

// configBool reads a git boolean; ok is false when the key is unset.
func configBool(cfg *formatcfg.Config, section, key string) (val, ok bool) {
	switch strings.ToLower(configValue(cfg, section, "", key)) {
	case "":
		return false, false
	case "true", "yes", "on", "1":
		return true, true
	default:
		return false, true
	}
}
