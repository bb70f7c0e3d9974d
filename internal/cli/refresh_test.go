package cli

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"testing"

	"github.com/rolloutgen/rolloutgen/internal/argocd"
	"github.com/rolloutgen/rolloutgen/internal/config"
	"github.com/rolloutgen/rolloutgen/internal/kube"
)

type fakeArgoApps struct {
	apps      []argocd.Application
	annotated []string
}

func (f *fakeArgoApps) List(context.Context, string) ([]argocd.Application, error) {
	return f.apps, nil
}

func (f *fakeArgoApps) Annotate(_ context.Context, ns, name, key, value string) error {
	f.annotated = append(f.annotated, fmt.Sprintf("%s/%s %s=%s", ns, name, key, value))
	return nil
}

func TestRefreshAfterPush(t *testing.T) {
	const repo = "https://git.example.com/demo.git"
	target := argocd.Target{RepoURLs: []string{repo, "https://bot:s3cret@git.example.com/demo"}, Paths: []string{"overlays/dev/demo"}}
	apps := []argocd.Application{{Name: "demo-dev", Sources: []argocd.Source{{RepoURL: repo, Path: "overlays/dev/demo"}}}}
	tests := []struct {
		name      string
		opts      refreshOptions
		cfgNS     string
		clientErr error
		apps      []argocd.Application
		wantErr   string
		annotated string
	}{
		{
			name:      "off: nothing happens",
			opts:      refreshOptions{},
			annotated: "",
		},
		{
			name:      "refreshes the overlay's Application in gen.yaml's namespace",
			opts:      refreshOptions{enabled: true, kube: kubeOptions{context: "prod"}},
			cfgNS:     "argo",
			apps:      apps,
			wantErr:   "asked Argo CD to refresh: argo/demo-dev\n",
			annotated: "[argo/demo-dev argocd.argoproj.io/refresh=normal]",
		},
		{
			name:      "--argocd-namespace wins",
			opts:      refreshOptions{enabled: true, kube: kubeOptions{namespace: "gitops"}},
			cfgNS:     "argo",
			apps:      apps,
			wantErr:   "asked Argo CD to refresh: gitops/demo-dev\n",
			annotated: "[gitops/demo-dev argocd.argoproj.io/refresh=normal]",
		},
		{
			name:      "no kubeconfig: a warning, not an error",
			opts:      refreshOptions{enabled: true},
			clientErr: fmt.Errorf("%w: details", kube.ErrNoKubeConfig),
			wantErr:   "gen: warning: pushed, but Argo CD was not asked to refresh: no kubeconfig (set KUBECONFIG or pass --kubeconfig); it will find the commit at its next Git poll (every 3 minutes by default)\n",
		},
		{
			name:      "unreachable cluster: a warning naming the cause",
			opts:      refreshOptions{enabled: true},
			clientErr: errors.New("load kubeconfig: context \"x\" does not exist"),
			wantErr:   "gen: warning: pushed, but Argo CD was not asked to refresh: load kubeconfig: context \"x\" does not exist; it will find the commit at its next Git poll (every 3 minutes by default)\n",
		},
		{
			name:    "no matching Application: a warning naming repo and path",
			opts:    refreshOptions{enabled: true},
			cfgNS:   "argo",
			wantErr: "gen: warning: pushed, but Argo CD was not asked to refresh: no Application in namespace \"argo\" has source https://git.example.com/demo.git or https://***@git.example.com/demo at overlays/dev/demo; it will find the commit at its next Git poll (every 3 minutes by default)\n",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			fake := &fakeArgoApps{apps: tt.apps}
			var got kube.Config
			tt.opts.newApps = func(deps Deps, k *kubeOptions) (argocd.Applications, error) {
				got = k.config(deps)
				if tt.clientErr != nil {
					return nil, tt.clientErr
				}
				return fake, nil
			}
			var stderr bytes.Buffer
			deps := Deps{Stderr: &stderr, Getenv: func(k string) string { return map[string]string{"KUBECONFIG": "/k", "HOME": "/h"}[k] }}
			cfg := &config.Config{ArgoCD: config.ArgoCD{Namespace: tt.cfgNS}}
			tt.opts.refreshAfterPush(context.Background(), deps, cfg, target)
			if stderr.String() != tt.wantErr {
				t.Errorf("stderr:\n%q\nwant:\n%q", stderr.String(), tt.wantErr)
			}
			if a := fmt.Sprint(fake.annotated); tt.annotated != "" && a != tt.annotated {
				t.Errorf("annotated %s, want %s", a, tt.annotated)
			}
			if tt.opts.enabled && (got.Env != "/k" || got.HomeDir != "/h" || got.Context != tt.opts.kube.context) {
				t.Errorf("kube config %+v: want KUBECONFIG, HOME and --context passed through", got)
			}
		})
	}
}

func TestBumpRefreshNeedsPush(t *testing.T) {
	var stdout, stderr bytes.Buffer
	code := Run(context.Background(), []string{"bump", "--tag", "v2", "--refresh"},
		Deps{Stdout: &stdout, Stderr: &stderr, Getenv: func(string) string { return "" }, Dir: t.TempDir()})
	if code != 2 || stderr.String() != "gen: --refresh asks Argo CD to look at a pushed commit: add --push\n" {
		t.Fatalf("exit %d, stderr %q", code, stderr.String())
	}
}
