package demoimage

import (
	"archive/tar"
	"bytes"
	"context"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"time"

	"github.com/google/go-containerregistry/pkg/name"
	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/empty"
	"github.com/google/go-containerregistry/pkg/v1/mutate"
	"github.com/google/go-containerregistry/pkg/v1/remote"
	"github.com/google/go-containerregistry/pkg/v1/tarball"
	"github.com/google/go-containerregistry/pkg/v1/types"
)

// Entrypoint is where the binary sits in the image.
const Entrypoint = "/rollouts-demo"

// Port is the port the app listens on by default (the seed's containerPort).
const Port = 8080

// User is the non-root user the rendered Rollout runs as.
const User = "65532:65532"

// BuildBinary compiles the demo app in module root dir for linux/amd64
// with version stamped in and returns the binary's bytes.
func BuildBinary(ctx context.Context, dir, version string) ([]byte, error) {
	out, err := os.MkdirTemp("", "rollouts-demo-")
	if err != nil {
		return nil, err
	}
	defer os.RemoveAll(out)
	bin := filepath.Join(out, "rollouts-demo")
	cmd := exec.CommandContext(ctx, "go", "build", "-trimpath",
		"-ldflags", "-s -w -X main.version="+version, "-o", bin, "./cmd/rollouts-demo")
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "CGO_ENABLED=0", "GOOS=linux", "GOARCH=amd64")
	if msg, err := cmd.CombinedOutput(); err != nil {
		return nil, fmt.Errorf("build rollouts-demo %s: %w\n%s", version, err, msg)
	}
	return os.ReadFile(bin)
}

// Image returns an OCI image (manifest and config media types of the OCI
// spec) for linux/amd64 whose one layer holds binary at Entrypoint.
// Timestamps are zero, so the digest depends only on binary and version.
func Image(binary []byte, version string) (v1.Image, error) {
	layerTar, err := tarOf(Entrypoint[1:], binary)
	if err != nil {
		return nil, err
	}
	layer, err := tarball.LayerFromOpener(func() (io.ReadCloser, error) {
		return io.NopCloser(bytes.NewReader(layerTar)), nil
	}, tarball.WithMediaType(types.OCILayer))
	if err != nil {
		return nil, err
	}
	base := mutate.ConfigMediaType(mutate.MediaType(empty.Image, types.OCIManifestSchema1), types.OCIConfigJSON)
	img, err := mutate.Append(base, mutate.Addendum{
		Layer:     layer,
		MediaType: types.OCILayer,
		History:   v1.History{CreatedBy: "rolloutgen demoimage " + version},
	})
	if err != nil {
		return nil, err
	}
	cf, err := img.ConfigFile()
	if err != nil {
		return nil, err
	}
	cf = cf.DeepCopy()
	cf.Architecture, cf.OS = "amd64", "linux"
	cf.Config.Entrypoint = []string{Entrypoint}
	cf.Config.User = User
	cf.Config.ExposedPorts = map[string]struct{}{fmt.Sprintf("%d/tcp", Port): {}}
	cf.Config.Labels = map[string]string{
		"org.opencontainers.image.title":   "rollouts-demo",
		"org.opencontainers.image.version": version,
	}
	return mutate.ConfigFile(img, cf)
}

// tarOf is a layer with one executable file (mode 0555, owned by root, so
// the non-root user can run but not replace it) and zero timestamps.
func tarOf(path string, content []byte) ([]byte, error) {
	var buf bytes.Buffer
	tw := tar.NewWriter(&buf)
	hdr := &tar.Header{
		Typeflag: tar.TypeReg,
		Name:     path,
		Mode:     0o555,
		Size:     int64(len(content)),
		ModTime:  time.Unix(0, 0),
		Format:   tar.FormatPAX,
	}
	if err := tw.WriteHeader(hdr); err != nil {
		return nil, err
	}
	if _, err := tw.Write(content); err != nil {
		return nil, err
	}
	if err := tw.Close(); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

// Push writes img to ref and returns its digest. Options carry the
// credentials (remote.WithAuthFromKeychain(authn.DefaultKeychain), as crane).
func Push(ctx context.Context, ref name.Reference, img v1.Image, opts ...remote.Option) (v1.Hash, error) {
	opts = append([]remote.Option{remote.WithContext(ctx)}, opts...)
	if err := remote.Write(ref, img, opts...); err != nil {
		return v1.Hash{}, fmt.Errorf("push %s: %w", ref, err)
	}
	return img.Digest()
}

// ExtractEntrypoint writes the file at Entrypoint in img's layers to path
// (mode 0755), as a container runtime would find it: the last layer that
// holds it wins.
func ExtractEntrypoint(img v1.Image, path string) error {
	layers, err := img.Layers()
	if err != nil {
		return err
	}
	want := Entrypoint[1:]
	var found []byte
	for _, l := range layers {
		rc, err := l.Uncompressed()
		if err != nil {
			return err
		}
		tr := tar.NewReader(rc)
		for {
			hdr, err := tr.Next()
			if err == io.EOF {
				break
			}
			if err != nil {
				rc.Close()
				return err
			}
			if strings.TrimPrefix(hdr.Name, "./") == want && hdr.Typeflag == tar.TypeReg {
				if found, err = io.ReadAll(tr); err != nil {
					rc.Close()
					return err
				}
			}
		}
		rc.Close()
	}
	if found == nil {
		return fmt.Errorf("image has no %s", Entrypoint)
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return err
	}
	return os.WriteFile(path, found, 0o755)
}
