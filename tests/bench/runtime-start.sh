#!/bin/bash
# runtime-start.sh [-n N] [-o RESULTS.json] [-s]
#
# Start-up cost of an OCI runtime: N sequential foreground `run`s (create,
# start, wait, delete) of busybox `true` from one bundle (runc's default
# config: pid, network, ipc, uts and mount namespaces, read-only root, no
# terminal, plus a 256 MiB memory limit and a 512 pids limit in a cgroup
# beneath the caller's own: relative cgroupsPath "cubo-bench"; state roots on a
# tmpfs, as /run is on a systemd machine: BENCH_STATE_ON_DISK=1 for a disk), for
# cubo-runc, runc and crun. BENCH_NO_CGROUP=1 drops the limits.  Prints the mean time per container, the ratios of cubo-runc to the
# others, and the peak RSS of one `run`.  It only measures and prints: it
# never fails on a timing.
#
# -s: the systemd cgroup driver (needs systemd as PID 1): every runtime gets
# --systemd-cgroup and the cgroupsPath "system.slice:cubo-bench:NAME", so
# each container is a transient scope that systemd creates and stops (what
# containerd with SystemdCgroup and podman on a systemd host ask for).
#
# crun refuses a hybrid cgroup host ("cgroups in hybrid mode not
# supported"), so there its loop runs inside one private mount and cgroup
# namespace where the cgroup2 mount is hidden (see crun_wrapper).  The whole loop runs inside that one wrapper, so
# the wrapper's own cost is paid once and not counted per container.  runc
# is measured a second time inside the same wrapper as a control: if the two
# runc figures agree, the wrapper does not skew crun's.  On a pure cgroup v2
# host (and with -s) no wrapper is needed: crun runs as the others do.
#
# Environment: CUBO_RUNC (default: the built cubo-runc), RUNC, CRUN;
# CUBO_RUNC_BASE, another cubo-runc (an earlier build) measured in the same
# invocation, with the difference per container printed (what a change costs);
# BENCH_NO_HYPERFINE=1 times a plain loop even when hyperfine is installed.
set -uo pipefail

here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/../.." && pwd)
runs=100
results=
systemd=
while getopts n:o:s opt; do
	case $opt in
	n) runs=$OPTARG ;;
	o) results=$OPTARG ;;
	s) systemd=--systemd-cgroup ;;
	*)
		echo "usage: $0 [-n N] [-o RESULTS.json] [-s]" >&2
		exit 2
		;;
	esac
done

[ "$(id -u)" = 0 ] || {
	echo "$0: needs root" >&2
	exit 1
}

cubo=${CUBO_RUNC:-$repo/cubo-runc/cubo-runc}
runc=${RUNC:-$(command -v runc || echo /usr/sbin/runc)}
crun=${CRUN:-$(command -v crun || echo /usr/bin/crun)}
base=${CUBO_RUNC_BASE:-}
# crun needs its wrapper (and runc its control run) on a hybrid host only
crun_wrap=crun_wrapper control=runc-in-wrapper
if [ -n "$systemd" ] || [ "$(stat -f -c %T /sys/fs/cgroup)" = cgroup2fs ]; then
	crun_wrap='' control=''
fi
names="cubo-runc runc crun $control"
[ -z "$base" ] || names="cubo-runc cubo-runc-base runc crun $control"

work=$(mktemp -d "${TMPDIR:-/tmp}/cubo-bench.XXXXXX")
chmod 755 "$work"
# The runtimes' state roots (--root) live on a tmpfs, as /run/runc,
# /run/crun and /run/cubo-runc do on any systemd machine: this VM's /run is
# on its disk, where a runtime that fsyncs its state (cubo-runc does) would
# pay disk flushes the others skip. BENCH_STATE_ON_DISK=1 measures that case.
state=$work/state
mkdir -p "$state"
if [ -z "${BENCH_STATE_ON_DISK:-}" ]; then
	mount -t tmpfs -o size=64m,mode=0755 cubo-bench "$state" || exit 1
fi
cleanup() {
	local r id
	for r in "$state"/root-*; do
		[ -d "$r" ] || continue
		for id in $(ls -A "$r" 2>/dev/null); do
			"$runc" --root "$r" $systemd delete --force "$id" >/dev/null 2>&1
		done
	done
	mountpoint -q "$state" && umount "$state"
	rm -rf --one-file-system "$work"
}
trap cleanup EXIT

# One bundle for all: the same config bytes for every runtime.
RUNTIME= "$repo/tests/fixtures/make-bundle.sh" "$work/bundle" -- true >/dev/null
bundle=$work/bundle
if [ -z "${BENCH_NO_CGROUP:-}" ]; then
	cgpath=cubo-bench
	# slice:prefix:name: the scope is cubo-bench-bench.scope
	[ -z "$systemd" ] || cgpath=system.slice:cubo-bench:bench
	jq --arg p "$cgpath" '.linux.cgroupsPath = $p |
	    .linux.resources.memory.limit = 268435456 | .linux.resources.pids.limit = 512' \
		"$bundle/config.json" >"$bundle/config.json.new" &&
		mv "$bundle/config.json.new" "$bundle/config.json"
fi

# crun resolves a relative cgroupsPath on cgroup v1 from the hierarchy's
# root, which would put its containers outside the cgroup we run in. In a
# new cgroup namespace, with the v1 hierarchies mounted afresh, that root
# is our own cgroup, so its containers stay beneath it as the others' do.
crun_wrapper() {
	unshare -C -m --propagation unchanged sh -c '
		set -e
		mount --make-rprivate /sys
		umount /sys/fs/cgroup/unified 2>/dev/null || true
		awk "{ for (i = 7; \$i != \"-\"; i++); if (\$(i + 1) == \"cgroup\") print \$5, \$(i + 3) }" \
			/proc/self/mountinfo | while read -r mp opts; do
			umount "$mp"
			mount -t cgroup -o "${opts#rw,}" cgroup "$mp"
		done
		exec "$@"' _ "$@"
}

# mean_ms NAME WRAP BIN: mean wall time of one `run` and its standard
# deviation (hyperfine only), in ms, on stdout.
mean_ms() {
	local name=$1 wrap=$2 bin=$3 root=$state/root-$1 json=$work/$1.json
	local cmd="$bin --root $root $systemd run --bundle $bundle bench-$name"
	mkdir -p "$root"
	# A run that fails is not a start-up time.
	if ! $wrap $bin --root "$root" $systemd run --bundle "$bundle" "bench-$name" >/dev/null 2>&1; then
		echo "$name: run failed, not measured" >&2
		return 1
	fi
	if [ -z "${BENCH_NO_HYPERFINE:-}" ] && command -v hyperfine >/dev/null; then
		$wrap hyperfine --shell=none --warmup 3 --runs "$runs" --style none \
			--export-json "$json" "$cmd" >/dev/null 2>&1 || return 1
		jq -r '.results[0] | "\(.mean * 1000) \(.stddev * 1000)"' "$json"
	else
		# Fallback: one timed loop; the loop's own cost is a fork+exec
		# per run, negligible next to a container start.
		$wrap bash -c '
			start=$(date +%s%N)
			for ((i = 0; i < $1; i++)); do
				"${@:2}" >/dev/null 2>&1 || exit 1
			done
			echo "scale=3; ($(date +%s%N) - $start) / 1000000 / $1" | bc' \
			_ "$runs" $cmd
	fi
}

# peak_rss_kb NAME WRAP BIN: Maximum resident set size of one `run` (the
# runtime and every descendant it waited for), in KiB.
peak_rss_kb() {
	local name=$1 wrap=$2 bin=$3 root=$state/root-$1
	[ -x /usr/bin/time ] || return 1
	$wrap /usr/bin/time -v "$bin" --root "$root" $systemd run --bundle "$bundle" "rss-$name" \
		2>&1 >/dev/null | awk -F': ' '/Maximum resident set size/ {print $2}'
}

declare -A mean sd rss
measure() {
	local name=$1 wrap=$2 bin=$3
	if [ ! -x "$bin" ]; then
		echo "# $name: $bin not found, skipped"
		return
	fi
	local m
	m=$(mean_ms "$name" "$wrap" "$bin") || m=
	read -r mean[$name] sd[$name] <<<"$m"
	rss[$name]=$(peak_rss_kb "$name" "$wrap" "$bin") || rss[$name]=
}

echo "# runtime start-up: $runs sequential 'run' of busybox true, $(nproc) cpus, $(uname -r)"
echo "# cgroup limits: $(jq -c '.linux.resources // "none"' "$bundle/config.json")"
echo "# cgroup driver: $([ -n "$systemd" ] && echo "systemd (--systemd-cgroup)" || echo cgroupfs), cgroupsPath $(jq -r ".linux.cgroupsPath // \"none\"" "$bundle/config.json")"
if [ -z "${BENCH_NO_HYPERFINE:-}" ] && command -v hyperfine >/dev/null; then
	echo "# timer: $(hyperfine --version), 3 warm-up runs"
else
	echo "# timer: a date +%s%N loop (BENCH_NO_HYPERFINE=1 or no hyperfine)"
fi
measure cubo-runc "" "$cubo"
[ -z "$base" ] || measure cubo-runc-base "" "$base"
measure runc "" "$runc"
measure crun "$crun_wrap" "$crun"
[ -z "$control" ] || measure runc-in-wrapper crun_wrapper "$runc"

printf '%-18s %10s %8s %14s  %s\n' runtime mean_ms sd_ms peak_rss_kib version
for name in $names; do
	case $name in
	cubo-runc) bin=$cubo ;;
	cubo-runc-base) bin=$base ;;
	crun) bin=$crun ;;
	*) bin=$runc ;;
	esac
	ver=$("$bin" --version 2>/dev/null | head -n1)
	m=-
	[ -z "${mean[$name]:-}" ] || m=$(printf '%.2f' "${mean[$name]}")
	d=-
	[ -z "${sd[$name]:-}" ] || d=$(printf '%.2f' "${sd[$name]}")
	printf '%-18s %10s %8s %14s  %s\n' "$name" "$m" "$d" \
		"${rss[$name]:--}" "${ver:-not found}"
done

ratio() {
	local a=${mean[$1]:-} b=${mean[$2]:-}
	if [ -n "$a" ] && [ -n "$b" ]; then
		printf '%s/%s: %.3f\n' "$1" "$2" "$(echo "scale=6; $a / $b" | bc)"
	else
		printf '%s/%s: not measured\n' "$1" "$2"
	fi
}
ratio cubo-runc runc
ratio cubo-runc crun
# interleaved_ab: the two cubo-runc builds run in turn (the order flipped
# every round), so drift in the machine's load falls on both alike: the
# median of each and their difference. $EPOCHREALTIME, not a fork of date.
interleaved_ab() {
	local i t0 t1 a b out=$work/ab
	: >"$out.new"
	: >"$out.base"
	for ((i = 0; i < runs; i++)); do
		for which in $([ $((i % 2)) -eq 0 ] && echo "new base" || echo "base new"); do
			if [ "$which" = new ]; then b=$cubo; else b=$base; fi
			t0=$EPOCHREALTIME
			"$b" --root "$state/root-ab-$which" $systemd run --bundle "$bundle" "ab-$which" \
				>/dev/null 2>&1 || return 1
			t1=$EPOCHREALTIME
			echo "(${t1/./} - ${t0/./}) / 1000" | bc -l >>"$out.$which"
		done
	done
	a=$(sort -n "$out.new" | awk '{v[NR] = $1} END {print v[int((NR + 1) / 2)]}')
	b=$(sort -n "$out.base" | awk '{v[NR] = $1} END {print v[int((NR + 1) / 2)]}')
	printf 'interleaved, %d rounds: median cubo-runc %.3f ms, cubo-runc-base %.3f ms: %+.3f ms per container\n' \
		"$runs" "$a" "$b" "$(echo "$a - $b" | bc -l)"
}

if [ -n "$base" ]; then
	ratio cubo-runc-base crun
	if [ -n "${mean[cubo-runc]:-}" ] && [ -n "${mean[cubo-runc-base]:-}" ]; then
		printf 'cubo-runc - cubo-runc-base (one after the other): %+.3f ms per container\n' \
			"$(echo "scale=6; ${mean[cubo-runc]} - ${mean[cubo-runc-base]}" | bc)"
	fi
	mkdir -p "$state/root-ab-new" "$state/root-ab-base"
	interleaved_ab || echo "interleaved: a run failed, not measured"
fi

if [ -n "$results" ]; then
	{
		echo "{\"runs\": $runs, \"kernel\": \"$(uname -r)\", \"results\": {"
		sep=
		for name in $names; do
			printf '%s"%s": {"mean_ms": %s, "stddev_ms": %s, "peak_rss_kib": %s}' \
				"$sep" "$name" "${mean[$name]:-null}" "${sd[$name]:-null}" "${rss[$name]:-null}"
			sep=', '
		done
		echo "}}"
	} | jq . >"$results"
fi
exit 0
