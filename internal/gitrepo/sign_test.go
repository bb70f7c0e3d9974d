package gitrepo

import (
	"context"
	"crypto/sha256"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/rolloutgen/rolloutgen/internal/gittest"
)

// signEnv is the git test environment plus extra, as a list (for the
// programs gen runs) and as a getenv (for the config it reads).
func signEnv(home string, extra ...string) ([]string, func(string) string) {
	env := append(gittest.Env(home), extra...)
	return env, func(k string) string { return lookupEnv(env, k) }
}

// treeSnapshot is every file under dir (the .git directory included) with
// its mode and content hash: what "nothing was written" means.
func treeSnapshot(t *testing.T, dir string) string {
	t.Helper()
	var b strings.Builder
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		fi, err := d.Info()
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(dir, p)
		sum := ""
		if fi.Mode().IsRegular() {
			data, err := os.ReadFile(p)
			if err != nil {
				return err
			}
			sum = fmt.Sprintf("%x", sha256.Sum256(data))
		}
		fmt.Fprintf(&b, "%s %v %s\n", rel, fi.Mode(), sum)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return b.String()
}

// TestSignedCommitsVerifyWithGit: every way git signs — an ssh key file,
// an ssh public key whose private half is in ssh-agent, a key:: literal
// in the agent, a gpg key ID and gpg's default key (the committer) in a
// test GNUPGHOME — makes a commit git verify-commit accepts; --no-sign
// overrides commit.gpgSign.
func TestSignedCommitsVerifyWithGit(t *testing.T) {
	keyFile := gittest.SSHKeygen(t, "")
	pub, err := os.ReadFile(keyFile + ".pub")
	if err != nil {
		t.Fatal(err)
	}
	sock := gittest.SSHAgent(t, keyFile)
	committer := testCommitMeta("x").Committer
	gnupg, fpr := gittest.GPGKey(t, committer.Name+" <"+committer.Email+">")
	allowed := gittest.AllowedSigners(t, committer.Email, keyFile+".pub")

	for _, tc := range []struct {
		name   string
		config []string // key value pairs
		env    []string
		sign   SignMode
		signed bool
	}{
		{"ssh key file, --sign", []string{"gpg.format", "ssh", "user.signingKey", keyFile}, nil, SignAlways, true},
		{"ssh public key in ssh-agent", []string{"commit.gpgSign", "true", "gpg.format", "ssh", "user.signingKey", keyFile + ".pub"}, []string{"SSH_AUTH_SOCK=" + sock}, SignAsConfigured, true},
		{"ssh key:: literal in ssh-agent", []string{"commit.gpgSign", "true", "gpg.format", "ssh", "user.signingKey", "key::" + strings.TrimSpace(string(pub))}, []string{"SSH_AUTH_SOCK=" + sock}, SignAsConfigured, true},
		{"gpg key ID", []string{"commit.gpgSign", "true", "user.signingKey", fpr}, []string{"GNUPGHOME=" + gnupg}, SignAsConfigured, true},
		{"gpg default key: the committer", []string{"commit.gpgSign", "true"}, []string{"GNUPGHOME=" + gnupg}, SignAsConfigured, true},
		{"--no-sign overrides commit.gpgSign", []string{"commit.gpgSign", "true", "gpg.format", "ssh", "user.signingKey", keyFile}, nil, SignNever, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			g := seedRepo(t)
			g.git("config", "gpg.ssh.allowedSignersFile", allowed)
			for i := 0; i < len(tc.config); i += 2 {
				g.git("config", tc.config[i], tc.config[i+1])
			}
			env, getenv := signEnv(g.home, tc.env...)
			r, err := OpenEnv(g.dir, getenv)
			if err != nil {
				t.Fatal(err)
			}
			res, err := r.CommitFile(context.Background(), CommitFileRequest{Path: bumpPath, Content: []byte(bumped), Meta: testCommitMeta("bump"), Policy: CommitPolicy{Sign: tc.sign, Env: env}})
			if err != nil {
				t.Fatal(err)
			}
			out, verr := g.gitEnvErr(tc.env, "verify-commit", "--raw", res.Commit.String())
			if tc.signed && verr != nil {
				t.Fatalf("git verify-commit refused gen's commit: %v\n%s\n%s", verr, out, g.git("cat-file", "commit", "HEAD"))
			}
			if !tc.signed && (verr == nil || strings.Contains(g.git("cat-file", "commit", "HEAD"), "gpgsig")) {
				t.Fatalf("commit signed despite --no-sign:\n%s", g.git("cat-file", "commit", "HEAD"))
			}
			assertHealthy(t, g, "")
		})
	}
}

// TestSigningRefusedBeforeAnythingIsWritten: signing asked for and
// impossible is ErrCannotSign naming the key and the reason, and the
// repository (.git included) is byte for byte as it was.
func TestSigningRefusedBeforeAnythingIsWritten(t *testing.T) {
	keyFile := gittest.SSHKeygen(t, "")
	locked := gittest.SSHKeygen(t, "secret passphrase")
	emptyAgent := gittest.SSHAgent(t)
	gnupg, _ := gittest.GPGKey(t, "Someone Else <else@example.com>")
	for _, tc := range []struct {
		name   string
		config []string
		env    []string
		want   []string
	}{
		{"ssh without user.signingKey", []string{"gpg.format", "ssh"}, nil, []string{"user.signingKey is not set"}},
		{"ssh key file missing", []string{"gpg.format", "ssh", "user.signingKey", "/nonexistent/id_ed25519"}, nil, []string{`"/nonexistent/id_ed25519"`, "no such file"}},
		{"ssh public key, no agent", []string{"gpg.format", "ssh", "user.signingKey", keyFile + ".pub"}, nil, []string{keyFile + ".pub", "SSH_AUTH_SOCK is not set"}},
		{"ssh public key not in the agent", []string{"gpg.format", "ssh", "user.signingKey", keyFile + ".pub"}, []string{"SSH_AUTH_SOCK=" + emptyAgent}, []string{keyFile + ".pub", "does not hold"}},
		{"ssh key with a passphrase, no agent", []string{"gpg.format", "ssh", "user.signingKey", locked}, []string{"SSH_AUTH_SOCK=" + emptyAgent}, []string{locked, "passphrase-protected", "ssh-add"}},
		{"gpg key not in GNUPGHOME", []string{"user.signingKey", "nobody@example.com"}, []string{"GNUPGHOME=" + gnupg}, []string{`"nobody@example.com"`, "no secret key"}},
		{"gpg.program missing", []string{"gpg.program", "/nonexistent/gpg", "user.signingKey", "x"}, nil, []string{`"/nonexistent/gpg"`, "not found"}},
		{"unknown gpg.format", []string{"gpg.format", "pgp"}, nil, []string{`gpg.format "pgp"`}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			g := seedRepo(t)
			g.git("config", "commit.gpgSign", "true")
			for i := 0; i < len(tc.config); i += 2 {
				g.git("config", tc.config[i], tc.config[i+1])
			}
			before := treeSnapshot(t, g.dir)
			env, getenv := signEnv(g.home, tc.env...)
			r, err := OpenEnv(g.dir, getenv)
			if err != nil {
				t.Fatal(err)
			}
			_, err = r.CommitFile(context.Background(), CommitFileRequest{Path: bumpPath, Content: []byte(bumped), Meta: testCommitMeta("bump"), Policy: CommitPolicy{Env: env}})
			if !errors.Is(err, ErrCannotSign) {
				t.Fatalf("err = %v, want ErrCannotSign", err)
			}
			for _, w := range tc.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error lacks %q: %v", w, err)
				}
			}
			if strings.Contains(err.Error(), "\n") {
				t.Errorf("error is not one line: %q", err)
			}
			if after := treeSnapshot(t, g.dir); after != before {
				t.Errorf("the repository changed:\n%s", diffLines(before, after))
			}
		})
	}
}

// diffLines lists the lines only one of a and b has.
func diffLines(a, b string) string {
	in := map[string]int{}
	for _, l := range strings.Split(a, "\n") {
		in[l]--
	}
	for _, l := range strings.Split(b, "\n") {
		in[l]++
	}
	var out []string
	for l, n := range in {
		if n < 0 {
			out = append(out, "- "+l)
		} else if n > 0 {
			out = append(out, "+ "+l)
		}
	}
	return strings.Join(out, "\n")
}

// TestSignedRemoteAndReappliedCommits: remote mode (a clone, the global
// config's signing settings) and a re-applied push (in a clone and in a
// checkout) sign every commit that lands, and git verify-commit accepts
// it on the remote.
func TestSignedRemoteAndReappliedCommits(t *testing.T) {
	keyFile := gittest.SSHKeygen(t, "")
	meta := testCommitMeta("bump app1 to v2")
	allowed := gittest.AllowedSigners(t, meta.Committer.Email, keyFile+".pub")
	for _, mode := range []string{"clone", "checkout"} {
		t.Run(mode, func(t *testing.T) {
			r := gittest.NewRemote(t, seedFiles())
			for _, kv := range [][2]string{{"commit.gpgSign", "true"}, {"gpg.format", "ssh"}, {"user.signingKey", keyFile}, {"gpg.ssh.allowedSignersFile", allowed}} {
				gittest.Git(t, r.Home, r.Root, "config", "--global", kv[0], kv[1])
			}
			env, getenv := signEnv(r.Home)
			ep := mustEndpoint(t, r.FileURL(), AuthOptions{})
			var sl sleeps
			target := PushTarget{Remote: ep, Retry: noSleep(&sl)}
			var src *Source
			var dir string
			if mode == "clone" {
				s, err := CloneSource(context.Background(), target)
				if err != nil {
					t.Fatal(err)
				}
				defer s.Close()
				src = s
			} else {
				dir = r.Clone(t)
				repo, err := OpenEnv(dir, getenv)
				if err != nil {
					t.Fatal(err)
				}
				if src, err = OpenSource(repo, target); err != nil {
					t.Fatal(err)
				}
			}
			src.SetPolicy(CommitPolicy{Env: env})
			first, err := src.CommitFile(context.Background(), app1, []byte("tag: v2\n"), meta, nil)
			if err != nil {
				t.Fatal(err)
			}
			// Someone else pushes first: the bump is re-applied, and signed.
			r.Commit(t, "other", map[string]string{"README.md": "moved on\n"})
			res, err := src.Push(context.Background(), PushFile{Committed: true, Path: app1, Meta: meta, Redo: tagEdit("v2")})
			if err != nil {
				t.Fatal(err)
			}
			if !res.Reapplied || res.Commit == first.Hash {
				t.Fatalf("push %+v: want a re-applied commit", res)
			}
			if out, err := gittest.GitErr(r.Home, r.Dir, "verify-commit", "main"); err != nil {
				t.Fatalf("git verify-commit on the remote: %v\n%s\n%s", err, out, r.Git(t, "cat-file", "commit", "main"))
			}
			if mode == "checkout" {
				if out, err := gittest.GitErr(r.Home, dir, "verify-commit", "HEAD"); err != nil {
					t.Fatalf("git verify-commit in the checkout: %v\n%s", err, out)
				}
			}
			r.Fsck(t)
		})
	}
}
