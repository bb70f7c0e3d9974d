// Package gittest runs real Git remotes for tests: bare repositories made
// with the git CLI, served over file://, over smart HTTP by the real
// git http-backend (net/http/cgi) with optional basic or token auth, and over
// SSH by an in-process server on 127.0.0.1 that runs the real
// git-upload-pack and git-receive-pack for public-key auth. It also runs an
// in-process ssh-agent on a temporary unix socket.
//
// Nothing here is a mock: the remote end of every test is git itself.
package gittest
