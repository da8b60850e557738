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
bench_args "n=runs c=containers" "$@"
bench_mgr_setup stats
trap bench_mgr_cleanup EXIT

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
if bench_dockerd_start; then
	for ((i = 0; i < containers; i++)); do
		"${D[@]}" run -d --network none busybox:latest sleep 100000 >/dev/null || break
	done
	bench_mean docker-stats "${D[@]}" stats --no-stream
	measured+=(docker-stats)
fi

bench_table "${measured[@]}"
bench_ratio cubo-stats docker-stats
if [ -n "${mean[cubo-stats]:-}" ]; then
	printf 'cubo-stats over %d containers: %.1f ms (target: under 100 ms over 50)\n' \
		"$containers" "${mean[cubo-stats]}"
fi
