#!/bin/bash
# stats.sh [-n RUNS] [-c CONTAINERS]
#
# What `cubo-mgr stats --no-stream` costs over CONTAINERS (default 50)
# running busybox `sleep` containers (--network none), against docker's
# `docker stats --no-stream` over as many when dockerd (Debian's docker.io)
# is installed: it is started on a private root and socket, without
# iptables or a bridge, so the host's firewall is left alone. Also
# `cubo-mgr ps` over the same containers (what listing them costs alone).
# The target: stats --no-stream over 50 running containers under 100 ms.
# Every tool gets the busybox image from a local registry. Prints mean times
# (hyperfine, else a loop) and the ratio; it never fails on a timing.
set -uo pipefail

here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/../.." && pwd)
# shellcheck source=tests/bench/lib.sh
. "$here/lib.sh"
runs=20
containers=50
while getopts n:c: opt; do
	case $opt in
	n) runs=$OPTARG ;;
	c) containers=$OPTARG ;;
	*)
		echo "usage: $0 [-n RUNS] [-c CONTAINERS]" >&2
		exit 2
		;;
	esac
done
bench_need_root
mgr=${CUBO_MGR:-$repo/cubo-mgr/cubo-mgr}
export CUBO_RUNTIME=${CUBO_RUNTIME:-$repo/cubo-runc/cubo-runc}
work=$(mktemp -d "${TMPDIR:-/var/tmp}/cubo-bench-stats.XXXXXX")
R=$work/cubo
D=(docker -H "unix://$work/docker.sock")
dockerd_pid=
cleanup() {
	local ids
	ids=$("$mgr" --root-dir "$R" ps -aq --no-trunc 2>/dev/null)
	[ -z "$ids" ] || "$mgr" --root-dir "$R" rm -f $ids >/dev/null 2>&1
	if [ -n "$dockerd_pid" ]; then
		ids=$("${D[@]}" ps -aq 2>/dev/null)
		[ -z "$ids" ] || "${D[@]}" rm -f $ids >/dev/null 2>&1
		kill "$dockerd_pid" 2>/dev/null
		wait "$dockerd_pid" 2>/dev/null
	fi
	bench_remove_work
}
trap cleanup EXIT

bench_serve_busybox || exit 1
"$mgr" --root-dir "$R" pull -q "$img" >/dev/null || exit 1
for ((i = 0; i < containers; i++)); do
	"$mgr" --root-dir "$R" run -d --network none "$img" sleep 100000 >/dev/null || {
		echo "$0: cubo-mgr run failed" >&2
		exit 1
	}
done
echo "# $containers running containers, $runs runs each; load: $(cut -d' ' -f1-3 /proc/loadavg)"
bench_mean cubo-stats "$mgr" --root-dir "$R" stats --no-stream
bench_mean cubo-ps "$mgr" --root-dir "$R" ps

measured=(cubo-stats cubo-ps)
if ! command -v dockerd >/dev/null; then
	echo "# docker: not measured (no dockerd: apt-get install docker.io)"
else
	dockerd --data-root "$work/docker" --exec-root "$work/docker-exec" \
		--pidfile "$work/docker.pid" -H "unix://$work/docker.sock" \
		--iptables=false --ip-forward=false --bridge=none >"$work/dockerd.log" 2>&1 &
	dockerd_pid=$!
	for ((i = 0; i < 100; i++)); do
		"${D[@]}" version >/dev/null 2>&1 && break
		sleep 0.2
	done
	if ! "${D[@]}" version >/dev/null 2>&1; then
		echo "# docker: not measured (dockerd did not start: $(tail -n 1 "$work/dockerd.log"))"
	elif ! skopeo copy -q "oci:$work/layout:busybox" \
		"docker-archive:$work/busybox.tar:busybox:latest" ||
		! "${D[@]}" load -q -i "$work/busybox.tar" >/dev/null; then
		echo "# docker: not measured (the busybox image could not be loaded)"
	else
		for ((i = 0; i < containers; i++)); do
			"${D[@]}" run -d --network none busybox:latest sleep 100000 >/dev/null || break
		done
		bench_mean docker-stats "${D[@]}" stats --no-stream
		measured+=(docker-stats)
	fi
fi

bench_table "${measured[@]}"
bench_ratio cubo-stats docker-stats
if [ -n "${mean[cubo-stats]:-}" ]; then
	printf 'cubo-stats over %d containers: %.1f ms (target: under 100 ms over 50)\n' \
		"$containers" "${mean[cubo-stats]}"
fi
