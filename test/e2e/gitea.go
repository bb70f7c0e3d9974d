//go:build e2e

package e2e

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"time"

	"code.gitea.io/sdk/gitea"
)

// giteaServer is a real Gitea (v1.26.0, built by `make tools`) on
// 127.0.0.1 with SQLite, an admin user and a token made through its own
// CLI, as an administrator sets one up. Its repositories are bare
// repositories on disk (root), which the tests read with the git CLI.
type giteaServer struct {
	url   string // http://127.0.0.1:PORT
	user  string // the admin, owner of the test repositories
	email string
	token string
	root  string // repository root: <root>/<owner>/<name>.git
	api   *gitea.Client
	procs *processes
}

// giteaConfig is what a test needs Gitea to trust.
type giteaConfig struct {
	// trustedSSHKeys are public keys ("ssh-ed25519 AAAA…") whose commit
	// signatures Gitea verifies whoever the committer is: Gitea 1.26 has no
	// API to verify a user's SSH key, so a signing key is trusted here
	// ([repository.signing] TRUSTED_SSH_KEYS).
	trustedSSHKeys []string
	// signingKey is the private SSH key Gitea signs merge commits with
	// (SIGNING_FORMAT ssh; the public key is signingKey.pub): a branch that
	// requires signed commits can only be merged into when Gitea signs the
	// merge, and it does so only when every commit of the pull request is
	// signed and verified (MERGES = commitssigned). Empty: Gitea never signs.
	signingKey string
}

const (
	giteaAdmin      = "e2e"
	giteaAdminEmail = "e2e@example.com"
)

// startGitea starts Gitea in dir: app.ini, `gitea migrate`, the admin user
// and its token through `gitea admin`, then `gitea web` until its health
// check answers. Processes and logs go to ps.
func startGitea(ctx context.Context, tl tools, ps *processes, dir string, cfg giteaConfig) (*giteaServer, error) {
	bin := tl.bin("gitea")
	ports, err := freePorts(1)
	if err != nil {
		return nil, err
	}
	work := filepath.Join(dir, "gitea")
	g := &giteaServer{
		url:   fmt.Sprintf("http://127.0.0.1:%d", ports[0]),
		user:  giteaAdmin,
		email: giteaAdminEmail,
		root:  filepath.Join(work, "repos"),
		procs: ps,
	}
	if err := os.MkdirAll(filepath.Join(work, "custom", "conf"), 0o755); err != nil {
		return nil, err
	}
	// Without the bindata build tag Gitea reads its templates and locale
	// files from the work directory.
	for _, d := range []string{"templates", "options"} {
		if err := os.Symlink(filepath.Join(tl.share("gitea"), d), filepath.Join(work, d)); err != nil {
			return nil, err
		}
	}
	ini := filepath.Join(work, "custom", "conf", "app.ini")
	if err := os.WriteFile(ini, []byte(giteaINI(work, ports[0], cfg)), 0o600); err != nil {
		return nil, err
	}
	env := []string{
		"GITEA_WORK_DIR=" + work,
		"GITEA_CUSTOM=" + filepath.Join(work, "custom"),
		// The e2e runs as root (CI does); Gitea refuses that otherwise.
		"GITEA_I_AM_BEING_UNSAFE_RUNNING_AS_ROOT=true",
		"HOME=" + work, // Gitea's git config (gitconfig) lives here, not the user's
	}
	admin := func(args ...string) (string, error) {
		cmd := exec.CommandContext(ctx, bin, append(args, "--config", ini)...)
		cmd.Env = append(os.Environ(), env...)
		cmd.Dir = work
		out, err := cmd.CombinedOutput()
		if err != nil {
			return "", fmt.Errorf("gitea %s: %w\n%s", strings.Join(args, " "), err, out)
		}
		return string(out), nil
	}
	start := time.Now()
	if _, err := admin("migrate"); err != nil {
		return nil, err
	}
	if _, err := admin("admin", "user", "create", "--admin", "--username", g.user, "--email", g.email,
		"--password", "e2e-password-not-secret", "--must-change-password=false"); err != nil {
		return nil, err
	}
	out, err := admin("admin", "user", "generate-access-token", "--username", g.user, "--token-name", "gen-e2e", "--scopes", "all", "--raw")
	if err != nil {
		return nil, err
	}
	// As root, a warning line comes first: the token is the last line.
	lines := strings.Split(strings.TrimSpace(out), "\n")
	g.token = strings.TrimSpace(lines[len(lines)-1])
	if len(g.token) != 40 {
		return nil, fmt.Errorf("gitea admin user generate-access-token: want a 40-character token as the last line, got:\n%s", out)
	}
	if _, err := ps.start("gitea", env, bin, "web", "--config", ini); err != nil {
		return nil, err
	}
	if _, err := poll(ctx, "gitea web answering /api/healthz", time.Minute, 0, ps.exited, func() (bool, string, error) {
		resp, err := http.Get(g.url + "/api/healthz")
		if err != nil {
			return false, "", err
		}
		resp.Body.Close()
		return resp.StatusCode == http.StatusOK, resp.Status, nil
	}); err != nil {
		return nil, err
	}
	if g.api, err = gitea.NewClient(g.url, gitea.SetToken(g.token), gitea.SetContext(ctx)); err != nil {
		return nil, fmt.Errorf("gitea client: %w", err)
	}
	fmt.Fprintf(os.Stderr, "e2e: gitea up at %s in %.1fs\n", g.url, time.Since(start).Seconds())
	return g, nil
}

// giteaINI is the whole configuration: SQLite, HTTP on 127.0.0.1 only, no
// SSH, no mail, no outside requests, registration off.
func giteaINI(work string, port int, cfg giteaConfig) string {
	var b strings.Builder
	fmt.Fprintf(&b, `APP_NAME = rolloutgen e2e
RUN_MODE = prod
RUN_USER = %s
WORK_PATH = %s
I_AM_BEING_UNSAFE_RUNNING_AS_ROOT = true

[server]
PROTOCOL = http
HTTP_ADDR = 127.0.0.1
HTTP_PORT = %d
ROOT_URL = http://127.0.0.1:%[3]d/
DISABLE_SSH = true
START_SSH_SERVER = false
OFFLINE_MODE = true
LFS_START_SERVER = false
APP_DATA_PATH = %[2]s/data

[database]
DB_TYPE = sqlite3
PATH = %[2]s/data/gitea.db
SQLITE_JOURNAL_MODE = WAL

[repository]
ROOT = %[2]s/repos
DEFAULT_BRANCH = main

[security]
INSTALL_LOCK = true
SECRET_KEY = e2e-secret-key-not-secret
INTERNAL_TOKEN = eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJuYmYiOjE3MDAwMDAwMDB9.e2e-internal-token-not-secret

[oauth2]
ENABLED = false

[service]
DISABLE_REGISTRATION = true
REQUIRE_SIGNIN_VIEW = false
ENABLE_NOTIFY_MAIL = false

[mailer]
ENABLED = false

[picture]
DISABLE_GRAVATAR = true
ENABLE_FEDERATED_AVATAR = false

[cron]
ENABLED = false

[cron.update_checker]
ENABLED = false

[indexer]
REPO_INDEXER_ENABLED = false

[session]
PROVIDER = memory

[cache]
ADAPTER = memory

[queue]
TYPE = channel

[log]
MODE = console
LEVEL = Info
ROOT_PATH = %[2]s/log

[repository.signing]
INITIAL_COMMIT = never
CRUD_ACTIONS = never
WIKI = never
`, currentUser(), work, port)
	if cfg.signingKey != "" {
		fmt.Fprintf(&b, `SIGNING_KEY = %s.pub
SIGNING_FORMAT = ssh
SIGNING_NAME = Gitea
SIGNING_EMAIL = gitea@example.com
MERGES = commitssigned
`, cfg.signingKey)
	} else {
		b.WriteString("SIGNING_KEY = none\nMERGES = never\n")
	}
	if len(cfg.trustedSSHKeys) > 0 {
		fmt.Fprintf(&b, "TRUSTED_SSH_KEYS = %s\n", strings.Join(cfg.trustedSSHKeys, ", "))
	}
	return b.String()
}

func currentUser() string {
	if u := os.Getenv("USER"); u != "" {
		return u
	}
	out, err := exec.Command("id", "-un").Output()
	if err != nil {
		return "root"
	}
	return strings.TrimSpace(string(out))
}

// createRepo makes an empty public repository of the admin; Argo CD and
// git fetch read it without credentials, pushes need the token.
func (g *giteaServer) createRepo(name string) (cloneURL, bare string, err error) {
	r, _, err := g.api.CreateRepo(gitea.CreateRepoOption{Name: name, DefaultBranch: "main"})
	if err != nil {
		return "", "", fmt.Errorf("gitea: create repository %s: %w", name, err)
	}
	return r.CloneURL, filepath.Join(g.root, g.user, strings.ToLower(name)+".git"), nil
}

// pushEnv lets the git CLI push to Gitea with the token, without writing
// it into any URL or config file.
func (g *giteaServer) pushEnv() []string {
	return []string{
		"GIT_CONFIG_COUNT=1",
		"GIT_CONFIG_KEY_0=credential.helper",
		"GIT_CONFIG_VALUE_0=!f() { echo username=" + g.user + "; echo password=" + g.token + "; }; f",
	}
}

// genEnv is what gen needs to push to Gitea and call its API.
func (g *giteaServer) genEnv() []string { return []string{"GEN_GIT_TOKEN=" + g.token} }

// protect sets the protection of branch main of repo (replacing any).
func (g *giteaServer) protect(repo string, opt gitea.CreateBranchProtectionOption) error {
	opt.RuleName = "main"
	_, _ = g.api.DeleteBranchProtection(g.user, repo, "main")
	if _, _, err := g.api.CreateBranchProtection(g.user, repo, opt); err != nil {
		return fmt.Errorf("gitea: protect main of %s: %w", repo, err)
	}
	return nil
}

func (g *giteaServer) unprotect(repo string) error {
	if _, err := g.api.DeleteBranchProtection(g.user, repo, "main"); err != nil {
		return fmt.Errorf("gitea: remove the protection of main of %s: %w", repo, err)
	}
	return nil
}

// openPRs are the repository's open pull requests.
func (g *giteaServer) openPRs(repo string) ([]*gitea.PullRequest, error) {
	prs, _, err := g.api.ListRepoPullRequests(g.user, repo, gitea.ListPullRequestsOptions{State: gitea.StateOpen})
	return prs, err
}

// openPR is the open pull request from branch head, or nil.
func (g *giteaServer) openPR(repo, head string) (*gitea.PullRequest, error) {
	prs, err := g.openPRs(repo)
	for _, pr := range prs {
		if pr.Head.Ref == head {
			return pr, nil
		}
	}
	return nil, err
}

// waitChecked waits until Gitea has checked pull request n and found it
// mergeable (it checks in the background after every push).
func (g *giteaServer) waitChecked(ctx context.Context, repo string, n int64) error {
	_, err := poll(ctx, fmt.Sprintf("gitea checked pull request #%d", n), time.Minute, 0, g.procs.exited, func() (bool, string, error) {
		pr, _, err := g.api.GetPullRequest(g.user, repo, n)
		if err != nil {
			return false, "", err
		}
		return pr.Mergeable, "not mergeable yet", nil
	})
	return err
}

// merge merges pull request n as a reviewer would, once Gitea has checked
// it.
func (g *giteaServer) merge(ctx context.Context, repo string, n int64) error {
	if err := g.waitChecked(ctx, repo, n); err != nil {
		return err
	}
	// A refusal is retried until the deadline; poll's timeout names the
	// last one.
	_, err := poll(ctx, fmt.Sprintf("gitea merging pull request #%d", n), time.Minute, 0, g.procs.exited, func() (bool, string, error) {
		ok, resp, err := g.api.MergePullRequest(g.user, repo, n, gitea.MergePullRequestOption{Style: gitea.MergeStyleMerge})
		return ok && err == nil, fmt.Sprintf("merge #%d: ok=%v, %v (%s)", n, ok, err, status(resp)), nil
	})
	return err
}

// mergeRefused asks Gitea to merge n once it has checked the pull request
// and returns its refusal: the HTTP status and Gitea's message (the SDK
// drops the message). An error when it merged.
func (g *giteaServer) mergeRefused(ctx context.Context, repo string, n int64) (string, error) {
	if err := g.waitChecked(ctx, repo, n); err != nil {
		return "", err
	}
	url := fmt.Sprintf("%s/api/v1/repos/%s/%s/pulls/%d/merge", g.url, g.user, repo, n)
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, url, strings.NewReader(`{"Do":"merge"}`))
	if err != nil {
		return "", err
	}
	req.Header.Set("Authorization", "token "+g.token)
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return "", err
	}
	defer resp.Body.Close()
	var body struct {
		Message string `json:"message"`
	}
	_ = json.NewDecoder(resp.Body).Decode(&body)
	if resp.StatusCode/100 == 2 {
		return "", fmt.Errorf("pull request #%d was merged (%s)", n, resp.Status)
	}
	return resp.Status + ": " + body.Message, nil
}

func status(resp *gitea.Response) string {
	if resp == nil || resp.Response == nil {
		return "no response"
	}
	return resp.Status
}

// commitVerified asks Gitea whether it verifies commit sha's signature,
// and why (its reason names the key, or says why not).
func (g *giteaServer) commitVerified(repo, sha string) (bool, string, error) {
	c, _, err := g.api.GetSingleCommit(g.user, repo, sha)
	if err != nil {
		return false, "", fmt.Errorf("gitea: commit %s: %w", sha, err)
	}
	if c.RepoCommit == nil || c.RepoCommit.Verification == nil {
		return false, "no verification in Gitea's answer", nil
	}
	return c.RepoCommit.Verification.Verified, c.RepoCommit.Verification.Reason, nil
}
