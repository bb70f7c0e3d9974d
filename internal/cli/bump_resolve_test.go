package cli

import (
	"encoding/base64"
	"fmt"
	"io"
	"log"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-containerregistry/pkg/authn"
	"github.com/google/go-containerregistry/pkg/name"
	ggcrregistry "github.com/google/go-containerregistry/pkg/registry"
	"github.com/google/go-containerregistry/pkg/v1/random"
	"github.com/google/go-containerregistry/pkg/v1/remote"

	"github.com/rolloutgen/rolloutgen/internal/gittest"
)

// TestBumpResolveDigest pins a tag together with the digest the registry
// holds for it (the entry's newName is what is looked up), refuses a tag the
// registry lacks with exit 2 and an unreachable registry with exit 1, and
// leaves the repository as it was on both refusals.
func TestBumpResolveDigest(t *testing.T) {
	reg := ggcrregistry.New(ggcrregistry.Logger(log.New(io.Discard, "", 0)))
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if u, p, ok := r.BasicAuth(); !ok || u != "ci" || p != "s3cret" {
			w.Header().Set("WWW-Authenticate", `Basic realm="registry"`)
			http.Error(w, "unauthorized", http.StatusUnauthorized)
			return
		}
		reg.ServeHTTP(w, r)
	}))
	defer srv.Close()
	host := strings.TrimPrefix(srv.URL, "http://")
	img, err := random.Image(128, 1)
	if err != nil {
		t.Fatal(err)
	}
	ref, err := name.ParseReference(host + "/team/app:1.1.0")
	if err != nil {
		t.Fatal(err)
	}
	if err := remote.Write(ref, img, remote.WithAuth(&authn.Basic{Username: "ci", Password: "s3cret"})); err != nil {
		t.Fatal(err)
	}
	digest, _ := img.Digest()

	// Credentials as `docker login` leaves them.
	dockerDir := t.TempDir()
	auth := base64.StdEncoding.EncodeToString([]byte("ci:s3cret"))
	if err := os.WriteFile(filepath.Join(dockerDir, "config.json"), []byte(fmt.Sprintf(`{"auths":{%q:{"auth":%q}}}`, host, auth)), 0o600); err != nil {
		t.Fatal(err)
	}
	env := []string{"DOCKER_CONFIG=" + dockerDir}

	files := map[string]string{}
	for k, v := range plainRepo {
		files[k] = v
	}
	files["deploy/prod/kustomization.yaml"] = "resources:\n- ../../base/app\nimages:\n- name: example.com/app\n  newName: " + host + "/team/app\n  newTag: \"1.0.0\"\n"
	remoteRepo := gittest.NewRemote(t, files)
	dir := remoteRepo.Clone(t)
	home := remoteRepo.Home
	overlay := filepath.Join(dir, "deploy/prod/kustomization.yaml")

	before := gittest.Git(t, home, dir, "rev-parse", "HEAD")
	code, _, stderr := gen(t, home, dir, env, "bump", "--path", "deploy/prod", "--image", "example.com/app", "--tag", "9.9.9", "--resolve-digest")
	if code != 2 || !strings.Contains(stderr, "--resolve-digest") || !strings.Contains(stderr, "not found in the registry") {
		t.Errorf("absent tag: exit %d, %q; want exit 2 naming --resolve-digest", code, stderr)
	}
	if got := gittest.Git(t, home, dir, "rev-parse", "HEAD"); got != before || gittest.Git(t, home, dir, "status", "--porcelain") != "" {
		t.Errorf("a refused bump changed the repository")
	}

	code, _, stderr = gen(t, home, dir, env, "bump", "--path", "deploy/prod", "--image", "example.com/app", "--tag", "1.1.0", "--digest", digest.String(), "--resolve-digest")
	if code != 2 || !strings.Contains(stderr, "--digest and --resolve-digest") {
		t.Errorf("both flags: exit %d, %q", code, stderr)
	}

	code, _, stderr = gen(t, home, dir, env, "bump", "--path", "deploy/prod", "--image", "example.com/app", "--tag", "1.1.0", "--resolve-digest")
	if code != 0 {
		t.Fatalf("exit %d\n%s", code, stderr)
	}
	got := readFile(t, overlay)
	if !strings.Contains(got, `newTag: "1.1.0"`) || !strings.Contains(got, "digest: "+digest.String()) {
		t.Errorf("overlay after --resolve-digest:\n%s\nwant newTag 1.1.0 and digest %s", got, digest)
	}
	if strings.Contains(stderr, "s3cret") {
		t.Errorf("the registry password reached stderr: %q", stderr)
	}
	if gittest.Git(t, home, dir, "status", "--porcelain") != "" {
		t.Error("status not clean after the bump")
	}
	gittest.Git(t, home, dir, "fsck", "--strict", "--no-progress")

	// The registry gone: a failure to reach it is exit 1, not a usage error.
	srv.Close()
	head := gittest.Git(t, home, dir, "rev-parse", "HEAD")
	code, _, stderr = gen(t, home, dir, env, "bump", "--path", "deploy/prod", "--image", "example.com/app", "--tag", "1.2.0", "--resolve-digest")
	if code != 1 {
		t.Errorf("unreachable registry: exit %d, %q; want 1", code, stderr)
	}
	if gittest.Git(t, home, dir, "rev-parse", "HEAD") != head {
		t.Error("a failed lookup committed")
	}
}
