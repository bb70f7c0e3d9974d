package gittest

import (
	"context"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/rolloutgen/rolloutgen/internal/testtool"
)

// Signing keys made by the real tools, as a user has them: a gpg key in
// its own GNUPGHOME, ssh keys from ssh-keygen, an ssh-agent process.

// GPGKey makes an ed25519 OpenPGP key without a passphrase for uid
// ("Name <email>") in a fresh GNUPGHOME and returns the directory and the
// key's fingerprint. The directory is short (gpg-agent's socket lives in
// it, and socket paths are limited to ~108 bytes); its agent is stopped
// at cleanup.
func GPGKey(t testing.TB, uid string) (gnupgHome, fingerprint string) {
	t.Helper()
	testtool.Require(t, "gpg")
	testtool.Require(t, "gpgconf")
	dir, err := os.MkdirTemp("", "gpg")
	if err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(dir, 0o700); err != nil {
		t.Fatal(err)
	}
	env := append(os.Environ(), "GNUPGHOME="+dir)
	t.Cleanup(func() {
		cmd := exec.Command("gpgconf", "--kill", "gpg-agent")
		cmd.Env = env
		_ = cmd.Run()
		os.RemoveAll(dir)
	})
	run := func(args ...string) string {
		t.Helper()
		cmd := exec.Command("gpg", args...)
		cmd.Env = env
		out, err := cmd.Output()
		if err != nil {
			var stderr []byte
			if ee, ok := err.(*exec.ExitError); ok {
				stderr = ee.Stderr
			}
			t.Fatalf("gpg %s: %v\n%s", strings.Join(args, " "), err, stderr)
		}
		return string(out)
	}
	run("--batch", "--passphrase", "", "--quick-gen-key", uid, "ed25519", "sign", "never")
	for _, l := range strings.Split(run("--batch", "--with-colons", "--list-secret-keys"), "\n") {
		if f, ok := strings.CutPrefix(l, "fpr:"); ok {
			return dir, strings.Trim(f, ":")
		}
	}
	t.Fatal("gpg made no key")
	return "", ""
}

// SSHKeygen makes an ed25519 key with ssh-keygen (passphrase "" for
// none) and returns the private key's path; the public key is path.pub.
func SSHKeygen(t testing.TB, passphrase string) string {
	t.Helper()
	testtool.Require(t, "ssh-keygen")
	p := filepath.Join(t.TempDir(), "id_ed25519")
	if out, err := exec.Command("ssh-keygen", "-q", "-t", "ed25519", "-N", passphrase, "-C", "gen test", "-f", p).CombinedOutput(); err != nil {
		t.Fatalf("ssh-keygen: %v\n%s", err, out)
	}
	return p
}

// SSHAgent starts ssh-agent on a fresh socket and returns the socket's
// path (SSH_AUTH_SOCK); the agent is stopped at cleanup. keys are added
// with ssh-add.
func SSHAgent(t testing.TB, keys ...string) string {
	t.Helper()
	testtool.Require(t, "ssh-agent")
	testtool.Require(t, "ssh-add")
	dir, err := os.MkdirTemp("", "agent")
	if err != nil {
		t.Fatal(err)
	}
	sock := filepath.Join(dir, "s")
	ctx, cancel := context.WithCancel(context.Background())
	cmd := exec.CommandContext(ctx, "ssh-agent", "-D", "-a", sock)
	if err := cmd.Start(); err != nil {
		cancel()
		t.Fatal(err)
	}
	t.Cleanup(func() {
		cancel() // kills this agent, the process started here
		_ = cmd.Wait()
		os.RemoveAll(dir)
	})
	deadline := time.Now().Add(10 * time.Second)
	for {
		if c, err := net.Dial("unix", sock); err == nil {
			c.Close()
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("ssh-agent did not listen on %s within 10s", sock)
		}
		time.Sleep(10 * time.Millisecond) // polling a socket under a deadline
	}
	for _, k := range keys {
		add := exec.Command("ssh-add", k)
		add.Env = append(os.Environ(), "SSH_AUTH_SOCK="+sock)
		if out, err := add.CombinedOutput(); err != nil {
			t.Fatalf("ssh-add %s: %v\n%s", k, err, out)
		}
	}
	return sock
}

// AllowedSigners writes an allowed-signers file (gpg.ssh.allowedSignersFile)
// trusting the public key in pubFile for email, for git verify-commit.
func AllowedSigners(t testing.TB, email, pubFile string) string {
	t.Helper()
	pub, err := os.ReadFile(pubFile)
	if err != nil {
		t.Fatal(err)
	}
	p := filepath.Join(t.TempDir(), "allowed_signers")
	line := email + ` namespaces="git" ` + strings.TrimSpace(string(pub)) + "\n"
	if err := os.WriteFile(p, []byte(line), 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}
