// Command demoimages builds the demo app's images (one per version) and
// pushes them to a registry, printing each tag's digest:
//
//	go run ./internal/demoimage/cmd/demoimages -registry 127.0.0.1:5000
//
// Credentials come from the Docker config keychain, as crane's. Registries
// on localhost or 127.0.0.1 are spoken to over plain HTTP; -insecure allows
// it for others.
package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"os/signal"
	"strings"
	"syscall"

	"github.com/google/go-containerregistry/pkg/authn"
	"github.com/google/go-containerregistry/pkg/name"
	"github.com/google/go-containerregistry/pkg/v1/remote"

	"github.com/rolloutgen/rolloutgen/internal/demoimage"
)

func main() {
	registry := flag.String("registry", "", "registry host[:port] to push to (required)")
	repo := flag.String("repository", "demo/rollouts-demo", "repository inside the registry")
	tags := flag.String("tags", "v1,v2,v3,v4", "comma-separated versions to build; each is the image tag and what /api/check answers")
	insecure := flag.Bool("insecure", false, "allow plain HTTP to a registry that is not on localhost")
	dir := flag.String("dir", ".", "module root holding cmd/rollouts-demo")
	flag.Parse()
	if *registry == "" {
		fmt.Fprintln(os.Stderr, "demoimages: -registry is required (e.g. -registry 127.0.0.1:5000)")
		os.Exit(2)
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, *dir, *registry, *repo, strings.Split(*tags, ","), *insecure); err != nil {
		fmt.Fprintln(os.Stderr, "demoimages:", err)
		os.Exit(1)
	}
}

func run(ctx context.Context, dir, registry, repo string, tags []string, insecure bool) error {
	var nameOpts []name.Option
	if insecure {
		nameOpts = append(nameOpts, name.Insecure)
	}
	for _, tag := range tags {
		ref, err := name.NewTag(registry+"/"+repo+":"+tag, nameOpts...)
		if err != nil {
			return fmt.Errorf("-registry/-repository/-tags: %w", err)
		}
		bin, err := demoimage.BuildBinary(ctx, dir, tag)
		if err != nil {
			return err
		}
		img, err := demoimage.Image(bin, tag)
		if err != nil {
			return err
		}
		digest, err := demoimage.Push(ctx, ref, img, remote.WithAuthFromKeychain(authn.DefaultKeychain))
		if err != nil {
			return err
		}
		fmt.Printf("%s@%s\n", ref, digest)
	}
	return nil
}
