// Package kustomize builds overlays in-process with krusty and edits the
// images: entries of kustomization files with kyaml, keeping comments and
// order. It imports no Git code.
package kustomize
