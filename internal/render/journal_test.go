package render

import (
	"errors"
	"fmt"
	"io/fs"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/rolloutgen/rolloutgen/internal/config"
)

// Issue 13.8: renders are all or nothing.

// synthConfig is a gen.yaml of n apps in two environments (synth cannot
// be imported here: it imports render).
func synthConfig(t testing.TB, apps int, revision string) *config.Config {
	t.Helper()
	var b strings.Builder
	fmt.Fprintf(&b, "apiVersion: rolloutgen.dev/v1alpha1\nkind: GenConfig\nrepo: {url: https://git.example.com/mono.git, targetRevision: %s}\nargocd: {project: mono}\napps:\n", revision)
	for i := 0; i < apps; i++ {
		fmt.Fprintf(&b, "  - {name: app-%04d, image: registry.example.com/app-%04d, tag: v1, ingress: {host: app-%04d.example.com}}\n", i, i, i)
	}
	b.WriteString("environments:\n")
	for _, env := range []string{"dev", "prod"} {
		fmt.Fprintf(&b, "  - name: %s\n    apps:\n", env)
		for i := 0; i < apps; i++ {
			fmt.Fprintf(&b, "      app-%04d: {host: app-%04d.%s.example.com}\n", i, i, env)
		}
	}
	cfg, err := config.Parse("gen.yaml", []byte(b.String()))
	if err != nil {
		t.Fatal(err)
	}
	return cfg
}

// renderInto renders cfg into root as gen render does, with a hook after
// each change.
func renderInto(t testing.TB, root string, cfg *config.Config, afterOp func(int)) error {
	t.Helper()
	r, err := New()
	if err != nil {
		t.Fatal(err)
	}
	files, err := r.Render(cfg, DirReader(root))
	if err != nil {
		return err
	}
	d, err := Compare(root, files)
	if err != nil {
		return err
	}
	return write(root, files, d, afterOp)
}

// tree maps every file under root, but render's state, to its content.
func tree(t *testing.T, root string) map[string]string {
	t.Helper()
	m := map[string]string{}
	err := filepath.WalkDir(root, func(p string, e fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(root, p)
		if rel == ".gen" {
			return fs.SkipDir
		}
		if !e.IsDir() {
			b, err := os.ReadFile(p)
			m[rel] = string(b)
			return err
		}
		m[rel+"/"] = ""
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return m
}

func diffTrees(got, want map[string]string) []string {
	var out []string
	for p, w := range want {
		if g, ok := got[p]; !ok {
			out = append(out, "gone: "+p)
		} else if g != w {
			out = append(out, "changed: "+p)
		}
	}
	for p := range got {
		if _, ok := want[p]; !ok {
			out = append(out, "new: "+p)
		}
	}
	return out
}

// A target that cannot be written part way: every change before it is
// rolled back, no journal is left.
func TestFailedRenderRollsBack(t *testing.T) {
	root := t.TempDir()
	if err := renderInto(t, root, synthConfig(t, 6, "main"), nil); err != nil {
		t.Fatal(err)
	}
	before := tree(t, root)
	// app-0003-prod is written after .github/, hack/ and the other
	// Applications that the new targetRevision changes.
	blocked := filepath.Join(root, "argocd/apps/app-0003-prod.yaml")
	if os.Geteuid() == 0 {
		// root writes through permissions; an immutable file refuses
		// the rename over it.
		if out, err := exec.Command("chattr", "+i", blocked).CombinedOutput(); err != nil {
			t.Fatalf("chattr +i: %v %s", err, out)
		}
		t.Cleanup(func() { exec.Command("chattr", "-i", blocked).Run() })
	} else {
		dir := filepath.Dir(blocked)
		os.Chmod(dir, 0o555)
		t.Cleanup(func() { os.Chmod(dir, 0o755) })
	}
	err := renderInto(t, root, synthConfig(t, 4, "release"), nil)
	if err == nil || !strings.Contains(err.Error(), "every change of this render was rolled back") {
		t.Fatalf("render: %v", err)
	}
	if d := diffTrees(tree(t, root), before); len(d) > 0 {
		t.Errorf("a failed render left changes: %v", d)
	}
	if _, ok, _ := Pending(root); ok {
		t.Error("a rolled-back render left its journal")
	}
}

// A render killed at a random change: gen render --check sees the journal,
// the next render rolls it back to the tree before it, then renders.
func TestKilledRenderIsRepaired(t *testing.T) {
	if os.Getenv("GEN_TEST_KILL_AT") != "" {
		killedRender(t)
		return
	}
	seed := time.Now().UnixNano()
	t.Logf("seed %d (GEN_TEST_SEED replays it)", seed)
	if s := os.Getenv("GEN_TEST_SEED"); s != "" {
		seed, _ = strconv.ParseInt(s, 10, 64)
	}
	rng := rand.New(rand.NewPCG(uint64(seed), 0))
	for round := 0; round < 3; round++ {
		root := t.TempDir()
		if err := renderInto(t, root, synthConfig(t, 12, "main"), nil); err != nil {
			t.Fatal(err)
		}
		before := tree(t, root)
		// 12 -> 9 apps and a new revision: removes, changes, no adds.
		at := rng.IntN(40)
		cmd := exec.Command(os.Args[0], "-test.run=^TestKilledRenderIsRepaired$")
		cmd.Env = append(os.Environ(), "GEN_TEST_KILL_AT="+strconv.Itoa(at), "GEN_TEST_ROOT="+root)
		out, err := cmd.CombinedOutput()
		var ee *exec.ExitError
		if !errors.As(err, &ee) || ee.Sys().(syscall.WaitStatus).Signal() != syscall.SIGKILL {
			t.Fatalf("round %d: helper was not killed at change %d: %v\n%s", round, at, err, out)
		}
		if d := diffTrees(tree(t, root), before); len(d) == 0 {
			t.Fatalf("round %d: the killed render changed nothing; kill earlier", round)
		}
		if j, ok, err := Pending(root); err != nil || !ok {
			t.Fatalf("round %d: no journal after a kill (%s, %v)", round, j, err)
		}
		rolled, err := Recover(root)
		if err != nil || !rolled {
			t.Fatalf("round %d: Recover: %v %v", round, rolled, err)
		}
		if d := diffTrees(tree(t, root), before); len(d) > 0 {
			t.Errorf("round %d (killed after change %d): roll back left %v", round, at, d)
		}
		if _, ok, _ := Pending(root); ok {
			t.Errorf("round %d: journal left after Recover", round)
		}
		cfg := synthConfig(t, 9, "release")
		if err := renderInto(t, root, cfg, nil); err != nil {
			t.Fatal(err)
		}
		r, _ := New()
		files, _ := r.Render(cfg, DirReader(root))
		if d, err := Compare(root, files); err != nil || !d.Empty() || len(d.Unowned) > 0 {
			t.Errorf("round %d: render after the roll back: %v %v", round, d.Lines(), err)
		}
	}
}

func killedRender(t *testing.T) {
	at, _ := strconv.Atoi(os.Getenv("GEN_TEST_KILL_AT"))
	err := renderInto(t, os.Getenv("GEN_TEST_ROOT"), synthConfig(t, 9, "release"), func(i int) {
		if i == at {
			syscall.Kill(os.Getpid(), syscall.SIGKILL)
		}
	})
	fmt.Println("render finished before the kill:", err)
}
