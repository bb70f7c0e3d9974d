package config_test

import (
	"testing"

	"github.com/rolloutgen/rolloutgen/internal/config"
	"github.com/rolloutgen/rolloutgen/internal/synth"
)

// BenchmarkParse5000 is what every gen command pays first in the
// 5,000-app repository of make bench: decode, default and validate its
// gen.yaml (1.4 MB, 20,000 lines).
func BenchmarkParse5000(b *testing.B) {
	data := synth.GenYAML(5000)
	b.SetBytes(int64(len(data)))
	b.ReportAllocs()
	for b.Loop() {
		if _, err := config.Parse("gen.yaml", data); err != nil {
			b.Fatal(err)
		}
	}
}
