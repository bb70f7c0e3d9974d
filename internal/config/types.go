package config

// APIVersion and Kind head every gen.yaml.
const (
	APIVersion = "rolloutgen.dev/v1alpha1"
	Kind       = "GenConfig"
	// FileName is the conventional name of the config file.
	FileName = "gen.yaml"
)

// Config is a whole gen.yaml.
type Config struct {
	APIVersion string `yaml:"apiVersion"`
	Kind       string `yaml:"kind"`
	// Repo is the Git repository Argo CD reads the rendered manifests from.
	Repo Repo `yaml:"repo"`
	// ArgoCD places the generated AppProject and Applications.
	ArgoCD ArgoCD `yaml:"argocd"`
	// Rollouts describes the Argo Rollouts controller the manifests target.
	Rollouts Rollouts `yaml:"rollouts"`
	// CI configures the CI files render writes for the GitOps repository.
	CI CI `yaml:"ci"`
	// Apps are rendered in order, each into base/<name>/.
	Apps []App `yaml:"apps"`
	// Environments form the promotion chain, first to last.
	Environments []Environment `yaml:"environments"`

	// apps indexes Apps by name (Parse builds it; App checks it is current).
	apps map[string]int
}

// Repo is the GitOps repository (usually the one holding gen.yaml).
type Repo struct {
	URL            string `yaml:"url"`
	TargetRevision string `yaml:"targetRevision"`
}

// ArgoCD holds where Argo CD runs and which AppProject the apps belong to.
type ArgoCD struct {
	// Namespace Argo CD is installed in (the seed uses "argo").
	Namespace string `yaml:"namespace"`
	// Project is the AppProject generated for this repository.
	Project string `yaml:"project"`
	// AllowDefaultProject lets Project be "default": the rendered
	// AppProject then replaces Argo CD's built-in one, restricting every
	// other Application that uses it. Off unless set.
	AllowDefaultProject bool `yaml:"allowDefaultProject"`
}

// CI configures hack/gitops-ci.sh and the workflow render writes.
type CI struct {
	// GenVersion is the release tag of gen (e.g. v0.4.0) the CI script
	// builds with go run when no gen is installed. Without it the script
	// fails instead of running an unpinned version.
	GenVersion string `yaml:"genVersion"`
}

// Rollouts describes the Argo Rollouts controller.
type Rollouts struct {
	// NginxIngressClasses are the ingress classes the controller manages
	// (its --nginx-ingress-classes flag); default [nginx].
	NginxIngressClasses []string `yaml:"nginxIngressClasses"`
}

// App is one application released with a canary Rollout.
type App struct {
	Name string `yaml:"name"`
	// Image is the repository without tag or digest.
	Image string `yaml:"image"`
	// Tag is the initial tag, used only when an overlay is first rendered;
	// afterwards the overlay's images: entry belongs to gen bump.
	Tag            string            `yaml:"tag"`
	Replicas       int               `yaml:"replicas"`
	ContainerPort  int               `yaml:"containerPort"`
	ServicePort    int               `yaml:"servicePort"`
	Labels         map[string]string `yaml:"labels"`
	Ingress        Ingress           `yaml:"ingress"`
	Canary         Canary            `yaml:"canary"`
	Resources      Resources         `yaml:"resources"`
	ReadinessProbe Probe             `yaml:"readinessProbe"`
}

// Ingress is the stable Ingress Argo Rollouts clones for the canary.
type Ingress struct {
	ClassName string `yaml:"className"`
	Host      string `yaml:"host"`
	Path      string `yaml:"path"`
	// TLSSecret, when set, terminates TLS for Host with that Secret.
	TLSSecret string `yaml:"tlsSecret"`
}

// Canary is the Rollout's canary strategy.
type Canary struct {
	// Header routes requests carrying Name: Value to the canary whatever
	// the weight (nginx canary-by-header).
	Header *Header `yaml:"header"`
	Steps  []Step  `yaml:"steps"`
	// RollbackWindow is spec.rollbackWindow.revisions: a rollback to one
	// of that many latest revisions skips the steps (default 2; 0 omits it).
	RollbackWindow *int `yaml:"rollbackWindow"`
}

// Header is a canary header match.
type Header struct {
	Name  string `yaml:"name"`
	Value string `yaml:"value"`
}

// Step is one canary step; exactly one field is set.
type Step struct {
	SetCanaryScale *SetCanaryScale `yaml:"setCanaryScale"`
	SetWeight      *int            `yaml:"setWeight"`
	Pause          *Pause          `yaml:"pause"`
}

// SetCanaryScale sets the canary's size independently of its traffic
// weight; exactly one field is set.
type SetCanaryScale struct {
	Replicas           *int  `yaml:"replicas"`
	Weight             *int  `yaml:"weight"`
	MatchTrafficWeight *bool `yaml:"matchTrafficWeight"`
}

// Pause waits for a manual promote, or for Duration when set.
type Pause struct {
	// Duration is Argo Rollouts' format: "30s", "5m", "1h" or seconds.
	Duration string `yaml:"duration"`
}

// Resources are the container's requests and limits.
type Resources struct {
	Requests ResourceList `yaml:"requests"`
	Limits   ResourceList `yaml:"limits"`
}

// ResourceList holds Kubernetes quantities.
type ResourceList struct {
	CPU    string `yaml:"cpu"`
	Memory string `yaml:"memory"`
}

// Probe is an HTTP GET readiness probe on the container port.
type Probe struct {
	Path                string `yaml:"path"`
	InitialDelaySeconds int    `yaml:"initialDelaySeconds"`
	PeriodSeconds       int    `yaml:"periodSeconds"`
}

// Environment is one stage of the promotion chain.
type Environment struct {
	Name      string `yaml:"name"`
	Namespace string `yaml:"namespace"`
	// Apps holds per-app overrides, keyed by app name.
	Apps map[string]AppOverride `yaml:"apps"`
}

// AppOverride changes an app in one environment.
type AppOverride struct {
	Host     string `yaml:"host"`
	Replicas *int   `yaml:"replicas"`
	Steps    []Step `yaml:"steps"`
	// Tag is the initial tag of this environment's overlay.
	Tag string `yaml:"tag"`
}

// App returns the app named name.
func (c *Config) App(name string) (*App, bool) {
	if i, ok := c.apps[name]; ok && i < len(c.Apps) && c.Apps[i].Name == name {
		return &c.Apps[i], true
	}
	for i := range c.Apps {
		if c.Apps[i].Name == name {
			return &c.Apps[i], true
		}
	}
	return nil, false
}

// Environment returns the environment named name.
func (c *Config) Environment(name string) (*Environment, bool) {
	for i := range c.Environments {
		if c.Environments[i].Name == name {
			return &c.Environments[i], true
		}
	}
	return nil, false
}

// AppNames lists the apps in gen.yaml order.
func (c *Config) AppNames() []string {
	names := make([]string, len(c.Apps))
	for i, a := range c.Apps {
		names[i] = a.Name
	}
	return names
}

// EnvironmentNames lists the environments in promotion order.
func (c *Config) EnvironmentNames() []string {
	names := make([]string, len(c.Environments))
	for i, e := range c.Environments {
		names[i] = e.Name
	}
	return names
}

// Resolved is an app as rendered in one environment: the app with that
// environment's overrides applied.
type Resolved struct {
	App
	Env       string
	Namespace string
}

// Resolve applies env's overrides to app.
func (c *Config) Resolve(app *App, env *Environment) Resolved {
	r := Resolved{App: *app, Env: env.Name, Namespace: env.Namespace}
	o, ok := env.Apps[app.Name]
	if !ok {
		return r
	}
	if o.Host != "" {
		r.Ingress.Host = o.Host
	}
	if o.Replicas != nil {
		r.Replicas = *o.Replicas
	}
	if o.Steps != nil {
		r.Canary.Steps = o.Steps
	}
	if o.Tag != "" {
		r.Tag = o.Tag
	}
	return r
}

// OverlayDir is the slash-separated, repo-relative overlay directory of app in env.
func OverlayDir(env, app string) string { return "overlays/" + env + "/" + app }

// BaseDir is the slash-separated, repo-relative base directory of app.
func BaseDir(app string) string { return "base/" + app }

// ApplicationName is the Argo CD Application (and argocd/apps/ file name)
// of app in env.
func ApplicationName(app, env string) string { return app + "-" + env }

// RootApplicationName names the app-of-apps of project.
func RootApplicationName(project string) string { return project + "-root" }

// BuildFileName is the file gen build --out-dir writes for app in env.
func BuildFileName(env, app string) string { return env + "-" + app + ".yaml" }
