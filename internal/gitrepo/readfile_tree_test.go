package gitrepo

import (
	"strings"
	"testing"

	"github.com/go-git/go-git/v5/plumbing"
	"github.com/go-git/go-git/v5/plumbing/filemode"
	"github.com/go-git/go-git/v5/plumbing/object"
)

// findTreeEntry must see a tree as Tree.Decode does.
func TestFindTreeEntryMatchesDecode(t *testing.T) {
	tree := &object.Tree{Entries: []object.TreeEntry{
		{Name: "README.md", Mode: filemode.Regular, Hash: plumbing.NewHash(strings.Repeat("01", 20))},
		{Name: "app.sh", Mode: filemode.Executable, Hash: plumbing.NewHash(strings.Repeat("03", 20))},
		{Name: "app", Mode: filemode.Dir, Hash: plumbing.NewHash(strings.Repeat("02", 20))}, // sorts as "app/"
		{Name: "link", Mode: filemode.Symlink, Hash: plumbing.NewHash(strings.Repeat("04", 20))},
		{Name: strings.Repeat("n", 9000), Mode: filemode.Regular, Hash: plumbing.NewHash(strings.Repeat("06", 20))},
		{Name: "sub", Mode: filemode.Submodule, Hash: plumbing.NewHash(strings.Repeat("05", 20))},
		{Name: "z\x20space", Mode: filemode.Regular, Hash: plumbing.NewHash(strings.Repeat("07", 20))},
	}}
	obj := &plumbing.MemoryObject{}
	if err := tree.Encode(obj); err != nil {
		t.Fatal(err)
	}
	var decoded object.Tree
	if err := decoded.Decode(obj); err != nil {
		t.Fatal(err)
	}
	for _, want := range decoded.Entries {
		got, found, err := findTreeEntry(obj, want.Name)
		if err != nil || !found || got != want {
			t.Errorf("%.20q: got %v %v %v, want %v", want.Name, got, found, err, want)
		}
	}
	for _, name := range []string{"", "ap", "app/", "READMEmd", strings.Repeat("n", 8999)} {
		if _, found, err := findTreeEntry(obj, name); found || err != nil {
			t.Errorf("%.20q: found %v, err %v; want absent", name, found, err)
		}
	}

	b := content(t, obj)
	for _, cut := range []int{3, 12, len(b) - 5} {
		short := &plumbing.MemoryObject{}
		short.SetType(plumbing.TreeObject)
		short.Write([]byte(b[:cut]))
		if _, _, err := findTreeEntry(short, "zzz"); err == nil {
			t.Errorf("tree cut at %d bytes: no error", cut)
		}
	}
}
