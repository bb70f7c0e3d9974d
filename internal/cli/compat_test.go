package cli

import (
	"crypto/sha256"
	"flag"
	"fmt"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"testing"

	"github.com/rolloutgen/rolloutgen/internal/gittest"
)

var updateReadme = flag.Bool("update-readme", false, "rewrite README.md's repository support table from compatLayouts")

// compatLayout is one repository layout made with the git CLI, bumped by
// the gen binary. Refused layouts name the message gen must print, and
// leave .git and the worktree byte for byte as they were.
type compatLayout struct {
	Name    string // the README's first column
	Made    string // how the test makes it, for the README
	Refused string // "" when gen bump works; else a piece of its message
	// Setup turns the fresh clone c.dir into the layout; it may move c.dir
	// (a linked worktree, a submodule) and add directories outside it to
	// c.extra for the byte comparison.
	Setup func(t *testing.T, c *compatCase)
	// Check, when set, asserts more after a successful bump.
	Check func(t *testing.T, c *compatCase)
}

type compatCase struct {
	remote *gittest.Remote
	home   string
	dir    string   // where gen runs, the worktree root
	extra  []string // other directories the layout spreads over
	env    []string // environment for gen and git alike
}

func (c *compatCase) git(t *testing.T, args ...string) string {
	t.Helper()
	out, err := c.gitErr(args...)
	if err != nil {
		t.Fatalf("git %s (in %s): %v\n%s", strings.Join(args, " "), c.dir, err, out)
	}
	return out
}

func (c *compatCase) gitErr(args ...string) (string, error) {
	return gitEnv(c.home, c.dir, c.env, args...)
}

// compatFiles is the repository every layout starts from: plainRepo, and a
// directory a sparse checkout can leave out.
func compatFiles() map[string]string {
	files := map[string]string{"docs/readme.md": "docs\n"}
	for k, v := range plainRepo {
		files[k] = v
	}
	return files
}

const compatOverlay = "deploy/prod/kustomization.yaml"

// recheckout rewrites the worktree from the index, as a fresh clone with
// the current config and attributes would have it.
func recheckout(t *testing.T, c *compatCase) {
	t.Helper()
	c.git(t, "rm", "-q", "--cached", "-r", ".")
	c.git(t, "reset", "-q", "--hard")
}

func commitAttributes(t *testing.T, c *compatCase, attrs string) {
	t.Helper()
	gittest.WriteFiles(t, c.dir, map[string]string{".gitattributes": attrs})
	c.git(t, "add", ".gitattributes")
	c.git(t, "commit", "-q", "-m", "attributes")
	recheckout(t, c)
}

func wantCRLF(t *testing.T, c *compatCase) {
	t.Helper()
	got := readFile(t, filepath.Join(c.dir, compatOverlay))
	if !strings.Contains(got, "\r\n") || strings.Count(got, "\r\n") != strings.Count(got, "\n") {
		t.Errorf("the bumped file lost its CRLF line endings:\n%q", got)
	}
	if blob := c.git(t, "cat-file", "blob", "HEAD:"+compatOverlay); strings.Contains(blob, "\r") {
		t.Errorf("the committed blob has CR: git's clean conversion was not applied:\n%q", blob)
	}
}

var compatLayouts = []compatLayout{
	{Name: "index v2", Made: "git update-index --index-version 2", Setup: func(t *testing.T, c *compatCase) {
		c.git(t, "update-index", "--index-version", "2")
	}},
	{Name: "index v3 (extended flags)", Made: "git update-index --index-version 3, skip-worktree on another file", Setup: func(t *testing.T, c *compatCase) {
		c.git(t, "update-index", "--index-version", "3")
		c.git(t, "update-index", "--skip-worktree", "docs/readme.md")
	}},
	{Name: "index v4 (prefix-compressed paths)", Made: "git update-index --index-version 4", Setup: func(t *testing.T, c *compatCase) {
		c.git(t, "update-index", "--index-version", "4")
	}},
	{Name: "untracked cache", Made: "git update-index --untracked-cache; git status", Setup: func(t *testing.T, c *compatCase) {
		c.git(t, "config", "core.untrackedCache", "true")
		c.git(t, "update-index", "--untracked-cache")
		c.git(t, "status", "--porcelain")
	}},
	{Name: "split index", Made: "git update-index --split-index", Refused: "git update-index --no-split-index", Setup: func(t *testing.T, c *compatCase) {
		c.git(t, "update-index", "--split-index")
	}},
	{Name: "sparse index", Made: "git sparse-checkout set --cone --sparse-index deploy base", Refused: "--no-sparse-index", Setup: func(t *testing.T, c *compatCase) {
		c.git(t, "sparse-checkout", "set", "--cone", "--sparse-index", "deploy", "base")
	}},
	{Name: "sparse checkout, no sparse index", Made: "git sparse-checkout set --cone deploy base", Setup: func(t *testing.T, c *compatCase) {
		c.git(t, "sparse-checkout", "set", "--cone", "--no-sparse-index", "deploy", "base")
	}},
	{Name: "sha256 object format", Made: "git init --object-format=sha256", Refused: `object format "sha256"`, Setup: func(t *testing.T, c *compatCase) {
		dir := filepath.Join(t.TempDir(), "sha256")
		c.git(t, "init", "-q", "-b", "main", "--object-format=sha256", dir)
		c.dir = dir
		gittest.WriteFiles(t, dir, compatFiles())
		c.git(t, "add", "-A")
		c.git(t, "commit", "-q", "-m", "seed")
	}},
	{Name: "unknown extension (extensions.refStorage=reftable, …)", Made: "git config core.repositoryformatversion 1; git config extensions.refStorage reftable", Refused: `repository extension "refstorage"`, Setup: func(t *testing.T, c *compatCase) {
		c.git(t, "config", "core.repositoryformatversion", "1")
		c.git(t, "config", "extensions.refStorage", "reftable")
	}},
	{Name: "shared clone (absolute alternates)", Made: "git clone --shared", Setup: func(t *testing.T, c *compatCase) {
		c.dir = cloneInto(t, c, "--shared", c.dir)
	}},
	{Name: "reference clone", Made: "git clone --reference SRC file://REMOTE", Setup: func(t *testing.T, c *compatCase) {
		c.dir = cloneInto(t, c, "--reference", c.dir, c.remote.FileURL())
	}},
	{Name: "nested, relative alternates", Made: "clone --shared of a clone --shared, alternates rewritten relative", Setup: func(t *testing.T, c *compatCase) {
		mid := cloneInto(t, c, "--shared", c.dir)
		c.extra = append(c.extra, mid)
		c.dir = cloneInto(t, c, "--shared", mid)
		alt := filepath.Join(c.dir, ".git", "objects", "info", "alternates")
		rel, err := filepath.Rel(filepath.Join(c.dir, ".git", "objects"), filepath.Join(mid, ".git", "objects"))
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(alt, []byte(rel+"\n"), 0o644); err != nil {
			t.Fatal(err)
		}
	}},
	{Name: "GIT_ALTERNATE_OBJECT_DIRECTORIES", Made: "git clone --shared, alternates file moved into the variable", Setup: func(t *testing.T, c *compatCase) {
		src := c.dir
		c.dir = cloneInto(t, c, "--shared", src)
		if err := os.Remove(filepath.Join(c.dir, ".git", "objects", "info", "alternates")); err != nil {
			t.Fatal(err)
		}
		c.env = append(c.env, "GIT_ALTERNATE_OBJECT_DIRECTORIES="+filepath.Join(src, ".git", "objects"))
	}},
	{Name: "linked worktree", Made: "git worktree add", Setup: func(t *testing.T, c *compatCase) {
		wt := filepath.Join(t.TempDir(), "wt")
		c.git(t, "worktree", "add", "-q", "-b", "release", wt)
		c.extra = append(c.extra, c.dir)
		c.dir = wt
	}},
	{Name: "separate git dir", Made: "git clone --separate-git-dir", Setup: func(t *testing.T, c *compatCase) {
		gitDir := filepath.Join(t.TempDir(), "gitdir")
		c.dir = cloneInto(t, c, "--separate-git-dir="+gitDir, c.remote.Dir)
		c.extra = append(c.extra, gitDir)
	}},
	{Name: "submodule", Made: "git submodule add (bumped inside the submodule)", Setup: func(t *testing.T, c *compatCase) {
		super := filepath.Join(t.TempDir(), "super")
		c.git(t, "init", "-q", "-b", "main", super)
		if out, err := gitEnv(c.home, super, c.env, "-c", "protocol.file.allow=always", "submodule", "add", "-q", c.remote.Dir, "gitops"); err != nil {
			t.Fatalf("submodule add: %v\n%s", err, out)
		}
		c.dir = filepath.Join(super, "gitops")
		c.extra = append(c.extra, super)
	}},
	{Name: "shallow clone", Made: "git clone --depth 1 file://…", Setup: func(t *testing.T, c *compatCase) {
		c.remote.Commit(t, "second", map[string]string{"docs/readme.md": "docs v2\n"})
		c.dir = cloneInto(t, c, "--depth", "1", c.remote.FileURL())
	}},
	{Name: "partial clone", Made: "git clone --filter=blob:none file://… (uploadpack.allowFilter)", Setup: func(t *testing.T, c *compatCase) {
		c.remote.Git(t, "config", "uploadpack.allowFilter", "true")
		c.remote.Commit(t, "second", map[string]string{"docs/readme.md": "docs v2\n"})
		c.dir = cloneInto(t, c, "--filter=blob:none", c.remote.FileURL())
	}},
	{Name: "packed-refs with peel lines", Made: "git tag -a; git pack-refs --all", Setup: func(t *testing.T, c *compatCase) {
		c.git(t, "tag", "-a", "-m", "v1", "v1")
		c.git(t, "pack-refs", "--all")
		if !strings.Contains(readFile(t, filepath.Join(c.dir, ".git", "packed-refs")), "\n^") {
			t.Fatal("packed-refs has no peel line")
		}
	}, Check: func(t *testing.T, c *compatCase) {
		if got := c.git(t, "rev-parse", "v1^{commit}"); got != c.git(t, "rev-parse", "HEAD~1") {
			t.Errorf("tag v1 moved: %s", got)
		}
	}},
	{Name: "multi-pack-index", Made: "two packs; git multi-pack-index write", Setup: func(t *testing.T, c *compatCase) {
		c.git(t, "repack", "-q", "-a", "-d")
		gittest.WriteFiles(t, c.dir, map[string]string{"docs/readme.md": "docs v2\n"})
		c.git(t, "commit", "-q", "-am", "second")
		c.git(t, "repack", "-q", "-d")
		c.git(t, "multi-pack-index", "write")
	}},
	{Name: "commit-graph with changed paths", Made: "git commit-graph write --reachable --changed-paths", Setup: func(t *testing.T, c *compatCase) {
		c.git(t, "commit-graph", "write", "--reachable", "--changed-paths")
	}},
	{Name: "symlinked HEAD (core.preferSymlinkRefs)", Made: "HEAD a symlink to refs/heads/main", Setup: func(t *testing.T, c *compatCase) {
		head := filepath.Join(c.dir, ".git", "HEAD")
		if err := os.Remove(head); err != nil {
			t.Fatal(err)
		}
		if err := os.Symlink("refs/heads/main", head); err != nil {
			t.Fatal(err)
		}
	}, Check: func(t *testing.T, c *compatCase) {
		if target, err := os.Readlink(filepath.Join(c.dir, ".git", "HEAD")); err != nil || target != "refs/heads/main" {
			t.Errorf("HEAD is no longer the symlink: %q %v", target, err)
		}
	}},
	{Name: "symlinked branch ref", Made: "refs/heads/alias a symlink to refs/heads/main, HEAD on alias", Setup: func(t *testing.T, c *compatCase) {
		if err := os.Symlink("refs/heads/main", filepath.Join(c.dir, ".git", "refs", "heads", "alias")); err != nil {
			t.Fatal(err)
		}
		c.git(t, "symbolic-ref", "HEAD", "refs/heads/alias")
	}, Check: func(t *testing.T, c *compatCase) {
		if target, err := os.Readlink(filepath.Join(c.dir, ".git", "refs", "heads", "alias")); err != nil || target != "refs/heads/main" {
			t.Errorf("the ref symlink was replaced: %q %v", target, err)
		}
		if main, head := c.git(t, "rev-parse", "main"), c.git(t, "rev-parse", "HEAD"); main != head {
			t.Errorf("main %s, HEAD %s: the symlink's target was not updated", main, head)
		}
	}},
	{Name: "core.autocrlf=true", Made: "git config core.autocrlf true; fresh checkout (CRLF files)", Setup: func(t *testing.T, c *compatCase) {
		c.git(t, "config", "core.autocrlf", "true")
		recheckout(t, c)
	}, Check: wantCRLF},
	{Name: "core.autocrlf=input", Made: "git config core.autocrlf input; the overlay saved with CRLF", Setup: func(t *testing.T, c *compatCase) {
		c.git(t, "config", "core.autocrlf", "input")
		p := filepath.Join(c.dir, compatOverlay)
		if err := os.WriteFile(p, []byte(strings.ReplaceAll(readFile(t, p), "\n", "\r\n")), 0o644); err != nil {
			t.Fatal(err)
		}
		// git status trusts a changed size without hashing; git add
		// refreshes the entry, and the blob stays the same.
		c.git(t, "add", compatOverlay)
		if st := c.git(t, "status", "--porcelain"); st != "" {
			t.Fatalf("git calls the CRLF file dirty: %s", st)
		}
	}, Check: wantCRLF},
	{Name: ".gitattributes eol=crlf", Made: "*.yaml text eol=crlf", Setup: func(t *testing.T, c *compatCase) {
		commitAttributes(t, c, "*.yaml text eol=crlf\n")
	}, Check: wantCRLF},
	{Name: ".gitattributes text=auto", Made: "* text=auto, core.eol=crlf", Setup: func(t *testing.T, c *compatCase) {
		c.git(t, "config", "core.eol", "crlf")
		commitAttributes(t, c, "* text=auto\n")
	}, Check: wantCRLF},
	{Name: "clean/smudge filter", Made: "*.yaml filter=x with filter.x.clean/smudge", Refused: `filter "x"`, Setup: func(t *testing.T, c *compatCase) {
		c.git(t, "config", "filter.x.clean", "cat")
		c.git(t, "config", "filter.x.smudge", "cat")
		commitAttributes(t, c, "*.yaml filter=x\n")
	}},
	{Name: "working-tree-encoding", Made: "*.yaml working-tree-encoding=UTF-16", Refused: "working-tree-encoding", Setup: func(t *testing.T, c *compatCase) {
		commitAttributes(t, c, "*.yaml working-tree-encoding=UTF-16\n")
	}},
	{Name: "skip-worktree on the overlay", Made: "git update-index --skip-worktree", Refused: "git sparse-checkout add deploy/prod", Setup: func(t *testing.T, c *compatCase) {
		c.git(t, "update-index", "--skip-worktree", compatOverlay)
	}},
	{Name: "assume-unchanged on the overlay", Made: "git update-index --assume-unchanged", Setup: func(t *testing.T, c *compatCase) {
		c.git(t, "update-index", "--assume-unchanged", compatOverlay)
	}},
}

// cloneInto clones src (or the given source URL) next to the case's repos.
func cloneInto(t *testing.T, c *compatCase, args ...string) string {
	t.Helper()
	dir := filepath.Join(t.TempDir(), "clone")
	if out, err := gitEnv(c.home, filepath.Dir(dir), c.env, append(append([]string{"clone", "-q"}, args...), dir)...); err != nil {
		t.Fatalf("git clone %v: %v\n%s", args, err, out)
	}
	return dir
}

// TestCompat bumps every layout of compatLayouts with the gen binary and
// checks the result with the git CLI. No row skips: a layout git 2.39
// cannot make would fail its Setup.
func TestCompat(t *testing.T) {
	for _, l := range compatLayouts {
		t.Run(l.Name, func(t *testing.T) {
			t.Parallel()
			remote := gittest.NewRemote(t, compatFiles())
			c := &compatCase{remote: remote, home: remote.Home}
			c.dir = remote.Clone(t)
			l.Setup(t, c)
			before := treeDigest(t, append([]string{c.dir}, c.extra...))
			head, _ := c.gitErr("rev-parse", "HEAD")
			code, _, stderr := gen(t, c.home, c.dir, c.env, "bump", "--path", "deploy/prod", "--image", "example.com/app", "--tag", "1.1.0")
			if l.Refused != "" {
				if code == 0 || !strings.Contains(stderr, l.Refused) {
					t.Fatalf("exit %d, want a refusal naming %q:\n%s", code, l.Refused, stderr)
				}
				if strings.Count(strings.TrimSpace(stderr), "\n") != 0 {
					t.Errorf("the refusal is more than one line:\n%s", stderr)
				}
				if after := treeDigest(t, append([]string{c.dir}, c.extra...)); after != before {
					t.Errorf("a refused bump changed .git or the worktree:\n%s", diffLines(before, after))
				}
				return
			}
			if code != 0 {
				t.Fatalf("exit %d\n%s", code, stderr)
			}
			assertConsistent(t, c)
			if parent := c.git(t, "rev-parse", "HEAD~1"); parent != head {
				t.Errorf("HEAD~1 = %s, want the old HEAD %s", parent, head)
			}
			if files := c.git(t, "log", "-1", "--format=", "--name-only"); files != compatOverlay {
				t.Errorf("the commit changes %q, want only %s (git log -1 --stat:\n%s)", files, compatOverlay, c.git(t, "log", "-1", "--stat"))
			}
			if blob := c.git(t, "cat-file", "blob", "HEAD:"+compatOverlay); !strings.Contains(blob, `newTag: "1.1.0"`) {
				t.Errorf("committed overlay:\n%s", blob)
			}
			if l.Check != nil {
				l.Check(t, c)
			}
		})
	}
}

// assertConsistent: a clean status, a strict fsck, and an index that is
// HEAD's tree.
func assertConsistent(t *testing.T, c *compatCase) {
	t.Helper()
	if st := c.git(t, "status", "--porcelain"); st != "" {
		t.Errorf("git status --porcelain:\n%s", st)
	}
	c.git(t, "fsck", "--strict", "--no-progress")
	if tree, want := c.git(t, "write-tree"), c.git(t, "rev-parse", "HEAD^{tree}"); tree != want {
		t.Errorf("git write-tree %s, HEAD^{tree} %s: the index is not the commit", tree, want)
	}
}

func gitEnv(home, dir string, env []string, args ...string) (string, error) {
	cmd := exec.Command("git", args...)
	cmd.Dir = dir
	cmd.Env = append(gittest.Env(home), env...)
	out, err := cmd.CombinedOutput()
	return strings.TrimRight(string(out), "\n"), err
}

// treeDigest lists every file, directory and symlink under roots with its
// mode and a hash of its content or target: two equal digests are two
// byte-identical trees.
func treeDigest(t *testing.T, roots []string) string {
	t.Helper()
	var lines []string
	for _, root := range roots {
		err := filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
			if err != nil {
				return err
			}
			fi, err := d.Info()
			if err != nil {
				return err
			}
			var sum string
			switch {
			case fi.Mode()&fs.ModeSymlink != 0:
				target, err := os.Readlink(p)
				if err != nil {
					return err
				}
				sum = "-> " + target
			case fi.Mode().IsRegular():
				b, err := os.ReadFile(p)
				if err != nil {
					return err
				}
				sum = fmt.Sprintf("%x", sha256.Sum256(b))
			}
			lines = append(lines, fmt.Sprintf("%s %v %s", p, fi.Mode(), sum))
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
	}
	sort.Strings(lines)
	return strings.Join(lines, "\n")
}

func diffLines(a, b string) string {
	in := map[string]int{}
	for _, l := range strings.Split(a, "\n") {
		in[l]++
	}
	var out []string
	for _, l := range strings.Split(b, "\n") {
		if in[l] > 0 {
			in[l]--
			continue
		}
		out = append(out, "+ "+l)
	}
	for l, n := range in {
		for range n {
			out = append(out, "- "+l)
		}
	}
	sort.Strings(out)
	return strings.Join(out, "\n")
}

// gcAutoLayout is the row TestCompatGCAuto proves; it is listed with the
// others in the README.
var gcAutoLayout = compatLayout{Name: "git gc running concurrently", Made: "50 bumps while a loop runs git gc --auto (gc.auto=1) and git gc: packs replaced, loose objects pruned, refs packed"}

const (
	readmePath       = "../../README.md"
	compatTableStart = "<!-- compat table: generated from internal/cli/compat_test.go by go test ./internal/cli -run TestCompatREADME -update-readme; do not edit -->"
	compatTableEnd   = "<!-- end of compat table -->"
)

var markdownEscaper = strings.NewReplacer("|", `\|`, "*", `\*`)

// compatTable renders compatLayouts as the README's support table.
func compatTable() string {
	var b strings.Builder
	b.WriteString("| layout | made with | `gen bump` |\n| --- | --- | --- |\n")
	for _, l := range append(compatLayouts[:len(compatLayouts):len(compatLayouts)], gcAutoLayout) {
		outcome := "works"
		if l.Refused != "" {
			outcome = "refused, naming `" + strings.ReplaceAll(l.Refused, "`", "'") + "`"
		}
		fmt.Fprintf(&b, "| %s | %s | %s |\n", l.Name, markdownEscaper.Replace(l.Made), outcome)
	}
	return b.String()
}

// TestCompatREADME fails when the README's support table is not the one
// compatLayouts generates; -update-readme rewrites it.
func TestCompatREADME(t *testing.T) {
	data, err := os.ReadFile(readmePath)
	if err != nil {
		t.Fatal(err)
	}
	re := regexp.MustCompile(`(?s)` + regexp.QuoteMeta(compatTableStart) + `\n.*?` + regexp.QuoteMeta(compatTableEnd))
	if !re.Match(data) {
		t.Fatalf("README.md has no table between %q and %q", compatTableStart, compatTableEnd)
	}
	want := compatTableStart + "\n" + compatTable() + compatTableEnd
	got := re.Find(data)
	if string(got) == want {
		return
	}
	if !*updateReadme {
		t.Fatalf("README.md's support table differs from compatLayouts; run go test ./internal/cli -run TestCompatREADME -update-readme\n%s", diffLines(string(got), want))
	}
	out := re.ReplaceAllLiteral(data, []byte(want))
	if err := os.WriteFile(readmePath, out, 0o644); err != nil {
		t.Fatal(err)
	}
}

// TestCompatGCAuto bumps 50 times while git gc runs in a loop: each bump
// lands or fails cleanly (one line, a lock or a moved ref), and the
// repository ends consistent with every landed bump in it. gc repacks and
// prunes the loose objects a bump is reading; the object store lists the
// packs again on a miss, as git does.
func TestCompatGCAuto(t *testing.T) {
	remote := gittest.NewRemote(t, compatFiles())
	c := &compatCase{remote: remote, home: remote.Home, dir: remote.Clone(t)}
	c.git(t, "config", "gc.auto", "1")
	c.git(t, "config", "gc.autoDetach", "false")
	stop := make(chan struct{})
	runs := make(chan int)
	go func() {
		n := 0
		for {
			select {
			case <-stop:
				runs <- n
				return
			default:
			}
			args := []string{"gc", "--quiet"}
			if n%2 == 0 {
				args = append(args, "--auto")
			}
			_, _ = c.gitErr(args...) // gc itself may lose a race with a bump's lock
			n++
		}
	}()
	landed, last := 0, "1.0.0"
	for i := 1; i <= 50; i++ {
		tag := fmt.Sprintf("1.0.%d", i)
		code, _, stderr := gen(t, c.home, c.dir, nil, "bump", "--path", "deploy/prod", "--image", "example.com/app", "--tag", tag)
		switch {
		case code == 0:
			landed++
			last = tag
		case code == 1 && strings.Count(stderr, "gen: ") == 1 &&
			(strings.Contains(stderr, "lock") || strings.Contains(stderr, "moved")):
			// failed cleanly; the next bump starts from the same state
		default:
			close(stop)
			<-runs
			t.Fatalf("bump %d: exit %d\n%s", i, code, stderr)
		}
	}
	close(stop)
	gcRuns := <-runs
	t.Logf("%d of 50 bumps landed while git gc ran %d times", landed, gcRuns)
	if gcRuns < 2 || landed < 25 {
		t.Fatalf("%d bumps landed and gc ran %d times: the test did not exercise the race", landed, gcRuns)
	}
	assertConsistent(t, c)
	if n := c.git(t, "rev-list", "--count", "HEAD"); n != fmt.Sprint(landed+1) {
		t.Errorf("%s commits, want %d bumps on the seed commit", n, landed)
	}
	if blob := c.git(t, "cat-file", "blob", "HEAD:"+compatOverlay); !strings.Contains(blob, `newTag: "`+last+`"`) {
		t.Errorf("HEAD's overlay is not the last landed bump %s:\n%s", last, blob)
	}
}
