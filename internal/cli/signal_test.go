package cli

import (
	"bytes"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/rolloutgen/rolloutgen/internal/gittest"
	"github.com/rolloutgen/rolloutgen/internal/synth"
)

// cpuTicks is the CPU time (user + system, in clock ticks) process pid has
// used; -1 once it is gone.
func cpuTicks(pid int) int {
	b, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
	if err != nil {
		return -1
	}
	// The fields after the command name, which is in parentheses.
	f := strings.Fields(string(b[bytes.LastIndexByte(b, ')')+1:]))
	if len(f) < 13 || f[0] == "Z" {
		return -1
	}
	u, _ := strconv.Atoi(f[11])
	s, _ := strconv.Atoi(f[12])
	return u + s
}

// interrupt runs gen with args in dir, sends SIGINT once it is busy (it
// has used some CPU: no fixed sleep) and returns its exit code and stderr.
// It fails the test when gen has not exited within a generous deadline.
func interrupt(t *testing.T, home, dir string, args ...string) (int, string) {
	t.Helper()
	if _, err := os.Stat("/proc/self/stat"); err != nil {
		t.Skip("needs /proc")
	}
	cmd := exec.Command(genBinary(t), args...)
	cmd.Dir = dir
	cmd.Env = gittest.Env(home)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	exited := make(chan error, 1)
	go func() { exited <- cmd.Wait() }()
	for deadline := time.Now().Add(time.Minute); cpuTicks(cmd.Process.Pid) < 30; {
		if time.Now().After(deadline) {
			t.Fatalf("gen %v never got busy", args)
		}
		time.Sleep(10 * time.Millisecond)
	}
	signalled := time.Now()
	if err := cmd.Process.Signal(syscall.SIGINT); err != nil {
		t.Fatalf("gen %v finished before the signal: make the repository larger", args)
	}
	select {
	case err := <-exited:
		var ee *exec.ExitError
		if err != nil && !errors.As(err, &ee) {
			t.Fatal(err)
		}
		t.Logf("gen %v exited %v after SIGINT", args, time.Since(signalled).Round(time.Millisecond))
		return cmd.ProcessState.ExitCode(), stderr.String()
	case <-time.After(30 * time.Second):
		cmd.Process.Kill()
		t.Fatalf("gen %v ignored SIGINT", args)
	}
	return 0, ""
}

// synthRepo is a committed repository with gen.yaml for n apps (three
// environments each); rendered, when asked.
func synthRepo(t *testing.T, n int, rendered bool) (home, dir string) {
	t.Helper()
	gittest.RequireGit(t)
	home = gittest.Home(t)
	dir = filepath.Join(t.TempDir(), "repo")
	gittest.Git(t, home, filepath.Dir(dir), "init", "-q", "-b", "main", dir)
	if err := os.WriteFile(filepath.Join(dir, "gen.yaml"), synth.GenYAML(n), 0o644); err != nil {
		t.Fatal(err)
	}
	if rendered {
		if code, _, stderr := run(t, dir, "render"); code != 0 {
			t.Fatalf("render: %s", stderr)
		}
	}
	gittest.Git(t, home, dir, "add", "-A")
	gittest.Git(t, home, dir, "commit", "-q", "-m", "init")
	return home, dir
}

// Issue 11.9: SIGINT during a long gen validate stops it with a non-zero
// exit, and the repository is as it was.
func TestSignalStopsValidate(t *testing.T) {
	home, dir := synthRepo(t, 60, true)
	code, stderr := interrupt(t, home, dir, "validate")
	if code == 0 || !strings.Contains(stderr, "interrupted") {
		t.Errorf("exit %d, stderr %q; want non-zero and \"interrupted\"", code, stderr)
	}
	if st := gittest.Git(t, home, dir, "status", "--porcelain"); st != "" {
		t.Errorf("validate changed the repository:\n%s", st)
	}
}

// Issue 11.9: SIGINT during gen render stops it with a non-zero exit and
// leaves either nothing rendered or a complete render, never a mix.
func TestSignalStopsRender(t *testing.T) {
	home, dir := synthRepo(t, 300, false)
	code, stderr := interrupt(t, home, dir, "render")
	if code == 0 || !strings.Contains(stderr, "interrupted") {
		t.Errorf("exit %d, stderr %q; want non-zero and \"interrupted\"", code, stderr)
	}
	if st := gittest.Git(t, home, dir, "status", "--porcelain"); st == "" {
		return // stopped before its first write
	}
	if code, out, _ := run(t, dir, "render", "--check"); code != 0 {
		t.Errorf("an interrupted render left a partial tree:\n%.500s", out)
	}
}
