// Package forge opens and maintains pull requests (merge requests on GitLab)
// on GitHub, GitLab and Gitea/Forgejo through one small Client interface.
//
// Each implementation wraps the forge's own maintained Go SDK; the package
// never talks HTTP itself. Detect picks the forge and its API root from a Git
// remote URL (or the --forge and --forge-url flags) and Token finds the token
// in the environment, read through an injected getenv. Errors callers branch
// on are sentinels: ErrExists (another pull request already exists for the
// branch: find it and update it), ErrAuth (the token was refused; the message
// never contains the token) and ErrUnsupported.
package forge
