package gitrepo_test

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"time"

	"github.com/rolloutgen/rolloutgen/internal/gitrepo"
)

// The local bump: open the repository from anywhere inside it and commit
// one file's new content; only that file, its index entry and the branch
// change.
func ExampleRepo_CommitFile() {
	dir, err := os.MkdirTemp("", "example")
	if err != nil {
		fmt.Println(err)
		return
	}
	defer os.RemoveAll(dir)
	// A repository made by the git CLI, as a user's would be.
	file := "overlays/dev/app/kustomization.yaml"
	os.MkdirAll(filepath.Join(dir, filepath.Dir(file)), 0o755)
	os.WriteFile(filepath.Join(dir, file), []byte("images:\n- name: app\n  newTag: v1\n"), 0o644)
	git := func(args ...string) string {
		cmd := exec.Command("git", args...)
		cmd.Dir = dir
		cmd.Env = append(os.Environ(), "HOME="+dir, "GIT_CONFIG_NOSYSTEM=1", "GIT_CONFIG_GLOBAL=/dev/null",
			"GIT_AUTHOR_NAME=Dev", "GIT_AUTHOR_EMAIL=dev@example.com", "GIT_AUTHOR_DATE=2026-01-02T03:04:05Z",
			"GIT_COMMITTER_NAME=Dev", "GIT_COMMITTER_EMAIL=dev@example.com", "GIT_COMMITTER_DATE=2026-01-02T03:04:05Z")
		out, _ := cmd.Output()
		return string(out)
	}
	git("init", "-q", "-b", "main")
	git("add", ".")
	git("commit", "-q", "-m", "initial")

	repo, err := gitrepo.Open(filepath.Join(dir, "overlays"))
	if err != nil {
		fmt.Println(err)
		return
	}
	who := gitrepo.Signature{Name: "Bump Bot", Email: "bot@example.com", When: time.Date(2026, 1, 2, 4, 0, 0, 0, time.UTC)}
	res, err := repo.CommitFile(context.Background(), gitrepo.CommitFileRequest{
		Path:    file,
		Content: []byte("images:\n- name: app\n  newTag: v2\n"),
		Meta:    gitrepo.CommitMeta{Message: "bump app in dev to v2", Author: who, Committer: who},
	})
	if err != nil {
		fmt.Println(err) // ErrDirtyFile, ErrRefMoved, ErrNoChange, … with the file or ref named
		return
	}
	fmt.Println(res.Branch, res.Commit)
	fmt.Print(git("log", "--format=%s"))
	fmt.Print(git("diff", "--name-only", "HEAD~1", "HEAD"))
	fmt.Printf("status: %q\n", git("status", "--porcelain"))
	// Output:
	// main e5ef1505ef79a4a8e2b2f7f6689b33f0794c2c2e
	// bump app in dev to v2
	// initial
	// overlays/dev/app/kustomization.yaml
	// status: ""
}
