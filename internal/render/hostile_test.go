package render_test

import (
	"bytes"
	"errors"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/rolloutgen/rolloutgen/internal/atomicfile"
	"github.com/rolloutgen/rolloutgen/internal/render"
	"github.com/rolloutgen/rolloutgen/internal/testtool"
)

// renderTree renders the demo into a fresh directory and returns it.
func renderTree(t *testing.T) string {
	t.Helper()
	root := t.TempDir()
	writeRender(t, root, loadCase(t, "demo"))
	return root
}

// snapshot maps every path under dir (files, links, directories) to its
// content or link target, without following links.
func snapshot(t *testing.T, dir string) map[string]string {
	t.Helper()
	m := map[string]string{}
	err := filepath.WalkDir(dir, func(p string, e fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(dir, p)
		switch {
		case e.Type()&fs.ModeSymlink != 0:
			target, err := os.Readlink(p)
			m[rel] = "link:" + target
			return err
		case e.IsDir():
			m[rel] = "dir"
		default:
			b, err := os.ReadFile(p)
			m[rel] = string(b)
			return err
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return m
}

func sameSnapshot(t *testing.T, what string, got, want map[string]string) {
	t.Helper()
	for p, w := range want {
		if g, ok := got[p]; !ok {
			t.Errorf("%s: %s is gone", what, p)
		} else if g != w {
			t.Errorf("%s: %s changed", what, p)
		}
	}
	for p := range got {
		if _, ok := want[p]; !ok {
			t.Errorf("%s: %s appeared", what, p)
		}
	}
}

// runRender is gen render as the CLI runs it: read through DirReader,
// compare, write.
func runRender(t *testing.T, root string) (render.Drift, error) {
	t.Helper()
	r, err := render.New()
	if err != nil {
		t.Fatal(err)
	}
	files, err := r.Render(loadCase(t, "demo"), render.DirReader(root))
	if err != nil {
		return render.Drift{}, err
	}
	d, err := render.Compare(root, files)
	if err != nil {
		return d, err
	}
	return d, render.Write(root, files, d)
}

// Issue 11.1: a symlinked overlay directory or hack/ is refused, named,
// and neither its target nor the link is touched.
func TestSymlinkOnARenderedPathIsRefused(t *testing.T) {
	for _, link := range []string{"overlays/staging/rollouts-demo", "hack", "argocd/apps/rollouts-demo-dev.yaml", "base"} {
		t.Run(link, func(t *testing.T) {
			root := renderTree(t)
			victim := t.TempDir()
			if err := os.WriteFile(filepath.Join(victim, "keep"), []byte("victim's\n"), 0o644); err != nil {
				t.Fatal(err)
			}
			p := filepath.Join(root, filepath.FromSlash(link))
			if err := os.RemoveAll(p); err != nil {
				t.Fatal(err)
			}
			if err := os.Symlink(victim, p); err != nil {
				t.Fatal(err)
			}
			before, victimBefore := snapshot(t, root), snapshot(t, victim)
			_, err := runRender(t, root)
			var se *atomicfile.SymlinkError
			if !errors.As(err, &se) || se.Path != link || !strings.HasPrefix(err.Error(), link+": is a symbolic link") {
				t.Fatalf("render: %v, want a symlink error naming %s", err, link)
			}
			// Also the writer on its own, given a render that read nothing.
			files := mustRender(t, loadCase(t, "demo"), nil)
			if err := render.Write(root, files, render.Drift{Missing: pathsOf(files)}); !errors.As(err, &se) {
				t.Errorf("Write: %v, want a symlink error", err)
			}
			sameSnapshot(t, "repository", snapshot(t, root), before)
			sameSnapshot(t, "link target", snapshot(t, victim), victimBefore)
		})
	}
}

func pathsOf(files []render.File) []string {
	var ps []string
	for _, f := range files {
		ps = append(ps, f.Path)
	}
	return ps
}

// Issue 11.2: an overlay linked to a secret is never read; a file whose
// content is the secret is never quoted in an error.
func TestSecretsStayOutOfErrors(t *testing.T) {
	const secret = "ghp_s3cr3tTokenValue0123456789"
	overlay := "overlays/dev/rollouts-demo/kustomization.yaml"
	for name, setup := range map[string]func(t *testing.T, p string){
		"symlink to the secret": func(t *testing.T, p string) {
			s := filepath.Join(t.TempDir(), "token")
			if err := os.WriteFile(s, []byte(secret+"\n"), 0o600); err != nil {
				t.Fatal(err)
			}
			os.Remove(p)
			if err := os.Symlink(s, p); err != nil {
				t.Fatal(err)
			}
		},
		"secret as the file": func(t *testing.T, p string) {
			if err := os.WriteFile(p, []byte(secret+"\n"), 0o644); err != nil {
				t.Fatal(err)
			}
		},
		"secret in a broken file": func(t *testing.T, p string) {
			if err := os.WriteFile(p, []byte("images: ["+secret+"\n  : {\n"), 0o644); err != nil {
				t.Fatal(err)
			}
		},
		"secret as images:": func(t *testing.T, p string) {
			if err := os.WriteFile(p, []byte("images: "+secret+"\n"), 0o644); err != nil {
				t.Fatal(err)
			}
		},
	} {
		t.Run(name, func(t *testing.T) {
			root := renderTree(t)
			setup(t, filepath.Join(root, filepath.FromSlash(overlay)))
			r, _ := render.New()
			files, err := r.Render(loadCase(t, "demo"), render.DirReader(root))
			var msg string
			if err != nil {
				msg = err.Error()
			} else {
				d, err := render.Compare(root, files)
				if err != nil {
					msg = err.Error()
				}
				msg += strings.Join(d.Lines(), "\n")
			}
			if !strings.Contains(msg, overlay) {
				t.Errorf("message does not name %s: %s", overlay, msg)
			}
			if strings.Contains(msg, "s3cr3t") {
				t.Errorf("message quotes the secret: %s", msg)
			}
		})
	}
}

// Issue 11.4: the images: entry is render's but for newTag and digest: a
// newName, a second entry or another field is drift naming file and field.
func TestImagesEntryDriftIsNamed(t *testing.T) {
	overlay := "overlays/staging/rollouts-demo/kustomization.yaml"
	tests := []struct {
		name, old, new, want string
	}{
		{"newName", `  newTag: "v2"`, "  newName: evil.example.net/miner\n  newTag: \"v2\"",
			`changed: ` + overlay + `: images[0].newName: "evil.example.net/miner" is render's (only newTag and digest may change); gen render removes it`},
		{"second entry", `  newTag: "v2"`, "  newTag: \"v2\"\n- name: busybox\n  newName: evil.example.net/miner",
			`changed: ` + overlay + `: images[1] (name "busybox"): an overlay has one entry, for its app's image; gen render removes this one`},
		{"another name", `- name: "registry.example.com/demo/rollouts-demo"`, `- name: "registry.example.com/demo/other"`,
			`changed: ` + overlay + `: images[0].name: "registry.example.com/demo/other" is not the app's image "registry.example.com/demo/rollouts-demo": its newTag and digest carry over to "registry.example.com/demo/rollouts-demo"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			root := renderTree(t)
			p := filepath.Join(root, overlay)
			data, _ := os.ReadFile(p)
			edited := strings.Replace(string(data), tt.old, tt.new, 1)
			if edited == string(data) {
				t.Fatalf("%q not in\n%s", tt.old, data)
			}
			os.WriteFile(p, []byte(edited), 0o644)
			got := strings.Join(check(t, root, loadCase(t, "demo")).Lines(), "\n")
			if got != tt.want {
				t.Errorf("drift:\n%s\nwant:\n%s", got, tt.want)
			}
			writeRender(t, root, loadCase(t, "demo"))
			if after, _ := os.ReadFile(p); !bytes.Equal(after, data) {
				t.Errorf("render did not restore the entry:\n%s", after)
			}
		})
	}
}

// Issue 13.3: a new apps[].image keeps each overlay's newTag and digest
// lines, byte for byte, and says so.
func TestImageChangeCarriesTagOver(t *testing.T) {
	root := renderTree(t)
	p := filepath.Join(root, "overlays/dev/rollouts-demo/kustomization.yaml")
	data, _ := os.ReadFile(p)
	bumped := strings.Replace(string(data), `newTag: "v2"`, "newTag: v3 # bumped by ci\n  digest: sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef", 1)
	os.WriteFile(p, []byte(bumped), 0o644)
	cfg := loadCase(t, "demo")
	cfg.Apps[0].Image = "mirror.example.com/demo/rollouts-demo"
	d := writeRender(t, root, cfg)
	got := strings.Join(d.Lines(), "\n")
	if !strings.Contains(got, `changed: overlays/dev/rollouts-demo/kustomization.yaml: images[0].name: "registry.example.com/demo/rollouts-demo" is not the app's image "mirror.example.com/demo/rollouts-demo": its newTag and digest carry over`) {
		t.Errorf("render does not say it carried the tag over:\n%s", got)
	}
	after, _ := os.ReadFile(p)
	want := strings.Replace(bumped, "registry.example.com/demo/rollouts-demo", "mirror.example.com/demo/rollouts-demo", 1)
	if string(after) != want {
		t.Errorf("overlay after the image change:\n%s\nwant:\n%s", after, want)
	}
	staging, _ := os.ReadFile(filepath.Join(root, "overlays/staging/rollouts-demo/kustomization.yaml"))
	if !strings.Contains(string(staging), "- name: \"mirror.example.com/demo/rollouts-demo\"\n  newTag: \"v2\"\n") {
		t.Errorf("staging overlay:\n%s", staging)
	}
	if d := check(t, root, cfg); !d.Empty() {
		t.Errorf("render after the carry-over is not a no-op: %v", d.Lines())
	}
}

// Issue 11.5: render removes only its own files (generated header, or
// recorded by its previous run); anything else is unowned and kept.
func TestRenderRemovesOnlyItsOwnFiles(t *testing.T) {
	root := t.TempDir()
	cfg := loadCase(t, "overrides")
	writeRender(t, root, cfg)
	secrets := filepath.Join(root, "overlays/prod/api/local-secrets.env")
	os.WriteFile(secrets, []byte("TOKEN=x\n"), 0o600)
	link := filepath.Join(root, "overlays/prod/web/link")
	os.Symlink("/etc/hostname", link)
	// A file of the previous render whose header was edited away.
	headless := filepath.Join(root, "argocd/apps/api-prod.yaml")
	b, _ := os.ReadFile(headless)
	os.WriteFile(headless, bytes.TrimPrefix(b, []byte(render.Marker)), 0o644)

	cfg.Environments = cfg.Environments[:1] // prod leaves
	got := strings.Join(check(t, root, cfg).Lines(), "\n")
	for _, want := range []string{"extra:   argocd/apps/api-prod.yaml", "extra:   overlays/prod/web/kustomization.yaml", "unowned: overlays/prod/api/local-secrets.env", "unowned: overlays/prod/web/link"} {
		if !strings.Contains(got, want) {
			t.Errorf("drift lacks %q:\n%s", want, got)
		}
	}
	writeRender(t, root, cfg)
	if b, err := os.ReadFile(secrets); err != nil || string(b) != "TOKEN=x\n" {
		t.Errorf("render deleted or changed a file it never wrote: %v", err)
	}
	if _, err := os.Lstat(link); err != nil {
		t.Errorf("render deleted a symlink: %v", err)
	}
	for _, gone := range []string{"argocd/apps/api-prod.yaml", "overlays/prod/web/kustomization.yaml", "overlays/prod/api/kustomization.yaml"} {
		if _, err := os.Lstat(filepath.Join(root, gone)); !errors.Is(err, fs.ErrNotExist) {
			t.Errorf("%s is still there: %v", gone, err)
		}
	}
	// Every file render writes carries the header, so a fresh clone (no
	// record) knows them too.
	for _, f := range mustRender(t, cfg, nil) {
		if !bytes.HasPrefix(f.Data, []byte(render.Marker)) && !bytes.HasPrefix(f.Data, []byte("#!/usr/bin/env bash\n"+render.Marker)) {
			t.Errorf("%s has no generated header", f.Path)
		}
	}
}

// Issue 11.7: the generated CI never runs an unpinned gen: without
// ci.genVersion (and no gen installed) the script fails saying so; with it,
// it builds exactly that release. The workflow pins actions to commits.
func TestGeneratedCIIsPinned(t *testing.T) {
	bash := testtool.Require(t, "bash")
	for _, version := range []string{"", "v0.4.1"} {
		t.Run("genVersion="+version, func(t *testing.T) {
			cfg := loadCase(t, "demo")
			cfg.CI.GenVersion = version
			root := t.TempDir()
			writeRender(t, root, cfg)
			script, _ := os.ReadFile(filepath.Join(root, "hack/gitops-ci.sh"))
			if strings.Contains(string(script), "@latest") || strings.Contains(string(script), "GEN_VERSION") {
				t.Errorf("the script can float:\n%s", script)
			}
			// A PATH with no gen and a go that records how it was called.
			bin := t.TempDir()
			calls := filepath.Join(bin, "calls")
			os.WriteFile(filepath.Join(bin, "go"), []byte("#!/bin/sh\necho \"$@\" >> "+calls+"\n"), 0o755)
			for _, tool := range []string{"dirname"} {
				p, err := exec.LookPath(tool)
				if err != nil {
					t.Fatal(err)
				}
				os.Symlink(p, filepath.Join(bin, tool))
			}
			cmd := exec.Command(bash, "hack/gitops-ci.sh")
			cmd.Dir = root
			cmd.Env = []string{"PATH=" + bin}
			out, err := cmd.CombinedOutput()
			got, _ := os.ReadFile(calls)
			if version == "" {
				if err == nil || !strings.Contains(string(out), "install gen or set ci.genVersion") || len(got) > 0 {
					t.Errorf("without ci.genVersion: %v %s; go called with %q", err, out, got)
				}
				return
			}
			want := "run github.com/rolloutgen/rolloutgen/cmd/gen@v0.4.1 render --check\nrun github.com/rolloutgen/rolloutgen/cmd/gen@v0.4.1 validate\n"
			if err != nil || string(got) != want {
				t.Errorf("with ci.genVersion: %v %s; go called with\n%s\nwant\n%s", err, out, got, want)
			}
		})
	}
	files := mustRender(t, loadCase(t, "demo"), nil)
	for _, f := range files {
		if f.Path != ".github/workflows/gitops.yaml" {
			continue
		}
		pinned := regexp.MustCompile(`^\s*- uses: [\w.-]+/[\w.-]+@[0-9a-f]{40} # v[0-9.]+$`)
		for _, l := range strings.Split(string(f.Data), "\n") {
			if strings.Contains(l, "uses:") && !pinned.MatchString(l) {
				t.Errorf("action not pinned to a commit: %s", l)
			}
			if strings.Contains(l, "stable") || strings.Contains(l, "latest") && !strings.Contains(l, "ubuntu-latest") {
				t.Errorf("floating version: %s", l)
			}
		}
		return
	}
	t.Fatal("no workflow rendered")
}
