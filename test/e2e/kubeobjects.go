//go:build e2e

package e2e

import (
	"context"
	"encoding/json"
	"fmt"
	"sort"
	"strings"
)

// Just the fields the scenario reads, decoded from `kubectl get -o json`.

type rollout struct {
	Metadata struct {
		Generation int64 `json:"generation"`
	} `json:"metadata"`
	Spec struct {
		Template podTemplate `json:"template"`
	} `json:"spec"`
	Status struct {
		Phase              string `json:"phase"`
		Message            string `json:"message"`
		ObservedGeneration string `json:"observedGeneration"`
		CurrentStepIndex   *int   `json:"currentStepIndex"`
		Replicas           int    `json:"replicas"`
		ReadyReplicas      int    `json:"readyReplicas"`
		UpdatedReplicas    int    `json:"updatedReplicas"`
		StableRS           string `json:"stableRS"`
		CurrentPodHash     string `json:"currentPodHash"`
		Abort              bool   `json:"abort"`
		Conditions         []struct {
			Type   string `json:"type"`
			Status string `json:"status"`
		} `json:"conditions"`
		PauseConditions []struct {
			Reason string `json:"reason"`
		} `json:"pauseConditions"`
		Canary struct {
			Weights *struct {
				Canary struct {
					Weight          int    `json:"weight"`
					PodTemplateHash string `json:"podTemplateHash"`
				} `json:"canary"`
				Stable struct {
					Weight int `json:"weight"`
				} `json:"stable"`
			} `json:"weights"`
		} `json:"canary"`
	} `json:"status"`
}

// healthyCondition is the status of the controller's Healthy condition.
func (r rollout) healthyCondition() string {
	for _, c := range r.Status.Conditions {
		if c.Type == "Healthy" {
			return c.Status
		}
	}
	return ""
}

func (r rollout) canaryWeight() int {
	if r.Status.Canary.Weights == nil {
		return 0
	}
	return r.Status.Canary.Weights.Canary.Weight
}

func (r rollout) summary() string {
	step := "-"
	if r.Status.CurrentStepIndex != nil {
		step = fmt.Sprint(*r.Status.CurrentStepIndex)
	}
	var pauses []string
	for _, p := range r.Status.PauseConditions {
		pauses = append(pauses, p.Reason)
	}
	return fmt.Sprintf("phase=%s step=%s weight=%d ready=%d/%d updated=%d stable=%s current=%s abort=%v pause=%v msg=%q",
		r.Status.Phase, step, r.canaryWeight(), r.Status.ReadyReplicas, r.Status.Replicas, r.Status.UpdatedReplicas,
		r.Status.StableRS, r.Status.CurrentPodHash, r.Status.Abort, pauses, r.Status.Message)
}

type podTemplate struct {
	Spec struct {
		Containers []struct {
			Image string `json:"image"`
		} `json:"containers"`
	} `json:"spec"`
}

func (p podTemplate) image() string {
	if len(p.Spec.Containers) == 0 {
		return ""
	}
	return p.Spec.Containers[0].Image
}

type replicaSet struct {
	Metadata struct {
		Name   string            `json:"name"`
		Labels map[string]string `json:"labels"`
	} `json:"metadata"`
	Spec struct {
		Replicas *int        `json:"replicas"`
		Template podTemplate `json:"template"`
	} `json:"spec"`
	Status struct {
		ReadyReplicas int `json:"readyReplicas"`
	} `json:"status"`
}

func (rs replicaSet) hash() string { return rs.Metadata.Labels["rollouts-pod-template-hash"] }

func (rs replicaSet) replicas() int {
	if rs.Spec.Replicas == nil {
		return 1
	}
	return *rs.Spec.Replicas
}

type application struct {
	Metadata struct {
		Name        string            `json:"name"`
		Annotations map[string]string `json:"annotations"`
	} `json:"metadata"`
	Spec struct {
		Source struct {
			RepoURL string `json:"repoURL"`
			Path    string `json:"path"`
		} `json:"source"`
		Destination struct {
			Namespace string `json:"namespace"`
		} `json:"destination"`
	} `json:"spec"`
	Status struct {
		Sync struct {
			Status   string `json:"status"`
			Revision string `json:"revision"`
		} `json:"sync"`
		Health struct {
			Status  string `json:"status"`
			Message string `json:"message"`
		} `json:"health"`
		OperationState *struct {
			Phase   string `json:"phase"`
			Message string `json:"message"`
		} `json:"operationState"`
		Conditions []struct {
			Type    string `json:"type"`
			Message string `json:"message"`
		} `json:"conditions"`
	} `json:"status"`
}

func (a application) summary() string {
	s := fmt.Sprintf("%s: sync=%s@%.7s health=%s", a.Metadata.Name, a.Status.Sync.Status, a.Status.Sync.Revision, a.Status.Health.Status)
	if a.Status.Health.Message != "" {
		s += fmt.Sprintf(" (%s)", a.Status.Health.Message)
	}
	if a.Status.OperationState != nil {
		s += fmt.Sprintf(" op=%s", a.Status.OperationState.Phase)
		if a.Status.OperationState.Phase != "Succeeded" && a.Status.OperationState.Phase != "Running" {
			s += fmt.Sprintf(" (%s)", a.Status.OperationState.Message)
		}
	}
	for _, c := range a.Status.Conditions {
		s += fmt.Sprintf(" [%s: %s]", c.Type, c.Message)
	}
	return s
}

type ingress struct {
	Metadata struct {
		Name        string            `json:"name"`
		Namespace   string            `json:"namespace"`
		Annotations map[string]string `json:"annotations"`
	} `json:"metadata"`
	Status struct {
		LoadBalancer struct {
			Ingress []struct {
				IP string `json:"ip"`
			} `json:"ingress"`
		} `json:"loadBalancer"`
	} `json:"status"`
}

// getJSON decodes `kubectl get ARGS -o json` into out.
func (c *cluster) getJSON(ctx context.Context, out any, args ...string) error {
	s, err := c.kubectl(ctx, append(append([]string{"get"}, args...), "-o", "json")...)
	if err != nil {
		return err
	}
	if err := json.Unmarshal([]byte(s), out); err != nil {
		return fmt.Errorf("decode kubectl get %s: %w", strings.Join(args, " "), err)
	}
	return nil
}

func (c *cluster) rollout(ctx context.Context, ns, name string) (rollout, error) {
	var r rollout
	err := c.getJSON(ctx, &r, "rollout.argoproj.io", name, "-n", ns)
	return r, err
}

func (c *cluster) replicaSets(ctx context.Context, ns string) ([]replicaSet, error) {
	var list struct {
		Items []replicaSet `json:"items"`
	}
	if err := c.getJSON(ctx, &list, "replicasets", "-n", ns); err != nil {
		return nil, err
	}
	sort.Slice(list.Items, func(i, j int) bool { return list.Items[i].Metadata.Name < list.Items[j].Metadata.Name })
	return list.Items, nil
}

func (c *cluster) applications(ctx context.Context) ([]application, error) {
	var list struct {
		Items []application `json:"items"`
	}
	if err := c.getJSON(ctx, &list, "applications.argoproj.io", "-n", c.cfg.argocdNamespace); err != nil {
		return nil, err
	}
	sort.Slice(list.Items, func(i, j int) bool { return list.Items[i].Metadata.Name < list.Items[j].Metadata.Name })
	return list.Items, nil
}

func (c *cluster) ingresses(ctx context.Context) ([]ingress, error) {
	var list struct {
		Items []ingress `json:"items"`
	}
	err := c.getJSON(ctx, &list, "ingresses", "-A")
	return list.Items, err
}
