#!/usr/bin/env bash
# Builds the pinned tools of the end-to-end test from source, through the Go
# module proxy only, into a cache directory outside the repository, and
# installs etcd and redis from Debian when they are missing.
#
#   ROLLOUTGEN_TOOLS_DIR  cache directory (default ~/.cache/rolloutgen/tools,
#                         or .cache/tools in the repository without HOME);
#                         CI clones afresh on the same machine, so an
#                         out-of-tree cache survives between runs.
#
# Each tool is a wrapper module under test/e2e/tools/<tool>/. A tool is
# rebuilt only when its stamp (a hash of the wrapper's files, the link flags
# and the Go version) changes. Builds run in an order where each one reuses
# the Go build cache of the one before: the k8s v0.34 line (control plane,
# then Rollouts), then the k8s v0.36 line (Argo CD, then kwok), then
# kustomize. Cold build times are printed per tool and in total.
#
# Layout of the cache directory:
#   bin/    kube-apiserver kube-controller-manager kube-scheduler
#           rollouts-controller rolloutsverdict argocd kwok kustomize
#           git-verify-wrapper.sh gpg-wrapper.sh (from the argo-cd module)
#           traefik gitea
#   share/  rollouts-crds/ argocd-crds/ kwok-stages/ (from the modules)
#           gitea/{templates,options} (Gitea reads them from its work dir)
#   stamps/ one file per tool
#   logs/   one build log per tool
set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
tools_src=$root/test/e2e/tools
# Without a home directory, the git-ignored .cache/ of the repository.
default_dir=$root/.cache/tools
[[ -n ${HOME:-} ]] && default_dir=$HOME/.cache/rolloutgen/tools
dir=${ROLLOUTGEN_TOOLS_DIR:-$default_dir}
bin=$dir/bin
share=$dir/share
mkdir -p "$bin" "$share" "$dir/stamps" "$dir/logs"

export CGO_ENABLED=0

k8sv=k8s.io/component-base/version
declare -A ldflags=(
	[kubernetes]="-s -w -X $k8sv.gitVersion=v1.34.4 -X $k8sv.gitMajor=1 -X $k8sv.gitMinor=34 -X $k8sv.gitTreeState=clean -X $k8sv.buildDate=1970-01-01T00:00:00Z"
	[rollouts]="-s -w -X github.com/argoproj/argo-rollouts/utils/version.version=1.10.1 -X github.com/argoproj/argo-rollouts/utils/version.gitTag=v1.10.1 -X github.com/argoproj/argo-rollouts/utils/version.gitCommit=v1.10.1 -X github.com/argoproj/argo-rollouts/utils/version.gitTreeState=clean"
	[argocd]="-s -w -X github.com/argoproj/argo-cd/v3/common.version=3.5.7 -X github.com/argoproj/argo-cd/v3/common.gitTag=v3.5.7 -X github.com/argoproj/argo-cd/v3/common.gitCommit=v3.5.7 -X github.com/argoproj/argo-cd/v3/common.gitTreeState=clean"
	[kwok]="-s -w"
	[kustomize]="-s -w"
	[traefik]="-s -w -X github.com/traefik/traefik/v3/pkg/version.Version=v3.7.13 -X github.com/traefik/traefik/v3/pkg/version.Codename=rolloutgen-e2e -X github.com/traefik/traefik/v3/pkg/version.BuildDate=1970-01-01T00:00:00Z"
	[gitea]="-s -w -X main.Version=$(cat "$tools_src/gitea/version") -X 'main.Tags=sqlite sqlite_unlock_notify'"
)
declare -A pkgs=(
	[kubernetes]="k8s.io/kubernetes/cmd/kube-apiserver k8s.io/kubernetes/cmd/kube-controller-manager k8s.io/kubernetes/cmd/kube-scheduler"
	[rollouts]="github.com/argoproj/argo-rollouts/cmd/rollouts-controller ./rolloutsverdict"
	[argocd]="."
	[kwok]="sigs.k8s.io/kwok/cmd/kwok"
	[kustomize]="sigs.k8s.io/kustomize/kustomize/v5"
	[traefik]="github.com/traefik/traefik/v3/cmd/traefik"
	[gitea]="."
)
declare -A outputs=(
	[kubernetes]="kube-apiserver kube-controller-manager kube-scheduler"
	[rollouts]="rollouts-controller rolloutsverdict"
	[argocd]="argocd"
	[kwok]="kwok"
	[kustomize]="kustomize"
	[traefik]="traefik"
	[gitea]="gitea"
)
# Gitea last: it shares little of the others' build cache.
order=(kubernetes rollouts argocd kwok traefik kustomize gitea)

# module_dir MODULE: the module's directory in the module cache, resolved
# through the wrapper module in the current directory (so the version is the
# pinned one).
module_dir() {
	go list -m -f '{{.Dir}}' "$1"
}

stamp_of() {
	local t=$1
	{
		go version
		echo "${ldflags[$t]}"
		if [[ $t == gitea ]]; then
			# No wrapper module: the pin, the recipe and the C compiler.
			cat "$tools_src/gitea/version"
			declare -f prepare_gitea
			gcc --version | head -n 1
		else
			cat "$tools_src/$t"/go.mod "$tools_src/$t"/go.sum
		fi
		# the wrapper's own programs, subdirectories included (rolloutsverdict)
		find "$tools_src/$t" -name '*.go' | sort | xargs -r cat
		# the recipe that patches Traefik's build is part of what is built
		if [[ $t == traefik ]]; then declare -f prepare_traefik; fi
	} | sha256sum | cut -d' ' -f1
}

# copy_tree SRC DST: a fresh, writable copy (module cache files are read-only).
copy_tree() {
	rm -rf "$2"
	mkdir -p "$(dirname "$2")"
	cp -r "$1" "$2"
	chmod -R u+w "$2"
}

# prepare_traefik: Traefik v3.7.13 does not build from the proxy as it is;
# three changes, made here in the tools cache (never in the repository):
#  1. github.com/traefik/traefik/dynamic/ext is a nested module that is not
#     in the module zip and not served: the wrapper replaces it with
#     test/e2e/tools/traefik/ext (its two empty structs).
#  2. Its ACME support links every DNS provider of lego v5.4.1, and more
#     than ten of their vendor SDK modules are not served: lego is copied
#     from the module cache and its provider factory reduced to the
#     providers that need no SDK (exec, httpreq); the build replaces lego
#     with that copy. ACME DNS challenges are not used by the e2e.
#  3. Its go-http-auth fork pseudo-version is not served: the wrapper uses
#     the fork Traefik v3.6 used (with the CheckSecret and RequireAuthStale
#     v3.7 calls).
# The build runs in a copy of the wrapper (go.mod plus the lego replace).
# Prints the directory to build in.
prepare_traefik() {
	local src=$dir/src lego
	local v
	v=$(sed -n 's/^\tgithub.com\/go-acme\/lego\/v5 \(v[^ ]*\) .*/\1/p' "$tools_src/traefik/go.mod")
	# Outside any module: only lego itself is fetched, not its SDKs' go.mod files.
	lego=$(cd "$dir" && GOFLAGS= go mod download -json "github.com/go-acme/lego/v5@$v" | sed -n 's/^\t"Dir": "\(.*\)",$/\1/p')
	[[ -d $lego ]] || { echo "e2e-tools: lego v5 not in the module cache" >&2; return 1; }
	copy_tree "$lego" "$src/lego"
	cat >"$src/lego/providers/dns/zz_gen_dns_providers.go" <<-'GO'
		// Reduced by rolloutgen's hack/e2e-tools.sh: only the DNS providers
		// that need no vendor SDK (the others' SDK modules are not served).

		package dns

		import (
			"fmt"

			"github.com/go-acme/lego/v5/challenge"
			"github.com/go-acme/lego/v5/providers/dns/exec"
			"github.com/go-acme/lego/v5/providers/dns/httpreq"
		)

		// NewDNSChallengeProviderByName Factory for DNS providers.
		func NewDNSChallengeProviderByName(name string) (challenge.Provider, error) {
			switch name {
			case "exec":
				return exec.NewDNSProvider()
			case "httpreq":
				return httpreq.NewDNSProvider()
			default:
				return nil, fmt.Errorf("unrecognized DNS provider: %s", name)
			}
		}
	GO
	copy_tree "$tools_src/traefik" "$src/traefik"
	(cd "$src/traefik" && go mod edit -replace "github.com/go-acme/lego/v5=$src/lego")
	echo "e2e-tools: traefik: dynamic/ext replaced by test/e2e/tools/traefik/ext, lego's DNS providers reduced to exec and httpreq ($src/lego), go-http-auth fork pinned to Traefik v3.6's" >&2
	echo "$src/traefik"
}

# gitea_module_dir: Gitea's module directory in the module cache, downloaded
# outside any module (only Gitea's own go.mod matters).
gitea_module_dir() {
	local v
	v=$(cat "$tools_src/gitea/version")
	(cd "$dir" && GOFLAGS= go mod download -json "code.gitea.io/gitea@$v" | sed -n 's/^\t"Dir": "\(.*\)",$/\1/p')
}

# prepare_gitea: Gitea is built in a writable copy of its own module (its
# go.mod's replace directives apply only there), with CGO on for SQLite.
# Prints the directory to build in.
prepare_gitea() {
	local m
	m=$(gitea_module_dir)
	[[ -d $m ]] || { echo "e2e-tools: code.gitea.io/gitea not in the module cache" >&2; return 1; }
	command -v gcc >/dev/null || { echo "e2e-tools: gitea needs gcc (CGO, for SQLite): apt-get install -y gcc" >&2; return 1; }
	copy_tree "$m" "$dir/src/gitea"
	echo "$dir/src/gitea"
}

# data TOOL: files the harness needs from the tool's module, not committed.
data() {
	case $1 in
	rollouts)
		copy_tree "$(module_dir github.com/argoproj/argo-rollouts)/manifests/crds" "$share/rollouts-crds"
		;;
	argocd)
		local d
		d=$(module_dir github.com/argoproj/argo-cd/v3)
		copy_tree "$d/manifests/crds" "$share/argocd-crds"
		for f in git-verify-wrapper.sh gpg-wrapper.sh; do
			install -m 0755 "$d/hack/$f" "$bin/$f"
		done
		;;
	gitea)
		local m
		m=$(gitea_module_dir)
		rm -rf "$share/gitea"
		mkdir -p "$share/gitea"
		copy_tree "$m/templates" "$share/gitea/templates"
		copy_tree "$m/options" "$share/gitea/options"
		;;
	kwok)
		local d
		d=$(module_dir sigs.k8s.io/kwok)/kustomize/stage
		rm -rf "$share/kwok-stages"
		mkdir -p "$share/kwok-stages"
		for f in node/fast/node-initialize.yaml node/heartbeat-with-lease/node-heartbeat-with-lease.yaml \
			pod/fast/pod-ready.yaml pod/fast/pod-complete.yaml pod/fast/pod-delete.yaml; do
			install -m 0644 "$d/$f" "$share/kwok-stages/$(basename "$f")"
		done
		;;
	esac
}

data_present() {
	case $1 in
	rollouts) [[ -d $share/rollouts-crds ]] ;;
	argocd) [[ -d $share/argocd-crds && -x $bin/git-verify-wrapper.sh && -x $bin/gpg-wrapper.sh ]] ;;
	kwok) [[ -d $share/kwok-stages ]] ;;
	gitea) [[ -d $share/gitea/templates && -d $share/gitea/options ]] ;;
	*) true ;;
	esac
}

# etcd and redis come from Debian; the test starts them itself.
if ! command -v etcd >/dev/null || ! command -v redis-server >/dev/null; then
	if [[ $(id -u) != 0 ]]; then
		echo "e2e-tools: etcd or redis-server missing; run as root: apt-get update && apt-get install -y etcd-server redis-server" >&2
		exit 1
	fi
	echo "e2e-tools: installing etcd-server and redis-server from Debian" >&2
	apt-get update -qq >"$dir/logs/apt.log" 2>&1
	DEBIAN_FRONTEND=noninteractive apt-get install -y -qq etcd-server redis-server >>"$dir/logs/apt.log" 2>&1 ||
		{ echo "e2e-tools: apt-get install failed; see $dir/logs/apt.log" >&2; exit 1; }
fi

total_start=$(date +%s)
summary=()
for t in "${order[@]}"; do
	want=$(stamp_of "$t")
	have=$(cat "$dir/stamps/$t" 2>/dev/null || true)
	missing=
	for o in ${outputs[$t]}; do
		[[ -x $bin/$o ]] || missing=1
	done
	cd "$tools_src/$t"
	if [[ $want == "$have" && -z $missing ]]; then
		# Copied again only when missing: another run may be reading them.
		data_present "$t" || data "$t"
		summary+=("$t: cached")
		continue
	fi
	echo "e2e-tools: building $t (${outputs[$t]}); log: $dir/logs/$t.log" >&2
	start=$(date +%s)
	tags=()
	cgo=0
	case $t in
	traefik) cd "$(prepare_traefik)" ;;
	gitea)
		cd "$(prepare_gitea)"
		tags=(-tags "sqlite sqlite_unlock_notify")
		cgo=1
		;;
	esac
	# shellcheck disable=SC2086 # pkgs and outputs are word lists on purpose
	if ! CGO_ENABLED=$cgo nice -n 19 go build -trimpath "${tags[@]}" -ldflags "${ldflags[$t]}" -o "$bin/" ${pkgs[$t]} >"$dir/logs/$t.log" 2>&1; then
		echo "e2e-tools: building $t failed; last lines of $dir/logs/$t.log:" >&2
		tail -n 30 "$dir/logs/$t.log" >&2
		exit 1
	fi
	data "$t"
	secs=$(($(date +%s) - start))
	echo "$want" >"$dir/stamps/$t"
	summary+=("$t: built in $((secs / 60))m$((secs % 60))s")
	echo "e2e-tools: $t built in $((secs / 60))m$((secs % 60))s" >&2
	echo "$(date -u +%FT%TZ) $t ${secs}s" >>"$dir/logs/build-times"
done

secs=$(($(date +%s) - total_start))
printf 'e2e-tools: %s\n' "${summary[@]}" >&2
echo "e2e-tools: total $((secs / 60))m$((secs % 60))s; tools in $bin" >&2
