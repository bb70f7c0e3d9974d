#!/usr/bin/env bash
# bench-lib.sh: the measuring helpers every hack/bench-*.sh sources, so a
# figure and its CLI peer are timed the same way: whole processes, A/B
# interleaved, medians, peak RSS, the load average around them.
#
# Callers set TIME (/usr/bin/time) and, before interleave, $a and $b (the
# files the two sides' measurements go to).

# measure OUT CMD...: runs CMD, appends "microseconds kib cpu-seconds" to
# OUT (CPU: user + system of CMD and its children; on a loaded machine
# wall time also counts the wait for a core).
measure() {
	local out=$1; shift
	local t0 t1 stats
	t0=$(date +%s%N)
	stats=$( { "$TIME" -f '%M %U %S' -o /dev/fd/3 "$@" >/dev/null 2>&1; } 3>&1 ) || {
		echo "bench: failed: $*" >&2; exit 1; }
	t1=$(date +%s%N)
	echo "$(( (t1 - t0) / 1000 )) $stats" | awk '{printf "%s %s %.2f\n", $1, $2, $3 + $4}' >>"$out"
}

median_s() { sort -n "$1" | awk '{a[NR]=$1} END {printf "%.3f", a[int((NR+1)/2)]/1e6}'; }
median_cpu() { sort -n -k3 "$1" | awk '{a[NR]=$3} END {printf "%.2f", a[int((NR+1)/2)]}'; }
peak_mib() { sort -n -k2 "$1" | tail -1 | awk '{printf "%.1f", $2/1024}'; }
# evict FILE drops FILE's pages from the page cache. A binary the linker has
# just written sits there in huge pages, which a process maps whole: gen's
# peak RSS would then count about 15 MiB of code it never runs. Read back
# normally, as an installed binary is, only the pages it touches count.
evict() {
	python3 -c 'import os, sys
fd = os.open(sys.argv[1], os.O_RDONLY); os.fsync(fd)
os.posix_fadvise(fd, 0, 0, os.POSIX_FADV_DONTNEED)' "$1" 2>/dev/null ||
		echo "bench: could not evict $1 from the page cache; its peak RSS may count unused code" >&2
}
loadavg() { cut -d' ' -f1-3 /proc/loadavg 2>/dev/null || echo unknown; }
# interleave RUN_A RUN_B ROUNDS: one unmeasured run of each warms the page
# cache for both; then ROUNDS measured runs of each, into $a and $b, who goes
# first alternating so neither always inherits the other's cache state.
interleave() {
	local i
	"$1" /dev/null; "$2" /dev/null
	for ((i = 0; i < $3; i++)); do
		if ((i % 2 == 0)); then "$1" "$a"; "$2" "$b"; else "$2" "$b"; "$1" "$a"; fi
	done
}
# print_ratio [PEER [TARGET]]: a figure's last line, from $ma, $mb, $load0
# and $load1.
print_ratio() {
	printf '  ratio gen/%s %.2f (target <= %s)   load average before %s, after %s\n' \
		"${1:-git}" "$(awk -v x="$ma" -v y="$mb" 'BEGIN {print x / y}')" "${2:-1.0}" "$load0" "$load1"
}
