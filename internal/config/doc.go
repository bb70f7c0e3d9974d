// Package config is the gen.yaml model: its types, strict decoding from a
// YAML node tree (so every error names gen.yaml:LINE and the field),
// defaults, and the validation policy that keeps rendered manifests sound.
package config
