#!/bin/bash
# cp.sh [-n RUNS] [-f FILES]
#
# What `cubo cp` costs against the plain `tar -c | tar -x` it is built like
# (the source read through O_PATH fds into a tar stream, extracted beneath
# the destination by the layer unpacker): a tree of FILES (default 2000)
# small files plus one 64 MiB file, copied into a running container, into
# a stopped one (its overlay mounted for the copy), out of the running one,
# and by tar between two host directories, interleaved for RUNS rounds
# (default 10); and by tar into the running container's root, for what its
# overlay costs any writer. Containers come from an image imported from a busybox tar
# (no registry needed), in a private root. It only measures and prints:
# it never fails on a timing.
set -uo pipefail

here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/../.." && pwd)
# shellcheck source=tests/bench/lib.sh
. "$here/lib.sh"
runs=10
files=2000
bench_args "n=runs f=files" "$@"
bench_mgr_setup cp
cleanup() {
	"$mgr" --root-dir "$R" rm -f running stopped >/dev/null 2>&1
	bench_remove_work
}
trap cleanup EXIT

"$repo/tests/fixtures/make-bundle.sh" "$work/bundle" >/dev/null
tar -C "$work/bundle/rootfs" -cf "$work/bb.tar" .
"$mgr" --root-dir "$R" import "$work/bb.tar" bench/bb:1 >/dev/null || exit 1
"$mgr" --root-dir "$R" run -d --network none --name running bench/bb:1 sleep 100000 >/dev/null ||
	exit 1
"$mgr" --root-dir "$R" create --network none --name stopped bench/bb:1 true >/dev/null || exit 1

src=$work/tree
mkdir -p "$src/d"
for ((i = 0; i < files; i++)); do
	echo "file $i" >"$src/d/f$i"
done
head -c $((64 << 20)) /dev/urandom >"$src/big"
mkdir -p "$work/out"

into_running=("$mgr" --root-dir "$R" cp "$src" running:/tree)
into_stopped=("$mgr" --root-dir "$R" cp "$src" stopped:/tree)
out_of_running=("$mgr" --root-dir "$R" cp running:/tree "$work/out/")
tar_tar=(sh -c "tar -C '$work' -cf - tree | tar -C '$work/out' -xf -")
# the same tar into the running container's root (its overlay): what overlayfs costs
pid=$("$mgr" --root-dir "$R" inspect -f '{{.State.Pid}}' running)
tar_into_running=(sh -c "tar -C '$work' -cf - tree | tar -C /proc/$pid/root -xf -")
# the copy-in destinations exist after the first round: each round copies into them
bench_interleaved into_running=into_running into_stopped=into_stopped \
	out_of_running=out_of_running tar_tar=tar_tar tar_into_running=tar_into_running

echo "a tree of $files small files and a 64 MiB file, median of $runs rounds"
bench_med_ratio into_running tar_into_running
bench_med_ratio into_running tar_tar
bench_med_ratio into_stopped tar_tar
bench_med_ratio out_of_running tar_tar
