# shellcheck shell=bash
# What the cubo-mgr tests share (load after helpers): every test has a root
# of its own in $R, and cleans up what that root still runs however it ended.

MGR=${MGR:-$REPO_ROOT/cubo-mgr/cubo-mgr}

mgr() {
	timeout --kill-after=5 120 "$MGR" --root-dir "$R" "$@" 3>&-
}

# This test's container monitors: forked from a command given this root.
monitors() {
	local p
	for p in $(pgrep -x cubo-monitor); do
		tr '\0' ' ' <"/proc/$p/cmdline" 2>/dev/null | grep -qF -- "--root-dir $R " && echo "$p"
	done
	true
}

# A detached run: its ID, once it runs.
run_detached() {
	local id
	id=$(mgr run -d "$@" </dev/null) || return 1
	[[ $id =~ ^[0-9a-f]{64}$ ]] || return 1
	echo "$id"
}

# What this root still runs, whatever went wrong: its containers are
# removed, then monitors (in the containers' directories) and container
# processes (in their cgroups) are killed.
kill_root_leftovers() {
	local ids p d id
	ids=$(mgr ps -aq --no-trunc 2>/dev/null || true)
	[ -z "$ids" ] || mgr rm -f $ids >/dev/null 2>&1 || true
	for p in $(monitors); do
		kill -9 "$p" 2>/dev/null
	done
	while read -r d; do
		# cubo-ID (cgroupfs driver) or cubo-ID.scope (systemd driver)
		id=${d##*/cubo-}
		[ -e "$R/${id%.scope}" ] || continue
		xargs -r kill -9 <"$d/cgroup.procs" 2>/dev/null
		sleep 0.1
		rmdir "$d" 2>/dev/null || true
	done < <(find /sys/fs/cgroup -maxdepth 8 -depth -type d -name 'cubo-*' 2>/dev/null)
}

# The root goes, and any mount left beneath it first.
remove_root() {
	local m
	# a finished build's keeper may still be releasing its network
	builds_settled >/dev/null 2>&1 || true
	for m in $(awk '{print $5}' /proc/self/mountinfo | grep "^$R/" | sort -r); do
		umount -l "$m" 2>/dev/null || true
	done
	rm -rf --one-file-system "$R"
}

# setup() of a file whose tests run containers of $REG/busybox: this test's
# root in $R, the image pulled into it as $BB, the runtime under test.
# $1: why the file cannot run here (it is skipped then), or empty.
mgr_container_setup() {
	[ -z "${1:-}" ] || skip "$1"
	[ "$(id -u)" = 0 ] || skip "needs root"
	R=$BATS_TEST_TMPDIR/root
	export CUBO_RUNTIME=$RUNTIME
	mgr pull -q "$REG/busybox" >/dev/null
	# shellcheck disable=SC2034 # the tests' image
	BB=$REG/busybox
}

# in_ctr FLAGS... -- SCRIPT: SCRIPT's output in a new container of $BB (no network).
in_ctr() {
	local flags=()
	while [ "$1" != -- ]; do
		flags+=("$1")
		shift
	done
	mgr run -i --rm --network none "${flags[@]}" "$BB" sh -c "$2" </dev/null
}

# teardown() of such a file: whatever the test left running, then its root.
mgr_container_teardown() {
	[ -n "${R:-}" ] && [ -d "$R" ] || return 0
	kill_root_leftovers
	remove_root
}

# setup_file() of a file whose tests pull from a registry: the tools it needs
# (docker-registry, skopeo, umoci and the commands given after NAME), a
# registry started in a new temp dir cubo-NAME.XXXXXX, exported as
# MGR_FILE_DIR, its address as REG, and MGR_FILE_DIR/layout holding busybox
# (pushed with mgr_push_images). Without a tool it returns 1 with
# MGR_FILE_SKIP saying what is missing.
mgr_registry_start() {
	local name=$1 c
	shift
	export MGR_FILE_SKIP=
	for c in docker-registry skopeo umoci "$@"; do
		command -v "$c" >/dev/null && continue
		MGR_FILE_SKIP="docker-registry, skopeo, umoci${*:+, $*} are needed (scripts/install-deps.sh --test)"
		return 1
	done
	MGR_FILE_DIR=$(mktemp -d "${TMPDIR:-/tmp}/cubo-$name.XXXXXX")
	export MGR_FILE_DIR
	"$FIXTURES_DIR/registry.sh" start "$MGR_FILE_DIR/reg" >/dev/null
	REG=$(sed -n 's/^REGISTRY=//p' "$MGR_FILE_DIR/reg/env")
	export REG
	"$FIXTURES_DIR/make-image.sh" "$MGR_FILE_DIR/layout" busybox >/dev/null
}

# setup_file() of a file whose tests need only $REG/busybox: RUN_DIR and REG
# as mgr_registry_start makes them, or RUN_SKIP saying what the host lacks.
mgr_busybox_registry() {
	export RUN_SKIP=
	mgr_registry_start "$1" || { RUN_SKIP=$MGR_FILE_SKIP; return 0; }
	export RUN_DIR=$MGR_FILE_DIR
	mgr_push_images busybox
}

# mgr_push_images NAME...: each image of MGR_FILE_DIR/layout to $REG/NAME:latest.
mgr_push_images() {
	local name
	for name in "$@"; do
		skopeo copy -q --dest-tls-verify=false "oci:$MGR_FILE_DIR/layout:$name" \
			"docker://$REG/$name:latest" >/dev/null
	done
}

# teardown_file() of a file that started a registry in DIR/reg: it stops, DIR goes.
mgr_registry_teardown() {
	[ -n "${1:-}" ] || return 0
	"$FIXTURES_DIR/registry.sh" stop "$1/reg" || true
	rm -rf --one-file-system "$1"
}

# busybox_tar DIR: DIR/bundle (make-bundle.sh's busybox rootfs) and
# DIR/busybox.tar of that rootfs, for `mgr import` without a registry.
busybox_tar() {
	"$FIXTURES_DIR/make-bundle.sh" "$1/bundle" >/dev/null
	tar -C "$1/bundle/rootfs" -cf "$1/busybox.tar" .
}

# A host port nobody holds, below the kernel's ephemeral range so that no
# outgoing connection takes it between this check and its use.
free_port() {
	local p i low
	read -r low _ </proc/sys/net/ipv4/ip_local_port_range
	[ "$low" -gt 10001 ] || low=32768
	for ((i = 0; i < 50; i++)); do
		p=$((10000 + RANDOM % (low - 10000)))
		! ss -Htuln "sport = :$p" 2>/dev/null | grep -q . && echo "$p" && return 0
	done
	return 1
}

# builds_settled: the keepers of finished builds have released their
# networks and removed the builds' directories (in the background; bounded).
builds_settled() {
	local i
	for ((i = 0; i < 100; i++)); do
		[ -z "$(ls -A "$R/build" 2>/dev/null)" ] && return 0
		sleep 0.1
	done
	echo "build directories left: $(ls -A "$R/build")" >&2
	return 1
}

# ctr_cgroup_dirs ID: the container's cgroup directories, wherever the
# driver put them: cubo-ID beneath the caller's cgroup (cgroupfs) or the
# transient scope cubo-ID.scope in machine.slice (systemd, on a systemd host).
ctr_cgroup_dirs() {
	find /sys/fs/cgroup -type d \( -name "cubo-$1" -o -name "cubo-$1.scope" \) 2>/dev/null
}

# cg ID FILE: FILE of whichever of the container's cgroups has it.
cg() {
	local d
	for d in $(ctr_cgroup_dirs "$1"); do
		[ -e "$d/$2" ] && cat "$d/$2" && return
	done
	return 1
}

# The container's status word from ps --format json.
state_of() {
	mgr ps -a --format json | jq -r --arg n "$1" 'select(.Names == $n or .ID == $n) | .State'
}

# wait_state NAME STATE: bounded wait.
wait_state() {
	local i
	for ((i = 0; i < 100; i++)); do
		[ "$(state_of "$1")" = "$2" ] && return 0
		sleep 0.1
	done
	echo "container $1 is $(state_of "$1"), not $2" >&2
	return 1
}

# release_root_networks NAMES_REGEX [ID...]: what the networking of this
# root's containers (and of the IDs given) may still hold, and the bridges
# and iptables rules of its networks whose names match, once its containers
# are gone (kill_root_leftovers).
release_root_networks() {
	local names=$1 id b t rule
	shift
	mgr ps -a >/dev/null 2>&1 || true # reconciles: CNI DEL of what is left
	for id in "$@" $(ls "$R" 2>/dev/null | grep -E '^[0-9a-f]{64}$'); do
		if [ -e "/run/netns/cubo-$id" ]; then
			umount -l "/run/netns/cubo-$id" 2>/dev/null || true
			rm -f "/run/netns/cubo-$id"
		fi
	done
	mgr network prune -f >/dev/null 2>&1 || true
	for b in $(jq -r '.plugins[0].bridge' "$R"/networks/*.conflist 2>/dev/null); do
		[ "$b" = cubo0 ] || ip link del "$b" 2>/dev/null || true
	done
	# the rules of these networks, if prune could not take them
	for t in nat filter; do
		iptables-save -t "$t" | grep -E -- "--comment \"cubo network ($names)\"" |
			sed 's/^-A /-D /' | while read -r rule; do
			eval "iptables -w 10 -t $t $rule" 2>/dev/null || true
		done
	done
}

# CNI plugins that log each call ("PLUGIN COMMAND CONTAINER-ID") to
# $BATS_TEST_TMPDIR/cni.log, then run the real one.
cni_logging() {
	local dir=$BATS_TEST_TMPDIR/cni p real
	mkdir -p "$dir"
	for p in bridge host-local portmap; do
		real=$(find ${CUBO_CNI_PATH//:/ } /usr/lib/cni /opt/cni/bin -maxdepth 1 -name "$p" \
			2>/dev/null | head -n1)
		[ -n "$real" ] || continue
		# shellcheck disable=SC2016 # expanded when the plugin runs
		printf '#!/bin/sh\necho "%s $CNI_COMMAND $CNI_CONTAINERID" >>"%s"\nexec "%s" "$@"\n' \
			"$p" "$BATS_TEST_TMPDIR/cni.log" "$real" >"$dir/$p"
		chmod +x "$dir/$p"
	done
	: >"$BATS_TEST_TMPDIR/cni.log"
	export CUBO_CNI_PATH=$dir
}

# attached_up TEXT [FLAGS...]: `compose [FLAGS] up` attached in the background (its pid in
# $pid, its output in $BATS_TEST_TMPDIR/up.out), once TEXT is in its output (at most 30 s).
attached_up() {
	local text=$1
	shift
	"$MGR" --root-dir "$R" compose "$@" up >"$BATS_TEST_TMPDIR/up.out" 2>&1 3>&- &
	pid=$!
	for _ in $(seq 150); do
		grep -qF "$text" "$BATS_TEST_TMPDIR/up.out" && return 0
		sleep 0.2
	done
	grep -qF "$text" "$BATS_TEST_TMPDIR/up.out"
}

# attached_ended SIGNAL: SIGNAL to the up of attached_up, its exit status in $status.
attached_ended() {
	kill -"$1" "$pid"
	status=0
	wait "$pid" || status=$?
}
