package demoimage_test

import (
	"archive/tar"
	"context"
	"io"
	"log"
	"net"
	"net/http"
	"net/http/httptest"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-containerregistry/pkg/authn"
	"github.com/google/go-containerregistry/pkg/name"
	"github.com/google/go-containerregistry/pkg/registry"
	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/remote"
	"github.com/google/go-containerregistry/pkg/v1/types"
	"github.com/google/go-containerregistry/pkg/v1/validate"

	"github.com/rolloutgen/rolloutgen/internal/demoimage"
	"github.com/rolloutgen/rolloutgen/internal/testtool"
)

// TestPushPullRun builds two versions, pushes them to an in-process
// registry behind basic auth, pulls them back, validates them with
// go-containerregistry's validate.Image, and runs the pulled binary.
func TestPushPullRun(t *testing.T) {
	ctx := context.Background()
	root, err := filepath.Abs("../..")
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(basicAuth("gen", "s3cret", registry.New(registry.Logger(nopLogger()))))
	defer srv.Close()
	host := strings.TrimPrefix(srv.URL, "http://")
	auth := remote.WithAuth(&authn.Basic{Username: "gen", Password: "s3cret"})

	digests := map[string]string{}
	for _, version := range []string{"v1", "v2"} {
		bin, err := demoimage.BuildBinary(ctx, root, version)
		if err != nil {
			t.Fatal(err)
		}
		img, err := demoimage.Image(bin, version)
		if err != nil {
			t.Fatal(err)
		}
		ref, err := name.NewTag(host + "/demo/rollouts-demo:" + version)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := demoimage.Push(ctx, ref, img); err == nil {
			t.Fatalf("push without credentials succeeded; the test registry must require them")
		}
		digest, err := demoimage.Push(ctx, ref, img, auth)
		if err != nil {
			t.Fatal(err)
		}
		digests[version] = digest.String()

		pulled, err := remote.Image(ref, auth)
		if err != nil {
			t.Fatal(err)
		}
		if err := validate.Image(pulled); err != nil {
			t.Errorf("%s: validate.Image: %v", version, err)
		}
		if got, _ := pulled.Digest(); got != digest {
			t.Errorf("%s: pulled digest %s, pushed %s", version, got, digest)
		}
		if mt, _ := pulled.MediaType(); mt != types.OCIManifestSchema1 {
			t.Errorf("%s: manifest media type %s, want OCI", version, mt)
		}
		cf, err := pulled.ConfigFile()
		if err != nil {
			t.Fatal(err)
		}
		if cf.OS != "linux" || cf.Architecture != "amd64" || cf.Config.User != demoimage.User ||
			len(cf.Config.Entrypoint) != 1 || cf.Config.Entrypoint[0] != demoimage.Entrypoint {
			t.Errorf("%s: config %s/%s user %q entrypoint %q", version, cf.OS, cf.Architecture, cf.Config.User, cf.Config.Entrypoint)
		}

		// Same binary, same digest: the image is reproducible.
		again, err := demoimage.Image(bin, version)
		if err != nil {
			t.Fatal(err)
		}
		if d, _ := again.Digest(); d != digest {
			t.Errorf("%s: rebuilt image digest %s, first %s", version, d, digest)
		}

		if got := runPulled(t, pulled); got != `{"message":"`+version+`"}` {
			t.Errorf("%s: pulled binary answers %q", version, got)
		}
	}
	if digests["v1"] == digests["v2"] {
		t.Errorf("v1 and v2 share digest %s", digests["v1"])
	}
}

// runPulled extracts the entrypoint from the image's only layer, runs it on
// a free loopback port and returns what /api/check answers.
func runPulled(t *testing.T, img v1.Image) string {
	t.Helper()
	layers, err := img.Layers()
	if err != nil || len(layers) != 1 {
		t.Fatalf("layers: %d, %v; want exactly one", len(layers), err)
	}
	rc, err := layers[0].Uncompressed()
	if err != nil {
		t.Fatal(err)
	}
	hdr, err := tar.NewReader(rc).Next()
	rc.Close()
	if err != nil {
		t.Fatal(err)
	}
	if "/"+hdr.Name != demoimage.Entrypoint || hdr.Mode != 0o555 {
		t.Fatalf("layer holds %q mode %o, want %q mode 555", hdr.Name, hdr.Mode, demoimage.Entrypoint)
	}
	bin := filepath.Join(t.TempDir(), "rollouts-demo")
	if err := demoimage.ExtractEntrypoint(img, bin); err != nil {
		t.Fatal(err)
	}

	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	l.Close()
	cmd := exec.Command(bin)
	cmd.Env = []string{"LISTEN_ADDR=" + addr}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	exited := make(chan error, 1)
	go func() { exited <- cmd.Wait() }()
	defer func() { _ = cmd.Process.Kill(); <-exited }()

	return testtool.PollGet(t, "http://"+addr+"/api/check", "pulled binary", exited)
}

// basicAuth lets through only requests with the given credentials, as a
// registry that needs a login does (401 with a Basic challenge otherwise).
func basicAuth(user, pass string, next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if u, p, ok := r.BasicAuth(); !ok || u != user || p != pass {
			w.Header().Set("WWW-Authenticate", `Basic realm="test"`)
			http.Error(w, "unauthorized", http.StatusUnauthorized)
			return
		}
		next.ServeHTTP(w, r)
	})
}

func nopLogger() *log.Logger { return log.New(io.Discard, "", 0) }
