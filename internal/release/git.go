package release

import (
	"github.com/rolloutgen/rolloutgen/internal/kustomize"
)

// FileReader reads a file at a Git revision (gitrepo.Repo does).
type FileReader interface {
	ReadFile(rev, path string) ([]byte, error)
}

// GitStates reads each target's images: entry at HEAD and, when
// remoteRef is not empty, at that remote-tracking ref, keyed by overlay
// directory. A ref that does not exist leaves Remote unset.
func GitStates(r FileReader, remoteRef string, targets []Target) map[string]GitState {
	out := make(map[string]GitState, len(targets))
	head, remoteName := "HEAD", remoteRef
	if rr, ok := r.(revResolver); ok {
		// Resolved once for every target (3,000 reads of HEAD's ref
		// files otherwise); a ref that does not resolve reads nothing.
		if h, err := rr.ResolveCommit(head); err == nil {
			head = h
		}
		if remoteRef != "" {
			if h, err := rr.ResolveCommit(remoteRef); err == nil {
				remoteRef = h
			} else {
				remoteRef = ""
			}
		}
	}
	for _, t := range targets {
		file := t.Dir + "/kustomization.yaml"
		var s GitState
		v, err := entryAt(r, head, file, t.Image)
		if err != nil {
			s.Error = err.Error()
		}
		s.Version = v
		if remoteRef != "" {
			if rv, err := entryAt(r, remoteRef, file, t.Image); err == nil && rv != v {
				s.Remote, s.RemoteRef = &rv, remoteName
			}
		}
		out[t.Dir] = s
	}
	return out
}

// revResolver is a FileReader that can name a revision's commit once.
type revResolver interface {
	ResolveCommit(rev string) (string, error)
}

func entryAt(r FileReader, rev, file, image string) (Version, error) {
	data, err := r.ReadFile(rev, file)
	if err != nil {
		return Version{}, err
	}
	img, _, err := kustomize.ReadImage(data, image)
	if err != nil {
		return Version{}, err
	}
	return Version{Tag: img.Tag, Digest: img.Digest}, nil
}
