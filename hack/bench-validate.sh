#!/usr/bin/env bash
# make bench piece: gen validate on the 1,000 apps x 3 environments repo.
#   full     every overlay built and checked, plus argocd/ (goal: < 40 s)
#   --since  one overlay changed since HEAD (goal: < 1 s), and one base
# Peers measured in the same run: gen build of the same overlays (the
# krusty builds alone) for the full run, git diff for --since. Wall time
# depends on the machine's load (printed); user+sys is the CPU the run used.
set -euo pipefail
top="$(cd "$(dirname "$0")/.." && pwd)"
gen="$top/bin/gen"
apps=${BENCH_VALIDATE_APPS:-1000}
work=$(mktemp -d "${TMPDIR:-/tmp}/rolloutgen-bench-validate.XXXXXX")
trap 'rm -rf "$work"' EXIT
load() { cut -d' ' -f1-3 /proc/loadavg; }
# measure KEY LABEL CMD...: wall, user, sys of one run. The command's exit
# status is kept in rc (gen validate exits 1 on findings), its stderr in
# $work/KEY.err, its wall time in wall[KEY].
declare -A wall
measure() {
  local key=$1 label=$2; shift 2
  local t; t=$(mktemp)
  rc=0
  /usr/bin/time -f '%e %U %S' -o "$t" "$@" >"$work/$key.out" 2>"$work/$key.err" || rc=$?
  local w u s; read -r w u s < <(tail -1 "$t") # time prepends a line on failure
  rm -f "$t"
  wall[$key]=$w
  printf '%-36s wall %6.2fs  cpu %6.2fs (user %.2f sys %.2f)  exit %d  load %s\n' "$label" "$w" "$(awk -v u="$u" -v s="$s" 'BEGIN { print u + s }')" "$u" "$s" "$rc" "$(load)"
}

# The synthetic repository gen itself would hold (internal/synth): gen.yaml
# and what gen render writes for it, committed; no bump history, which
# neither build nor validate reads.
repo="$work/repo"
(cd "$top" && go run ./internal/synth/cmd/synthrepo -apps "$apps" -commits 0 -dir "$repo")
echo "repo: $apps apps x 3 environments, $(git -C "$repo" ls-files | wc -l) files"

cd "$repo"
measure build "gen build --out-dir (all overlays)" "$gen" build --out-dir "$work/built"
measure full "gen validate (full)" "$gen" validate
tail -1 "$work/full.err"
awk -v v="${wall[full]}" -v b="${wall[build]}" 'BEGIN { printf "full validate / gen build: %.2f; goal < 40 s: %s\n", v/b, (v < 40 ? "met" : "NOT met at this load") }'

mid=$(printf 'app-%04d' $((apps / 2)))
sed -i 's/^  newTag: .*/  newTag: "v2-bench"/' "overlays/staging/$mid/kustomization.yaml"
measure diff "git diff --name-only HEAD" git diff --name-only HEAD
measure since1 "gen validate --since HEAD (1 app)" "$gen" validate --since HEAD
cat "$work/since1.err"
awk -v v="${wall[since1]}" -v g="${wall[diff]}" 'BEGIN { printf "--since / git diff: %.1f; goal < 1 s: %s\n", v/(g > 0 ? g : 0.01), (v < 1 ? "met" : "NOT met at this load") }'
git checkout -q -- overlays
sed -i 's/targetPort: 8080/targetPort: 8080 # reviewed/' "base/$mid/service-stable.yaml"
measure since3 "gen validate --since HEAD (1 base)" "$gen" validate --since HEAD
cat "$work/since3.err"
