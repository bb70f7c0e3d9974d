package gitrepo

import (
	"context"
	"errors"
	"net/url"
	"strings"
	"testing"

	"github.com/rolloutgen/rolloutgen/internal/gittest"
)

const (
	testToken    = "ghp_S3cretT0kenValue123"
	testPassword = "p@ss/w:rd S3cret"
)

// transportCase is one way to reach a remote: the URL to use and the auth
// options, with the server already running.
type transportCase struct {
	name string
	url  string
	opts AuthOptions
}

// transports starts every transport a push must work over, each with the
// credentials its server demands.
func transports(t *testing.T, r *gittest.Remote) []transportCase {
	t.Helper()
	tokenSrv := gittest.NewHTTPServer(t, r, gittest.HTTPAuth{Token: testToken})
	basicSrv := gittest.NewHTTPServer(t, r, gittest.HTTPAuth{Username: "alice", Password: testPassword})
	key := gittest.NewKey(t, "")
	agentKey := gittest.NewKey(t, "")
	encKey := gittest.NewKey(t, "key passphrase")
	sshSrv := gittest.NewSSHServer(t, r, key.Public, agentKey.Public, encKey.Public)
	sock := gittest.NewAgent(t, agentKey.Priv)
	tokenURL, _ := url.Parse(tokenSrv.URL(r.Name))
	tokenURL.User = url.UserPassword("x-access-token", testToken)
	return []transportCase{
		{name: "file", url: r.FileURL()},
		{name: "path", url: r.Dir},
		{name: "http token env", url: tokenSrv.URL(r.Name), opts: AuthOptions{Getenv: env(EnvToken, testToken)}},
		{name: "http token in url", url: tokenURL.String()},
		{name: "http basic env", url: basicSrv.URL(r.Name), opts: AuthOptions{Getenv: env(EnvUsername, "alice", EnvPassword, testPassword)}},
		{name: "ssh key file", url: sshSrv.URL(r.Name), opts: AuthOptions{SSHKeyFile: key.File, KnownHostsFile: sshSrv.KnownHosts}},
		{name: "ssh key env with passphrase", url: sshSrv.URL(r.Name), opts: AuthOptions{Getenv: env(
			EnvSSHKey, encKey.File, EnvSSHKeyPassphrase, "key passphrase", EnvSSHKnownHosts, sshSrv.KnownHosts)}},
		{name: "ssh agent", url: sshSrv.URL(r.Name), opts: AuthOptions{KnownHostsFile: sshSrv.KnownHosts, Getenv: env(EnvSSHAuthSock, sock)}},
	}
}

// TestPushOverEachTransport pushes from a local clone and then runs remote
// mode, each racing another pusher, over every transport.
func TestPushOverEachTransport(t *testing.T) {
	r := gittest.NewRemote(t, seedFiles())
	commits := 1
	for _, tc := range transports(t, r) {
		t.Run(tc.name, func(t *testing.T) {
			ep := mustEndpoint(t, tc.url, tc.opts)
			if strings.Contains(ep.String(), testToken) {
				t.Errorf("endpoint prints its token: %s", ep)
			}
			// Local mode: a clone's commit, overtaken by another push.
			repo, c := localCommit(t, r.Clone(t), app1, "local-"+tc.name)
			r.Commit(t, "other "+tc.name, map[string]string{"README.md": tc.name + "\n"})
			commits++
			var sl sleeps
			res, err := push(context.Background(), pushRequest{
				Storer: repo.Storer, Remote: ep, Branch: "main", Commit: c, Retry: noSleep(&sl),
				Reapply: reapplyEdit(repo.Storer, nil, app1, testCommitMeta("bump"), tagEdit("local-"+tc.name)),
			})
			if err != nil {
				t.Fatal(err)
			}
			commits++
			if res.Attempts != 2 || !res.Pushed || !res.Reapplied {
				t.Errorf("local push = %+v, want re-applied and pushed on attempt 2", res)
			}
			if got := r.Show(t, app1); got != "tag: local-"+tc.name {
				t.Errorf("remote app1 = %q", got)
			}

			// Remote mode.
			rb, err := bumpRemote(context.Background(), remoteBump{
				Remote: ep, Path: "overlays/dev/app2/kustomization.yaml",
				Meta: testCommitMeta("bump app2"), Edit: tagEdit("remote-" + tc.name), Retry: noSleep(&sl),
			})
			if err != nil {
				t.Fatal(err)
			}
			commits++
			if !rb.Changed || !rb.Push.Pushed || rb.Push.Attempts != 1 || rb.Branch != "main" {
				t.Errorf("remote bump = %+v", rb)
			}
			if got := r.Show(t, "overlays/dev/app2/kustomization.yaml"); got != "tag: remote-"+tc.name {
				t.Errorf("remote app2 = %q", got)
			}
			// Same again: nothing to do, nothing pushed.
			rb, err = bumpRemote(context.Background(), remoteBump{
				Remote: ep, Branch: "main", Path: "overlays/dev/app2/kustomization.yaml",
				Meta: testCommitMeta("bump app2"), Edit: tagEdit("remote-" + tc.name),
			})
			if err != nil || rb.Changed || rb.Push.Pushed {
				t.Errorf("repeated remote bump = %+v, %v; want no change", rb, err)
			}
			assertLinear(t, r, commits)
			r.Fsck(t)
		})
	}
}

// TestWrongCredentials: a refused push fails with ErrAuth, names the remote
// and shows no secret.
func TestWrongCredentials(t *testing.T) {
	r := gittest.NewRemote(t, seedFiles())
	srv := gittest.NewHTTPServer(t, r, gittest.HTTPAuth{Token: testToken})
	key := gittest.NewKey(t, "")
	other := gittest.NewKey(t, "")
	sshSrv := gittest.NewSSHServer(t, r, key.Public)
	wrongURL, _ := url.Parse(srv.URL(r.Name))
	wrongURL.User = url.UserPassword("bob", "wrong-"+testToken)
	tests := []struct {
		name, url string
		opts      AuthOptions
		secrets   []string
	}{
		{name: "http wrong token env", url: srv.URL(r.Name), opts: AuthOptions{Getenv: env(EnvToken, "wrong-"+testToken)}, secrets: []string{"wrong-" + testToken}},
		{name: "http wrong token in url", url: wrongURL.String(), secrets: []string{"wrong-" + testToken}},
		{name: "http no credentials", url: srv.URL(r.Name)},
		{name: "ssh unauthorized key", url: sshSrv.URL(r.Name), opts: AuthOptions{SSHKeyFile: other.File, KnownHostsFile: sshSrv.KnownHosts}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ep := mustEndpoint(t, tt.url, tt.opts)
			repo, c := localCommit(t, r.Clone(t), app1, "v2")
			_, err := push(context.Background(), pushRequest{Storer: repo.Storer, Remote: ep, Branch: "main", Commit: c})
			if !errors.Is(err, ErrAuth) {
				t.Fatalf("push err = %v, want ErrAuth", err)
			}
			_, cerr := bumpRemote(context.Background(), remoteBump{Remote: ep, Path: app1, Edit: tagEdit("v2")})
			if !errors.Is(cerr, ErrAuth) {
				t.Fatalf("clone err = %v, want ErrAuth", cerr)
			}
			for _, e := range []error{err, cerr} {
				msg := e.Error()
				if !strings.Contains(msg, "127.0.0.1") {
					t.Errorf("error does not name the remote: %s", msg)
				}
				for _, s := range tt.secrets {
					if strings.Contains(msg, s) || strings.Contains(msg, url.QueryEscape(s)) {
						t.Errorf("error shows a secret: %s", msg)
					}
				}
			}
			t.Logf("error shown to users: %v", err)
		})
	}
}

func TestSSHHostKeyChecked(t *testing.T) {
	r := gittest.NewRemote(t, seedFiles())
	key := gittest.NewKey(t, "")
	srv := gittest.NewSSHServer(t, r, key.Public)
	impostor := gittest.NewSSHServer(t, r, key.Public)
	// Trust the impostor's key for the real server's address: a mismatch.
	ep := mustEndpoint(t, srv.URL(r.Name), AuthOptions{SSHKeyFile: key.File, KnownHostsFile: impostor.KnownHosts})
	_, err := cloneShallow(context.Background(), ep, "main")
	if err == nil || !strings.Contains(err.Error(), "knownhosts") && !strings.Contains(err.Error(), "host key") {
		t.Fatalf("clone with an unknown host key: err = %v, want a host key error", err)
	}
	if _, err := ResolveEndpoint(srv.URL(r.Name), AuthOptions{SSHKeyFile: key.File, KnownHostsFile: "/nonexistent/known_hosts"}); err == nil {
		t.Error("a named known_hosts file that does not exist was accepted")
	}
	if _, err := ResolveEndpoint(srv.URL(r.Name), AuthOptions{KnownHostsFile: srv.KnownHosts}); !errors.Is(err, ErrAuth) {
		t.Errorf("ssh without key or agent: err = %v, want ErrAuth", err)
	}
	enc := gittest.NewKey(t, "pw")
	if _, err := ResolveEndpoint(srv.URL(r.Name), AuthOptions{SSHKeyFile: enc.File, KnownHostsFile: srv.KnownHosts}); err == nil || !strings.Contains(err.Error(), EnvSSHKeyPassphrase) {
		t.Errorf("encrypted key without passphrase: err = %v, want a hint naming %s", err, EnvSSHKeyPassphrase)
	}
}
