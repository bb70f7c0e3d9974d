package registry

import (
	"context"
	"errors"
	"fmt"
	"net/http"

	"github.com/google/go-containerregistry/pkg/authn"
	"github.com/google/go-containerregistry/pkg/name"
	"github.com/google/go-containerregistry/pkg/v1/remote"
	"github.com/google/go-containerregistry/pkg/v1/remote/transport"
)

// ErrTagNotFound is a tag (or repository) the registry does not have.
var ErrTagNotFound = errors.New("not found in the registry")

// Resolver finds the digest a tag names.
type Resolver struct {
	// Keychain gives credentials per registry (default: the Docker config
	// keychain, ~/.docker/config.json or $DOCKER_CONFIG with its
	// credential helpers).
	Keychain authn.Keychain
	// Transport sends the requests (default: go-containerregistry's).
	Transport http.RoundTripper
}

// Digest returns the digest of the manifest image:tag names — for a
// multi-platform image, the image index's digest, as `crane digest` and
// `docker buildx imagetools inspect` report it, so the pin covers every
// platform. Registries on localhost and 127.0.0.1 are spoken to over plain
// HTTP, as go-containerregistry does. A tag the registry does not have is
// ErrTagNotFound; anything else (unreachable, refused credentials) is
// another error.
func (r Resolver) Digest(ctx context.Context, image, tag string) (string, error) {
	ref, err := name.NewTag(image + ":" + tag)
	if err != nil {
		return "", fmt.Errorf("%s:%s: %w", image, tag, err)
	}
	kc := r.Keychain
	if kc == nil {
		kc = authn.DefaultKeychain
	}
	opts := []remote.Option{remote.WithContext(ctx), remote.WithAuthFromKeychain(kc)}
	if r.Transport != nil {
		opts = append(opts, remote.WithTransport(r.Transport))
	}
	// HEAD first, as crane digest does: registries count GETs against rate
	// limits, and the digest header is enough. Some registries answer HEAD
	// badly; GET decides then.
	if desc, err := remote.Head(ref, opts...); err == nil {
		return desc.Digest.String(), nil
	}
	desc, err := remote.Get(ref, opts...)
	if err != nil {
		if notFound(err) {
			return "", fmt.Errorf("%s: %w", ref, ErrTagNotFound)
		}
		return "", fmt.Errorf("look up %s: %w", ref, err)
	}
	return desc.Digest.String(), nil
}

// notFound reports a registry's "no such tag or repository" answer.
func notFound(err error) bool {
	var te *transport.Error
	if !errors.As(err, &te) {
		return false
	}
	if te.StatusCode == http.StatusNotFound {
		return true
	}
	for _, d := range te.Errors {
		if d.Code == transport.ManifestUnknownErrorCode || d.Code == transport.NameUnknownErrorCode {
			return true
		}
	}
	return false
}
