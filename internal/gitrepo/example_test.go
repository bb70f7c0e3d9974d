package gitrepo_test

import (
	"context"
	"fmt"
	"os"
	"time"

	"github.com/rolloutgen/rolloutgen/internal/gitrepo"
)

// The local bump: open the repository from anywhere inside it, resolve
// who commits, and commit one file's new content.
func ExampleRepo_CommitFile() {
	repo, err := gitrepo.Open(".")
	if err != nil {
		fmt.Println(err)
		return
	}
	author, committer, err := gitrepo.ResolveIdentity(gitrepo.IdentityFlags{}, os.Getenv, repo, time.Now())
	if err != nil {
		fmt.Println(err)
		return
	}
	res, err := repo.CommitFile(context.Background(), gitrepo.CommitFileRequest{
		Path:    "overlays/dev/app/kustomization.yaml",
		Content: []byte("images:\n- name: app\n  newTag: v2\n"),
		Meta:    gitrepo.CommitMeta{Message: "bump app in dev to v2", Author: author, Committer: committer},
	})
	if err != nil {
		fmt.Println(err) // ErrDirtyFile, ErrRefMoved, ErrNoChange, … with the file or ref named
		return
	}
	fmt.Println(res.Branch, res.Commit)
}
