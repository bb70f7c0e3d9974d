// Package render turns a gen.yaml config into the files of a GitOps
// repository: kustomize bases and overlays per app, and the Argo CD
// AppProject and Applications that sync them. Rendering is pure (config
// and the current overlays in, files out); writing and drift checking
// compare that file set with a directory.
package render
