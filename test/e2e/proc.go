//go:build e2e

package e2e

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"time"
)

// process is one long-running component with its own log file and process
// group, so stopping it also stops whatever it spawned (the repo-server runs
// git and kustomize).
type process struct {
	name string
	cmd  *exec.Cmd
	log  string
	done chan struct{}
	err  error // set before done is closed
}

// processes starts components and stops them all, newest first.
type processes struct {
	logDir string
	mu     sync.Mutex
	list   []*process
	// cleanup runs after every process stopped (e.g. removing etcd's data).
	cleanup []func()
}

func (ps *processes) start(name string, env []string, bin string, args ...string) (*process, error) {
	logPath := filepath.Join(ps.logDir, name+".log")
	// Appended to: a restarted component keeps its earlier log.
	f, err := os.OpenFile(logPath, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
	if err != nil {
		return nil, fmt.Errorf("start %s: %w", name, err)
	}
	cmd := exec.Command(bin, args...)
	cmd.Stdout = f
	cmd.Stderr = f
	cmd.Env = append(os.Environ(), env...)
	// Own process group: stop signals the whole group. Pdeathsig: if the
	// test binary itself is killed (go test -timeout), the kernel kills the
	// component instead of leaving it bound to its port.
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true, Pdeathsig: syscall.SIGKILL}
	fmt.Fprintf(f, "# %s %s\n", bin, strings.Join(args, " "))
	if err := cmd.Start(); err != nil {
		f.Close()
		return nil, fmt.Errorf("start %s (%s): %w", name, bin, err)
	}
	p := &process{name: name, cmd: cmd, log: logPath, done: make(chan struct{})}
	go func() {
		p.err = cmd.Wait()
		f.Close()
		close(p.done)
	}()
	ps.mu.Lock()
	ps.list = append(ps.list, p)
	ps.mu.Unlock()
	return p, nil
}

// exited reports a component that stopped on its own, for failing fast
// instead of waiting out a deadline.
func (ps *processes) exited() error {
	ps.mu.Lock()
	defer ps.mu.Unlock()
	for _, p := range ps.list {
		select {
		case <-p.done:
			return fmt.Errorf("%s exited early (%v); last lines of %s:\n%s", p.name, p.err, p.log, tail(p.log, 30))
		default:
		}
	}
	return nil
}

// stopAll stops every component, newest first: SIGTERM to its process
// group, SIGKILL after a grace period.
func (ps *processes) stopAll() {
	ps.mu.Lock()
	list := ps.list
	ps.list = nil
	ps.mu.Unlock()
	for i := len(list) - 1; i >= 0; i-- {
		list[i].stop()
	}
	for _, f := range ps.cleanup {
		f()
	}
	ps.cleanup = nil
}

// stop sends SIGTERM to the process group, SIGKILL after a grace period.
func (p *process) stop() {
	pgid := p.cmd.Process.Pid
	_ = syscall.Kill(-pgid, syscall.SIGTERM)
	select {
	case <-p.done:
	case <-time.After(10 * time.Second):
		_ = syscall.Kill(-pgid, syscall.SIGKILL)
		<-p.done
	}
	// Children that outlived their leader still hold the group id.
	_ = syscall.Kill(-pgid, syscall.SIGKILL)
}

// stopOne stops the component named name and forgets it, so exited does
// not report it.
func (ps *processes) stopOne(name string) error {
	ps.mu.Lock()
	var p *process
	for i, q := range ps.list {
		if q.name == name {
			p = q
			ps.list = append(ps.list[:i:i], ps.list[i+1:]...)
			break
		}
	}
	ps.mu.Unlock()
	if p == nil {
		return fmt.Errorf("stop %s: not running", name)
	}
	p.stop()
	return nil
}

// dumpLogs writes the last lines of every component's log.
func (ps *processes) dumpLogs(w io.Writer, lines int) {
	ps.mu.Lock()
	list := append([]*process(nil), ps.list...)
	ps.mu.Unlock()
	for _, p := range list {
		fmt.Fprintf(w, "===== last %d lines of %s =====\n%s\n", lines, p.log, tail(p.log, lines))
	}
}

func tail(path string, n int) string {
	data, err := os.ReadFile(path)
	if err != nil {
		return fmt.Sprintf("(cannot read %s: %v)", path, err)
	}
	var lines []string
	sc := bufio.NewScanner(bytes.NewReader(data))
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	for sc.Scan() {
		lines = append(lines, sc.Text())
		if len(lines) > n {
			lines = lines[1:]
		}
	}
	return strings.Join(lines, "\n")
}

// errTimeout marks a poll that ran out of time.
var errTimeout = errors.New("timed out")
