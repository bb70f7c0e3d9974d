//go:build e2e

package e2e

import (
	"context"
	"fmt"
	"log"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"sync"

	"github.com/google/go-containerregistry/pkg/name"
	"github.com/google/go-containerregistry/pkg/registry"
	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/remote"

	"github.com/rolloutgen/rolloutgen/internal/demoimage"
)

// imageRegistry is an OCI registry on 127.0.0.1 (go-containerregistry's,
// blobs on disk) holding the demo app's images, built by the same code as
// `make demo-images`.
type imageRegistry struct {
	host string // 127.0.0.1:port
	srv  *http.Server
	done chan error
	// digests maps each pushed tag to its digest.
	digests map[string]v1.Hash
}

func startRegistry(dir, logPath string) (*imageRegistry, error) {
	blobs := filepath.Join(dir, "blobs")
	if err := os.MkdirAll(blobs, 0o755); err != nil {
		return nil, err
	}
	logf, err := os.Create(logPath)
	if err != nil {
		return nil, err
	}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		logf.Close()
		return nil, err
	}
	r := &imageRegistry{
		host:    l.Addr().String(),
		digests: map[string]v1.Hash{},
		done:    make(chan error, 1),
		srv: &http.Server{Handler: registry.New(
			registry.WithBlobHandler(registry.NewDiskBlobHandler(blobs)),
			registry.Logger(log.New(logf, "", log.LstdFlags)),
		)},
	}
	go func() {
		err := r.srv.Serve(l)
		logf.Close()
		r.done <- err
	}()
	return r, nil
}

func (r *imageRegistry) close() {
	_ = r.srv.Close()
	<-r.done
}

// repository is the demo image's name in this registry.
func (r *imageRegistry) repository() string { return r.host + "/demo/rollouts-demo" }

// pushDemo builds the demo app once per tag (the version stamped in is the
// tag) and pushes the images. The builds run offline (GOPROXY=off): the
// scenario's network namespace reaches nothing, and the app needs only the
// standard library.
func (r *imageRegistry) pushDemo(ctx context.Context, moduleRoot string, tags ...string) error {
	for _, tag := range tags {
		bin, err := demoimage.BuildBinary(ctx, moduleRoot, tag)
		if err != nil {
			return err
		}
		img, err := demoimage.Image(bin, tag)
		if err != nil {
			return err
		}
		ref, err := name.NewTag(r.repository() + ":" + tag)
		if err != nil {
			return err
		}
		d, err := demoimage.Push(ctx, ref, img)
		if err != nil {
			return err
		}
		r.digests[tag] = d
	}
	return nil
}

// imageCache pulls images from the registry and keeps each image's
// entrypoint binary on disk, once per digest.
type imageCache struct {
	dir string
	mu  sync.Mutex
	bin map[string]string // digest → binary path
}

// binary returns the path of the demo binary in image ref: pulled by digest
// when ref has one (as a kubelet does), else by tag.
func (ic *imageCache) binary(ctx context.Context, ref string) (path, digest string, err error) {
	r, err := name.ParseReference(ref)
	if err != nil {
		return "", "", fmt.Errorf("pod image %q: %w", ref, err)
	}
	img, err := remote.Image(r, remote.WithContext(ctx))
	if err != nil {
		return "", "", fmt.Errorf("pull %s: %w", ref, err)
	}
	d, err := img.Digest()
	if err != nil {
		return "", "", err
	}
	ic.mu.Lock()
	defer ic.mu.Unlock()
	if p, ok := ic.bin[d.String()]; ok {
		return p, d.String(), nil
	}
	p := filepath.Join(ic.dir, d.Hex, "rollouts-demo")
	if err := demoimage.ExtractEntrypoint(img, p); err != nil {
		return "", "", fmt.Errorf("pull %s: %w", ref, err)
	}
	if ic.bin == nil {
		ic.bin = map[string]string{}
	}
	ic.bin[d.String()] = p
	return p, d.String(), nil
}
