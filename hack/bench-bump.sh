#!/usr/bin/env bash
# bench-bump.sh: `gen bump` as a whole process (open, edit, in-process
# kustomize build, commit with index/ref/reflog) against the git CLI doing
# less (sed -i + git add F + git commit, no build), A/B interleaved in one
# run on the same synthetic monorepo. Prints median wall times, the ratio
# gen/git (target <= 1.0), peak RSS of each (/usr/bin/time -f %M; target
# < 40 MiB) and the load average before and after.
#
#   hack/bench-bump.sh                 # 200 and 5000 apps, 15 rounds
#   APPS="5000" ROUNDS=9 hack/bench-bump.sh
#
# gen promote --force --reason of one app has its own figure (PROMOTE_ROUNDS,
# default ROUNDS; 0 skips): against git log -1 -- <overlay> + sed + git add
# + git commit, target <= 1.0.
#
# Remote mode has its own figure: `gen bump --repo-url` (shallow clone in
# memory, no checkout, push) against git clone --depth 1 --single-branch
# --sparse + sparse-checkout add + sed + commit + push, both over file://
# to a bare copy of the same repository (REMOTE_ROUNDS, default 7; 0 skips).
#
# Called by hack/bench.sh (make bench). GEN is the binary (default bin/gen,
# built by make); repositories (internal/synth: what gen renders for a
# synthetic gen.yaml, plus COMMITS bumps) are cached in $CACHE between runs
# (the 5,000-app one, 60,005 files, takes about 20 s to generate).
set -euo pipefail
cd "$(dirname "$0")/.."

GEN=${GEN:-bin/gen}
APPS=${APPS:-"200 5000"}
APPS=${APPS//,/ } # "200,5000" works too
ROUNDS=${ROUNDS:-15}
REMOTE_ROUNDS=${REMOTE_ROUNDS:-7}
PROMOTE_ROUNDS=${PROMOTE_ROUNDS:-$ROUNDS}
COMMITS=${COMMITS:-2000}
CACHE=${CACHE:-${TMPDIR:-/tmp}/rolloutgen-bench-bump}
TIME=/usr/bin/time

for tool in git sed "$TIME"; do
	command -v "$tool" >/dev/null || { echo "bench-bump: $tool is required" >&2; exit 1; }
done
[ -x "$GEN" ] || go build -o "$GEN" ./cmd/gen
GEN=$(cd "$(dirname "$GEN")" && pwd)/$(basename "$GEN")
mkdir -p "$CACHE"
SYNTH="$CACHE/synthrepo"
go build -o "$SYNTH" ./internal/synth/cmd/synthrepo

export GIT_AUTHOR_NAME=Bench GIT_AUTHOR_EMAIL=bench@example.com
export GIT_COMMITTER_NAME=Bench GIT_COMMITTER_EMAIL=bench@example.com
ENVS=(dev staging prod)

# shellcheck source=hack/bench-lib.sh
. hack/bench-lib.sh

for apps in $APPS; do
	echo "bench-bump: $apps apps: repository under $CACHE (generated on first use)" >&2
	repo=$("$SYNTH" -apps "$apps" -commits "$COMMITS" -cache "$CACHE")
	a=$(mktemp) b=$(mktemp)
	seq=0
	pick() {
		seq=$((seq + 1))
		dir=$(printf 'overlays/%s/app-%04d' "${ENVS[RANDOM % 3]}" $(( (RANDOM * 32768 + RANDOM) % apps )))
		tag="bench-$(date +%s)-$seq"
	}
	run_gen() { pick; (cd "$repo" && measure "$1" "$GEN" bump --path "$dir" --tag "$tag"); }
	run_git() {
		pick
		(cd "$repo" && measure "$1" sh -c 'sed -i "s/^  newTag: .*/  newTag: \"$2\"/" "$1" && git add "$1" && git commit -q -m "bump $1 to $2"' \
			sh "$dir/kustomization.yaml" "$tag")
	}
	load0=$(loadavg)
	evict "$GEN"
	interleave run_gen run_git "$ROUNDS"
	load1=$(loadavg)
	if [ -n "$(git -C "$repo" status --porcelain)" ]; then
		echo "bench-bump: $repo is not clean after the run" >&2; exit 1
	fi
	files=$(git -C "$repo" ls-files | wc -l)
	ma=$(median_s "$a") mb=$(median_s "$b")
	echo "gen bump vs git CLI, $apps apps ($files files), $ROUNDS rounds each, interleaved"
	printf '  gen bump (edit+build+commit) median %6.3fs  peak RSS %6.1f MiB\n' "$ma" "$(peak_mib "$a")"
	printf '  sed + git add + git commit   median %6.3fs  peak RSS %6.1f MiB\n' "$mb" "$(peak_mib "$b")"
	print_ratio
	rm -f "$a" "$b"

	# gen promote --force of one app, dev -> staging (reads the commit that
	# set dev's tag, edits, builds, commits with trailers) against the git
	# CLI finding that commit (git log -1 -- overlay) and sed + add +
	# commit. Before each run, unmeasured, dev's overlay of the app moves
	# to a new tag with the git CLI, so both sides have something to do.
	if ((PROMOTE_ROUNDS > 0)); then
		a=$(mktemp) b=$(mktemp)
		pick_app() {
			seq=$((seq + 1))
			app=$(printf 'app-%04d' $(( (RANDOM * 32768 + RANDOM) % apps )))
			tag="bench-$(date +%s)-$seq"
			(cd "$repo" && f="overlays/dev/$app/kustomization.yaml" &&
				sed -i "s/^  newTag: .*/  newTag: \"$tag\"/" "$f" && git commit -q -m "dev $app $tag" "$f")
		}
		run_gen_promote() { pick_app; (cd "$repo" && measure "$1" "$GEN" promote --app "$app" --to staging --force --reason bench); }
		run_git_promote() {
			pick_app
			(cd "$repo" && measure "$1" sh -c 'src=$(git log -1 --format=%H -- "overlays/dev/$1/kustomization.yaml")
				f="overlays/staging/$1/kustomization.yaml"
				sed -i "s/^  newTag: .*/  newTag: \"$2\"/" "$f" && git add "$f" &&
				git commit -q -m "promote $1 to staging: $2" -m "Source-Commit: $src"' sh "$app" "$tag")
		}
		load0=$(loadavg)
		interleave run_gen_promote run_git_promote "$PROMOTE_ROUNDS"
		load1=$(loadavg)
		if [ -n "$(git -C "$repo" status --porcelain)" ]; then
			echo "bench-bump: $repo is not clean after the promote run" >&2; exit 1
		fi
		ma=$(median_s "$a") mb=$(median_s "$b")
		echo "gen promote --force vs git CLI, $apps apps ($files files), $PROMOTE_ROUNDS rounds each, interleaved"
		printf '  gen promote --force (history+edit+build+commit) median %6.3fs  CPU %5.2fs  peak RSS %6.1f MiB\n' "$ma" "$(median_cpu "$a")" "$(peak_mib "$a")"
		printf '  git log -1 -- F + sed + git add + git commit     median %6.3fs  CPU %5.2fs  peak RSS %6.1f MiB\n' "$mb" "$(median_cpu "$b")" "$(peak_mib "$b")"
		print_ratio
		rm -f "$a" "$b"
	fi

	((REMOTE_ROUNDS > 0)) || continue
	bare="$CACHE/$(basename "$repo").git" # named like the repository: a new layout gets a new remote
	[ -d "$bare" ] || git clone -q --bare "$repo" "$bare"
	url="file://$bare"
	scratch=$(mktemp -d)
	a=$(mktemp) b=$(mktemp)
	run_gen_remote() { pick; (cd "$scratch" && measure "$1" "$GEN" bump --repo-url "$url" --path "$dir" --tag "$tag"); }
	run_git_remote() {
		pick
		(cd "$scratch" && measure "$1" sh -c 'set -e; d=$(mktemp -d "$PWD/c.XXXXXX")
			git clone -q --depth 1 --single-branch --sparse "$1" "$d"
			cd "$d"; git sparse-checkout add "$2"
			sed -i "s/^  newTag: .*/  newTag: \"$3\"/" "$2/kustomization.yaml"
			git commit -q -am "bump $2 to $3"; git push -q origin HEAD
			cd ..; rm -rf "$d"' sh "$url" "$dir" "$tag")
	}
	load0=$(loadavg)
	interleave run_gen_remote run_git_remote "$REMOTE_ROUNDS"
	load1=$(loadavg)
	ma=$(median_s "$a") mb=$(median_s "$b")
	echo "remote mode over file://, $apps apps ($files files), $REMOTE_ROUNDS rounds each, interleaved"
	printf '  gen bump --repo-url (clone in memory, build, push) median %6.3fs  peak RSS %6.1f MiB\n' "$ma" "$(peak_mib "$a")"
	printf '  git clone --depth 1 --sparse + commit + push        median %6.3fs  peak RSS %6.1f MiB\n' "$mb" "$(peak_mib "$b")"
	print_ratio
	rm -rf "$a" "$b" "$scratch"
done
