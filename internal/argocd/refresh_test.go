package argocd

import (
	"context"
	"errors"
	"reflect"
	"testing"
)

// fakeApps is an in-memory Applications recording what was annotated.
type fakeApps struct {
	apps      []Application
	listErr   error
	failOn    string
	annotated []string
}

func (f *fakeApps) List(context.Context, string) ([]Application, error) { return f.apps, f.listErr }

func (f *fakeApps) Annotate(_ context.Context, ns, name, key, value string) error {
	if name == f.failOn {
		return errors.New("forbidden")
	}
	f.annotated = append(f.annotated, ns+"/"+name+" "+key+"="+value)
	return nil
}

func TestRefresh(t *testing.T) {
	const repo = "https://git.example.com/platform/rollouts-demo.git"
	apps := []Application{
		{Name: "rollouts-demo-root", Sources: []Source{{RepoURL: repo, Path: "argocd"}}},
		{Name: "rollouts-demo-staging", Sources: []Source{{RepoURL: repo, Path: "overlays/staging/rollouts-demo"}}},
		{Name: "rollouts-demo-dev", Sources: []Source{{RepoURL: repo, Path: "overlays/dev/rollouts-demo"}}},
		{Name: "other-repo-dev", Sources: []Source{{RepoURL: "https://git.example.com/other.git", Path: "overlays/dev/rollouts-demo"}}},
		{Name: "multi", Sources: []Source{{RepoURL: "https://charts.example.com"}, {RepoURL: "HTTPS://git.example.com/platform/rollouts-demo/", Path: "./overlays/dev/rollouts-demo/"}}},
	}
	tests := []struct {
		name      string
		paths     []string
		failOn    string
		want      []string
		annotated []string
		wantErr   bool
	}{
		{
			name:      "the bumped overlay, however the repo URL and path are spelled",
			paths:     []string{"overlays/dev/rollouts-demo"},
			want:      []string{"multi", "rollouts-demo-dev"},
			annotated: []string{"argo/multi argocd.argoproj.io/refresh=normal", "argo/rollouts-demo-dev argocd.argoproj.io/refresh=normal"},
		},
		{
			name:      "several overlays",
			paths:     []string{"overlays/staging/rollouts-demo", "overlays/dev/rollouts-demo/"},
			want:      []string{"multi", "rollouts-demo-dev", "rollouts-demo-staging"},
			annotated: []string{"argo/multi argocd.argoproj.io/refresh=normal", "argo/rollouts-demo-dev argocd.argoproj.io/refresh=normal", "argo/rollouts-demo-staging argocd.argoproj.io/refresh=normal"},
		},
		{
			name:  "no Application uses the path: empty result, no error",
			paths: []string{"overlays/prod/rollouts-demo"},
		},
		{
			name:    "an annotate failure stops and reports what was done",
			paths:   []string{"overlays/dev/rollouts-demo"},
			failOn:  "rollouts-demo-dev",
			want:    []string{"multi"},
			wantErr: true,
			annotated: []string{
				"argo/multi argocd.argoproj.io/refresh=normal",
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := &fakeApps{apps: apps, failOn: tt.failOn}
			res, err := Refresh(context.Background(), f, Target{Namespace: "argo", RepoURLs: []string{repo}, Paths: tt.paths})
			if (err != nil) != tt.wantErr {
				t.Fatalf("err = %v, want error %v", err, tt.wantErr)
			}
			if !reflect.DeepEqual(res.Refreshed, tt.want) {
				t.Errorf("Refreshed = %v, want %v", res.Refreshed, tt.want)
			}
			if !reflect.DeepEqual(f.annotated, tt.annotated) {
				t.Errorf("annotated = %v, want %v", f.annotated, tt.annotated)
			}
		})
	}
}

func TestRefreshListError(t *testing.T) {
	_, err := Refresh(context.Background(), &fakeApps{listErr: errors.New("connection refused")}, Target{Namespace: "argo"})
	if err == nil || err.Error() != `list Argo CD Applications in namespace "argo": connection refused` {
		t.Fatalf("err = %v", err)
	}
}

func TestNormalizeRepoURL(t *testing.T) {
	for in, want := range map[string]string{
		"https://git.example.com/a/b.git":            "https://git.example.com/a/b",
		"https://Git.Example.com/a/b/":               "https://git.example.com/a/b",
		" https://git.example.com/a/b ":              "https://git.example.com/a/b",
		"git@git.example.com:a/b.git":                "git@git.example.com:a/b",
		"ssh://git@git.example.com/a/b.git":          "ssh://git@git.example.com/a/b",
		"https://bot:s3cret@git.example.com/a/b.git": "https://git.example.com/a/b",
	} {
		if got := NormalizeRepoURL(in); got != want {
			t.Errorf("NormalizeRepoURL(%q) = %q, want %q", in, got, want)
		}
	}
}
