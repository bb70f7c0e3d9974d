#!/usr/bin/env bash
# make demo: render the built-in demo into a fresh local Git repository and
# show the result. No cluster and no network: everything happens in a temp
# directory (kept, and printed, so you can look around).
set -euo pipefail
gen="$(cd "$(dirname "$0")/.." && pwd)/bin/gen"
demo=${DEMO_DIR:-$(mktemp -d "${TMPDIR:-/tmp}/rolloutgen-demo.XXXXXX")}
cd "$demo"
git init -q -b main .
git config user.name "rolloutgen demo"
git config user.email "demo@example.com"

step() { printf '\n\033[1m== %s\033[0m\n' "$*"; }

step "gen init: write gen.yaml (the seed's canary demo)"
"$gen" init
step "gen render: base/, overlays/ and argocd/ from gen.yaml"
"$gen" render
git add -A && git commit -q -m "Render the rollouts-demo GitOps repository"
git ls-files | sed 's/^/  /'

step "gen render --check: the committed files match gen.yaml"
"$gen" render --check

step "gen build --env dev: the dev overlay as Argo CD will apply it (Rollout excerpt)"
"$gen" build --env dev | awk '/^kind: Rollout/{p=1} p&&/^---/{exit} p' | sed -n '1,200p' | grep -E 'kind|name:|namespace|image:|replicas|Service|Ingress|canary-by|setWeight|setCanaryScale|pause' | sed 's/^/  /'

if "$gen" --help | grep -qE "^ +bump "; then
  step "gen bump --tag v1 --dry-run: the diff and the commit it would make, nothing written"
  "$gen" bump --tag v1 --dry-run
  step "gen bump --tag v1: start a canary release in dev (one commit, one file)"
  "$gen" bump --tag v1
  git log --oneline -n 2 | sed 's/^/  /'
  git show --stat --format='  %s' HEAD | sed 's/^/  /'
  step "gen render --check after the bump: still no drift (images: belongs to gen bump)"
  "$gen" render --check
fi

if "$gen" --help | grep -qE "^ +validate "; then
  step "gen validate: what the Rollouts controller and Argo CD would reject"
  "$gen" validate
fi

step "done: the demo repository is in $demo"
