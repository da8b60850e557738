#!/bin/bash
# compose.sh [-n RUNS]
#
# `compose up -d` then `down` of a three-service project (busybox services
# on the project's default network, the first two depended on by the third,
# stop_signal SIGKILL so that no side waits out a grace period), timed as one
# round, RUNS rounds (default 10) of cubo compose and of Debian's
# docker-compose 1.29 driving a private dockerd (no iptables, no default
# bridge; the project's own bridge network is made as compose makes it),
# interleaved so that the machine's load falls on both alike. Prints the
# medians and their ratio (the issue's goal: cubo at most 0.3 of
# docker-compose's time). Where docker-compose or dockerd is missing, that is
# said. It never fails on a timing. Run it on an idle machine.
set -uo pipefail

here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/../.." && pwd)
# shellcheck source=tests/bench/lib.sh
. "$here/lib.sh"
runs=10
bench_args "n=runs" "$@"
bench_mgr_setup compose
trap bench_mgr_cleanup EXIT

# project DIR IMAGE: the three-service compose file, project name "cbench"
project() {
	mkdir -p "$1"
	cat >"$1/docker-compose.yml" <<EOF
version: "3.8"
services:
  db:
    image: $2
    command: sleep 100000
    stop_signal: SIGKILL
    environment: {ROLE: db}
  cache:
    image: $2
    command: sleep 100000
    stop_signal: SIGKILL
  web:
    image: $2
    command: sleep 100000
    stop_signal: SIGKILL
    depends_on: [db, cache]
EOF
}

bench_serve_busybox || exit 1
"$mgr" --root-dir "$R" pull -q "$img" >/dev/null || exit 1
project "$work/cubo-project" "$img"
cubo_round() {
	"$mgr" --root-dir "$R" compose -p cbench --project-directory "$work/cubo-project" up -d &&
		"$mgr" --root-dir "$R" compose -p cbench --project-directory "$work/cubo-project" down
}
specs=(cubo=cubo_cmd)
# shellcheck disable=SC2034 # bench_interleaved reads it by name
cubo_cmd=(cubo_round)
echo "# load: $(cut -d' ' -f1-3 /proc/loadavg)"

if ! command -v docker-compose >/dev/null; then
	echo "# docker-compose: not measured (apt-get install docker-compose)"
elif bench_dockerd_start; then
	project "$work/docker-project" busybox:latest
	docker_round() {
		DOCKER_HOST=unix://$work/docker.sock docker-compose -p cbench \
			--project-directory "$work/docker-project" \
			-f "$work/docker-project/docker-compose.yml" up -d &&
			DOCKER_HOST=unix://$work/docker.sock docker-compose -p cbench \
				--project-directory "$work/docker-project" \
				-f "$work/docker-project/docker-compose.yml" down
	}
	# shellcheck disable=SC2034 # bench_interleaved reads it by name
	docker_cmd=(docker_round)
	specs+=(docker-compose=docker_cmd)
fi
bench_interleaved "${specs[@]}"
bench_med_ratio cubo docker-compose
