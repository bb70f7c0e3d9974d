package synth_test

import (
	"fmt"
	"strings"

	"github.com/rolloutgen/rolloutgen/internal/synth"
)

// SetTag edits a rendered overlay the way gen bump does: only the tag of
// its images: entry changes.
func ExampleSetTag() {
	files, err := synth.Options{Apps: 1, Envs: []string{"dev"}}.Render()
	if err != nil {
		panic(err)
	}
	for _, f := range files {
		if f.Path != synth.OverlayPath("dev", synth.AppName(0)) {
			continue
		}
		bumped, err := synth.SetTag(f.Data, "v1.2.3")
		if err != nil {
			panic(err)
		}
		for _, l := range strings.Split(string(bumped), "\n") {
			if strings.HasPrefix(l, "- name:") || strings.HasPrefix(l, "  newTag:") {
				fmt.Println(l)
			}
		}
	}
	// Output:
	// - name: "registry.example.com/mono/app-0000"
	//   newTag: "v1.2.3"
}
