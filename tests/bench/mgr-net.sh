#!/bin/bash
# mgr-net.sh [-n RUNS]
#
# What networking costs a container, through the manager and against podman:
#   cubo-none      cubo-mgr run --rm -i --network none IMAGE /bin/true
#   cubo-bridge    cubo-mgr run --rm -i IMAGE /bin/true        (the cubo bridge)
#   cubo-publish   the same with -p 127.0.0.1::80              (+ portmap rules)
#   cubo-none-d, cubo-bridge-d   run -d --rm: returns once the container
#                  runs, so it times the start (ADD) without the exit (DEL)
#   podman-none    podman --runtime runc run --rm --network none IMAGE /bin/true
#   podman-bridge  podman --runtime runc run --rm IMAGE /bin/true  (its default network)
#   base-*         with CUBO_MGR_BASE (another build's cubo-mgr, CUBO_RUNC_BASE
#                  its cubo-runc): the cubo commands again with that build, in
#                  a root of its own, and new/base ratios
# Every tool gets a private root with the busybox image from a local registry.
# All go to one hyperfine run (warm-ups, RUNS runs each); then the mean
# times, what the network adds per container (bridge - none) and the ratios.
# It only measures and prints: it never fails on a timing.
set -uo pipefail

here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/../.." && pwd)
# shellcheck source=tests/bench/lib.sh
. "$here/lib.sh"
runs=30
bench_args "n=runs" "$@"
bench_need_root
command -v hyperfine >/dev/null || {
	echo "$0: hyperfine is needed (scripts/install-deps.sh --test)" >&2
	exit 1
}
mgr=${CUBO_MGR:-$repo/cubo-mgr/cubo-mgr}
export CUBO_RUNTIME=${CUBO_RUNTIME:-$repo/cubo-runc/cubo-runc}
base_rt=${CUBO_RUNC_BASE:-$CUBO_RUNTIME}
work=$(mktemp -d "${TMPDIR:-/var/tmp}/cubo-bench-net.XXXXXX")
R=$work/cubo
P=(podman --root "$work/podman" --runroot "$work/podman-run" --storage-driver overlay
	--runtime runc)
PFLAGS=(--ulimit nofile=1024:1024 --ulimit nproc=4096:4096)
cleanup() {
	local ids
	ids=$("$mgr" --root-dir "$R" ps -aq --no-trunc 2>/dev/null)
	[ -z "$ids" ] || "$mgr" --root-dir "$R" rm -f $ids >/dev/null 2>&1
	"${P[@]}" rm -af -t 0 >/dev/null 2>&1
	if [ -n "${CUBO_MGR_BASE:-}" ]; then
		ids=$(CUBO_RUNTIME=$base_rt "$CUBO_MGR_BASE" --root-dir "$work/base" ps -aq --no-trunc 2>/dev/null)
		[ -z "$ids" ] || CUBO_RUNTIME=$base_rt "$CUBO_MGR_BASE" --root-dir "$work/base" rm -f $ids >/dev/null 2>&1
	fi
	bench_remove_work
}
trap cleanup EXIT

bench_serve_busybox || exit 1
"$mgr" --root-dir "$R" pull -q "$img" >/dev/null || exit 1

names=(cubo-none cubo-bridge cubo-publish cubo-none-d cubo-bridge-d)
cmds=(
	"$mgr --root-dir $R run --rm -i --network none $img /bin/true"
	"$mgr --root-dir $R run --rm -i $img /bin/true"
	"$mgr --root-dir $R run --rm -i -p 127.0.0.1::80 $img /bin/true"
	"$mgr --root-dir $R run -d --rm --network none $img /bin/true"
	"$mgr --root-dir $R run -d --rm $img /bin/true"
)
if [ -n "${CUBO_MGR_BASE:-}" ]; then
	# the base build's runtime through the environment: hyperfine runs no shell
	B="env CUBO_RUNTIME=$base_rt $CUBO_MGR_BASE --root-dir $work/base"
	$B pull -q "$img" >/dev/null || exit 1
	names+=(base-none base-bridge base-publish base-none-d base-bridge-d)
	cmds+=(
		"$B run --rm -i --network none $img /bin/true"
		"$B run --rm -i $img /bin/true"
		"$B run --rm -i -p 127.0.0.1::80 $img /bin/true"
		"$B run -d --rm --network none $img /bin/true"
		"$B run -d --rm $img /bin/true"
	)
fi
if command -v podman >/dev/null && "${P[@]}" pull -q --tls-verify=false "docker://$img" >/dev/null 2>&1; then
	names+=(podman-none podman-bridge)
	cmds+=("${P[*]} run --rm --network none ${PFLAGS[*]} $img /bin/true"
		"${P[*]} run --rm ${PFLAGS[*]} $img /bin/true")
	echo "# $(podman --version), runc $(runc --version | awk 'NR==1 {print $3}')"
else
	echo "# podman: not installed or could not pull, not measured"
fi
echo "# run --rm: $runs runs each, $(nproc) cpus, $(uname -r)"
echo "# cubo-mgr $("$mgr" --version | awk '{print $3}') with $("$CUBO_RUNTIME" --version | head -n1)"
args=()
for i in "${!names[@]}"; do
	# a command that fails is left out rather than timed
	if ! ${cmds[$i]} >/dev/null 2>&1 </dev/null; then
		echo "# ${names[$i]}: the command failed, not measured: ${cmds[$i]}" >&2
		continue
	fi
	args+=(--command-name "${names[$i]}" "${cmds[$i]}")
done
hyperfine --shell=none --warmup 3 --runs "$runs" --style none \
	--export-json "$work/net.json" "${args[@]}" >/dev/null 2>&1

declare -A mean sd
while read -r n m s; do
	mean[$n]=$m
	sd[$n]=$s
done < <(jq -r '.results[] | "\(.command) \(.mean * 1000) \(.stddev * 1000)"' "$work/net.json")
printf '%-14s %10s %8s\n' measure mean_ms sd_ms
for n in "${names[@]}"; do
	printf '%-14s %10s %8s\n' "$n" "$(printf '%.2f' "${mean[$n]:-0}")" "$(printf '%.2f' "${sd[$n]:-0}")"
done
bench_ratio cubo-bridge cubo-none
bench_ratio cubo-bridge-d cubo-none-d
bench_ratio cubo-publish cubo-bridge
for n in none bridge publish none-d bridge-d; do
	[ -z "${CUBO_MGR_BASE:-}" ] || bench_ratio "cubo-$n" "base-$n"
done
bench_ratio cubo-bridge podman-bridge
bench_ratio cubo-none podman-none
bench_ratio podman-bridge podman-none
if [ -n "${mean[cubo-bridge]:-}" ] && [ -n "${mean[cubo-none]:-}" ]; then
	printf 'the cubo bridge adds %.1f ms per container\n' \
		"$(echo "${mean[cubo-bridge]} - ${mean[cubo-none]}" | bc)"
fi
