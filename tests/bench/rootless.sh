#!/bin/bash
# rootless.sh [-n RUNS] [-p PULLS]
#
# What containers cost a user who is not root, cubo against podman, both
# rootless, as the same throwaway user (subordinate ranges of its own in
# /etc/subuid and /etc/subgid, a home and a runtime dir under the scratch
# directory), in one invocation:
#   cubo-mgr run --rm --network none IMAGE true     RUNS runs (default 20)
#   podman run --rm --network none IMAGE true       the same (podman's rootless
#                                                   mode, its own overlay or vfs
#                                                   storage in the user's home)
#   pull of the 1 GB single-layer test image (pull.sh's, gzip) from a local
#   registry into an empty store, best of PULLS (default 3), each tool
# busybox comes from a local registry too (pulled once by each tool first).
# Prints the means, the best pulls and the ratios (issue 23's goal: cubo's
# run --rm at most 0.3 of podman's). It only measures: it never fails on a
# timing. Needs root (it makes the user and removes it, with every process of
# it and of its subordinate ids, and its files), uidmap, and podman for the
# comparison.
set -uo pipefail

here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/../.." && pwd)
# shellcheck source=tests/bench/lib.sh
. "$here/lib.sh"
runs=20
pulls=3
bench_args "n=runs p=pulls" "$@"
bench_mgr_setup rootless
chmod 755 "$work"
for tool in newuidmap newgidmap useradd setpriv; do
	command -v "$tool" >/dev/null || {
		echo "$0: needs $tool (uidmap, passwd, util-linux)" >&2
		exit 1
	}
done

user=cubobench$$
home=$work/home
xdg=$work/xdg
useradd -K SUB_UID_COUNT=0 -K SUB_GID_COUNT=0 -M -d "$home" -s /bin/sh "$user" || exit 1
uid=$(id -u "$user")
gid=$(id -g "$user")
sub=$((1500000000 + (uid % 20000) * 65536))
usermod -v "$sub-$((sub + 65535))" -w "$sub-$((sub + 65535))" "$user"
mkdir -m 700 "$home" "$xdg"
chown "$uid:$gid" "$home" "$xdg"

# the user's processes and those of its subordinate ids
user_pids() {
	ps -eo pid=,uid= | awk -v u="$uid" -v lo="$sub" -v hi="$((sub + 65535))" \
		'$2 == u || ($2 >= lo && $2 <= hi) {print $1}'
}
cleanup() {
	local p
	for p in $(user_pids); do kill -9 "$p" 2>/dev/null; done
	sleep 0.2
	# what podman leaves outside the home (its lock in /dev/shm, runtime files)
	find /dev/shm /tmp /var/tmp -xdev -maxdepth 2 -user "$uid" -exec rm -rf {} + 2>/dev/null
	userdel "$user" 2>/dev/null
	bench_remove_work
}
trap cleanup EXIT

# as_user CMD...: CMD as the user, with a login's environment (a program of its
# own, not a function: hyperfine runs it)
cat >"$work/as-user" <<EOF
#!/bin/sh
exec setpriv --reuid $uid --regid $gid --init-groups --reset-env env HOME=$home \\
	USER=$user XDG_RUNTIME_DIR=$xdg PATH=/usr/local/bin:/usr/bin:/bin \\
	CUBO_RUNTIME=$CUBO_RUNTIME "\$@"
EOF
chmod 755 "$work/as-user"
as_user() {
	"$work/as-user" "$@"
}

bench_serve_busybox || exit 1
echo "# rootless: $runs runs each, $(nproc) cpus, $(uname -r), user $user ($uid, ids $sub+65536)"
echo "# cubo-mgr $("$mgr" --version | awk '{print $3}') with $("$CUBO_RUNTIME" --version | head -n1)"
if ! as_user "$mgr" pull -q "$img" >"$work/pull.out" 2>&1; then
	echo "# cubo-mgr: the rootless pull of busybox failed: $(tail -n 2 "$work/pull.out")"
else
	bench_mean cubo-rootless "$work/as-user" "$mgr" run --rm --network none "$img" /bin/true
fi
# podman with runc (crun refuses a hybrid cgroup host), overlay storage where
# the user may mount it, else vfs
have_podman=
pdriver=overlay
P=(podman --runtime runc --storage-driver overlay)
if command -v podman >/dev/null && ! as_user "${P[@]}" info >/dev/null 2>&1; then
	pdriver=vfs
	P=(podman --runtime runc --storage-driver vfs)
fi
if command -v podman >/dev/null &&
	as_user "${P[@]}" pull -q --tls-verify=false "docker://$img" >"$work/ppull.out" 2>&1; then
	have_podman=1
	echo "# $(podman --version) with runc, rootless, storage $pdriver"
	bench_mean podman-rootless "$work/as-user" "${P[@]}" run --rm --network none "$img" /bin/true
else
	echo "# podman: not installed or its rootless pull failed, not measured${have_podman:-: $(tail -n 1 "$work/ppull.out" 2>/dev/null)}"
fi
bench_table cubo-rootless podman-rootless
bench_ratio cubo-rootless podman-rootless 0.3

# ---- the large image, pulled as the user into an empty store ----
bench_big_layout "${BENCH_CACHE:-$HOME/.cache/cubo-bench/pull}" || exit 1
skopeo copy -q --dest-tls-verify=false \
	"oci:${BENCH_CACHE:-$HOME/.cache/cubo-bench/pull}/layout:gzip" "docker://$reg/big:gzip" || exit 1
# best_pull CMD...: the best time (s) of $pulls pulls, each into an empty store
# (the user's $home/p, removed by root between pulls), after a sync
best_pull() {
	local b= t s i
	for ((i = 0; i < pulls; i++)); do
		rm -rf --one-file-system "$home/p"
		sync
		s=$EPOCHREALTIME
		if ! as_user "$@" >"$work/bp.out" 2>&1; then
			echo "# failed: $*: $(tail -n 2 "$work/bp.out")" >&2
			echo NA
			return
		fi
		t=$(echo "$EPOCHREALTIME - $s" | bc)
		if [ -z "$b" ] || [ "$(echo "$t < $b" | bc)" = 1 ]; then b=$t; fi
	done
	rm -rf --one-file-system "$home/p"
	printf '%.2f\n' "$b"
}
cubo_pull=$(best_pull "$mgr" --root-dir "$home/p" pull -q --tls-verify=false "$reg/big:gzip")
podman_pull=NA
if [ -n "$have_podman" ]; then
	podman_pull=$(best_pull "${P[@]}" --root "$home/p" pull -q --tls-verify=false \
		"docker://$reg/big:gzip")
fi
echo "rootless pull of the 1 GB image (best of $pulls): cubo-mgr ${cubo_pull} s, podman ${podman_pull} s"
if [ "$cubo_pull" != NA ] && [ "$podman_pull" != NA ]; then
	printf 'cubo-pull/podman-pull: %.3f\n' "$(echo "$cubo_pull / $podman_pull" | bc -l)"
fi
