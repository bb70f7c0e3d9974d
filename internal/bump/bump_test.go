package bump

import (
	"bytes"
	"context"
	"errors"
	"io/fs"
	"strings"
	"testing"
	"testing/fstest"

	"sigs.k8s.io/kustomize/kyaml/filesys"
)

const (
	base    = "resources:\n- deploy.yaml\n"
	deploy  = "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: app\nspec:\n  template:\n    spec:\n      containers:\n      - name: app\n        image: example.com/app:v0\n"
	overlay = "resources:\n- ../../base\n# pinned by CI\nimages:\n- name: example.com/app\n  newTag: v1 # live\n"
)

var repoFiles = map[string]string{
	"base/kustomization.yaml":          base,
	"base/deploy.yaml":                 deploy,
	"overlays/dev/kustomization.yaml":  overlay,
	"overlays/two/kustomization.yaml":  "resources:\n- ../../base\nimages:\n- name: a\n- name: b\n",
	"overlays/none/kustomization.yaml": "resources:\n- ../../base\n",
}

// fakeRepo is a plain struct standing in for a checkout.
type fakeRepo struct {
	dirty   string
	commits []string // path=content
}

func (r *fakeRepo) CheckClean(p string) error {
	if p == r.dirty {
		return errors.New(p + ": uncommitted changes")
	}
	return nil
}

func (r *fakeRepo) CommitFile(_ context.Context, p string, content []byte, meta Meta, _ Check) (Commit, error) {
	r.commits = append(r.commits, p+"="+string(content)+"|"+meta.Message)
	return Commit{Hash: "c0ffee", Branch: "main"}, nil
}

// fakePusher re-applies once on a "remote" tree, as if it had moved on.
type fakePusher struct {
	remote  fs.FS
	content []byte
	message string
	changed bool
}

func (p *fakePusher) Push(ctx context.Context, c Commit, file string, meta Meta, reapply Reapply) (PushResult, error) {
	old, err := fs.ReadFile(p.remote, file)
	if err != nil {
		return PushResult{}, err
	}
	p.content, p.message, p.changed, err = reapply(ctx, p.remote, old)
	if err != nil {
		return PushResult{Attempts: 1}, err
	}
	return PushResult{Commit: "remote", Pushed: p.changed, Attempts: 2, Reapplied: true}, nil
}

func memFS(t *testing.T, files map[string]string) filesys.FileSystem {
	t.Helper()
	fsys := filesys.MakeFsInMemory()
	for p, c := range files {
		if err := fsys.WriteFile("/repo/"+p, []byte(c)); err != nil {
			t.Fatal(err)
		}
	}
	return fsys
}

func TestRun(t *testing.T) {
	tests := []struct {
		name    string
		files   map[string]string
		dirty   string
		req     Request
		wantErr string
		wantRes Result
		commits int
	}{
		{
			name:    "bumps and commits one file",
			req:     Request{Target: Target{App: "app", Env: "dev", Dir: "overlays/dev"}, Tag: "v2"},
			wantRes: Result{App: "app", Env: "dev", Dir: "overlays/dev", File: "overlays/dev/kustomization.yaml", Image: "example.com/app", OldTag: "v1", NewTag: "v2", Changed: true, Commit: "c0ffee", Branch: "main", Message: "bump app/dev: example.com/app v1 -> v2\n\nGen-Change: app/dev\n"},
			commits: 1,
		},
		{
			name:    "already at the tag",
			req:     Request{Target: Target{Dir: "overlays/dev"}, Tag: "v1"},
			wantRes: Result{Dir: "overlays/dev", File: "overlays/dev/kustomization.yaml", Image: "example.com/app", OldTag: "v1", NewTag: "v1"},
		},
		{
			name:    "dirty file",
			dirty:   "overlays/dev/kustomization.yaml",
			req:     Request{Target: Target{Dir: "overlays/dev"}, Tag: "v2"},
			wantErr: "overlays/dev/kustomization.yaml: uncommitted changes",
		},
		{
			name:    "several images need --image",
			req:     Request{Target: Target{Dir: "overlays/two"}, Tag: "v2"},
			wantErr: "several images (a, b); pass --image NAME",
		},
		{
			name:    "no kustomization",
			req:     Request{Target: Target{Dir: "overlays/missing"}, Tag: "v2"},
			wantErr: "no kustomization.yaml",
		},
		{
			name:    "no images entry needs --image",
			req:     Request{Target: Target{Dir: "overlays/none"}, Tag: "v2"},
			wantErr: "no images: entry",
		},
		{
			name:    "overlay that does not build",
			files:   map[string]string{"base/kustomization.yaml": "resources:\n- gone.yaml\n"},
			req:     Request{Target: Target{Dir: "overlays/dev"}, Tag: "v2"},
			wantErr: "does not build",
		},
		{
			name:    "bad message template field",
			req:     Request{Target: Target{Dir: "overlays/dev"}, Tag: "v2", Message: "{{.Nope}}"},
			wantErr: "--message",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			files := map[string]string{}
			for k, v := range repoFiles {
				files[k] = v
			}
			for k, v := range tt.files {
				files[k] = v
			}
			repo := &fakeRepo{dirty: tt.dirty}
			b := Bumper{Repo: repo, FS: memFS(t, files), Root: "/repo"}
			res, err := b.Run(context.Background(), tt.req)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("err = %v, want %q", err, tt.wantErr)
				}
				if len(repo.commits) != 0 {
					t.Error("committed despite the error")
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if res != tt.wantRes {
				t.Errorf("result\n%+v\nwant\n%+v", res, tt.wantRes)
			}
			if len(repo.commits) != tt.commits {
				t.Errorf("%d commits, want %d", len(repo.commits), tt.commits)
			}
		})
	}
}

func TestRunDryRunAndReapply(t *testing.T) {
	repo := &fakeRepo{}
	b := Bumper{Repo: repo, FS: memFS(t, repoFiles), Root: "/repo"}
	res, err := b.Run(context.Background(), Request{Target: Target{Dir: "overlays/dev"}, Tag: "v2", DryRun: true})
	if err != nil || len(repo.commits) != 0 || !strings.Contains(res.Diff, "-  newTag: v1 # live\n+  newTag: v2 # live\n") {
		t.Fatalf("dry run: %v, %d commits, diff:\n%s", err, len(repo.commits), res.Diff)
	}

	// The remote moved on (v5 there): the bump is re-applied and built on
	// the remote's tree.
	remote := fstest.MapFS{}
	for p, c := range repoFiles {
		remote[p] = &fstest.MapFile{Data: []byte(c)}
	}
	remote["overlays/dev/kustomization.yaml"] = &fstest.MapFile{Data: []byte(strings.Replace(overlay, "v1", "v5", 1))}
	p := &fakePusher{remote: remote}
	b.Pusher = p
	res, err = b.Run(context.Background(), Request{Target: Target{Dir: "overlays/dev"}, Tag: "v2"})
	if err != nil {
		t.Fatal(err)
	}
	if !p.changed || !bytes.Contains(p.content, []byte("newTag: v2 # live")) || !res.Pushed || res.Commit != "remote" || res.OldTag != "v5" || res.Attempts != 2 {
		t.Errorf("re-apply: %+v\n%s", res, p.content)
	}
	if p.message != "bump overlays/dev: example.com/app v5 -> v2\n" || res.Message != p.message {
		t.Errorf("re-applied message %q (result %q): want the remote's old tag", p.message, res.Message)
	}
	// On a remote that no longer builds, the push fails at once.
	remote["base/kustomization.yaml"] = &fstest.MapFile{Data: []byte("resources:\n- gone.yaml\n")}
	if _, err := b.Run(context.Background(), Request{Target: Target{Dir: "overlays/dev"}, Tag: "v3"}); !errors.Is(err, ErrBuild) {
		t.Errorf("re-apply on a broken remote: %v", err)
	}
}
