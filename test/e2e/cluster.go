//go:build e2e

package e2e

import (
	"context"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/hex"
	"encoding/pem"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"
)

// clusterConfig is what the scenario decides about the cluster.
type clusterConfig struct {
	// argocdNamespace is where Argo CD runs (gen.yaml argocd.namespace).
	argocdNamespace string
	// nginxIngressClasses are the classes the Rollouts controller manages.
	nginxIngressClasses []string
	// appResync is Argo CD's Git polling period (--app-resync).
	appResync time.Duration
	// disabledAdmission are admission plugins the API server runs without
	// (--disable-admission-plugins); the scenarios use the defaults.
	disabledAdmission []string
}

// cluster is a local control plane with Argo Rollouts and Argo CD, every
// component a process of this test with a log file under dir/logs.
type cluster struct {
	cfg        clusterConfig
	tools      tools
	dir        string
	kubeconfig string
	procs      *processes
	timings    *timings

	ports struct {
		etcd, etcdPeer, apiserver, controllerManager, scheduler int
		kwok, rolloutsMetrics, rolloutsHealthz, redis           int
		repoServer, repoServerMetrics, controllerMetrics        int
		traefikAPI                                              int
	}
}

// startCluster brings every component up in dependency order, failing with
// the component's log when one does not come up. The caller must call stop,
// also on failure (see scenario_test.go).
func startCluster(ctx context.Context, tl tools, cfg clusterConfig, dir string, tm *timings) (*cluster, error) {
	c := &cluster{cfg: cfg, tools: tl, dir: dir, timings: tm, procs: &processes{logDir: filepath.Join(dir, "logs")}}
	if err := os.MkdirAll(c.procs.logDir, 0o755); err != nil {
		return c, err
	}
	ports, err := freePorts(12)
	if err != nil {
		return c, err
	}
	p := &c.ports
	for i, dst := range []*int{&p.etcd, &p.etcdPeer, &p.apiserver, &p.controllerManager, &p.scheduler, &p.kwok,
		&p.rolloutsMetrics, &p.rolloutsHealthz, &p.redis, &p.repoServer, &p.repoServerMetrics, &p.controllerMetrics} {
		*dst = ports[i]
	}
	steps := []struct {
		name string
		run  func(context.Context) error
	}{
		{"etcd", c.startEtcd},
		{"kube-apiserver", c.startAPIServer},
		{"controllers and scheduler", c.startControllers},
		{"kwok node Ready", c.startKwok},
		{"argo rollouts controller", c.startRollouts},
		{"redis", c.startRedis},
		{"argo cd", c.startArgoCD},
		{"traefik (ingress class ack-nginx)", c.startTraefik},
	}
	for _, s := range steps {
		start := time.Now()
		if err := s.run(ctx); err != nil {
			return c, fmt.Errorf("start %s: %w", s.name, err)
		}
		tm.add("cluster: "+s.name, time.Since(start))
	}
	return c, nil
}

func (c *cluster) stop() { c.procs.stopAll() }

func (c *cluster) path(elem ...string) string {
	return filepath.Join(append([]string{c.dir}, elem...)...)
}

func (c *cluster) wait(ctx context.Context, what string, timeout time.Duration, check func() (bool, string, error)) error {
	_, err := poll(ctx, what, timeout, 0, c.procs.exited, check)
	return err
}

// waitHTTP waits until url answers 200 (TLS is not verified: the apiserver
// serves a self-signed certificate).
func (c *cluster) waitHTTP(ctx context.Context, what, url string, timeout time.Duration) error {
	client := insecureClient()
	return c.wait(ctx, what, timeout, func() (bool, string, error) {
		resp, err := client.Get(url)
		if err != nil {
			return false, "", err
		}
		resp.Body.Close()
		return resp.StatusCode == http.StatusOK, resp.Status, nil
	})
}

func (c *cluster) startEtcd(ctx context.Context) error {
	// etcd fsyncs on every write; a tmpfs keeps that cheap on a busy disk.
	dataDir, err := os.MkdirTemp(shmOr(c.dir), "etcd-")
	if err != nil {
		return err
	}
	peer := fmt.Sprintf("http://127.0.0.1:%d", c.ports.etcdPeer)
	client := fmt.Sprintf("http://127.0.0.1:%d", c.ports.etcd)
	_, err = c.procs.start("etcd", nil, "etcd",
		"--name=e2e", "--data-dir="+dataDir,
		"--listen-client-urls="+client, "--advertise-client-urls="+client,
		"--listen-peer-urls="+peer, "--initial-advertise-peer-urls="+peer,
		"--initial-cluster=e2e="+peer, "--log-level=warn")
	if err != nil {
		return err
	}
	// The data dir goes with the process; register its removal after it.
	c.procs.cleanup = append(c.procs.cleanup, func() { os.RemoveAll(dataDir) })
	return c.waitHTTP(ctx, "etcd /health", client+"/health", 30*time.Second)
}

func shmOr(fallback string) string {
	if st, err := os.Stat("/dev/shm"); err == nil && st.IsDir() {
		return "/dev/shm"
	}
	return fallback
}

func (c *cluster) startAPIServer(ctx context.Context) error {
	token, err := randomHex(16)
	if err != nil {
		return err
	}
	tokens := c.path("tokens.csv")
	if err := os.WriteFile(tokens, []byte(token+`,admin,admin,"system:masters"`+"\n"), 0o600); err != nil {
		return err
	}
	saKey, saPub := c.path("sa.key"), c.path("sa.pub")
	if err := writeRSAKeyPair(saKey, saPub); err != nil {
		return err
	}
	server := fmt.Sprintf("https://127.0.0.1:%d", c.ports.apiserver)
	c.kubeconfig = c.path("kubeconfig")
	kc := fmt.Sprintf(`apiVersion: v1
kind: Config
clusters:
- name: e2e
  cluster:
    server: %s
    insecure-skip-tls-verify: true
users:
- name: admin
  user:
    token: %s
contexts:
- name: e2e
  context:
    cluster: e2e
    user: admin
current-context: e2e
`, server, token)
	if err := os.WriteFile(c.kubeconfig, []byte(kc), 0o600); err != nil {
		return err
	}
	args := []string{
		fmt.Sprintf("--etcd-servers=http://127.0.0.1:%d", c.ports.etcd),
		"--bind-address=127.0.0.1", "--advertise-address=127.0.0.1",
		fmt.Sprintf("--secure-port=%d", c.ports.apiserver),
		"--cert-dir=" + c.path("apiserver-certs"),
		"--token-auth-file=" + tokens,
		"--authorization-mode=RBAC",
		"--service-account-key-file=" + saPub,
		"--service-account-signing-key-file=" + saKey,
		"--service-account-issuer=https://kubernetes.default.svc.cluster.local",
		"--service-cluster-ip-range=10.96.0.0/16",
		"--endpoint-reconciler-type=none",
		"--allow-privileged=true",
		// kwok's client-go (v0.36) opens its informers with streaming
		// watch-lists; the watch cache refuses them unless etcd supports
		// watch progress requests, which Debian's etcd 3.4.23 does not. The
		// refused watch restarts kwok's informers on a growing backoff, and
		// pods turned Ready up to 40 s late. Without the watch cache, watches
		// are served by etcd directly: pods are Ready in under 0.3 s.
		"--watch-cache=false",
	}
	if len(c.cfg.disabledAdmission) > 0 {
		args = append(args, "--disable-admission-plugins="+strings.Join(c.cfg.disabledAdmission, ","))
	}
	_, err = c.procs.start("kube-apiserver", nil, c.tools.bin("kube-apiserver"), args...)
	if err != nil {
		return err
	}
	return c.wait(ctx, "kube-apiserver /readyz", 90*time.Second, func() (bool, string, error) {
		req, _ := http.NewRequest(http.MethodGet, server+"/readyz", nil)
		req.Header.Set("Authorization", "Bearer "+token)
		resp, err := insecureClient().Do(req)
		if err != nil {
			return false, "", err
		}
		resp.Body.Close()
		return resp.StatusCode == http.StatusOK, resp.Status, nil
	})
}

func (c *cluster) startControllers(ctx context.Context) error {
	_, err := c.procs.start("kube-controller-manager", nil, c.tools.bin("kube-controller-manager"),
		"--kubeconfig="+c.kubeconfig,
		"--authentication-kubeconfig="+c.kubeconfig,
		"--authorization-kubeconfig="+c.kubeconfig,
		"--bind-address=127.0.0.1", fmt.Sprintf("--secure-port=%d", c.ports.controllerManager),
		// nodelifecycle stays: without it a new node keeps the not-ready
		// taint and pods stay Pending.
		"--controllers=*,-nodeipam,-cloud-node-lifecycle,-service,-route",
		"--service-account-private-key-file="+c.path("sa.key"),
		"--use-service-account-credentials=false",
		"--leader-elect=false",
	)
	if err != nil {
		return err
	}
	_, err = c.procs.start("kube-scheduler", nil, c.tools.bin("kube-scheduler"),
		"--kubeconfig="+c.kubeconfig,
		"--authentication-kubeconfig="+c.kubeconfig,
		"--authorization-kubeconfig="+c.kubeconfig,
		"--bind-address=127.0.0.1", fmt.Sprintf("--secure-port=%d", c.ports.scheduler),
		"--leader-elect=false",
	)
	if err != nil {
		return err
	}
	for _, h := range []struct {
		name string
		port int
	}{{"kube-controller-manager", c.ports.controllerManager}, {"kube-scheduler", c.ports.scheduler}} {
		if err := c.waitHTTP(ctx, h.name+" /healthz", fmt.Sprintf("https://127.0.0.1:%d/healthz", h.port), 60*time.Second); err != nil {
			return err
		}
	}
	return nil
}

// fakeNode is the one node kwok plays the kubelet for; large enough for
// every pod of every environment.
const fakeNode = `apiVersion: v1
kind: Node
metadata:
  name: kwok-node-0
  annotations:
    kwok.x-k8s.io/node: fake
    node.alpha.kubernetes.io/ttl: "0"
  labels:
    kubernetes.io/hostname: kwok-node-0
    kubernetes.io/os: linux
    kubernetes.io/arch: amd64
    type: kwok
status:
  allocatable: {cpu: "64", memory: 256Gi, pods: "250"}
  capacity: {cpu: "64", memory: 256Gi, pods: "250"}
`

func (c *cluster) startKwok(ctx context.Context) error {
	stages := c.tools.share("kwok-stages")
	var configs []string
	for _, f := range []string{"node-initialize.yaml", "node-heartbeat-with-lease.yaml", "pod-complete.yaml", "pod-delete.yaml"} {
		configs = append(configs, "--config="+filepath.Join(stages, f))
	}
	// Not kwok's pod-ready stage: pods start unready, and the pod runner
	// (pods.go) makes them Ready when their process answers its probe.
	podStart := c.path("kwok-pod-start-unready.yaml")
	if err := os.WriteFile(podStart, []byte(podStartStage), 0o644); err != nil {
		return err
	}
	configs = append(configs, "--config="+podStart)
	args := append(configs,
		"--kubeconfig="+c.kubeconfig,
		"--manage-all-nodes=false",
		"--manage-nodes-with-annotation-selector=kwok.x-k8s.io/node=fake",
		"--node-lease-duration-seconds=40",
		"--node-ip=127.0.0.1",
		"--cidr="+podCIDR,
		fmt.Sprintf("--server-address=127.0.0.1:%d", c.ports.kwok),
	)
	if _, err := c.procs.start("kwok", nil, c.tools.bin("kwok"), args...); err != nil {
		return err
	}
	if _, err := c.kubectlStdin(ctx, fakeNode, "apply", "-f", "-"); err != nil {
		return err
	}
	return c.wait(ctx, "node kwok-node-0 Ready and untainted", 90*time.Second, func() (bool, string, error) {
		out, err := c.kubectl(ctx, "get", "node", "kwok-node-0", "-o",
			`jsonpath={.status.conditions[?(@.type=="Ready")].status} taints={.spec.taints}`)
		if err != nil {
			return false, "", err
		}
		return strings.HasPrefix(out, "True taints=") && strings.TrimPrefix(out, "True taints=") == "", out, nil
	})
}

func (c *cluster) startRollouts(ctx context.Context) error {
	if err := c.applyCRDs(ctx, c.tools.share("rollouts-crds"), "rollouts.argoproj.io"); err != nil {
		return err
	}
	return c.startRolloutsController(ctx)
}

// restartRollouts restarts the Rollouts controller (its log continues).
// client-go's event correlator in the controller lets 25 Events per object
// through and then one per 5 minutes: after a canary walk a Rollout's next
// Events (SkipSteps among them) are dropped until the budget refills or
// the controller restarts.
func (c *cluster) restartRollouts(ctx context.Context) error {
	if err := c.procs.stopOne("rollouts-controller"); err != nil {
		return err
	}
	return c.startRolloutsController(ctx)
}

func (c *cluster) startRolloutsController(ctx context.Context) error {
	_, err := c.procs.start("rollouts-controller", nil, c.tools.bin("rollouts-controller"),
		"--kubeconfig="+c.kubeconfig,
		"--namespaced=false",
		"--leader-elect=false",
		fmt.Sprintf("--metricsPort=%d", c.ports.rolloutsMetrics),
		fmt.Sprintf("--healthzPort=%d", c.ports.rolloutsHealthz),
		"--nginx-ingress-classes="+strings.Join(c.cfg.nginxIngressClasses, ","),
	)
	if err != nil {
		return err
	}
	return c.waitHTTP(ctx, "rollouts-controller /healthz", fmt.Sprintf("http://127.0.0.1:%d/healthz", c.ports.rolloutsHealthz), 60*time.Second)
}

// applyCRDs server-side applies every CRD in dir (Argo CD's Application CRD
// is too big for the last-applied annotation of a client-side apply) and
// polls until the named one is Established. kubectl 1.32's `wait
// --for=condition=Established` fails right after creation, hence the poll.
func (c *cluster) applyCRDs(ctx context.Context, dir, established string) error {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return err
	}
	args := []string{"apply", "--server-side", "--force-conflicts"}
	var names []string
	for _, e := range entries {
		if e.Name() == "kustomization.yaml" || !strings.HasSuffix(e.Name(), ".yaml") {
			continue
		}
		args = append(args, "-f", filepath.Join(dir, e.Name()))
		names = append(names, e.Name())
	}
	if len(names) == 0 {
		return fmt.Errorf("no CRD files in %s", dir)
	}
	if _, err := c.kubectl(ctx, args...); err != nil {
		return err
	}
	return c.wait(ctx, "CRD "+established+" Established", 30*time.Second, func() (bool, string, error) {
		out, err := c.kubectl(ctx, "get", "crd", established, "-o", `jsonpath={.status.conditions[?(@.type=="Established")].status}`)
		return out == "True", out, err
	})
}

func (c *cluster) startRedis(ctx context.Context) error {
	_, err := c.procs.start("redis", nil, "redis-server",
		"--bind", "127.0.0.1", "--port", strconv.Itoa(c.ports.redis),
		"--save", "", "--appendonly", "no", "--dir", c.dir)
	if err != nil {
		return err
	}
	return c.wait(ctx, "redis port", 20*time.Second, func() (bool, string, error) {
		return dialOK(c.ports.redis), "", nil
	})
}

// argocdEnv is Argo CD's own out-of-cluster development mode: with
// ARGOCD_FAKE_IN_CLUSTER the in-cluster destination
// https://kubernetes.default.svc means the kubeconfig's cluster.
func (c *cluster) argocdEnv(component string) []string {
	data := c.path("argocd-data")
	return []string{
		"ARGOCD_BINARY_NAME=" + component,
		"ARGOCD_FAKE_IN_CLUSTER=true",
		"KUBECONFIG=" + c.kubeconfig,
		"TMPDIR=" + filepath.Join(data, "tmp"),
		"ARGOCD_TLS_DATA_PATH=" + filepath.Join(data, "tls"),
		"ARGOCD_SSH_DATA_PATH=" + filepath.Join(data, "ssh"),
		"ARGOCD_GNUPGHOME=" + filepath.Join(data, "gnupg"),
		"ARGOCD_GPG_ENABLED=false",
		// git, kustomize, argocd (askpass) and argo-cd's git/gpg wrapper
		// scripts: without the wrappers every sync fails with an opaque
		// "permission denied".
		"PATH=" + filepath.Join(c.tools.dir, "bin") + string(os.PathListSeparator) + os.Getenv("PATH"),
	}
}

func (c *cluster) startArgoCD(ctx context.Context) error {
	ns := c.cfg.argocdNamespace
	for _, d := range []string{"tmp", "tls", "ssh", "gnupg"} {
		if err := os.MkdirAll(c.path("argocd-data", d), 0o700); err != nil {
			return err
		}
	}
	if err := c.applyCRDs(ctx, c.tools.share("argocd-crds"), "applications.argoproj.io"); err != nil {
		return err
	}
	secretKey, err := randomHex(16)
	if err != nil {
		return err
	}
	if _, err := c.kubectlStdin(ctx, argocdObjects(ns, secretKey), "apply", "-f", "-"); err != nil {
		return err
	}
	redis := fmt.Sprintf("127.0.0.1:%d", c.ports.redis)
	_, err = c.procs.start("argocd-repo-server", c.argocdEnv("argocd-repo-server"), c.tools.bin("argocd"),
		"--address=127.0.0.1", fmt.Sprintf("--port=%d", c.ports.repoServer),
		"--metrics-address=127.0.0.1", fmt.Sprintf("--metrics-port=%d", c.ports.repoServerMetrics),
		"--redis="+redis,
		// --disable-tls alone fails: it also needs an empty client CA path.
		"--disable-tls", "--client-ca-path=",
		// Branch heads are cached for 3 minutes by default, which would hide
		// a bump from a refresh.
		"--revision-cache-expiration=5s",
	)
	if err != nil {
		return err
	}
	if err := c.wait(ctx, "argocd-repo-server port", 60*time.Second, func() (bool, string, error) {
		return dialOK(c.ports.repoServer), "", nil
	}); err != nil {
		return err
	}
	_, err = c.procs.start("argocd-application-controller", c.argocdEnv("argocd-application-controller"), c.tools.bin("argocd"),
		"--namespace="+ns,
		fmt.Sprintf("--repo-server=127.0.0.1:%d", c.ports.repoServer), "--repo-server-plaintext",
		"--redis="+redis,
		fmt.Sprintf("--app-resync=%d", int(c.cfg.appResync.Seconds())), "--app-resync-jitter=0",
		// Its metrics listen on every interface; there is no address flag.
		fmt.Sprintf("--metrics-port=%d", c.ports.controllerMetrics),
	)
	if err != nil {
		return err
	}
	return c.waitHTTP(ctx, "argocd-application-controller /healthz", fmt.Sprintf("http://127.0.0.1:%d/healthz", c.ports.controllerMetrics), 60*time.Second)
}

// argocdObjects are what the Argo CD install manifests and argocd-server
// would otherwise create: the namespace, settings, and the default project.
func argocdObjects(ns, secretKey string) string {
	return strings.NewReplacer("NS", ns, "SECRETKEY", secretKey).Replace(`apiVersion: v1
kind: Namespace
metadata:
  name: NS
---
apiVersion: v1
kind: ConfigMap
metadata:
  name: argocd-cm
  namespace: NS
  labels: {app.kubernetes.io/name: argocd-cm, app.kubernetes.io/part-of: argocd}
data: {}
---
apiVersion: v1
kind: ConfigMap
metadata:
  name: argocd-rbac-cm
  namespace: NS
  labels: {app.kubernetes.io/name: argocd-rbac-cm, app.kubernetes.io/part-of: argocd}
data: {}
---
apiVersion: v1
kind: ConfigMap
metadata:
  name: argocd-cmd-params-cm
  namespace: NS
  labels: {app.kubernetes.io/name: argocd-cmd-params-cm, app.kubernetes.io/part-of: argocd}
data: {}
---
apiVersion: v1
kind: Secret
metadata:
  name: argocd-secret
  namespace: NS
  labels: {app.kubernetes.io/name: argocd-secret, app.kubernetes.io/part-of: argocd}
type: Opaque
stringData:
  server.secretkey: SECRETKEY
---
apiVersion: argoproj.io/v1alpha1
kind: AppProject
metadata:
  name: default
  namespace: NS
spec:
  sourceRepos: ['*']
  destinations: [{namespace: '*', server: '*'}]
  clusterResourceWhitelist: [{group: '*', kind: '*'}]
`)
}

func randomHex(n int) (string, error) {
	b := make([]byte, n)
	if _, err := rand.Read(b); err != nil {
		return "", err
	}
	return hex.EncodeToString(b), nil
}

func writeRSAKeyPair(keyPath, pubPath string) error {
	key, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		return err
	}
	pub, err := x509.MarshalPKIXPublicKey(&key.PublicKey)
	if err != nil {
		return err
	}
	if err := os.WriteFile(keyPath, pem.EncodeToMemory(&pem.Block{Type: "RSA PRIVATE KEY", Bytes: x509.MarshalPKCS1PrivateKey(key)}), 0o600); err != nil {
		return err
	}
	return os.WriteFile(pubPath, pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: pub}), 0o644)
}
