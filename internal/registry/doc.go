// Package registry looks image tags up in OCI registries: which manifest
// (or image index) a tag names, so gen bump --resolve-digest can pin the
// tag and its digest together. It speaks the distribution API through
// go-containerregistry, with credentials from the Docker config keychain
// as crane and docker do.
package registry
