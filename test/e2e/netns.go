//go:build e2e

package e2e

import (
	"bufio"
	"fmt"
	"net"
	"os"
	"strings"
)

// podCIDR is kwok's --cidr. The e2e runs in its own network namespace in
// which this range is routed to lo, so every pod IP kwok hands out is an
// address of this machine and a pod can be a process bound to it. (Loopback
// pod IPs do not work: the API server rejects 127.0.0.0/8 in
// EndpointSlices.)
const podCIDR = "10.244.0.0/16"

// ingressAddr is where Traefik listens and what it publishes in the
// Ingresses' load-balancer status (publishStatusAddress): an address of
// the pod range that kwok never hands out (it allocates from the bottom).
const ingressAddr = "10.244.255.254"

// requireNetNS refuses to run outside the namespace hack/e2e-netns.sh makes:
// pod IPs must be local, and nothing may reach outside (no route but lo's).
func requireNetNS() error {
	const how = "run the scenario with `make e2e`, which starts it through hack/e2e-netns.sh (unshare -n; ip route add local " + podCIDR + " dev lo)"
	l, err := net.Listen("tcp", net.JoinHostPort(ingressAddr, "0"))
	if err != nil {
		return fmt.Errorf("the e2e needs its own network namespace with %s routed to lo (%v): %s", podCIDR, err, how)
	}
	l.Close()
	f, err := os.Open("/proc/net/route")
	if err != nil {
		return fmt.Errorf("read the routing table: %w", err)
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		fields := strings.Fields(sc.Text())
		if len(fields) > 1 && fields[0] != "Iface" && fields[0] != "lo" {
			return fmt.Errorf("the e2e's network namespace has a route through %s; nothing in it may reach outside: %s", fields[0], how)
		}
	}
	return sc.Err()
}
