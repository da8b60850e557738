#!/bin/bash
# build.sh [-n RUNS]
#
# What an image build costs, against buildah in the same run. The build is
# the same 6 steps for both (FROM busybox; RUN mkdir + echo; COPY a file;
# ENV; WORKDIR; RUN ls > file; CMD):
#   first build     every step runs (--no-cache), the base image is stored
#   cached rebuild  nothing changed: every step comes from the cache
# cubo-mgr build (its default network: a namespace of the build's on the
# cubo bridge, shared by its RUN steps), and `buildah bud --runtime runc`
# (its default isolation and network; --ulimit lowered as this host
# needs). The first build is also timed with --network host and none, so
# the difference is what the build's network costs. Both get private
# roots with busybox pulled from a local registry first. Then the first
# build on the default network and with --network host (and the base
# build's two, with CUBO_MGR_BASE) run in turn, RUNS rounds: their
# medians, and what the network costs each. Prints mean times
# (hyperfine, else a loop) and the ratios against the targets (first build
# <= 0.3x buildah's, cached rebuild <= 0.25x). It only measures and prints:
# it never fails on a timing.
#
# CUBO_MGR_BASE=PATH (another build's cubo-mgr, with CUBO_RUNC_BASE its
# cubo-runc) builds the same file in a root of its own, and prints new/base
# for the first and the cached build: what a change costs.
set -uo pipefail

here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/../.." && pwd)
# shellcheck source=tests/bench/lib.sh
. "$here/lib.sh"
runs=10
bench_args "n=runs" "$@"
bench_mgr_setup build
B=(buildah --root "$work/buildah" --runroot "$work/buildah-run" --storage-driver overlay)
BFLAGS=(--runtime runc --ulimit nofile=1024:1024 --ulimit nproc=4096:4096)
cleanup() {
	"${B[@]}" rm -a >/dev/null 2>&1
	bench_remove_work
}
trap cleanup EXIT

bench_serve_busybox || exit 1
"$mgr" --root-dir "$R" pull -q "$img" >/dev/null || exit 1
# the base build, in its own root, with its own runtime (a command, for hyperfine)
BASE=(env "CUBO_RUNTIME=${CUBO_RUNC_BASE:-$CUBO_RUNTIME}" "${CUBO_MGR_BASE:-}" --root-dir "$work/base")
if [ -n "${CUBO_MGR_BASE:-}" ]; then
	"${BASE[@]}" pull -q "$img" >/dev/null || exit 1
fi

ctx=$work/ctx
mkdir -p "$ctx"
echo "some data" >"$ctx/data.txt"
cat >"$ctx/Cubofile" <<X
FROM $img
RUN mkdir -p /app && echo built > /app/built
COPY data.txt /app/data.txt
ENV APP_ENV=bench
WORKDIR /app
RUN ls > /app/listing
CMD ["cat", "/app/listing"]
X
have_buildah=
if command -v buildah >/dev/null &&
	"${B[@]}" pull -q --tls-verify=false "docker://$img" >/dev/null 2>&1; then
	have_buildah=1
fi

warmup=2

echo "# image build: $runs runs each, $(nproc) cpus, $(uname -r)"
echo "# cubo-mgr $("$mgr" --version | awk '{print $3}') with $("$CUBO_RUNTIME" --version | head -n1)"
bench_mean cubo-first "$mgr" --root-dir "$R" build --no-cache -q -t bench "$ctx"
bench_mean cubo-first-host "$mgr" --root-dir "$R" build --no-cache -q --network host -t bench "$ctx"
bench_mean cubo-first-none "$mgr" --root-dir "$R" build --no-cache -q --network none -t bench "$ctx"
bench_mean cubo-cached "$mgr" --root-dir "$R" build -q -t bench "$ctx"
if [ -n "${CUBO_MGR_BASE:-}" ]; then
	bench_mean base-first "${BASE[@]}" build --no-cache -q -t bench "$ctx"
	bench_mean base-cached "${BASE[@]}" build -q -t bench "$ctx"
fi
if [ -n "$have_buildah" ]; then
	echo "# $(buildah --version), runc $(runc --version | awk 'NR==1 {print $3}')"
	bench_mean buildah-first "${B[@]}" bud --no-cache -q "${BFLAGS[@]}" --tls-verify=false \
		-f "$ctx/Cubofile" -t bench "$ctx"
	bench_mean buildah-cached "${B[@]}" bud --layers -q "${BFLAGS[@]}" --tls-verify=false \
		-f "$ctx/Cubofile" -t bench "$ctx"
else
	echo "# buildah: not installed or could not pull, not measured"
fi

NEW_FIRST=("$mgr" --root-dir "$R" build --no-cache -q -t bench "$ctx")
NEW_HOST=("$mgr" --root-dir "$R" build --no-cache -q --network host -t bench "$ctx")
BASE_FIRST=("${BASE[@]}" build --no-cache -q -t bench "$ctx")
BASE_HOST=("${BASE[@]}" build --no-cache -q --network host -t bench "$ctx")
bench_interleaved cubo-first=NEW_FIRST cubo-first-host=NEW_HOST \
	${CUBO_MGR_BASE:+base-first=BASE_FIRST base-first-host=BASE_HOST}
printf 'median: the build network (bridge) costs %.2f ms per build%s\n' \
	"$(echo "${med[cubo-first]} - ${med[cubo-first-host]}" | bc -l)" \
	"${CUBO_MGR_BASE:+ (base: $(printf %.2f "$(echo "${med[base-first]} - ${med[base-first-host]}" | bc -l)") ms)}"
[ -z "${CUBO_MGR_BASE:-}" ] || bench_med_ratio cubo-first base-first

bench_table cubo-first cubo-first-host cubo-first-none cubo-cached buildah-first buildah-cached \
	${CUBO_MGR_BASE:+base-first base-cached}
if [ -n "${CUBO_MGR_BASE:-}" ]; then
	bench_ratio cubo-first base-first
	bench_ratio cubo-cached base-cached
fi
if [ -n "${mean[cubo-first]:-}" ] && [ -n "${mean[cubo-first-host]:-}" ]; then
	printf 'the build network (bridge) costs %.2f ms per build\n' \
		"$(echo "${mean[cubo-first]} - ${mean[cubo-first-host]}" | bc)"
fi
bench_ratio cubo-first buildah-first 0.3
bench_ratio cubo-cached buildah-cached 0.25
