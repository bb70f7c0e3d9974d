package argocd_test

import (
	"context"
	"fmt"

	"github.com/rolloutgen/rolloutgen/internal/argocd"
)

// printApps stands in for the cluster: it lists two Applications and prints
// each annotation it is asked to set.
type printApps struct{}

func (printApps) List(context.Context, string) ([]argocd.Application, error) {
	return []argocd.Application{
		{Name: "rollouts-demo-dev", Sources: []argocd.Source{{RepoURL: "https://git.example.com/demo.git", Path: "overlays/dev/rollouts-demo"}}},
		{Name: "rollouts-demo-prod", Sources: []argocd.Source{{RepoURL: "https://git.example.com/demo.git", Path: "overlays/prod/rollouts-demo"}}},
	}, nil
}

func (printApps) Annotate(_ context.Context, ns, name, key, value string) error {
	fmt.Printf("annotate %s/%s %s=%s\n", ns, name, key, value)
	return nil
}

func ExampleRefresh() {
	res, err := argocd.Refresh(context.Background(), printApps{}, argocd.Target{
		Namespace: "argo",
		RepoURLs:  []string{"https://git.example.com/demo"}, // matches "…/demo.git"
		Paths:     []string{"overlays/dev/rollouts-demo"},
	})
	fmt.Println(res.Refreshed, err)
	// Output:
	// annotate argo/rollouts-demo-dev argocd.argoproj.io/refresh=normal
	// [rollouts-demo-dev] <nil>
}
