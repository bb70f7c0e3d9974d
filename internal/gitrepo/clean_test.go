package gitrepo

import (
	"errors"
	"strings"
	"testing"
)

func TestCheckClean(t *testing.T) {
	tests := []struct {
		name  string
		setup func(g *gitRepo)
		path  string
		want  error
	}{
		{name: "clean", path: bumpPath},
		{name: "absent everywhere", path: "new/file.yaml"},
		{name: "modified", setup: func(g *gitRepo) { g.write(bumpPath, "x\n") }, path: bumpPath, want: ErrDirtyFile},
		{name: "staged new", setup: func(g *gitRepo) { g.write("new.yaml", "x\n"); g.git("add", "new.yaml") }, path: "new.yaml", want: ErrDirtyFile},
		{name: "untracked", setup: func(g *gitRepo) { g.write("new.yaml", "x\n") }, path: "new.yaml", want: ErrDirtyFile},
		{name: "removed from index", setup: func(g *gitRepo) { g.git("rm", "-q", "--cached", bumpPath) }, path: bumpPath, want: ErrDirtyFile},
		{name: "other file dirty", setup: func(g *gitRepo) { g.write("README.md", "x\n") }, path: bumpPath},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			g := seedRepo(t)
			if tt.setup != nil {
				tt.setup(g)
			}
			r, err := Open(g.dir)
			if err != nil {
				t.Fatal(err)
			}
			err = r.CheckClean(tt.path)
			if !errors.Is(err, tt.want) {
				t.Fatalf("CheckClean = %v, want %v", err, tt.want)
			}
			if err != nil && !strings.Contains(err.Error(), tt.path) {
				t.Errorf("error %q does not name %q", err, tt.path)
			}
		})
	}
}
