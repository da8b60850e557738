#!/bin/bash
# mgr-run.sh [-n RUNS] [-c CONTAINERS] [-i IMAGES]
#
# What a container costs through the manager, against podman in the same run
# (cubo-mgr with --network none, but for the interleaved runs below;
# tests/bench/mgr-net.sh measures what a network adds, ports included):
#   cubo-mgr run --rm -i IMAGE /bin/true     attached: returns after the exit
#                                            and the removal, like podman's run
#   cubo-mgr run --rm IMAGE /bin/true        attached to the output only (the
#                                            default): should cost what -i does
#   cubo-mgr run -d --rm IMAGE /bin/true     detached:
#                                            returns once the container runs
#   podman --runtime runc run --rm IMAGE /bin/true   --network none, and on
#                                            podman's default network
#   docker run --rm --network none IMAGE /bin/true   a private dockerd (Debian's
#                                            docker.io, when installed; no
#                                            iptables, no default bridge)
#   interleaved: `cubo-mgr run --rm -i` with --network none and on the
#                default bridge (and the base build's, with CUBO_MGR_BASE),
#                in turn, RUNS rounds: the medians and what the bridge adds
# Every tool gets a private root with the busybox image pulled from a local
# registry first (docker: loaded from the same image). Then `cubo-mgr ps -a`
# with CONTAINERS (default 200) containers, half of them running, half
# exited, against `podman ps -a` and `docker ps -a` with the same; and
# `cubo-mgr images` with IMAGES (default 200) images, each imported from a
# one-file tar, against `podman images` and `docker images` with the same.
# Prints mean times (hyperfine, else a loop), the ratios, and the
# monitor's resident memory. It only measures and prints: it never fails on a
# timing.
#
# CUBO_MGR_BASE=PATH (another build's cubo-mgr, with CUBO_RUNC_BASE its
# cubo-runc) measures that build the same way in a root of its own, and
# prints new/base: what a change costs the run and ps figures.
set -uo pipefail

here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/../.." && pwd)
# shellcheck source=tests/bench/lib.sh
. "$here/lib.sh"
runs=30
containers=200
images=200
bench_args "n=runs c=containers i=images" "$@"
bench_mgr_setup run
P=(podman --root "$work/podman" --runroot "$work/podman-run" --storage-driver overlay
	--runtime runc)
PFLAGS=(--ulimit nofile=1024:1024 --ulimit nproc=4096:4096)
cleanup() {
	local ids
	ids=$("$mgr" --root-dir "$R" ps -aq --no-trunc 2>/dev/null)
	[ -z "$ids" ] || "$mgr" --root-dir "$R" rm -f $ids >/dev/null 2>&1
	"${P[@]}" rm -af -t 0 >/dev/null 2>&1
	if [ -n "$dockerd_pid" ]; then
		ids=$("${D[@]}" ps -aq 2>/dev/null)
		[ -z "$ids" ] || "${D[@]}" rm -f $ids >/dev/null 2>&1
		kill "$dockerd_pid" 2>/dev/null
		wait "$dockerd_pid" 2>/dev/null
	fi
	if [ -n "${CUBO_MGR_BASE:-}" ]; then
		ids=$(base ps -aq --no-trunc 2>/dev/null)
		[ -z "$ids" ] || base rm -f $ids >/dev/null 2>&1
	fi
	bench_remove_work
}
trap cleanup EXIT
# the base build, in its own root, with its own runtime (a command, for hyperfine)
BASE=(env "CUBO_RUNTIME=${CUBO_RUNC_BASE:-$CUBO_RUNTIME}" "${CUBO_MGR_BASE:-}" --root-dir "$work/base")
base() {
	"${BASE[@]}" "$@"
}

bench_serve_busybox || exit 1
"$mgr" --root-dir "$R" pull -q "$img" >/dev/null || exit 1
if [ -n "${CUBO_MGR_BASE:-}" ]; then
	base pull -q "$img" >/dev/null || exit 1
fi
have_podman=
if command -v podman >/dev/null && "${P[@]}" pull -q --tls-verify=false "docker://$img" >/dev/null 2>&1; then
	have_podman=1
fi

warmup=3

echo "# container run: $runs runs each, $(nproc) cpus, $(uname -r)"
echo "# cubo-mgr $("$mgr" --version | awk '{print $3}') with $("$CUBO_RUNTIME" --version | head -n1)"
bench_mean cubo-attached "$mgr" --root-dir "$R" run --rm -i --network none "$img" /bin/true
bench_mean cubo-output "$mgr" --root-dir "$R" run --rm --network none "$img" /bin/true
bench_mean cubo-detached "$mgr" --root-dir "$R" run -d --rm --network none "$img" /bin/true
# the detached runs' --rm removals finish in the background: let them
sleep 1
if [ -n "${CUBO_MGR_BASE:-}" ]; then
	bench_mean base-attached "${BASE[@]}" run --rm -i --network none "$img" /bin/true
	bench_mean base-detached "${BASE[@]}" run -d --rm --network none "$img" /bin/true
	sleep 1
fi
# the default bridge against none, new against base, in turn: medians
NEW_NONE=("$mgr" --root-dir "$R" run --rm -i --network none "$img" /bin/true)
NEW_BRIDGE=("$mgr" --root-dir "$R" run --rm -i "$img" /bin/true)
NEW_OUTPUT=("$mgr" --root-dir "$R" run --rm --network none "$img" /bin/true)
BASE_NONE=("${BASE[@]}" run --rm -i --network none "$img" /bin/true)
BASE_BRIDGE=("${BASE[@]}" run --rm -i "$img" /bin/true)
bench_interleaved cubo-none=NEW_NONE cubo-bridge=NEW_BRIDGE cubo-output=NEW_OUTPUT \
	${CUBO_MGR_BASE:+base-none=BASE_NONE base-bridge=BASE_BRIDGE}
printf 'median: the bridge adds %.2f ms to run --rm -i%s\n' \
	"$(echo "${med[cubo-bridge]} - ${med[cubo-none]}" | bc -l)" \
	"${CUBO_MGR_BASE:+ (base: $(printf %.2f "$(echo "${med[base-bridge]} - ${med[base-none]}" | bc -l)") ms)}"
[ -z "${CUBO_MGR_BASE:-}" ] || bench_med_ratio cubo-bridge base-bridge
# attached without -i against with it (no network): near 1
bench_med_ratio cubo-output cubo-none
if [ -n "$have_podman" ]; then
	echo "# $(podman --version), runc $(runc --version | awk 'NR==1 {print $3}')"
	bench_mean podman-none "${P[@]}" run --rm --network none "${PFLAGS[@]}" "$img" /bin/true
	bench_mean podman-default "${P[@]}" run --rm "${PFLAGS[@]}" "$img" /bin/true
else
	echo "# podman: not installed or could not pull, not measured"
fi
have_docker=
if bench_dockerd_start; then
	have_docker=1
	echo "# docker $("${D[@]}" version -f '{{.Server.Version}}' 2>/dev/null) (dockerd, containerd, runc)"
	bench_mean docker-none "${D[@]}" run --rm --network none busybox:latest /bin/true
fi

# ---- ps over many containers ----
half=$((containers / 2))
for ((i = 0; i < containers; i++)); do
	if ((i < half)); then
		"$mgr" --root-dir "$R" run -d --network none "$img" sleep 1000 >/dev/null
	else
		"$mgr" --root-dir "$R" create --network none "$img" true >/dev/null
	fi
done
n=$("$mgr" --root-dir "$R" ps -aq | wc -l)
bench_mean cubo-ps "$mgr" --root-dir "$R" ps -a
if [ -n "${CUBO_MGR_BASE:-}" ]; then
	for ((i = 0; i < containers; i++)); do
		if ((i < half)); then
			base run -d --network none "$img" sleep 1000 >/dev/null
		else
			base create --network none "$img" true >/dev/null
		fi
	done
	bench_mean base-ps "${BASE[@]}" ps -a
fi
mon=$(pgrep -x cubo-monitor | head -n1)
mon_rss=$(awk '/^VmRSS/ {print $2}' "/proc/$mon/status" 2>/dev/null)
if [ -n "$have_podman" ]; then
	for ((i = 0; i < containers; i++)); do
		if ((i < half)); then
			"${P[@]}" run -d --network none "${PFLAGS[@]}" "$img" sleep 1000 >/dev/null 2>&1
		else
			"${P[@]}" create --network none "${PFLAGS[@]}" "$img" true >/dev/null 2>&1
		fi
	done
	bench_mean podman-ps "${P[@]}" ps -a
fi
if [ -n "$have_docker" ]; then
	for ((i = 0; i < containers; i++)); do
		if ((i < half)); then
			"${D[@]}" run -d --network none busybox:latest sleep 1000 >/dev/null 2>&1
		else
			"${D[@]}" create --network none busybox:latest true >/dev/null 2>&1
		fi
	done
	bench_mean docker-ps "${D[@]}" ps -a
fi

# ---- images over many images ----
# each a one-file tar of its own content, so every import is an image of its own
mkdir -p "$work/imgsrc"
for ((i = 0; i < images; i++)); do
	echo "$i" >"$work/imgsrc/id"
	tar -C "$work/imgsrc" -cf "$work/img.tar" id
	"$mgr" --root-dir "$R" import "$work/img.tar" "bench/img$i:latest" >/dev/null
	[ -z "$have_podman" ] || "${P[@]}" import -q "$work/img.tar" "bench/img$i:latest" >/dev/null 2>&1
	[ -z "$have_docker" ] || "${D[@]}" import "$work/img.tar" "bench/img$i:latest" >/dev/null 2>&1
done
n_images=$("$mgr" --root-dir "$R" images -q | wc -l)
bench_mean cubo-images "$mgr" --root-dir "$R" images
[ -z "$have_podman" ] || bench_mean podman-images "${P[@]}" images
[ -z "$have_docker" ] || bench_mean docker-images "${D[@]}" images

bench_table cubo-attached cubo-output cubo-detached podman-none podman-default docker-none \
	cubo-ps podman-ps docker-ps cubo-images podman-images docker-images \
	${CUBO_MGR_BASE:+base-attached base-detached base-ps}
if [ -n "${CUBO_MGR_BASE:-}" ]; then
	bench_ratio cubo-attached base-attached
	bench_ratio cubo-detached base-detached
	bench_ratio cubo-ps base-ps
fi
bench_ratio cubo-output cubo-attached
bench_ratio cubo-attached podman-none
bench_ratio cubo-attached podman-default
bench_ratio cubo-detached podman-none
bench_ratio cubo-attached docker-none
bench_ratio cubo-ps podman-ps
bench_ratio cubo-ps docker-ps
bench_ratio cubo-images podman-images
bench_ratio cubo-images docker-images
echo "ps -a over $n containers ($half running): ${mean[cubo-ps]:-?} ms (target < 20 ms)"
echo "images over $n_images images: ${mean[cubo-images]:-?} ms (target < 10 ms)"
echo "monitor resident memory: ${mon_rss:-?} KiB"
