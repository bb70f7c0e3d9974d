package render_test

import (
	"testing"

	"github.com/rolloutgen/rolloutgen/internal/config"
	"github.com/rolloutgen/rolloutgen/internal/render"
	"github.com/rolloutgen/rolloutgen/internal/synth"
)

func syntheticConfig(tb testing.TB, n int) *config.Config {
	tb.Helper()
	cfg, err := config.Parse("gen.yaml", synth.GenYAML(n))
	if err != nil {
		tb.Fatal(err)
	}
	return cfg
}

// BenchmarkRender1000x3 renders 1,000 apps × 3 environments (17,003
// files) in memory.
func BenchmarkRender1000x3(b *testing.B) {
	cfg := syntheticConfig(b, 1000)
	r, err := render.New()
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		files, err := r.Render(cfg, nil)
		if err != nil {
			b.Fatal(err)
		}
		if len(files) != 1000*5+1000*3+1000*3+2 {
			b.Fatalf("%d files", len(files))
		}
	}
}

// BenchmarkRenderWrite1000x3 is the whole gen render on a fresh directory
// then the --check that follows it: render, compare, write; render, compare.
func BenchmarkRenderWrite1000x3(b *testing.B) {
	cfg := syntheticConfig(b, 1000)
	r, err := render.New()
	if err != nil {
		b.Fatal(err)
	}
	for b.Loop() {
		root := b.TempDir()
		files, err := r.Render(cfg, render.DirReader(root))
		if err != nil {
			b.Fatal(err)
		}
		d, err := render.Compare(root, files)
		if err != nil {
			b.Fatal(err)
		}
		if err := render.Write(root, files, d); err != nil {
			b.Fatal(err)
		}
		files, err = r.Render(cfg, render.DirReader(root))
		if err != nil {
			b.Fatal(err)
		}
		if d, err := render.Compare(root, files); err != nil || !d.Empty() {
			b.Fatalf("second render drifts: %v %v", err, d.Lines())
		}
	}
}
