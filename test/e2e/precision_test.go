//go:build e2e && precision

package e2e

// TestPrecision measures how far gen validate agrees with the real
// components (make bench, hack/bench-precision.sh; not part of make test).
//
// Corpus: manifests of the pinned Go modules in the module cache (Argo
// Rollouts' examples/, test/ and the lint command's testdata; Argo CD's
// manifests/ and test/e2e/testdata). Each directory is one unit: built with
// kubectl kustomize when it holds a kustomization, otherwise each of its
// YAML files alone (gen validate FILE on a copy of the file in an empty
// directory, so gen reads no sibling as context).
//
// Ground truth, per object:
//   - the API server of the e2e tools (kube-apiserver v1.34.4, with the
//     pinned Rollouts and Argo CD CRDs): the document as written, POSTed as
//     YAML with dryRun=All and fieldValidation=Strict — what `kubectl apply
//     --dry-run=server` sends for a new object, without kubectl's client
//     side YAML-to-JSON step (which would hide duplicate fields);
//   - for Rollouts, the pinned controller's own validation
//     (test/e2e/tools/rollouts/rolloutsverdict: ValidateRollout and
//     ValidateRolloutReferencedResources).
//
// Objects whose kind the API server does not serve (CRDs of other
// projects) have no verdict and are counted apart. An object is rejected
// when either component rejects it; gen rejects it when gen validate
// reports an error (not a warning) on it. The report lists every
// disagreement, for internal/validate/PRECISION.md.

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"testing"
	"time"

	"k8s.io/apimachinery/pkg/api/meta"
	"k8s.io/apimachinery/pkg/runtime/schema"
	utilyaml "k8s.io/apimachinery/pkg/util/yaml"
	"k8s.io/client-go/discovery"
	"k8s.io/client-go/discovery/cached/memory"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/rest"
	"k8s.io/client-go/restmapper"
	"k8s.io/client-go/tools/clientcmd"
	"sigs.k8s.io/yaml"
)

// corpusRoots are the module directories read, by wrapper module.
func corpusRoots() []struct {
	wrapper, module string
	dirs            []string
} {
	return []struct {
		wrapper, module string
		dirs            []string
	}{
		{"rollouts", "github.com/argoproj/argo-rollouts", []string{"examples", "test", "pkg/kubectl-argo-rollouts/cmd/lint/testdata"}},
		{"argocd", "github.com/argoproj/argo-cd/v3", []string{"manifests", "test/e2e/testdata"}},
	}
}

// kubeTarget is the release of the e2e API server: gen is told to target it.
const kubeTarget = "1.34"

type precisionObject struct {
	unit, file     string
	kind, name, ns string
	apiVersion     string
	doc            []byte // the YAML document as written (plain units)
	served         bool
	upstream       []string // rejections: API server, controller
	gen            []string // gen's errors
}

func TestPrecision(t *testing.T) {
	ctx := context.Background()
	toolsDir := os.Getenv("ROLLOUTGEN_TOOLS_DIR")
	if toolsDir == "" {
		home, _ := os.UserHomeDir()
		toolsDir = filepath.Join(home, ".cache", "rolloutgen", "tools")
	}
	gen := os.Getenv("GEN_BIN")
	verdictBin := filepath.Join(toolsDir, "bin", "rolloutsverdict")
	for _, b := range []string{gen, verdictBin, filepath.Join(toolsDir, "bin", "kube-apiserver")} {
		if _, err := os.Stat(b); b == "" || err != nil {
			t.Fatalf("%q missing: run make tools and make build (GEN_BIN names gen)", b)
		}
	}
	dir := t.TempDir()
	// The ServiceAccount admission plugin rejects a Pod whose service
	// account does not exist yet in the cluster ("error looking up service
	// account default/default"): a verdict on the cluster's state (this API
	// server runs no controller manager to create "default"), not on the
	// manifest. Ground truth must judge the manifest alone, so the plugin is
	// off rather than its errors filtered out: every other admission check
	// still runs, and no rejection is dropped by matching message text.
	cfg := clusterConfig{disabledAdmission: []string{"ServiceAccount"}}
	c := &cluster{cfg: cfg, tools: tools{dir: toolsDir}, dir: dir, timings: &timings{}, procs: &processes{logDir: filepath.Join(dir, "logs")}}
	if err := os.MkdirAll(c.procs.logDir, 0o755); err != nil {
		t.Fatal(err)
	}
	defer c.stop()
	ports, err := freePorts(3)
	if err != nil {
		t.Fatal(err)
	}
	c.ports.etcd, c.ports.etcdPeer, c.ports.apiserver = ports[0], ports[1], ports[2]
	for _, step := range []func(context.Context) error{c.startEtcd, c.startAPIServer} {
		if err := step(ctx); err != nil {
			c.procs.dumpLogs(os.Stderr, 30)
			t.Fatal(err)
		}
	}
	if err := c.applyCRDs(ctx, c.tools.share("rollouts-crds"), "rollouts.argoproj.io"); err != nil {
		t.Fatal(err)
	}
	if err := c.applyCRDs(ctx, c.tools.share("argocd-crds"), "applications.argoproj.io"); err != nil {
		t.Fatal(err)
	}
	restCfg, err := clientcmd.BuildConfigFromFlags("", c.kubeconfig)
	if err != nil {
		t.Fatal(err)
	}
	restCfg.QPS, restCfg.Burst = 500, 1000
	api := newDryRunner(t, restCfg)

	var objs []*precisionObject
	units, skippedBuilds := 0, 0
	for _, root := range corpusRoots() {
		modDir := moduleDir(t, filepath.Join("tools", root.wrapper), root.module)
		for _, d := range root.dirs {
			for _, unitDir := range unitDirs(t, filepath.Join(modDir, d)) {
				units++
				rel, _ := filepath.Rel(modDir, unitDir)
				label := root.module + "/" + filepath.ToSlash(rel)
				got, ok := precisionUnit(ctx, t, api, gen, verdictBin, unitDir, label)
				if !ok {
					skippedBuilds++
				}
				objs = append(objs, got...)
			}
		}
	}
	report(t, objs, units, skippedBuilds)
}

// moduleDir is the pinned module's directory, resolved through its wrapper.
func moduleDir(t *testing.T, wrapper, module string) string {
	t.Helper()
	cmd := exec.Command("go", "list", "-m", "-f", "{{.Dir}}", module)
	cmd.Dir = wrapper
	out, err := cmd.Output()
	if err != nil || len(bytes.TrimSpace(out)) == 0 {
		t.Fatalf("go list -m %s in %s: %v (run go mod download there)", module, wrapper, err)
	}
	return string(bytes.TrimSpace(out))
}

// unitDirs are the directories under root holding YAML files; under a
// kustomization directory only that directory (its build is the unit).
func unitDirs(t *testing.T, root string) []string {
	var out []string
	_ = filepath.WalkDir(root, func(p string, d os.DirEntry, err error) error {
		if err != nil || !d.IsDir() {
			return nil
		}
		entries, _ := os.ReadDir(p)
		hasYAML := false
		for _, e := range entries {
			if !e.IsDir() && isYAMLName(e.Name()) {
				hasYAML = true
			}
		}
		if hasYAML {
			out = append(out, p)
		}
		return nil
	})
	return out
}

func isYAMLName(n string) bool {
	return (strings.HasSuffix(n, ".yaml") || strings.HasSuffix(n, ".yml")) && !strings.HasPrefix(n, ".")
}

func hasKustomization(dir string) bool {
	for _, n := range []string{"kustomization.yaml", "kustomization.yml", "Kustomization"} {
		if _, err := os.Stat(filepath.Join(dir, n)); err == nil {
			return true
		}
	}
	return false
}

// precisionUnit collects the verdicts on one directory. ok is false for
// a kustomization kubectl kustomize cannot build (no objects to judge;
// gen's build error is then right).
func precisionUnit(ctx context.Context, t *testing.T, api *dryRunner, gen, verdictBin, dir, label string) ([]*precisionObject, bool) {
	t.Helper()
	var objs []*precisionObject
	var files []string // what gen and the controller verdict read
	genArgs := []string{"validate", "-o", "json", "--kube-version", kubeTarget}
	if hasKustomization(dir) {
		out, err := exec.CommandContext(ctx, "kubectl", "kustomize", dir).Output()
		genOut := runGen(ctx, gen, dir, append(genArgs, ".")...)
		if err != nil {
			genBuildErr := false
			for _, f := range genOut {
				genBuildErr = genBuildErr || (f.Severity == "error" && strings.HasPrefix(f.Problem, "kustomize build failed"))
			}
			objs = append(objs, &precisionObject{unit: label, kind: "(kustomize build)", served: true,
				upstream: []string{"kubectl kustomize fails"}, gen: map[bool][]string{true: {"build failed"}}[genBuildErr]})
			return objs, false
		}
		built := filepath.Join(t.TempDir(), "build.yaml")
		if err := os.WriteFile(built, out, 0o644); err != nil {
			t.Fatal(err)
		}
		objs = splitObjects(label, built, out)
		files = []string{built}
		attach(objs, genOut, true)
	} else {
		// Each file is judged on its own, as `kubectl apply -f FILE` sees
		// it: test data directories hold alternative versions of one
		// manifest. gen gets the same input as the verdict program: a copy
		// of the file alone in an empty directory. In place, `gen validate
		// FILE` would read the sibling files as context (issue 12.2), and a
		// sibling's Ingress or Service of the same name as one the file
		// lacks would be judged by gen and by no component (the lint
		// testdata's valid-nginx-smi-with-vsvc.yaml against
		// valid-nginx-canary.yml's Ingress). Giving rolloutsverdict the
		// siblings instead would make it pick one of several alternative
		// versions of an object, which no cluster ever holds together.
		entries, _ := os.ReadDir(dir)
		for _, e := range entries {
			if e.IsDir() || !isYAMLName(e.Name()) {
				continue
			}
			p := filepath.Join(dir, e.Name())
			b, err := os.ReadFile(p)
			if err != nil {
				continue
			}
			alone := t.TempDir()
			if err := os.WriteFile(filepath.Join(alone, e.Name()), b, 0o644); err != nil {
				t.Fatal(err)
			}
			fileObjs := splitObjects(label, e.Name(), b)
			attach(fileObjs, runGen(ctx, gen, alone, append(genArgs, e.Name())...), false)
			controllerVerdicts(ctx, t, verdictBin, []string{p}, fileObjs)
			objs = append(objs, fileObjs...)
		}
		files = nil
	}
	for _, o := range objs {
		api.judge(ctx, o)
	}
	controllerVerdicts(ctx, t, verdictBin, files, objs)
	return objs, true
}

// splitObjects splits a YAML stream into its documents that name a kind.
func splitObjects(unit, file string, b []byte) []*precisionObject {
	var out []*precisionObject
	r := utilyaml.NewYAMLReader(bufioReader(b))
	for {
		doc, err := r.Read()
		if errors.Is(err, io.EOF) || err != nil {
			break
		}
		j, err := yaml.YAMLToJSON(doc)
		if err != nil {
			continue
		}
		var m struct {
			APIVersion string `json:"apiVersion"`
			Kind       string `json:"kind"`
			Metadata   struct {
				Name, Namespace string
			} `json:"metadata"`
		}
		if json.Unmarshal(j, &m) != nil || m.Kind == "" || m.APIVersion == "" || m.Kind == "Kustomization" || m.Kind == "List" {
			continue
		}
		out = append(out, &precisionObject{unit: unit, file: filepath.Base(file), kind: m.Kind, name: m.Metadata.Name, ns: m.Metadata.Namespace, apiVersion: m.APIVersion, doc: append([]byte(nil), doc...)})
	}
	return out
}

type genFinding struct {
	Severity, Location, File, Kind, Name, Field, Problem string
}

func runGen(ctx context.Context, gen, dir string, args ...string) []genFinding {
	cmd := exec.CommandContext(ctx, gen, args...)
	cmd.Dir = dir
	out, _ := cmd.Output()
	var rep struct{ Findings []genFinding }
	_ = json.Unmarshal(out, &rep)
	return rep.Findings
}

// attach gives each object gen's errors on it: by kind and name, and the
// file in a plain unit. A file-level error (no kind) counts for each
// object of the file.
func attach(objs []*precisionObject, fs []genFinding, built bool) {
	for _, f := range fs {
		if f.Severity != "error" {
			continue
		}
		for _, o := range objs {
			sameFile := built || filepath.Base(f.Location) == o.file
			if sameFile && ((f.Kind == o.kind && f.Name == o.name) || f.Kind == "") {
				o.gen = append(o.gen, strings.TrimSpace(f.Field+": "+f.Problem))
			}
		}
	}
}

func controllerVerdicts(ctx context.Context, t *testing.T, bin string, files []string, objs []*precisionObject) {
	if len(files) == 0 {
		return
	}
	out, err := exec.CommandContext(ctx, bin, files...).Output()
	if err != nil {
		t.Logf("rolloutsverdict %v: %v", files, err)
	}
	dec := json.NewDecoder(bytes.NewReader(out))
	for {
		var v struct {
			File, Kind, Name string
			Errors           []string
		}
		if dec.Decode(&v) != nil {
			break
		}
		for _, o := range objs {
			if o.kind == v.Kind && o.name == v.Name && filepath.Base(v.File) == o.file {
				for _, e := range v.Errors {
					o.upstream = append(o.upstream, "controller: "+e)
				}
			}
		}
	}
}

// dryRunner posts documents to the API server as kubectl apply would
// create them, without persisting anything.
type dryRunner struct {
	rest   rest.Interface
	mapper meta.RESTMapper
	nsMade map[string]bool
	cs     *kubernetes.Clientset
}

func newDryRunner(t *testing.T, cfg *rest.Config) *dryRunner {
	cs, err := kubernetes.NewForConfig(cfg)
	if err != nil {
		t.Fatal(err)
	}
	dc, err := discovery.NewDiscoveryClientForConfig(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return &dryRunner{rest: cs.CoreV1().RESTClient(), cs: cs, mapper: restmapper.NewDeferredDiscoveryRESTMapper(memory.NewMemCacheClient(dc)), nsMade: map[string]bool{}}
}

func (d *dryRunner) judge(ctx context.Context, o *precisionObject) {
	if o.doc == nil {
		o.served = true
		return
	}
	gv, err := schema.ParseGroupVersion(o.apiVersion)
	if err != nil {
		o.served = true
		o.upstream = append(o.upstream, "apiserver: "+err.Error())
		return
	}
	m, err := d.mapper.RESTMapping(gv.WithKind(o.kind).GroupKind(), gv.Version)
	if err != nil {
		return // not served: no verdict
	}
	o.served = true
	ns := o.ns
	if ns == "" {
		ns = "default"
	}
	path := "/api/" + gv.Version
	if gv.Group != "" {
		path = "/apis/" + gv.Group + "/" + gv.Version
	}
	if m.Scope.Name() == meta.RESTScopeNameNamespace {
		d.ensureNamespace(ctx, ns)
		path += "/namespaces/" + ns
	}
	path += "/" + m.Resource.Resource
	ctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	res := d.rest.Post().AbsPath(path).Param("dryRun", "All").Param("fieldValidation", "Strict").
		SetHeader("Content-Type", "application/yaml").Body(o.doc).Do(ctx)
	if err := res.Error(); err != nil {
		msg := err.Error()
		if strings.Contains(msg, "already exists") {
			return
		}
		o.upstream = append(o.upstream, "apiserver: "+msg)
	}
}

func (d *dryRunner) ensureNamespace(ctx context.Context, ns string) {
	if d.nsMade[ns] || ns == "default" {
		return
	}
	d.nsMade[ns] = true
	body := []byte(fmt.Sprintf("apiVersion: v1\nkind: Namespace\nmetadata: {name: %q}\n", ns))
	_ = d.rest.Post().AbsPath("/api/v1/namespaces").SetHeader("Content-Type", "application/yaml").Body(body).Do(ctx).Error()
}

// class groups kinds for the report.
func class(o *precisionObject) string {
	switch {
	case o.kind == "(kustomize build)":
		return "kustomize build"
	case o.kind == "Rollout":
		return "Rollout"
	case strings.HasPrefix(o.apiVersion, "argoproj.io/") && (o.kind == "Application" || o.kind == "AppProject" || o.kind == "ApplicationSet"):
		return "Argo CD"
	case strings.HasPrefix(o.apiVersion, "argoproj.io/"):
		return "Analysis/Experiment"
	case o.kind == "Service":
		return "Service"
	case o.kind == "Ingress":
		return "Ingress"
	case o.kind == "Deployment" || o.kind == "StatefulSet" || o.kind == "DaemonSet" || o.kind == "ReplicaSet" || o.kind == "Job" || o.kind == "CronJob" || o.kind == "Pod":
		return "workloads"
	case strings.HasPrefix(o.apiVersion, "rbac.authorization.k8s.io/"):
		return "RBAC"
	}
	return "other"
}

func report(t *testing.T, objs []*precisionObject, units, failedBuilds int) {
	type counts struct{ tp, fp, tn, fn int }
	by := map[string]*counts{}
	var classes []string
	var disagree []string
	unserved := 0
	total := counts{}
	for _, o := range objs {
		if !o.served {
			unserved++
			continue
		}
		cl := class(o)
		if by[cl] == nil {
			by[cl] = &counts{}
			classes = append(classes, cl)
		}
		rej, genRej := len(o.upstream) > 0, len(o.gen) > 0
		k := by[cl]
		switch {
		case rej && genRej:
			k.tp++
			total.tp++
		case !rej && genRej:
			k.fp++
			total.fp++
			disagree = append(disagree, fmt.Sprintf("FP %s | %s | %s %s/%s | gen: %s", cl, o.unit, o.file, o.kind, o.name, strings.Join(o.gen, "; ")))
		case rej && !genRej:
			k.fn++
			total.fn++
			disagree = append(disagree, fmt.Sprintf("FN %s | %s | %s %s/%s | upstream: %s", cl, o.unit, o.file, o.kind, o.name, oneLine(strings.Join(o.upstream, "; "))))
		default:
			k.tn++
			total.tn++
		}
	}
	sort.Strings(classes)
	sort.Strings(disagree)
	var b strings.Builder
	fmt.Fprintf(&b, "precision corpus: %d units (directories), %d objects judged, %d of kinds the API server does not serve (no verdict), %d kustomizations kubectl kustomize cannot build\n",
		units, total.tp+total.fp+total.tn+total.fn, unserved, failedBuilds)
	fmt.Fprintf(&b, "| class | objects | TP | FP | TN | FN |\n|---|---|---|---|---|---|\n")
	for _, cl := range classes {
		k := by[cl]
		fmt.Fprintf(&b, "| %s | %d | %d | %d | %d | %d |\n", cl, k.tp+k.fp+k.tn+k.fn, k.tp, k.fp, k.tn, k.fn)
	}
	fmt.Fprintf(&b, "| all | %d | %d | %d | %d | %d |\n", total.tp+total.fp+total.tn+total.fn, total.tp, total.fp, total.tn, total.fn)
	n := total.tp + total.fp + total.tn + total.fn
	if n > 0 {
		fmt.Fprintf(&b, "agreement: %.1f%% (%d of %d)\n", 100*float64(total.tp+total.tn)/float64(n), total.tp+total.tn, n)
	}
	b.WriteString("disagreements:\n")
	for _, d := range disagree {
		b.WriteString("  " + d + "\n")
	}
	if p := os.Getenv("PRECISION_OUT"); p != "" {
		_ = os.WriteFile(p, []byte(b.String()), 0o644)
	}
	fmt.Print(b.String())
}

func oneLine(s string) string {
	s = strings.Join(strings.Fields(s), " ")
	if len(s) > 300 {
		s = s[:300] + "…"
	}
	return s
}

func bufioReader(b []byte) *bufio.Reader { return bufio.NewReader(bytes.NewReader(b)) }
