package gitrepo

import (
	"errors"
	"fmt"
	"net"
	"net/url"
	"os"
	"path/filepath"
	"strings"

	"github.com/go-git/go-git/v5/plumbing/transport"
	githttp "github.com/go-git/go-git/v5/plumbing/transport/http"
	gitssh "github.com/go-git/go-git/v5/plumbing/transport/ssh"
	"golang.org/x/crypto/ssh"
	"golang.org/x/crypto/ssh/agent"
)

// The environment variables gen reads for credentials. The set is small and
// prefixed on purpose: gen never picks up a token that was exported for some
// other tool (GITHUB_TOKEN, GIT_TOKEN…) and sends it to a host the user did
// not mean it for. In CI, map the secret explicitly:
// GEN_GIT_TOKEN=${{ secrets.GITHUB_TOKEN }}.
const (
	// EnvToken is an HTTPS access token, sent as the basic-auth password
	// with EnvUsername (default DefaultTokenUser) as the user, which is what
	// GitHub, GitLab, Gitea and Bitbucket accept for Git over HTTPS.
	EnvToken = "GEN_GIT_TOKEN"
	// EnvUsername and EnvPassword are HTTPS basic-auth credentials.
	EnvUsername = "GEN_GIT_USERNAME"
	EnvPassword = "GEN_GIT_PASSWORD"
	// EnvSSHKey is a private key file for SSH remotes (the --ssh-key flag
	// wins over it); EnvSSHKeyPassphrase decrypts it.
	EnvSSHKey           = "GEN_SSH_KEY"
	EnvSSHKeyPassphrase = "GEN_SSH_KEY_PASSPHRASE"
	// EnvSSHKnownHosts lists known_hosts files (path-list separated) to
	// check SSH host keys against (the --ssh-known-hosts flag wins over it).
	// Default: $HOME/.ssh/known_hosts and /etc/ssh/ssh_known_hosts.
	EnvSSHKnownHosts = "GEN_SSH_KNOWN_HOSTS"
	// EnvSSHAuthSock is the ssh-agent socket, used when no key file is given.
	EnvSSHAuthSock = "SSH_AUTH_SOCK"
)

// DefaultTokenUser is the basic-auth user sent with a bare token. Hosts that
// take a token as the password ignore the name as long as it is not empty.
const DefaultTokenUser = "x-access-token"

// ErrAuth reports that the remote refused the credentials, or that none were
// found for it. The message names the remote (redacted) and where gen looks
// for credentials.
var ErrAuth = errors.New("authentication failed")

// AuthOptions say where credentials come from. Flags are fields; the
// environment is a function so tests and callers decide what it holds.
type AuthOptions struct {
	// Getenv reads the environment; nil means an empty environment.
	Getenv func(string) string
	// SSHKeyFile is --ssh-key; it wins over GEN_SSH_KEY and the agent.
	SSHKeyFile string
	// KnownHostsFile is --ssh-known-hosts; it wins over GEN_SSH_KNOWN_HOSTS.
	KnownHostsFile string
	// SSHKeyHint and KnownHostsHint say, in messages, where a caller takes
	// SSHKeyFile and KnownHostsFile from (a CLI's flag names); by default
	// "an SSH key file" and "a known_hosts file".
	SSHKeyHint, KnownHostsHint string
}

func hint(h, def string) string {
	if h == "" {
		return def
	}
	return h
}

// Endpoint is a remote ready to use: its URL without credentials (safe to
// print), the transport auth built from the URL and the environment, and the
// secrets to scrub from anything reported about it. Close releases an
// ssh-agent connection.
type Endpoint struct {
	// URL is the remote without userinfo secrets; it is what go-git dials
	// and what messages show.
	URL     string
	proto   string
	auth    transport.AuthMethod
	secrets secrets
	closers []func() error
	keyHint string
}

// Auth is the go-git transport auth for this endpoint (nil: anonymous).
func (e *Endpoint) Auth() transport.AuthMethod { return e.auth }

// Redact removes this endpoint's credentials from s.
func (e Endpoint) Redact(s string) string { return e.secrets.redact(RedactURL(s)) }

// String is the URL safe to print.
func (e Endpoint) String() string { return e.Redact(e.URL) }

// Close releases resources held for authentication (the agent socket).
func (e *Endpoint) Close() error {
	var errs []error
	for _, c := range e.closers {
		errs = append(errs, c())
	}
	e.closers = nil
	return errors.Join(errs...)
}

// wrapErr names the operation and the remote and scrubs secrets. A transport
// auth failure becomes ErrAuth with a hint on where credentials come from.
func (e *Endpoint) wrapErr(op string, err error) error {
	if err == nil {
		return nil
	}
	if errors.Is(err, transport.ErrAuthenticationRequired) || errors.Is(err, transport.ErrAuthorizationFailed) || isSSHAuthFailure(err) {
		err = e.authError(err)
	}
	return e.secrets.wrap(fmt.Errorf("%s %s: %w", op, e.String(), err))
}

// authError says the credentials were refused or missing and where gen
// looks for them; it answers errors.Is for ErrAuth and for go-git's cause.
type authError struct {
	msg   string
	cause error
}

func (e *authError) Error() string        { return e.msg }
func (e *authError) Is(target error) bool { return target == ErrAuth || errors.Is(e.cause, target) }

func (e *Endpoint) authError(cause error) error {
	if e.proto == "ssh" {
		return &authError{cause: cause, msg: fmt.Sprintf("%v: %v (the key comes from %s, %s, or the agent at %s)",
			ErrAuth, strings.TrimSpace(cause.Error()), hint(e.keyHint, "an SSH key file"), EnvSSHKey, EnvSSHAuthSock)}
	}
	what := "the remote refused the credentials"
	if e.auth == nil {
		what = "the remote wants credentials and none were given"
	}
	return &authError{cause: cause, msg: fmt.Sprintf("%v: %s (credentials come from the URL, %s, or %s and %s)",
		ErrAuth, what, EnvToken, EnvUsername, EnvPassword)}
}

// Format prints the endpoint as its redacted URL whatever the verb, so
// that no %+v of a struct holding it can print the secrets it keeps.
func (e Endpoint) Format(f fmt.State, _ rune) { _, _ = fmt.Fprint(f, e.String()) }

// GoString keeps %#v from printing the secrets too.
func (e Endpoint) GoString() string { return e.String() }

func isSSHAuthFailure(err error) bool {
	return strings.Contains(err.Error(), "ssh: handshake failed: ssh: unable to authenticate")
}

// ResolveEndpoint parses a remote URL (https, http, ssh, scp-like, file or a
// path) and builds its auth. Credentials in the URL win over the
// environment, as with git; they are moved out of the URL into the auth so
// that no later message, remote config or log line can carry them.
func ResolveEndpoint(rawURL string, opts AuthOptions) (*Endpoint, error) {
	getenv := opts.Getenv
	if getenv == nil {
		getenv = func(string) string { return "" }
	}
	// The credentials are known before anything parses the URL: a parse
	// error quotes the URL, and must not carry them.
	pre := urlSecrets(rawURL)
	ep, err := transport.NewEndpoint(rawURL)
	if err != nil {
		reason := err.Error()
		var ue *url.Error
		if errors.As(err, &ue) {
			reason = ue.Err.Error() // without the URL it quotes
		}
		return nil, fmt.Errorf("remote %q: %w", pre.redact(RedactURL(rawURL)), pre.wrap(errors.New(reason)))
	}
	e := &Endpoint{proto: ep.Protocol, secrets: pre, keyHint: opts.SSHKeyHint}
	e.secrets.add(ep.Password)
	switch ep.Protocol {
	case "http", "https":
		// A user in an HTTPS URL may be the token itself (a user beside
		// a password is a name, not a secret).
		if ep.Password == "" {
			e.secrets.addUserToken(ep.User)
		}
		e.auth, err = httpAuth(ep, getenv, &e.secrets)
		if err == nil && e.auth != nil && ep.Protocol == "http" && !isLoopback(ep.Host) {
			err = fmt.Errorf("refusing to send credentials over plain http to %q; use https", ep.Host)
		}
		ep.User, ep.Password = "", ""
		e.URL = ep.String()
	case "ssh":
		e.URL = sshURL(rawURL, ep)
		e.auth, err = e.sshAuth(ep, opts, getenv)
	default:
		e.URL = rawURL
		if ep.User != "" || ep.Password != "" {
			// Credentials mean nothing to file:// or git://; they only
			// must not be dialled or printed.
			e.secrets.addUserToken(ep.User)
			ep.User, ep.Password = "", ""
			e.URL = ep.String()
		}
	}
	if err != nil {
		e.Close()
		return nil, e.secrets.wrap(fmt.Errorf("remote %s: %w", e.String(), err))
	}
	return e, nil
}

// isLoopback is true for hosts that never leave the machine, where plain
// http is as private as a pipe (the tests' servers, a local mirror).
func isLoopback(host string) bool {
	if host == "localhost" {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

// sshURL keeps an scp-like URL as the user wrote it (it has no password
// field) and drops the password of an ssh:// URL.
func sshURL(raw string, ep *transport.Endpoint) string {
	if !strings.Contains(raw, "://") {
		return raw
	}
	u, err := url.Parse(raw)
	if err != nil || u.User == nil {
		return raw
	}
	u.User = url.User(u.User.Username())
	return u.String()
}

func httpAuth(ep *transport.Endpoint, getenv func(string) string, s *secrets) (transport.AuthMethod, error) {
	if ep.User != "" || ep.Password != "" {
		return &githttp.BasicAuth{Username: ep.User, Password: ep.Password}, nil
	}
	user, pass, token := getenv(EnvUsername), getenv(EnvPassword), getenv(EnvToken)
	s.add(pass, token)
	switch {
	case token != "":
		if user == "" {
			user = DefaultTokenUser
		}
		return &githttp.BasicAuth{Username: user, Password: token}, nil
	case user != "" || pass != "":
		if user == "" || pass == "" {
			return nil, fmt.Errorf("%s and %s must be set together", EnvUsername, EnvPassword)
		}
		return &githttp.BasicAuth{Username: user, Password: pass}, nil
	}
	return nil, nil
}

func (e *Endpoint) sshAuth(ep *transport.Endpoint, opts AuthOptions, getenv func(string) string) (transport.AuthMethod, error) {
	user := ep.User
	if user == "" {
		user = "git"
	}
	hostKeys, err := knownHostsCallback(opts.KnownHostsFile, hint(opts.KnownHostsHint, "a known_hosts file"), getenv)
	if err != nil {
		return nil, err
	}
	helper := gitssh.HostKeyCallbackHelper{HostKeyCallback: hostKeys}

	keyFile := opts.SSHKeyFile
	if keyFile == "" {
		keyFile = getenv(EnvSSHKey)
	}
	if keyFile != "" {
		pass := getenv(EnvSSHKeyPassphrase)
		e.secrets.add(pass)
		pem, err := os.ReadFile(keyFile)
		if err != nil {
			return nil, fmt.Errorf("ssh key: %w", err)
		}
		var signer ssh.Signer
		if pass != "" {
			signer, err = ssh.ParsePrivateKeyWithPassphrase(pem, []byte(pass))
		} else {
			signer, err = ssh.ParsePrivateKey(pem)
		}
		if err != nil {
			var missing *ssh.PassphraseMissingError
			if errors.As(err, &missing) {
				return nil, fmt.Errorf("ssh key %q is encrypted: set %s", keyFile, EnvSSHKeyPassphrase)
			}
			return nil, fmt.Errorf("ssh key %q: %w", keyFile, err)
		}
		return &gitssh.PublicKeys{User: user, Signer: signer, HostKeyCallbackHelper: helper}, nil
	}

	if sock := getenv(EnvSSHAuthSock); sock != "" {
		conn, err := net.Dial("unix", sock)
		if err != nil {
			return nil, fmt.Errorf("ssh agent at %s=%q: %w", EnvSSHAuthSock, sock, err)
		}
		e.closers = append(e.closers, conn.Close)
		ag := agent.NewClient(conn)
		return &gitssh.PublicKeysCallback{User: user, Callback: ag.Signers, HostKeyCallbackHelper: helper}, nil
	}
	return nil, fmt.Errorf("%w: no SSH credentials: pass %s, set %s, or run an ssh-agent (%s)", ErrAuth, hint(opts.SSHKeyHint, "an SSH key file"), EnvSSHKey, EnvSSHAuthSock)
}

// knownHostsCallback checks host keys against explicit files only: gen never
// skips host key checking, and never reads the environment behind the
// caller's back (go-git's default would read SSH_KNOWN_HOSTS and $HOME).
func knownHostsCallback(flag, flagHint string, getenv func(string) string) (ssh.HostKeyCallback, error) {
	var files []string
	switch {
	case flag != "":
		files = []string{flag}
	case getenv(EnvSSHKnownHosts) != "":
		files = filepath.SplitList(getenv(EnvSSHKnownHosts))
	default:
		if home := getenv("HOME"); home != "" {
			files = append(files, filepath.Join(home, ".ssh", "known_hosts"))
		}
		files = append(files, "/etc/ssh/ssh_known_hosts")
	}
	var existing []string
	for _, f := range files {
		if _, err := os.Stat(f); err == nil {
			existing = append(existing, f)
		} else if flag != "" || getenv(EnvSSHKnownHosts) != "" {
			// A file the user named must exist; a default one may not.
			return nil, fmt.Errorf("known_hosts: %w", err)
		}
	}
	if len(existing) == 0 {
		return nil, fmt.Errorf("no known_hosts file (looked in %s); pass %s or set %s",
			strings.Join(files, ", "), flagHint, EnvSSHKnownHosts)
	}
	cb, err := gitssh.NewKnownHostsCallback(existing...)
	if err != nil {
		return nil, fmt.Errorf("known_hosts: %w", err)
	}
	return cb, nil
}
