package synth

import (
	"fmt"

	"github.com/rolloutgen/rolloutgen/internal/config"
	"github.com/rolloutgen/rolloutgen/internal/kustomize"
)

// OverlayPath is the repo-relative path of an app's kustomization in env,
// where gen render writes it.
func OverlayPath(env, app string) string {
	return config.OverlayDir(env, app) + "/kustomization.yaml"
}

// SetTag pins the tag of the only images: entry of a rendered overlay with
// kustomize.SetImage, so the bytes are those gen bump writes: the
// benchmarks' stand-in for gen bump's editor.
func SetTag(overlay []byte, tag string) ([]byte, error) {
	imgs, err := kustomize.Images(overlay)
	if err != nil {
		return nil, err
	}
	if len(imgs) != 1 {
		return nil, fmt.Errorf("synth: overlay has %d images: entries, want 1", len(imgs))
	}
	out, _, err := kustomize.SetImage(overlay, imgs[0].Name, tag, "")
	return out, err
}

// CLIBumpScript is the git CLI contender of the bump benchmarks, run as
// sh -c CLIBumpScript sh FILE TAG in the repository: what a person or a CI
// script does without gen. The sed keeps the double quotes render and gen
// bump write, so both contenders leave the same bytes.
const CLIBumpScript = `sed -i "s/^  newTag: .*/  newTag: \"$2\"/" "$1" && git add "$1" && git commit -q -m "bump $1 to $2"`
