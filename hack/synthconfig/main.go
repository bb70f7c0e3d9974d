// Command synthconfig prints a synthetic gen.yaml with -apps apps, for
// benchmarks run from the shell (make bench).
package main

import (
	"flag"
	"os"

	"github.com/rolloutgen/rolloutgen/internal/synth"
)

func main() {
	n := flag.Int("apps", 100, "number of apps")
	flag.Parse()
	os.Stdout.Write(synth.GenYAML(*n))
}
