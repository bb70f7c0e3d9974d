package release

import (
	"context"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"

	"github.com/rolloutgen/rolloutgen/internal/kube"
	"github.com/rolloutgen/rolloutgen/internal/kube/kubetest"
)

var devTarget = Target{
	App: "rollouts-demo", Env: "dev", Namespace: "rollouts-demo-dev", Rollout: "rollouts-demo",
	ArgoNamespace: kubetest.ArgoNamespace, Application: "rollouts-demo-dev", Image: kubetest.Image, Dir: "overlays/dev/rollouts-demo",
}

const (
	t0 = kubetest.T0
	t1 = kubetest.T1
	t2 = kubetest.T2
)

func application(sync, revision, health string) *unstructured.Unstructured {
	return kubetest.Application("dev", sync, revision, health)
}

type rolloutState = kubetest.RolloutState

func rollout(s rolloutState) *unstructured.Unstructured {
	s.Env = "dev"
	return kubetest.Rollout(s)
}

func replicaSet(hash, tag, created string) *unstructured.Unstructured {
	return kubetest.ReplicaSet("dev", hash, tag, created)
}

func skipSteps(message, when string) *unstructured.Unstructured {
	return kubetest.SkipSteps("dev", message, when)
}

func rolloutEvent(reason, message, when string) *unstructured.Unstructured {
	return kubetest.RolloutEvent("dev", reason, message, when)
}

// snapshot lists objs through client-go's fake dynamic client, as the
// commands do.
func snapshot(objs ...*unstructured.Unstructured) *kube.Snapshot {
	s, err := snapshotOf(objs, devTarget)
	if err != nil {
		panic(err)
	}
	return s
}

// snapshotOf lists objs as the commands list them for t.
func snapshotOf(objs []*unstructured.Unstructured, t Target) (*kube.Snapshot, error) {
	return kubetest.NewCluster(objs...).Client().List(context.Background(), Kinds([]Target{t})...)
}
