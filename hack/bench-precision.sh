#!/usr/bin/env bash
# gen validate's precision against the real components (issue: precision):
# the manifests of the pinned Argo Rollouts and Argo CD modules, judged by
# the e2e tools' kube-apiserver (dry-run, strict field validation, pinned
# CRDs) and the pinned Rollouts controller's validation (rolloutsverdict),
# against gen validate's errors. Needs `make tools` and `make build`.
# The report (TP/FP/TN/FN per class, every disagreement) goes to stdout and
# to $PRECISION_OUT (default: a temp file, path printed).
set -euo pipefail
top="$(cd "$(dirname "$0")/.." && pwd)"
tools=${ROLLOUTGEN_TOOLS_DIR:-${HOME:+$HOME/.cache/rolloutgen/tools}}
tools=${tools:-$top/.cache/tools}
out=${PRECISION_OUT:-$(mktemp "${TMPDIR:-/tmp}/rolloutgen-precision.XXXXXX")}
(cd "$top/test/e2e/tools/rollouts" && go mod download github.com/argoproj/argo-rollouts)
(cd "$top/test/e2e/tools/argocd" && go mod download github.com/argoproj/argo-cd/v3)
ROLLOUTGEN_TOOLS_DIR=$tools GEN_BIN=$top/bin/gen PRECISION_OUT=$out \
  go test -tags e2e,precision -count=1 -timeout 30m -run '^TestPrecision$' ./test/e2e/ | { grep -v -E '^(ok|PASS)' || true; }
# go test shows a passing package's output only with -v: print the report
# itself. (grep finding nothing left to print is not a failure.)
cat "$out"
echo "precision report: $out"
