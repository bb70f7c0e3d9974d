package gittest

import (
	"bytes"
	"crypto/ed25519"
	"crypto/rand"
	"encoding/binary"
	"encoding/pem"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"os/exec"
	"path"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"golang.org/x/crypto/ssh"
	"golang.org/x/crypto/ssh/knownhosts"
)

// SSHServer is an SSH server on 127.0.0.1 that accepts the listed public
// keys and runs the real git-upload-pack / git-receive-pack on the
// repositories under its root. It speaks only what git needs: "exec" on a
// session channel.
type SSHServer struct {
	Addr string
	// KnownHosts is a known_hosts file that lists this server's host key.
	KnownHosts string
	root       string
	execPath   string
	home       string
}

// URL is the ssh:// URL of the repository named name.
func (s *SSHServer) URL(name string) string { return "ssh://git@" + s.Addr + "/" + name }

// Key is a test key pair: the private key in an OpenSSH PEM file (0600).
type Key struct {
	File   string
	Public ssh.PublicKey
	Signer ssh.Signer
	Priv   ed25519.PrivateKey
}

// NewKey makes an ed25519 key; a non-empty passphrase encrypts the file.
func NewKey(t testing.TB, passphrase string) Key {
	t.Helper()
	pub, priv, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	var block *pem.Block
	if passphrase == "" {
		block, err = ssh.MarshalPrivateKey(priv, "gittest")
	} else {
		block, err = ssh.MarshalPrivateKeyWithPassphrase(priv, "gittest", []byte(passphrase))
	}
	if err != nil {
		t.Fatal(err)
	}
	file := filepath.Join(t.TempDir(), "id_ed25519")
	if err := os.WriteFile(file, pem.EncodeToMemory(block), 0o600); err != nil {
		t.Fatal(err)
	}
	sshPub, err := ssh.NewPublicKey(pub)
	if err != nil {
		t.Fatal(err)
	}
	signer, err := ssh.NewSignerFromKey(priv)
	if err != nil {
		t.Fatal(err)
	}
	return Key{File: file, Public: sshPub, Signer: signer, Priv: priv}
}

// NewSSHServer serves remote's root on 127.0.0.1 to clients holding one of
// the authorized keys.
func NewSSHServer(t testing.TB, remote *Remote, authorized ...ssh.PublicKey) *SSHServer {
	t.Helper()
	RequireGit(t)
	out, err := exec.Command("git", "--exec-path").Output()
	if err != nil {
		t.Fatalf("git --exec-path: %v", err)
	}
	hostKey := NewKey(t, "")
	cfg := &ssh.ServerConfig{
		PublicKeyCallback: func(_ ssh.ConnMetadata, key ssh.PublicKey) (*ssh.Permissions, error) {
			for _, k := range authorized {
				if bytes.Equal(k.Marshal(), key.Marshal()) {
					return &ssh.Permissions{}, nil
				}
			}
			return nil, errors.New("unauthorized key")
		},
	}
	cfg.AddHostKey(hostKey.Signer)
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	s := &SSHServer{Addr: l.Addr().String(), root: remote.Root, execPath: strings.TrimSpace(string(out)), home: Home(t)}
	s.KnownHosts = filepath.Join(t.TempDir(), "known_hosts")
	line := knownhosts.Line([]string{knownhosts.Normalize(s.Addr)}, hostKey.Public) + "\n"
	if err := os.WriteFile(s.KnownHosts, []byte(line), 0o600); err != nil {
		t.Fatal(err)
	}
	serveUntilCleanup(t, l, func(conn net.Conn) { s.serveConn(conn, cfg) })
	return s
}

func (s *SSHServer) serveConn(conn net.Conn, cfg *ssh.ServerConfig) {
	defer conn.Close()
	_, chans, reqs, err := ssh.NewServerConn(conn, cfg)
	if err != nil {
		return
	}
	go ssh.DiscardRequests(reqs)
	var wg sync.WaitGroup
	for nc := range chans {
		if nc.ChannelType() != "session" {
			_ = nc.Reject(ssh.UnknownChannelType, "only sessions")
			continue
		}
		ch, chReqs, err := nc.Accept()
		if err != nil {
			continue
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			s.serveSession(ch, chReqs)
		}()
	}
	wg.Wait()
}

func (s *SSHServer) serveSession(ch ssh.Channel, reqs <-chan *ssh.Request) {
	defer ch.Close()
	for req := range reqs {
		switch req.Type {
		case "env":
			_ = req.Reply(true, nil)
		case "exec":
			if len(req.Payload) < 4 {
				_ = req.Reply(false, nil)
				return
			}
			n := binary.BigEndian.Uint32(req.Payload)
			command := string(req.Payload[4:][:n])
			cmd, err := s.gitCommand(command)
			if err != nil {
				_ = req.Reply(true, nil)
				fmt.Fprintf(ch.Stderr(), "gittest: %v\n", err)
				exitStatus(ch, 128)
				return
			}
			_ = req.Reply(true, nil)
			exitStatus(ch, run(cmd, ch))
			return
		default:
			_ = req.Reply(false, nil)
		}
	}
}

// gitCommand maps "git-receive-pack '/remote.git'" to the real binary on
// the repository under root, refusing anything else.
func (s *SSHServer) gitCommand(command string) (*exec.Cmd, error) {
	prog, arg, ok := strings.Cut(command, " ")
	prog = strings.Replace(prog, "git ", "git-", 1)
	if !ok || (prog != "git-upload-pack" && prog != "git-receive-pack") {
		return nil, fmt.Errorf("command not allowed: %q", command)
	}
	repo := path.Clean("/" + strings.Trim(arg, "'\""))
	cmd := exec.Command(filepath.Join(s.execPath, prog), filepath.Join(s.root, filepath.FromSlash(repo)))
	cmd.Env = Env(s.home)
	return cmd, nil
}

// run connects cmd to the channel and returns its exit code. stdin is
// copied by hand: exec's own copy would make Wait block until the client
// closes its side, which git clients do only after reading the result.
func run(cmd *exec.Cmd, ch ssh.Channel) int {
	stdin, err := cmd.StdinPipe()
	if err != nil {
		return 128
	}
	cmd.Stdout = ch
	cmd.Stderr = ch.Stderr()
	if err := cmd.Start(); err != nil {
		fmt.Fprintf(ch.Stderr(), "gittest: %v\n", err)
		return 128
	}
	go func() {
		_, _ = io.Copy(stdin, ch)
		stdin.Close()
	}()
	err = cmd.Wait()
	var exit *exec.ExitError
	if errors.As(err, &exit) {
		return exit.ExitCode()
	}
	if err != nil {
		return 128
	}
	return 0
}

func exitStatus(ch ssh.Channel, code int) {
	var b [4]byte
	binary.BigEndian.PutUint32(b[:], uint32(code))
	_, _ = ch.SendRequest("exit-status", false, b[:])
}
