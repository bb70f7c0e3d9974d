// Package ext is the extension point Traefik's dynamic configuration
// embeds (HTTP and Router, inlined); the open-source build leaves both empty.
package ext

// HTTP is inlined into Traefik's dynamic HTTP configuration.
type HTTP struct{}

// Router is inlined into Traefik's HTTP router configuration.
type Router struct{}
