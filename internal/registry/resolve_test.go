package registry_test

import (
	"context"
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"log"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-containerregistry/pkg/authn"
	"github.com/google/go-containerregistry/pkg/name"
	ggcrregistry "github.com/google/go-containerregistry/pkg/registry"
	"github.com/google/go-containerregistry/pkg/v1/empty"
	"github.com/google/go-containerregistry/pkg/v1/mutate"
	"github.com/google/go-containerregistry/pkg/v1/random"
	"github.com/google/go-containerregistry/pkg/v1/remote"

	"github.com/rolloutgen/rolloutgen/internal/registry"
)

const user, pass = "ci", "t0ken-s3cret"

// serve starts go-containerregistry's in-process registry behind basic auth
// and returns its host:port.
func serve(t *testing.T) string {
	t.Helper()
	reg := ggcrregistry.New(ggcrregistry.Logger(log.New(io.Discard, "", 0)))
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if u, p, ok := r.BasicAuth(); !ok || u != user || p != pass {
			w.Header().Set("WWW-Authenticate", `Basic realm="registry"`)
			http.Error(w, `{"errors":[{"code":"UNAUTHORIZED","message":"authentication required"}]}`, http.StatusUnauthorized)
			return
		}
		reg.ServeHTTP(w, r)
	}))
	t.Cleanup(srv.Close)
	return strings.TrimPrefix(srv.URL, "http://")
}

// dockerConfig writes a Docker config with credentials for host and points
// DOCKER_CONFIG at it, as `docker login` would leave things.
func dockerConfig(t *testing.T, host, u, p string) {
	t.Helper()
	dir := t.TempDir()
	auth := base64.StdEncoding.EncodeToString([]byte(u + ":" + p))
	cfg := fmt.Sprintf(`{"auths":{%q:{"auth":%q}}}`, host, auth)
	if err := os.WriteFile(filepath.Join(dir, "config.json"), []byte(cfg), 0o600); err != nil {
		t.Fatal(err)
	}
	t.Setenv("DOCKER_CONFIG", dir)
}

func TestDigest(t *testing.T) {
	host := serve(t)
	dockerConfig(t, host, user, pass)
	creds := remote.WithAuth(&authn.Basic{Username: user, Password: pass})
	repo := host + "/demo/rollouts-demo"

	img, err := random.Image(256, 1)
	if err != nil {
		t.Fatal(err)
	}
	if err := remote.Write(mustRef(t, repo+":v2"), img, creds); err != nil {
		t.Fatal(err)
	}
	imgDigest, _ := img.Digest()

	// A multi-platform tag pins the index, not one platform's image.
	idx := mutate.AppendManifests(empty.Index, mutate.IndexAddendum{Add: img})
	if err := remote.WriteIndex(mustRef(t, repo+":multi"), idx, creds); err != nil {
		t.Fatal(err)
	}
	idxDigest, _ := idx.Digest()

	ctx := context.Background()
	var r registry.Resolver // the Docker config keychain, from DOCKER_CONFIG
	for _, tc := range []struct{ tag, want string }{{"v2", imgDigest.String()}, {"multi", idxDigest.String()}} {
		got, err := r.Digest(ctx, repo, tc.tag)
		if err != nil {
			t.Fatalf("%s: %v", tc.tag, err)
		}
		if got != tc.want {
			t.Errorf("%s: digest %s, want %s", tc.tag, got, tc.want)
		}
	}

	for _, missing := range []struct{ image, tag string }{{repo, "v9"}, {host + "/demo/nothing-here", "v1"}} {
		_, err := r.Digest(ctx, missing.image, missing.tag)
		if !errors.Is(err, registry.ErrTagNotFound) {
			t.Errorf("%s:%s: %v, want ErrTagNotFound", missing.image, missing.tag, err)
		}
	}
}

func TestDigestCredentialsAndReachability(t *testing.T) {
	host := serve(t)
	ctx := context.Background()

	dockerConfig(t, host, user, "wrong")
	_, err := registry.Resolver{}.Digest(ctx, host+"/demo/rollouts-demo", "v1")
	if err == nil || errors.Is(err, registry.ErrTagNotFound) {
		t.Fatalf("refused credentials: %v, want an error that is not ErrTagNotFound", err)
	}
	if strings.Contains(err.Error(), "wrong") {
		t.Errorf("the password reaches the error: %v", err)
	}

	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	closed := l.Addr().String()
	l.Close()
	_, err = registry.Resolver{}.Digest(ctx, closed+"/demo/rollouts-demo", "v1")
	if err == nil || errors.Is(err, registry.ErrTagNotFound) {
		t.Errorf("unreachable registry: %v, want an error that is not ErrTagNotFound", err)
	}
}

func mustRef(t *testing.T, s string) name.Reference {
	t.Helper()
	r, err := name.ParseReference(s)
	if err != nil {
		t.Fatal(err)
	}
	return r
}
