package gitrepo

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"time"

	"golang.org/x/crypto/ssh"
	"golang.org/x/crypto/ssh/agent"
)

// Commits are signed the way git signs them (gpg-interface.c), by running
// the program git would run, so that keys in gpg-agent, ssh-agent or on a
// smartcard work as they do for git commit -S:
//
//   - openpgp (gpg.format unset): gpg.program, default gpg, run as
//     `gpg --status-fd=2 -bsau <key>` with the payload on stdin; the
//     signature is its stdout and "[GNUPG:] SIG_CREATED" on its status fd
//     says it signed. x509: gpg.x509.program, default gpgsm, the same way.
//   - ssh: gpg.ssh.program, default ssh-keygen, run as
//     `ssh-keygen -Y sign -n git -f <key> [-U] <file>` (git's sshsig
//     format), the key a file (private, or public with the private half in
//     ssh-agent) or a "key::" literal written to a temporary file and used
//     through the agent (-U).
//
// The key is user.signingKey; without it, openpgp signs with the
// committer's "Name <email>" (as git does) and ssh runs
// gpg.ssh.defaultKeyCommand.

// SignMode says whether commits are signed: as commit.gpgSign says, or as
// --sign / --no-sign override it.
type SignMode int

const (
	SignAsConfigured SignMode = iota // commit.gpgSign
	SignAlways                       // --sign
	SignNever                        // --no-sign
)

// ErrCannotSign: signing was asked for and cannot be done (no key, a key
// not in the agent, a passphrase with no agent, a missing program). It is
// reported before anything is written.
var ErrCannotSign = errors.New("cannot sign")

// signTimeout bounds one signing program run: a pinentry waiting on a
// terminal nobody watches must not hang a CI job forever.
const signTimeout = 2 * time.Minute

// signer signs commit payloads with one key through one program.
type signer struct {
	format  string // openpgp, x509 or ssh
	program string
	// key is what the program is given (-u for gpg, -f for ssh-keygen);
	// literal marks an ssh key:: value (written to a file, -U); name is
	// how errors name it.
	key     string
	literal bool
	name    string
	env     []string
}

// resolveSigner reads the signing settings from cfg as git commit does and,
// when signing is asked for, checks that it can be done, so a refusal
// comes before anything is written. It returns nil when commits are not
// signed. committer is the default OpenPGP key.
func resolveSigner(ctx context.Context, cfg *gitConfig, mode SignMode, committer Signature, env []string) (*signer, error) {
	switch mode {
	case SignNever:
		return nil, nil
	case SignAsConfigured:
		on, _, err := cfg.boolValue("commit.gpgsign")
		if err != nil {
			return nil, fmt.Errorf("commit.gpgSign: %w", err)
		}
		if !on {
			return nil, nil
		}
	}
	s := &signer{format: "openpgp", env: env}
	if f, ok := cfg.get("gpg.format"); ok {
		s.format = f
	}
	switch s.format {
	case "openpgp":
		s.program = cfg.lastOf("gpg", "gpg.program", "gpg.openpgp.program")
	case "x509":
		s.program = cfg.lastOf("gpgsm", "gpg.x509.program")
	case "ssh":
		s.program = cfg.lastOf("ssh-keygen", "gpg.ssh.program")
	default:
		return nil, fmt.Errorf("gpg.format %q: %w: git knows openpgp, x509 and ssh", s.format, ErrCannotSign)
	}
	key, _ := cfg.get("user.signingkey")
	if s.format == "ssh" {
		if err := s.sshKey(ctx, cfg, key); err != nil {
			return nil, err
		}
	} else {
		s.key, s.name = key, fmt.Sprintf("user.signingKey %q", key)
		if key == "" {
			s.key = committer.Name + " <" + committer.Email + ">"
			s.name = fmt.Sprintf("the committer's key %q (user.signingKey unset)", s.key)
		}
	}
	if err := s.preflight(ctx); err != nil {
		return nil, fmt.Errorf("%w with %s (gpg.format %s): %w", ErrCannotSign, s.name, s.format, err)
	}
	return s, nil
}

// lastOf is the value of whichever of keys was set last (git reads
// gpg.program and gpg.openpgp.program into one setting), else def.
func (c *gitConfig) lastOf(def string, keys ...string) string {
	if c == nil {
		return def
	}
	for i := len(c.entries) - 1; i >= 0; i-- {
		for _, k := range keys {
			if c.entries[i].key == k && c.entries[i].value != "" {
				return c.entries[i].value
			}
		}
	}
	return def
}

// sshKey sets the ssh key from user.signingKey or
// gpg.ssh.defaultKeyCommand, as git's get_signing_key does.
func (s *signer) sshKey(ctx context.Context, cfg *gitConfig, key string) error {
	if key == "" {
		cmd, _ := cfg.get("gpg.ssh.defaultkeycommand")
		if cmd == "" {
			return fmt.Errorf("%w: gpg.format is ssh and user.signingKey is not set: set it to a key file or key::<public key>", ErrCannotSign)
		}
		out, err := s.command(ctx, "sh", "-c", cmd).Output()
		first, _, _ := strings.Cut(string(out), "\n")
		if err != nil || !isLiteralSSHKey(first) {
			return fmt.Errorf("%w: gpg.ssh.defaultKeyCommand %q gave no key::<public key> line (%v)", ErrCannotSign, cmd, err)
		}
		key = first
	}
	if lit, ok := strings.CutPrefix(key, "key::"); ok {
		s.key, s.literal = lit, true
	} else if strings.HasPrefix(key, "ssh-") {
		s.key, s.literal = key, true // the deprecated form git still accepts
	} else {
		s.key = expandHome(key, s.getenv)
		s.name = fmt.Sprintf("user.signingKey %q", key)
		return nil
	}
	s.name = "user.signingKey key::" + abbreviateKey(s.key)
	return nil
}

func isLiteralSSHKey(k string) bool {
	return strings.HasPrefix(k, "key::") || strings.HasPrefix(k, "ssh-")
}

// abbreviateKey names a literal key by type and fingerprint.
func abbreviateKey(k string) string {
	pub, _, _, _, err := ssh.ParseAuthorizedKey([]byte(k))
	if err != nil {
		if len(k) > 40 {
			return k[:40] + "…"
		}
		return k
	}
	return pub.Type() + " " + ssh.FingerprintSHA256(pub)
}

func (s *signer) getenv(k string) string { return lookupEnv(s.env, k) }

// lookupEnv is getenv over an environment list (the last entry wins).
func lookupEnv(env []string, k string) string {
	for i := len(env) - 1; i >= 0; i-- {
		if v, ok := strings.CutPrefix(env[i], k+"="); ok {
			return v
		}
	}
	return ""
}

func (s *signer) command(ctx context.Context, name string, args ...string) *exec.Cmd {
	cmd := exec.CommandContext(ctx, name, args...)
	cmd.Env = s.env
	return cmd
}

// preflight checks what can be checked without signing: the program
// exists; gpg holds a secret key of that name; an ssh key file can be
// read, and a key whose private half must come from ssh-agent is there.
// A custom program is trusted with its own keys.
func (s *signer) preflight(ctx context.Context) error {
	prog, err := exec.LookPath(s.program)
	if err != nil {
		return fmt.Errorf("program %q not found (gpg.program, gpg.%s.program)", s.program, s.format)
	}
	base := filepath.Base(prog)
	switch {
	case s.format != "ssh" && strings.HasPrefix(base, "gpg"):
		out, err := s.command(ctx, s.program, "--batch", "--with-colons", "--list-secret-keys", "--", s.key).CombinedOutput()
		if err != nil {
			return fmt.Errorf("%s has no secret key for it: %s", s.program, firstLine(out))
		}
	case s.format == "ssh" && base == "ssh-keygen":
		return s.sshPreflight()
	}
	return nil
}

// sshPreflight is what ssh-keygen -Y sign will need: the file, or the
// agent holding the key.
func (s *signer) sshPreflight() error {
	var pub ssh.PublicKey
	if s.literal {
		k, _, _, _, err := ssh.ParseAuthorizedKey([]byte(s.key))
		if err != nil {
			return fmt.Errorf("not an ssh public key: %w", err)
		}
		pub = k
	} else {
		data, err := os.ReadFile(s.key)
		if err != nil {
			return fmt.Errorf("read the key: %w", err)
		}
		if k, _, _, _, err := ssh.ParseAuthorizedKey(data); err == nil {
			pub = k // a public key: its private half must be in the agent
		} else if _, err := ssh.ParseRawPrivateKey(data); err != nil {
			var pm *ssh.PassphraseMissingError
			if !errors.As(err, &pm) || pm.PublicKey == nil {
				return nil // a format ssh-keygen may know (a security key): let it try
			}
			if s.agentHas(pm.PublicKey) == nil {
				return nil
			}
			return fmt.Errorf("the key file is passphrase-protected and ssh-agent does not hold it: run ssh-add %s", s.key)
		} else {
			return nil // a private key file ssh-keygen can read
		}
	}
	if err := s.agentHas(pub); err != nil {
		return fmt.Errorf("its private half must come from ssh-agent: %w", err)
	}
	return nil
}

// agentHas fails unless the agent at SSH_AUTH_SOCK holds pub.
func (s *signer) agentHas(pub ssh.PublicKey) error {
	sock := s.getenv("SSH_AUTH_SOCK")
	if sock == "" {
		return errors.New("SSH_AUTH_SOCK is not set")
	}
	conn, err := net.DialTimeout("unix", sock, 5*time.Second)
	if err != nil {
		return fmt.Errorf("ssh-agent at %s: %w", sock, err)
	}
	defer conn.Close()
	_ = conn.SetDeadline(time.Now().Add(10 * time.Second))
	keys, err := agent.NewClient(conn).List()
	if err != nil {
		return fmt.Errorf("ssh-agent at %s: %w", sock, err)
	}
	want := pub.Marshal()
	for _, k := range keys {
		if bytes.Equal(k.Marshal(), want) {
			return nil
		}
	}
	return fmt.Errorf("ssh-agent at %s does not hold %s: run ssh-add", sock, ssh.FingerprintSHA256(pub))
}

// sign returns the signature of payload, for the commit's gpgsig header.
func (s *signer) sign(ctx context.Context, payload []byte) (string, error) {
	ctx, cancel := context.WithTimeout(ctx, signTimeout)
	defer cancel()
	var sig string
	var err error
	if s.format == "ssh" {
		sig, err = s.signSSH(ctx, payload)
	} else {
		sig, err = s.signGPG(ctx, payload)
	}
	if err != nil {
		return "", fmt.Errorf("sign the commit with %s (gpg.format %s): %w", s.name, s.format, err)
	}
	return sig, nil
}

// signGPG is git's sign_buffer_gpg.
func (s *signer) signGPG(ctx context.Context, payload []byte) (string, error) {
	cmd := s.command(ctx, s.program, "--status-fd=2", "-bsau", s.key)
	cmd.Stdin = bytes.NewReader(payload)
	var out, status bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &status
	err := cmd.Run()
	if err == nil && !bytes.Contains(append([]byte("\n"), status.Bytes()...), []byte("\n[GNUPG:] SIG_CREATED ")) {
		err = errors.New("no SIG_CREATED status")
	}
	if err != nil {
		return "", fmt.Errorf("%s failed to sign the data: %w: %s", s.program, err, gpgMessages(status.Bytes()))
	}
	return out.String(), nil
}

// gpgMessages is gpg's stderr without its status lines.
func gpgMessages(b []byte) string {
	var keep []string
	for _, l := range strings.Split(string(b), "\n") {
		if l = strings.TrimSpace(l); l != "" && !strings.HasPrefix(l, "[GNUPG:]") {
			keep = append(keep, l)
		}
	}
	return strings.Join(keep, "; ")
}

// signSSH is git's sign_buffer_ssh.
func (s *signer) signSSH(ctx context.Context, payload []byte) (string, error) {
	dir, err := os.MkdirTemp("", ".git_signing_")
	if err != nil {
		return "", err
	}
	defer os.RemoveAll(dir)
	keyFile := s.key
	if s.literal {
		keyFile = filepath.Join(dir, "key")
		if err := os.WriteFile(keyFile, []byte(s.key+"\n"), 0o600); err != nil {
			return "", err
		}
	}
	buf := filepath.Join(dir, "buffer")
	if err := os.WriteFile(buf, payload, 0o600); err != nil {
		return "", err
	}
	args := []string{"-Y", "sign", "-n", "git", "-f", keyFile}
	if s.literal {
		args = append(args, "-U")
	}
	cmd := s.command(ctx, s.program, append(args, buf)...)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	if err := cmd.Run(); err != nil {
		msg := strings.TrimSpace(stderr.String())
		if strings.Contains(msg, "usage:") {
			msg = "ssh-keygen -Y sign is needed for ssh signing (available in openssh version 8.2p1+)"
		}
		return "", fmt.Errorf("%s: %w: %s", s.program, err, strings.ReplaceAll(msg, "\n", "; "))
	}
	sig, err := os.ReadFile(buf + ".sig")
	if err != nil {
		return "", fmt.Errorf("%s wrote no signature: %w", s.program, err)
	}
	return string(sig), nil
}

func firstLine(b []byte) string {
	l, _, _ := strings.Cut(strings.TrimSpace(string(b)), "\n")
	return l
}
