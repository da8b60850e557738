#!/bin/bash
# health.sh [-d SECONDS]
#
# What a health check costs: one busybox container (--network none) with a
# check every second (--health-cmd true --health-interval 1s) for SECONDS
# (default 30), and the CPU its monitor used meanwhile as a % of one core:
# the monitor's own utime+stime plus its children's (the runtime's exec
# processes it starts and reaps, and the checks they reap in turn), from
# /proc/PID/stat before and after. The same for a container without a
# check, the monitor's idle cost, beside it. The target: under 1 % of a
# core with the check. docker's figure (dockerd, containerd and the shim
# over the same time, from a private dockerd without iptables or a bridge)
# when dockerd (Debian's docker.io) is installed; where it is not, that is
# said. Prints the figures; it never fails on a timing.
set -uo pipefail

here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/../.." && pwd)
# shellcheck source=tests/bench/lib.sh
. "$here/lib.sh"
seconds=30
bench_args "d=seconds" "$@"
bench_mgr_setup health
trap bench_mgr_cleanup EXIT

tck=$(getconf CLK_TCK)
# ticks PID...: utime+stime+cutime+cstime of the processes, summed
ticks() {
	local p sum=0 f
	for p in "$@"; do
		f=$(sed 's/.*) //' "/proc/$p/stat" 2>/dev/null) || continue
		# after ") ": state is field 1, so utime..cstime are fields 12..15
		sum=$((sum + $(awk '{print $12 + $13 + $14 + $15}' <<<"$f")))
	done
	echo "$sum"
}

# percent NAME PID...: the CPU of the processes over $seconds as % of a core
percent() {
	local name=$1 t0 t1 s0 s1
	shift
	t0=$(ticks "$@")
	s0=$EPOCHREALTIME
	sleep "$seconds"
	t1=$(ticks "$@")
	s1=$EPOCHREALTIME
	pct[$name]=$(echo "scale=3; ($t1 - $t0) * 100 * 1000000 / $tck / (${s1/./} - ${s0/./})" | bc)
	printf '%-22s %6.2f %% of a core over %d s\n' "$name" "${pct[$name]}" "$seconds"
}

monitor_of() {
	"$mgr" --root-dir "$R" inspect "$1" | jq -r '.[0].State.MonitorPid'
}

declare -A pct
bench_serve_busybox || exit 1
"$mgr" --root-dir "$R" pull -q "$img" >/dev/null || exit 1
if ! "$mgr" --root-dir "$R" run -d --name idle --network none "$img" sleep 100000 >/dev/null ||
	! "$mgr" --root-dir "$R" run -d --name checked --network none --health-cmd true \
		--health-interval 1s "$img" sleep 100000 >/dev/null; then
	echo "$0: cubo-mgr run failed" >&2
	exit 1
fi
echo "# load: $(cut -d' ' -f1-3 /proc/loadavg); clock ticks: $tck/s"
# both at once: the machine's load falls on both alike
percent cubo-no-check "$(monitor_of idle)" &
percent cubo-check-1s "$(monitor_of checked)"
wait
checks=$("$mgr" --root-dir "$R" inspect checked | jq -r '.[0].State.Health.Status')
echo "# the checked container is $checks"

if bench_dockerd_start; then
	if ! "${D[@]}" run -d --network none --health-cmd true --health-interval 1s \
		busybox:latest sleep 100000 >/dev/null; then
		echo "# docker: not measured (the busybox container could not run)"
	else
		# dockerd runs the checks; containerd and the container's shim exec them
		mapfile -t pids < <(echo "$dockerd_pid"; pgrep -f "containerd.*$work/docker"
			pgrep -f containerd-shim)
		percent docker-check-1s "${pids[@]}"
	fi
fi
if [ -n "${pct[cubo-check-1s]:-}" ]; then
	printf 'cubo monitor with a 1 s check: %.2f %% of a core (target: under 1 %%)\n' \
		"${pct[cubo-check-1s]}"
fi
