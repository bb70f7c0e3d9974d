package forge_test

import (
	"fmt"

	"github.com/rolloutgen/rolloutgen/internal/forge"
)

func ExampleDetect() {
	for _, remote := range []string{
		"git@github.com:acme/deploy.git",
		"https://gitlab.com/acme/platform/deploy.git",
		"ssh://git@codeberg.org/acme/deploy.git",
	} {
		r, err := forge.Detect(remote, "", "")
		if err != nil {
			fmt.Println(err)
			continue
		}
		fmt.Println(r.Kind, r.APIBase, r.Path)
	}
	// A self-hosted forge is named with --forge; --forge-url sets its API root.
	r, _ := forge.Detect("git@git.example.com:acme/deploy.git", "gitlab", "https://git.example.com/gitlab/api/v4")
	fmt.Println(r.Kind, r.APIBase, r.Path)
	// Output:
	// github https://api.github.com acme/deploy
	// gitlab https://gitlab.com/api/v4 acme/platform/deploy
	// gitea https://codeberg.org/api/v1 acme/deploy
	// gitlab https://git.example.com/gitlab/api/v4 acme/deploy
}

func ExampleToken() {
	env := map[string]string{"GITLAB_TOKEN": "glpat-example"}
	getenv := func(k string) string { return env[k] }
	tok, _ := forge.Token(forge.GitLab, getenv)
	fmt.Println(tok == env["GITLAB_TOKEN"])
	_, err := forge.Token(forge.GitHub, getenv)
	fmt.Println(err)
	// Output:
	// true
	// no token for github: set GEN_GIT_TOKEN or GITHUB_TOKEN
}
