package argocd

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/rolloutgen/rolloutgen/internal/kube"
)

// TestKubeClient runs Refresh through client-go against a fake API server,
// checking the request Argo CD will see: a merge patch of one annotation.
func TestKubeClient(t *testing.T) {
	var patched []string
	srv := httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if got := r.Header.Get("Authorization"); got != "Bearer t0ken" {
			t.Errorf("Authorization = %q", got)
		}
		const base = "/apis/argoproj.io/v1alpha1/namespaces/argo/applications"
		switch {
		case r.Method == http.MethodGet && r.URL.Path == base:
			w.Header().Set("Content-Type", "application/json")
			io.WriteString(w, `{"apiVersion":"argoproj.io/v1alpha1","kind":"ApplicationList","metadata":{},"items":[
				{"apiVersion":"argoproj.io/v1alpha1","kind":"Application","metadata":{"name":"demo-dev","namespace":"argo"},
				 "spec":{"source":{"repoURL":"http://git.local/demo.git","path":"overlays/dev/demo"}}},
				{"apiVersion":"argoproj.io/v1alpha1","kind":"Application","metadata":{"name":"demo-multi","namespace":"argo"},
				 "spec":{"sources":[{"repoURL":"http://git.local/demo.git","path":"overlays/dev/demo"}]}},
				{"apiVersion":"argoproj.io/v1alpha1","kind":"Application","metadata":{"name":"demo-prod","namespace":"argo"},
				 "spec":{"source":{"repoURL":"http://git.local/demo.git","path":"overlays/prod/demo"}}}]}`)
		case r.Method == http.MethodPatch && strings.HasPrefix(r.URL.Path, base+"/"):
			body, _ := io.ReadAll(r.Body)
			patched = append(patched, strings.TrimPrefix(r.URL.Path, base+"/")+" "+r.Header.Get("Content-Type")+" "+string(body))
			w.Header().Set("Content-Type", "application/json")
			io.WriteString(w, `{"apiVersion":"argoproj.io/v1alpha1","kind":"Application","metadata":{"name":"x","namespace":"argo"}}`)
		default:
			t.Errorf("unexpected %s %s", r.Method, r.URL)
			http.NotFound(w, r)
		}
	}))
	defer srv.Close()

	kubeconfig := filepath.Join(t.TempDir(), "config")
	writeKubeconfig(t, kubeconfig, srv.URL)
	kc, err := kube.NewClient(kube.Config{Env: kubeconfig, Context: "test"})
	if err != nil {
		t.Fatal(err)
	}
	res, err := Refresh(context.Background(), NewKubeClient(kc), Target{Namespace: "argo", RepoURLs: []string{"http://git.local/demo"}, Paths: []string{"overlays/dev/demo"}})
	if err != nil {
		t.Fatal(err)
	}
	if strings.Join(res.Refreshed, ",") != "demo-dev,demo-multi" {
		t.Errorf("Refreshed = %v", res.Refreshed)
	}
	want := []string{
		`demo-dev application/merge-patch+json {"metadata":{"annotations":{"argocd.argoproj.io/refresh":"normal"}}}`,
		`demo-multi application/merge-patch+json {"metadata":{"annotations":{"argocd.argoproj.io/refresh":"normal"}}}`,
	}
	if strings.Join(patched, "\n") != strings.Join(want, "\n") {
		t.Errorf("patches:\n%s\nwant:\n%s", strings.Join(patched, "\n"), strings.Join(want, "\n"))
	}
}

func writeKubeconfig(t *testing.T, path, server string) {
	t.Helper()
	cfg := `apiVersion: v1
kind: Config
clusters: [{name: c, cluster: {server: "` + server + `", insecure-skip-tls-verify: true}}]
users: [{name: u, user: {token: t0ken}}]
contexts: [{name: test, context: {cluster: c, user: u}}, {name: other, context: {cluster: c, user: u}}]
current-context: other
`
	if err := os.WriteFile(path, []byte(cfg), 0o600); err != nil {
		t.Fatal(err)
	}
}
