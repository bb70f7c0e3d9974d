// The nested module Traefik's dynamic configuration imports. Upstream keeps
// it in pkg/config/dynamic/ext, which is not in the module zip and not
// served; it holds two empty structs that other builds extend.
module github.com/traefik/traefik/dynamic/ext

go 1.26.8
