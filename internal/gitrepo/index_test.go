package gitrepo

import (
	"strings"
	"testing"
)

// TestCacheTreeInvalidatedAlongPathOnly checks that only the directories
// on the bumped path lose their cached tree: the next git commit then
// rebuilds four trees, not all of them.
func TestCacheTreeInvalidatedAlongPathOnly(t *testing.T) {
	g := seedRepo(t)
	before := g.cacheTree(t)
	if strings.Contains(before, " -1 ") {
		t.Fatalf("seed index has invalid cache-tree entries:\n%s", before)
	}
	if _, err := bump(t, g, bumpPath, bumped); err != nil {
		t.Fatal(err)
	}
	after := g.cacheTree(t)
	onPath := map[string]bool{`""`: true, `"overlays"`: true, `"overlays/dev"`: true, `"overlays/dev/app1"`: true}
	beforeLines := strings.Split(before, "\n")
	afterLines := strings.Split(after, "\n")
	if len(beforeLines) != len(afterLines) {
		t.Fatalf("cache-tree nodes changed:\n%s\nwas\n%s", after, before)
	}
	for i, l := range afterLines {
		if l == "" {
			continue
		}
		name := strings.Fields(l)[0]
		switch {
		case onPath[name] && !strings.HasSuffix(l, " -"):
			t.Errorf("%s on the path is still valid: %q", name, l)
		case !onPath[name] && l != beforeLines[i]:
			t.Errorf("%s off the path changed: %q, was %q", name, l, beforeLines[i])
		}
	}
	// git commit rebuilds them, leaving a fully valid cache-tree.
	g.write("README.md", "x\n")
	g.git("commit", "-qam", "next")
	if got := g.cacheTree(t); strings.Contains(got, " -1 ") {
		t.Errorf("after git commit the cache-tree is not fully valid:\n%s", got)
	}
}

func TestIndexVarint(t *testing.T) {
	for _, v := range []uint64{0, 1, 127, 128, 129, 255, 16383, 16384, 16511, 1 << 20, 1<<32 + 5} {
		b := appendIndexVarint(nil, v)
		got, n := decodeIndexVarint(b)
		if got != v || n != len(b) {
			t.Errorf("varint %d: encoded %x, decoded %d (%d bytes)", v, b, got, n)
		}
	}
}
