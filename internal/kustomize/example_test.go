package kustomize_test

import (
	"fmt"

	"github.com/rolloutgen/rolloutgen/internal/kustomize"
)

func ExampleSetImage() {
	in := []byte(`apiVersion: kustomize.config.k8s.io/v1beta1
kind: Kustomization
resources:
  - ../../../base/demo

# gen bump owns this entry
images:
  - name: example.com/demo
    newTag: v1 # live
`)
	out, change, err := kustomize.SetImage(in, "example.com/demo", "v2", "")
	if err != nil {
		panic(err)
	}
	fmt.Printf("%s: %s -> %s\n", change.Image, change.Old, change.New)
	fmt.Print(string(out))

	_, change, _ = kustomize.SetImage(out, "example.com/demo", "v2", "")
	fmt.Println("second bump changes nothing:", change.IsZero())
	// Output:
	// example.com/demo: v1 -> v2
	// apiVersion: kustomize.config.k8s.io/v1beta1
	// kind: Kustomization
	// resources:
	//   - ../../../base/demo
	//
	// # gen bump owns this entry
	// images:
	//   - name: example.com/demo
	//     newTag: v2 # live
	// second bump changes nothing: true
}

func ExampleKeepVersion() {
	rendered := []byte("images:\n- name: registry.example.com/demo\n  newTag: v1\n")
	onDisk := []byte("images:\n  - name: example.com/demo\n    newTag: \"v3\" # bumped by CI\n")
	out, change, err := kustomize.KeepVersion(rendered, "registry.example.com/demo", onDisk, "example.com/demo")
	if err != nil {
		panic(err)
	}
	fmt.Printf("%s: %s -> %s\n", change.Image, change.Old, change.New)
	fmt.Print(string(out))
	// Output:
	// registry.example.com/demo: v1 -> v3
	// images:
	// - name: registry.example.com/demo
	//   newTag: "v3" # bumped by CI
}
