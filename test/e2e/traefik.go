//go:build e2e

package e2e

import (
	"context"
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"strconv"
	"time"
)

// ingressClassObject is the platform's IngressClass (not rendered by gen):
// class ack-nginx, served by an ingress-nginx-compatible controller. The
// controller name is ingress-nginx's, which Traefik's kubernetesIngressNGINX
// provider matches by default.
const ingressClassObject = `apiVersion: networking.k8s.io/v1
kind: IngressClass
metadata:
  name: ack-nginx
spec:
  controller: k8s.io/ingress-nginx
`

// startTraefik runs Traefik out of cluster (KUBECONFIG) as the ingress
// controller of class ack-nginx through its ingress-nginx provider, which
// reads the nginx canary annotations the Rollouts controller writes on the
// canary Ingress. It serves HTTP on ingressAddr:80 and publishes that
// address in every Ingress's load-balancer status; its API (for checking
// the services it built) listens on 127.0.0.1.
func (c *cluster) startTraefik(ctx context.Context) error {
	if _, err := c.kubectlStdin(ctx, ingressClassObject, "apply", "-f", "-"); err != nil {
		return err
	}
	ports, err := freePorts(1)
	if err != nil {
		return err
	}
	c.ports.traefikAPI = ports[0]
	args := []string{
		"--global.checkNewVersion=false",
		"--global.sendAnonymousUsage=false",
		"--log.level=INFO",
		"--entryPoints.web.address=" + net.JoinHostPort(ingressAddr, "80"),
		fmt.Sprintf("--entryPoints.traefik.address=127.0.0.1:%d", c.ports.traefikAPI),
		"--api.insecure=true",
		"--providers.kubernetesIngressNGINX=true",
		"--providers.kubernetesIngressNGINX.ingressClass=" + ingressClass,
		"--providers.kubernetesIngressNGINX.publishStatusAddress=" + ingressAddr,
	}
	if _, err := c.procs.start("traefik", []string{"KUBECONFIG=" + c.kubeconfig}, c.tools.bin("traefik"), args...); err != nil {
		return err
	}
	return c.waitHTTP(ctx, "traefik API", c.traefikAPI("/api/overview"), 60*time.Second)
}

func (c *cluster) traefikAPI(path string) string {
	return "http://127.0.0.1:" + strconv.Itoa(c.ports.traefikAPI) + path
}

// traefikService is one service of Traefik's API (/api/http/services).
type traefikService struct {
	Name     string `json:"name"`
	Provider string `json:"provider"`
	Type     string `json:"type"`
	Weighted *struct {
		Services []struct {
			Name   string `json:"name"`
			Weight *int   `json:"weight"`
		} `json:"services"`
	} `json:"weighted"`
}

// traefikServices lists the HTTP services Traefik's providers built.
func (c *cluster) traefikServices(ctx context.Context) ([]traefikService, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, c.traefikAPI("/api/http/services"), nil)
	if err != nil {
		return nil, err
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("traefik API /api/http/services: %s", resp.Status)
	}
	var out []traefikService
	return out, json.NewDecoder(resp.Body).Decode(&out)
}
