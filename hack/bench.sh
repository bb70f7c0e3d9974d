#!/usr/bin/env bash
# make bench: the speed figures, each against its CLI peer measured in the
# same run. Ratios matter, not absolute times: the machine is shared, so
# the load average is printed with every section.
set -euo pipefail
top="$(cd "$(dirname "$0")/.." && pwd)"
gen="$top/bin/gen"
work=$(mktemp -d "${TMPDIR:-/tmp}/rolloutgen-bench.XXXXXX")
trap 'rm -rf "$work"' EXIT
load() { cut -d' ' -f1-3 /proc/loadavg; }
now() { date +%s.%N; }

echo "== render: 1,000 apps x 3 environments (load $(load))"
(cd "$top" && go test -run '^$' -bench 'Render(Write)?1000x3$' -benchtime 3x ./internal/render) | grep -E '^Benchmark'

apps=${BENCH_BUILD_APPS:-100}
echo "== build: $apps overlays, gen build (one process, in-process krusty) vs kubectl kustomize per overlay (load $(load))"
repo="$work/build" # what gen renders for a synthetic gen.yaml (internal/synth), committed
(cd "$top" && go run ./internal/synth/cmd/synthrepo -apps "$apps" -commits 0 -dir "$repo")
t0=$(now)
(cd "$repo" && "$gen" build --env dev --out-dir "$work/gen-out" 2>/dev/null)
t1=$(now)
for d in "$repo"/overlays/dev/*/; do kubectl kustomize "$d" > "$work/kubectl-$(basename "$d").yaml"; done
t2=$(now)
for d in "$repo"/overlays/dev/*/; do
  cmp -s "$work/gen-out/dev-$(basename "$d").yaml" "$work/kubectl-$(basename "$d").yaml" || { echo "gen build differs from kubectl kustomize for $d"; exit 1; }
done
awk -v a="$t0" -v b="$t1" -v c="$t2" -v n="$apps" 'BEGIN { g=b-a; k=c-b; printf "gen build: %.2fs  kubectl kustomize x%d: %.2fs  ratio gen/kubectl: %.3f (outputs identical)\n", g, n, k, g/k }'

for piece in bench-bump.sh bench-status.sh bench-validate.sh bench-precision.sh; do
  if [ -x "$top/hack/$piece" ]; then
    echo "== ${piece%.sh} (load $(load))"
    rc=0
    "$top/hack/$piece" || rc=$?
    case $rc in
      0) ;;
      3) echo "!! ${piece%.sh}: NOT MEASURED, tools missing (see above); run 'make tools' and install etcd-server" ;;
      *) echo "!! ${piece%.sh} failed (exit $rc)"; exit "$rc" ;;
    esac
  fi
done
