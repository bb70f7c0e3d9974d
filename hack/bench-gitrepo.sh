#!/usr/bin/env bash
# Local bump benchmark: the gitrepo commit engine against sed + git add +
# git commit, as whole processes, A/B interleaved on the same synthetic
# repositories (200 and 5,000 apps), with peak RSS and the load average.
# Repositories are generated once (internal/synth; about 20 s for 5,000
# apps, 60,005 files) and kept in $ROLLOUTGEN_SYNTH_CACHE (default:
# $TMPDIR/rolloutgen-synth).
set -euo pipefail
cd "$(dirname "$0")/.."
bin=$(mktemp -d)/benchbump
trap 'rm -rf "$(dirname "$bin")"' EXIT
go build -o "$bin" ./internal/synth/cmd/benchbump
cache=${ROLLOUTGEN_SYNTH_CACHE:-${TMPDIR:-/tmp}/rolloutgen-synth}
echo "machine: $(nproc) cores, load average $(cut -d' ' -f1-3 /proc/loadavg)"
nice -n 5 "$bin" -cache "$cache" -apps "${APPS:-200,5000}" -rounds "${ROUNDS:-15}"
