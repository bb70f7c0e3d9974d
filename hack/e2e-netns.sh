#!/usr/bin/env bash
# Runs a command in a new network namespace that has only loopback, with the
# end-to-end test's pod range routed to it (ip route add local): every pod IP
# kwok hands out is then an address of this machine, so pods can be real
# processes bound to their pod IPs, and nothing in the namespace reaches
# outside it. Root (as in CI) uses a plain network namespace; anyone else
# gets a user namespace mapping them to root in it.
#
#   hack/e2e-netns.sh CMD [ARGS...]
set -euo pipefail
pod_cidr=10.244.0.0/16
flags=(--net)
[[ $(id -u) == 0 ]] || flags+=(--map-root-user)
# shellcheck disable=SC2016 # expanded by the inner shell
exec unshare "${flags[@]}" -- bash -euc '
	ip link set lo up
	ip route add local "$0" dev lo
	exec "$@"' "$pod_cidr" "$@"
