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

// BenchmarkRender1000x3 renders 1,000 apps × 3 environments (12,004
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
		// synth's count includes gen.yaml, which render does not write.
		if want := (synth.Options{Apps: 1000}).Files() - 1; len(files) != want {
			b.Fatalf("%d files, want %d", len(files), want)
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
