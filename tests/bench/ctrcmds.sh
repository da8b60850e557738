#!/bin/bash
# ctrcmds.sh [-n RUNS] [-f FILES]
#
# What `cubo-mgr diff`, `export` and `commit` cost on a stopped busybox
# container that wrote FILES (default 2000) small files and 20 MiB of
# random bytes, against podman's same commands on the same container
# (podman --runtime runc, a private storage root, its overlay driver).
# Both get the busybox image from a local registry. Prints mean times
# (hyperfine, else a loop) and the ratios; it never fails on a timing.
set -uo pipefail

here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/../.." && pwd)
# shellcheck source=tests/bench/lib.sh
. "$here/lib.sh"
runs=10
files=2000
bench_args "n=runs f=files" "$@"
bench_mgr_setup ctrcmds
P=(podman --root "$work/podman" --runroot "$work/podman-run" --storage-driver overlay
	--runtime runc)
cleanup() {
	"$mgr" --root-dir "$R" rm -f bench >/dev/null 2>&1
	"${P[@]}" rm -af -t 0 >/dev/null 2>&1
	"${P[@]}" rmi -af >/dev/null 2>&1
	bench_remove_work
}
trap cleanup EXIT

script="i=0; while [ \$i -lt $files ]; do echo \$i > /f\$i; i=\$((i + 1)); done
	dd if=/dev/urandom of=/big bs=1M count=20 2>/dev/null; rm /etc/group"
bench_serve_busybox || exit 1
"$mgr" --root-dir "$R" pull -q "$img" >/dev/null || exit 1
"$mgr" --root-dir "$R" run -d --name bench --network none "$img" sh -c "$script" >/dev/null &&
	"$mgr" --root-dir "$R" wait bench >/dev/null || {
	echo "$0: cubo-mgr run failed" >&2
	exit 1
}
echo "# one stopped container with $files files and 20 MiB; $runs runs each; load: $(cut -d' ' -f1-3 /proc/loadavg)"
bench_mean cubo-diff "$mgr" --root-dir "$R" diff bench
bench_mean cubo-export "$mgr" --root-dir "$R" export -o "$work/cubo.tar" bench
bench_mean cubo-commit "$mgr" --root-dir "$R" commit bench bench:1
measured=(cubo-diff cubo-export cubo-commit)

if command -v podman >/dev/null && "${P[@]}" pull -q --tls-verify=false "docker://$img" >/dev/null 2>&1 &&
	"${P[@]}" run --name bench --network none --ulimit nofile=1024:1024 \
		--ulimit nproc=4096:4096 "$img" sh -c "$script" >/dev/null 2>&1; then
	echo "# $(podman --version)"
	bench_mean podman-diff "${P[@]}" diff bench
	bench_mean podman-export "${P[@]}" export -o "$work/podman.tar" bench
	bench_mean podman-commit "${P[@]}" commit -q bench bench:1
	measured+=(podman-diff podman-export podman-commit)
else
	echo "# podman: not installed, or it could not pull or run; not measured"
fi

bench_table "${measured[@]}"
for c in diff export commit; do
	bench_ratio "cubo-$c" "podman-$c"
done
