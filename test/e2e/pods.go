//go:build e2e

package e2e

import (
	"context"
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"
)

// podStartStage replaces kwok's pod-ready stage: it moves a scheduled pod to
// Running with its pod IP but leaves it not Ready. The pod runner marks it
// Ready once the process it started for the pod answers its readiness
// probe, as a kubelet would.
const podStartStage = `apiVersion: kwok.x-k8s.io/v1alpha1
kind: Stage
metadata:
  name: pod-start-unready
spec:
  resourceRef:
    apiGroup: v1
    kind: Pod
  selector:
    matchExpressions:
    - key: '.metadata.deletionTimestamp'
      operator: 'DoesNotExist'
    - key: '.status.phase'
      operator: 'In'
      values: ['Pending']
  next:
    statusTemplate: |
      {{ $now := Now }}
      conditions:
      - lastTransitionTime: {{ $now | Quote }}
        status: "True"
        type: Initialized
      - lastTransitionTime: {{ $now | Quote }}
        status: "False"
        reason: ReadinessProbe
        type: Ready
      - lastTransitionTime: {{ $now | Quote }}
        status: "False"
        reason: ReadinessProbe
        type: ContainersReady
      containerStatuses:
      {{ range .spec.containers }}
      - image: {{ .image | Quote }}
        name: {{ .name | Quote }}
        ready: false
        started: true
        restartCount: 0
        state:
          running:
            startedAt: {{ $now | Quote }}
      {{ end }}
      {{ $hostIPs := NodeIPsWith .spec.nodeName }}
      {{ with $hostIPs }}
      hostIP: {{ index . 0 | Quote }}
      hostIPs:
      {{ range . }}
      - ip: {{ . | Quote }}
      {{ end }}
      {{ end }}
      {{ $podIPs := PodIPsWith .spec.nodeName ( or .spec.hostNetwork false ) ( or .metadata.uid "" ) ( or .metadata.name "" ) ( or .metadata.namespace "" ) }}
      {{ with $podIPs }}
      podIP: {{ index . 0 | Quote }}
      podIPs:
      {{ range . }}
      - ip: {{ . | Quote }}
      {{ end }}
      {{ end }}
      phase: Running
      startTime: {{ $now | Quote }}
`

// pod is the part of a Pod the runner reads.
type pod struct {
	Metadata struct {
		Name              string  `json:"name"`
		Namespace         string  `json:"namespace"`
		UID               string  `json:"uid"`
		DeletionTimestamp *string `json:"deletionTimestamp"`
	} `json:"metadata"`
	Spec struct {
		Containers []struct {
			Name  string `json:"name"`
			Image string `json:"image"`
			Ports []struct {
				Name          string `json:"name"`
				ContainerPort int    `json:"containerPort"`
			} `json:"ports"`
			ReadinessProbe *struct {
				HTTPGet *struct {
					Path string          `json:"path"`
					Port json.RawMessage `json:"port"`
				} `json:"httpGet"`
			} `json:"readinessProbe"`
		} `json:"containers"`
	} `json:"spec"`
	Status struct {
		Phase      string `json:"phase"`
		PodIP      string `json:"podIP"`
		Conditions []struct {
			Type   string `json:"type"`
			Status string `json:"status"`
		} `json:"conditions"`
	} `json:"status"`
}

func (p pod) key() string { return p.Metadata.Namespace + "/" + p.Metadata.Name }

func (p pod) ready() bool {
	for _, c := range p.Status.Conditions {
		if c.Type == "Ready" {
			return c.Status == "True"
		}
	}
	return false
}

// podProcess is a demo pod played by a real process on the pod's IP.
type podProcess struct {
	pod    string
	uid    string
	image  string // as the pod spec names it
	digest string // what was pulled
	addr   string // podIP:port
	probe  string // readiness URL; empty: Ready once started
	cmd    *exec.Cmd
	done   chan struct{}
	ready  bool // marked Ready on the API server
}

// podRunner is the data plane's kubelet: every demo pod on the kwok node
// becomes a process of the demo image, bound to the pod IP, and Ready only
// when its readiness probe answers 2xx. It stops the process once the pod
// has a deletion timestamp or is gone.
type podRunner struct {
	c      *cluster
	images *imageCache
	logDir string
	prefix string // namespaces whose pods it runs
	logf   func(string, ...any)

	mu     sync.Mutex
	procs  map[string]*podProcess // by pod UID
	starts map[string]int         // processes that exited before Ready, by pod UID
	err    error                  // the last failure to start a pod, for diagnostics
}

// maxPodStarts bounds the starts of one pod's process.
const maxPodStarts = 5

func newPodRunner(c *cluster, dir, nsPrefix string, logf func(string, ...any)) *podRunner {
	return &podRunner{
		c: c, images: &imageCache{dir: filepath.Join(dir, "images")}, logDir: filepath.Join(c.procs.logDir, "pods"),
		prefix: nsPrefix, logf: logf, procs: map[string]*podProcess{}, starts: map[string]int{},
	}
}

// run reconciles until ctx ends, then stops every pod process.
func (r *podRunner) run(ctx context.Context) {
	defer r.stopAll()
	if err := os.MkdirAll(r.logDir, 0o755); err != nil {
		r.setErr(err)
		return
	}
	for {
		if err := r.reconcile(ctx); err != nil && ctx.Err() == nil {
			r.setErr(err)
		}
		select {
		case <-ctx.Done():
			return
		case <-time.After(200 * time.Millisecond):
		}
	}
}

func (r *podRunner) reconcile(ctx context.Context) error {
	var list struct {
		Items []pod `json:"items"`
	}
	if err := r.c.getJSON(ctx, &list, "pods", "-A", "--field-selector=spec.nodeName=kwok-node-0"); err != nil {
		return err
	}
	// Processes of pods that are gone stop first: kwok hands a deleted
	// pod's IP to the next pod at once, whose process could not bind it
	// while the old one still listens there.
	seen := map[string]bool{}
	for _, p := range list.Items {
		seen[p.Metadata.UID] = true
	}
	r.mu.Lock()
	var gone []*podProcess
	for uid, proc := range r.procs {
		if !seen[uid] {
			gone = append(gone, proc)
		}
	}
	r.mu.Unlock()
	for _, proc := range gone {
		r.stop(proc, "pod gone")
	}
	for _, p := range list.Items {
		if !strings.HasPrefix(p.Metadata.Namespace, r.prefix) {
			continue
		}
		uid := p.Metadata.UID
		r.mu.Lock()
		proc := r.procs[uid]
		r.mu.Unlock()
		switch {
		case p.Metadata.DeletionTimestamp != nil:
			if proc != nil {
				r.stop(proc, "pod deleted")
			}
		case proc == nil && p.Status.Phase == "Running" && p.Status.PodIP != "":
			if err := r.start(ctx, p); err != nil {
				return fmt.Errorf("start pod %s: %w", p.key(), err)
			}
		case proc != nil && !proc.ready:
			if err := r.markReadyIfProbed(ctx, proc, p); err != nil {
				return err
			}
		}
	}
	return nil
}

func (r *podRunner) start(ctx context.Context, p pod) error {
	if len(p.Spec.Containers) != 1 {
		return fmt.Errorf("%d containers; the demo pods have one", len(p.Spec.Containers))
	}
	ctr := p.Spec.Containers[0]
	if len(ctr.Ports) == 0 {
		return fmt.Errorf("container %s declares no port", ctr.Name)
	}
	bin, digest, err := r.images.binary(ctx, ctr.Image)
	if err != nil {
		return err
	}
	addr := net.JoinHostPort(p.Status.PodIP, strconv.Itoa(ctr.Ports[0].ContainerPort))
	proc := &podProcess{pod: p.key(), uid: p.Metadata.UID, image: ctr.Image, digest: digest, addr: addr, done: make(chan struct{})}
	if rp := ctr.ReadinessProbe; rp != nil && rp.HTTPGet != nil {
		port, err := probePort(rp.HTTPGet.Port, ctr.Ports)
		if err != nil {
			return err
		}
		proc.probe = "http://" + net.JoinHostPort(p.Status.PodIP, strconv.Itoa(port)) + rp.HTTPGet.Path
	}
	// Appended to: a process started again keeps the first one's log.
	logf, err := os.OpenFile(filepath.Join(r.logDir, p.Metadata.Namespace+"_"+p.Metadata.Name+".log"), os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
	if err != nil {
		return err
	}
	cmd := exec.Command(bin)
	cmd.Env = []string{"LISTEN_ADDR=" + addr}
	cmd.Stdout, cmd.Stderr = logf, logf
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true, Pdeathsig: syscall.SIGKILL}
	fmt.Fprintf(logf, "# %s (image %s, pulled %s) LISTEN_ADDR=%s\n", bin, ctr.Image, digest, addr)
	if err := cmd.Start(); err != nil {
		logf.Close()
		return err
	}
	proc.cmd = cmd
	go func() { _ = cmd.Wait(); logf.Close(); close(proc.done) }()
	r.mu.Lock()
	r.procs[proc.uid] = proc
	r.mu.Unlock()
	r.logf("pod %s: started %s on %s (pulled %s)", proc.pod, ctr.Image, addr, digest)
	return nil
}

// probePort resolves a probe's port, a number or a container port's name.
func probePort(raw json.RawMessage, ports []struct {
	Name          string `json:"name"`
	ContainerPort int    `json:"containerPort"`
}) (int, error) {
	var n int
	if json.Unmarshal(raw, &n) == nil {
		return n, nil
	}
	var s string
	if err := json.Unmarshal(raw, &s); err != nil {
		return 0, fmt.Errorf("readiness probe port %s", raw)
	}
	for _, p := range ports {
		if p.Name == s {
			return p.ContainerPort, nil
		}
	}
	return 0, fmt.Errorf("readiness probe port %q names no container port", s)
}

// markReadyIfProbed sets the pod Ready once its probe answers 2xx. A
// process that exited before (its port still held by a stopping one) is
// started again on the next round, up to maxPodStarts times.
func (r *podRunner) markReadyIfProbed(ctx context.Context, proc *podProcess, p pod) error {
	select {
	case <-proc.done:
		r.mu.Lock()
		delete(r.procs, proc.uid)
		r.starts[proc.uid]++
		n := r.starts[proc.uid]
		r.mu.Unlock()
		if n >= maxPodStarts {
			return fmt.Errorf("pod %s: its process exited %d times before it was Ready (logs in %s)", proc.pod, n, r.logDir)
		}
		r.logf("pod %s: its process exited before it was Ready; starting it again", proc.pod)
		return nil
	default:
	}
	if proc.probe != "" {
		pctx, cancel := context.WithTimeout(ctx, time.Second)
		defer cancel()
		req, _ := http.NewRequestWithContext(pctx, http.MethodGet, proc.probe, nil)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			return nil // not up yet: probed again on the next round
		}
		resp.Body.Close()
		if resp.StatusCode/100 != 2 {
			return nil
		}
	}
	now := time.Now().UTC().Format(time.RFC3339)
	ctr := p.Spec.Containers[0]
	patch := map[string]any{"status": map[string]any{
		"conditions": []map[string]string{
			{"type": "Ready", "status": "True", "lastTransitionTime": now},
			{"type": "ContainersReady", "status": "True", "lastTransitionTime": now},
		},
		"containerStatuses": []map[string]any{{
			"name": ctr.Name, "image": ctr.Image, "imageID": proc.digest, "ready": true, "started": true,
			"restartCount": 0, "state": map[string]any{"running": map[string]string{"startedAt": now}},
		}},
	}}
	b, _ := json.Marshal(patch)
	if _, err := r.c.kubectl(ctx, "patch", "pod", p.Metadata.Name, "-n", p.Metadata.Namespace,
		"--subresource=status", "--type=strategic", "-p", string(b)); err != nil {
		return err
	}
	proc.ready = true
	r.logf("pod %s: Ready (probe %s answered)", proc.pod, proc.probe)
	return nil
}

func (r *podRunner) stop(proc *podProcess, why string) {
	_ = syscall.Kill(-proc.cmd.Process.Pid, syscall.SIGTERM)
	select {
	case <-proc.done:
	case <-time.After(5 * time.Second):
		_ = syscall.Kill(-proc.cmd.Process.Pid, syscall.SIGKILL)
		<-proc.done
	}
	r.mu.Lock()
	delete(r.procs, proc.uid)
	r.mu.Unlock()
	r.logf("pod %s: stopped (%s)", proc.pod, why)
}

func (r *podRunner) stopAll() {
	r.mu.Lock()
	list := make([]*podProcess, 0, len(r.procs))
	for _, p := range r.procs {
		list = append(list, p)
	}
	r.mu.Unlock()
	for _, p := range list {
		r.stop(p, "test ends")
	}
}

func (r *podRunner) setErr(err error) {
	r.mu.Lock()
	r.err = err
	r.mu.Unlock()
}

// running counts live processes per namespace and image, e.g.
// {"rollouts-demo-dev": {"127.0.0.1:5000/demo/rollouts-demo:v2": 5}}.
func (r *podRunner) running() map[string]map[string]int {
	r.mu.Lock()
	defer r.mu.Unlock()
	out := map[string]map[string]int{}
	for _, p := range r.procs {
		select {
		case <-p.done:
			continue
		default:
		}
		ns, _, _ := strings.Cut(p.pod, "/")
		if out[ns] == nil {
			out[ns] = map[string]int{}
		}
		out[ns][p.image]++
	}
	return out
}

// lastErr is the last reconcile failure, for the failure dump.
func (r *podRunner) lastErr() error {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.err
}
