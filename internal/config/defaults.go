package config

// Defaults a platform team would pick when gen.yaml is silent.
const (
	DefaultArgoCDNamespace = "argo" // as in the seed
	DefaultTargetRevision  = "main"
	DefaultReplicas        = 1
	DefaultContainerPort   = 8080
	DefaultServicePort     = 80
	DefaultIngressClass    = "nginx"
	DefaultIngressPath     = "/"
	DefaultProbePeriod     = 5
)

// DefaultNginxIngressClasses is what the Argo Rollouts controller manages
// when started without --nginx-ingress-classes.
var defaultNginxIngressClasses = []string{"nginx"}

// DefaultRollbackWindow is how many revisions a rollback may go back
// without walking the canary steps again.
const DefaultRollbackWindow = 2

func ptr[T any](v T) *T { return &v }

// defaultSteps is a conservative canary: a fifth, wait, half, wait.
func defaultSteps() []Step {
	return []Step{
		{SetWeight: ptr(20)},
		{Pause: &Pause{}},
		{SetWeight: ptr(50)},
		{Pause: &Pause{}},
	}
}

func applyDefaults(c *Config) {
	if c.ArgoCD.Namespace == "" {
		c.ArgoCD.Namespace = DefaultArgoCDNamespace
	}
	if c.Repo.TargetRevision == "" {
		c.Repo.TargetRevision = DefaultTargetRevision
	}
	if c.Rollouts.NginxIngressClasses == nil {
		c.Rollouts.NginxIngressClasses = append([]string(nil), defaultNginxIngressClasses...)
	}
	for i := range c.Apps {
		a := &c.Apps[i]
		if c.ArgoCD.Project == "" && i == 0 {
			c.ArgoCD.Project = a.Name
		}
		if a.Replicas == 0 {
			a.Replicas = DefaultReplicas
		}
		if a.ContainerPort == 0 {
			a.ContainerPort = DefaultContainerPort
		}
		if a.ServicePort == 0 {
			a.ServicePort = DefaultServicePort
		}
		if len(a.Labels) == 0 {
			a.Labels = map[string]string{"app": a.Name}
		}
		if a.Ingress.ClassName == "" {
			a.Ingress.ClassName = DefaultIngressClass
		}
		if a.Ingress.Path == "" {
			a.Ingress.Path = DefaultIngressPath
		}
		if a.Canary.Steps == nil {
			a.Canary.Steps = defaultSteps()
		}
		if a.Canary.RollbackWindow == nil {
			a.Canary.RollbackWindow = ptr(DefaultRollbackWindow)
		}
		r := &a.Resources
		setIfEmpty(&r.Requests.CPU, "50m")
		setIfEmpty(&r.Requests.Memory, "64Mi")
		setIfEmpty(&r.Limits.CPU, "500m")
		setIfEmpty(&r.Limits.Memory, "128Mi")
		setIfEmpty(&a.ReadinessProbe.Path, "/")
		if a.ReadinessProbe.PeriodSeconds == 0 {
			a.ReadinessProbe.PeriodSeconds = DefaultProbePeriod
		}
	}
	for i := range c.Environments {
		e := &c.Environments[i]
		if e.Namespace == "" {
			e.Namespace = e.Name
		}
	}
}

func setIfEmpty(s *string, v string) {
	if *s == "" {
		*s = v
	}
}
