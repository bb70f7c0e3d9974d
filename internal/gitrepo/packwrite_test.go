package gitrepo

import (
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/go-git/go-billy/v5/osfs"

	"github.com/rolloutgen/rolloutgen/internal/gittest"
)

// packObjects runs git pack-objects --revs --stdout with revs on stdin
// and returns the pack.
func (g *gitRepo) packObjects(revs string, args ...string) []byte {
	g.t.Helper()
	cmd := exec.Command("git", append([]string{"pack-objects", "--revs", "--stdout", "-q"}, args...)...)
	cmd.Dir = g.dir
	cmd.Env = gittest.Env(g.home)
	cmd.Stdin = strings.NewReader(revs)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		g.t.Fatalf("git pack-objects: %v: %s", err, stderr.String())
	}
	return out
}

// deltaHistory commits n versions of eight similar files, so git stores
// most of them as deltas.
func deltaHistory(g *gitRepo, from, n int) {
	for i := from; i < from+n; i++ {
		files := map[string]string{}
		for a := range 8 {
			files[fmt.Sprintf("overlays/dev/app%d/kustomization.yaml", a)] = fmt.Sprintf("images:\n- name: app%d\n  newTag: v%d\n%s", a, i, strings.Repeat("# padding line\n", 20+i))
		}
		g.commitFiles(fmt.Sprintf("commit %d", i), files)
	}
}

// writePack feeds pack to a fresh PackfileWriter of the store at gitDir in
// small writes, as a fetch does.
func writePack(t *testing.T, gitDir string, pack []byte) error {
	t.Helper()
	w, err := newObjectStore(osfs.New(gitDir)).PackfileWriter()
	if err != nil {
		t.Fatal(err)
	}
	for len(pack) > 0 {
		n := min(len(pack), 1000)
		if _, err := w.Write(pack[:n]); err != nil {
			w.Close()
			return err
		}
		pack = pack[n:]
	}
	return w.Close()
}

func packFiles(t *testing.T, gitDir string) []string {
	t.Helper()
	names, err := filepath.Glob(filepath.Join(gitDir, "objects", "pack", "*"))
	if err != nil {
		t.Fatal(err)
	}
	return names
}

// TestPackWriterIndexesAsGitDoes: the index written for a fetched pack is
// byte for byte the one git index-pack writes, and git verifies the pack.
func TestPackWriterIndexesAsGitDoes(t *testing.T) {
	g := newGitRepo(t)
	deltaHistory(g, 0, 30)
	// Deltas naming their base by offset (what fetches ask for) and by name.
	// Budgets: every delta kept from the scan, or every one read again.
	for _, deltas := range []string{"--delta-base-offset", "--no-reuse-delta"} {
		for _, budget := range []int{deltaBudget, 0} {
			t.Run(fmt.Sprintf("%s,budget=%d", deltas, budget), func(t *testing.T) {
				defer func(b int) { deltaBudget = b }(deltaBudget)
				deltaBudget = budget
				checkIndexLikeGit(t, g, g.packObjects("", "--all", deltas))
			})
		}
	}
}

func checkIndexLikeGit(t *testing.T, g *gitRepo, pack []byte) {
	dst := newGitRepo(t)
	gitDir := filepath.Join(dst.dir, ".git")
	if err := writePack(t, gitDir, pack); err != nil {
		t.Fatal(err)
	}
	files := packFiles(t, gitDir)
	if len(files) != 2 || !strings.HasSuffix(files[0], ".idx") || !strings.HasSuffix(files[1], ".pack") {
		t.Fatalf("pack directory holds %v, want one .idx and its .pack", files)
	}
	packPath := files[1]
	if !strings.Contains(dst.git("verify-pack", "-v", packPath), "chain length = ") {
		t.Fatal("the pack holds no deltas: the test proves nothing")
	}
	ref := filepath.Join(t.TempDir(), "ref.idx")
	dst.git("index-pack", "-o", ref, packPath)
	want, _ := os.ReadFile(ref)
	got, _ := os.ReadFile(files[0])
	if !bytes.Equal(got, want) {
		t.Fatalf("index differs from git index-pack's (%d bytes, want %d)", len(got), len(want))
	}
	for _, f := range files {
		if fi, err := os.Stat(f); err != nil || fi.Mode().Perm() != 0o444 {
			t.Errorf("%s: mode %v (%v), want 0444 as git leaves packs", f, fi.Mode(), err)
		}
	}
	// The objects read back through the store, and the history is whole.
	dst.git("update-ref", "refs/heads/main", g.git("rev-parse", "HEAD"))
	dst.git("fsck", "--strict", "--no-dangling")
	if got, want := dst.git("ls-tree", "-r", "main"), g.git("ls-tree", "-r", "HEAD"); got != want {
		t.Fatalf("tree at main:\n%s\nwant\n%s", got, want)
	}
}

// TestPackWriterCompletesThinPacks: a thin pack's deltas on objects the
// store already has are resolved, and their bases appended, so the pack
// stands alone as git index-pack --fix-thin leaves it.
func TestPackWriterCompletesThinPacks(t *testing.T) {
	g := newGitRepo(t)
	deltaHistory(g, 0, 5)
	old := g.git("rev-parse", "HEAD")
	deltaHistory(g, 5, 3)
	head := g.git("rev-parse", "HEAD")

	dst := newGitRepo(t)
	gitDir := filepath.Join(dst.dir, ".git")
	if err := writePack(t, gitDir, g.packObjects(old+"\n")); err != nil {
		t.Fatal(err)
	}
	thin := g.packObjects(head+"\n^"+old+"\n", "--thin")
	if err := writePack(t, gitDir, thin); err != nil {
		t.Fatal(err)
	}
	var newPack string
	// verify-pack fails on a pack whose deltas reach outside it.
	for _, f := range packFiles(t, gitDir) {
		if !strings.HasSuffix(f, ".pack") {
			continue
		}
		dst.git("verify-pack", f)
		idx, _ := os.ReadFile(strings.TrimSuffix(f, ".pack") + ".idx")
		if n := countIdx(idx); n > thinCount(thin) {
			newPack = f
		}
	}
	if newPack == "" {
		t.Fatalf("no pack grew beyond the thin pack's %d objects: it was not thin, or its bases were not appended", thinCount(thin))
	}
	dst.git("update-ref", "refs/heads/main", head)
	dst.git("fsck", "--strict", "--no-dangling")
}

func thinCount(pack []byte) uint32 {
	return uint32(pack[8])<<24 | uint32(pack[9])<<16 | uint32(pack[10])<<8 | uint32(pack[11])
}

func countIdx(idx []byte) uint32 {
	// v2: magic, version, then 256 fan-out entries; the last is the count.
	o := 8 + 255*4
	return uint32(idx[o])<<24 | uint32(idx[o+1])<<16 | uint32(idx[o+2])<<8 | uint32(idx[o+3])
}

// TestPackWriterRefusesBadPacks: a damaged, cut or padded pack is an error
// and leaves nothing in the pack directory; an empty one is nothing.
func TestPackWriterRefusesBadPacks(t *testing.T) {
	g := newGitRepo(t)
	deltaHistory(g, 0, 5)
	pack := g.packObjects("", "--all")
	flipped := bytes.Clone(pack)
	flipped[len(flipped)/2] ^= 0xff
	for name, tc := range map[string]struct {
		pack []byte
		want string
	}{
		"flipped byte": {flipped, "pack"},
		"cut short":    {pack[:len(pack)-30], "pack"},
		"bad checksum": {append(bytes.Clone(pack[:len(pack)-1]), pack[len(pack)-1]^1), "checksum mismatch"},
		"padded":       {append(bytes.Clone(pack), "more"...), "after the pack's checksum"},
	} {
		t.Run(name, func(t *testing.T) {
			dst := newGitRepo(t)
			gitDir := filepath.Join(dst.dir, ".git")
			err := writePack(t, gitDir, tc.pack)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("err %v, want one containing %q", err, tc.want)
			}
			if files := packFiles(t, gitDir); len(files) != 0 {
				t.Fatalf("left behind: %v", files)
			}
		})
	}
	t.Run("empty", func(t *testing.T) {
		dst := newGitRepo(t)
		gitDir := filepath.Join(dst.dir, ".git")
		if err := writePack(t, gitDir, nil); err != nil {
			t.Fatal(err)
		}
		if files := packFiles(t, gitDir); len(files) != 0 {
			t.Fatalf("left behind: %v", files)
		}
	})
}
