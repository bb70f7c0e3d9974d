// Package gitrepo holds every call into Git. It knows nothing of
// kustomize or of the files' meaning.
package gitrepo
