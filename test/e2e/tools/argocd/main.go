// Command argocd is a slim Argo CD multi-call binary for the end-to-end test:
// it links only the application controller, the repo-server and the git
// askpass helper the repo-server execs, instead of all eleven components of
// argo-cd's own cmd/main.go (which builds to almost three times the size and
// takes about four times as long). It picks the component the same way the
// upstream binary does: from ARGOCD_BINARY_NAME, else from argv[0].
package main

import (
	"fmt"
	"os"
	"path/filepath"

	"github.com/spf13/cobra"
	"k8s.io/klog/v2"

	appcontroller "github.com/argoproj/argo-cd/v3/cmd/argocd-application-controller/commands"
	gitaskpass "github.com/argoproj/argo-cd/v3/cmd/argocd-git-ask-pass/commands"
	reposerver "github.com/argoproj/argo-cd/v3/cmd/argocd-repo-server/commands"
	"github.com/argoproj/argo-cd/v3/common"
	"github.com/argoproj/argo-cd/v3/util/log"
)

func main() {
	// What upstream's cmd/main.go does before dispatching, except
	// grpc.DisableSRVLookups: it turns off the DNS SRV lookups that grpclb
	// switches on in its init, and panics when they are already off. This
	// binary does not link grpclb (upstream's links it through components
	// left out here), so the lookups are off and the call would panic.
	klog.SetLogger(log.NewLogrusLogger(log.NewWithCurrentConfig()))

	name := filepath.Base(os.Args[0])
	if v := os.Getenv("ARGOCD_BINARY_NAME"); v != "" {
		name = v
	}

	var command *cobra.Command
	switch name {
	case common.CommandApplicationController:
		command = appcontroller.NewCommand()
	case common.CommandRepoServer:
		command = reposerver.NewCommand()
	case common.CommandGitAskPass:
		command = gitaskpass.NewCommand()
		command.SilenceErrors = true
		command.SilenceUsage = true
	default:
		fmt.Fprintf(os.Stderr, "argocd: unknown component %q; set ARGOCD_BINARY_NAME to %s, %s or %s\n",
			name, common.CommandApplicationController, common.CommandRepoServer, common.CommandGitAskPass)
		os.Exit(2)
	}
	if err := command.Execute(); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
}
