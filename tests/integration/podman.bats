#!/usr/bin/env bats
# podman (with conmon) drives the runtime under test: detached and attached
# runs, exec, stop, kill and a terminal session.  Skipped when podman is not
# installed.  podman gets a private storage root, so the host's images and
# containers are never touched, and an image imported from the host's
# busybox-static, so nothing is pulled.

load helpers

setup_file() {
	# bats 1.8 cannot skip from setup_file when there is a teardown_file:
	# the reason is handed to setup() instead
	export PM_SKIP=
	if ! command -v podman >/dev/null; then
		PM_SKIP="podman is not installed"
	elif ! mountpoint -q /; then
		# podman remounts / for its layers, which a chroot refuses
		PM_SKIP="podman needs / to be a mount point (this looks like a chroot)"
	elif [ "$(id -u)" != 0 ]; then
		PM_SKIP="needs root"
	fi
	[ -z "$PM_SKIP" ] || return 0
	PM_DIR=$(mktemp -d "${TMPDIR:-/tmp}/cubo-podman.XXXXXX")
	export PM_DIR
	local rootfs=$PM_DIR/rootfs
	mkdir -p "$rootfs/bin" "$rootfs/etc" "$rootfs/tmp"
	cp "$(command -v busybox)" "$rootfs/bin/busybox"
	local applet
	for applet in $("$rootfs/bin/busybox" --list); do
		[ -e "$rootfs/bin/$applet" ] || ln -s busybox "$rootfs/bin/$applet"
	done
	echo 'root:x:0:0:root:/root:/bin/sh' >"$rootfs/etc/passwd"
	echo 'root:x:0:' >"$rootfs/etc/group"
	tar -C "$rootfs" -cf "$PM_DIR/rootfs.tar" .
	pm import "$PM_DIR/rootfs.tar" localhost/cubo-podman-test:latest >/dev/null
}

teardown_file() {
	if [ -n "${PM_DIR:-}" ] && [ -d "$PM_DIR" ]; then
		pm rm --all --force --time 0 >/dev/null 2>&1 || true
		pm system reset --force >/dev/null 2>&1 || true
		# podman's overlay mounts beneath its private root, deepest first
		for m in $(awk '{print $5}' /proc/self/mountinfo | grep "^$PM_DIR/" | sort -r); do
			umount -l "$m" 2>/dev/null || true
		done
		rm -rf --one-file-system "$PM_DIR"
	fi
}

setup() {
	[ -z "${PM_SKIP:-}" ] || skip "$PM_SKIP"
	setup_common
}

teardown() {
	teardown_common
}

# podman's own choice of cgroup manager: systemd where systemd runs on pure
# cgroup v2 (it then calls the runtime with --systemd-cgroup and puts each
# container in a scope in machine.slice), cgroupfs elsewhere.
if [ -d /run/systemd/system ] && [ "$(stat -f -c %T /sys/fs/cgroup)" = cgroup2fs ]; then
	PM_CGROUP_MANAGER=systemd
else
	PM_CGROUP_MANAGER=cgroupfs
fi

# Where podman puts container cgroups: with systemd, in its scopes; with
# cgroupfs, beneath our own cgroup when every hierarchy agrees on it, so the
# containers stay inside it; else nowhere.
cgroup_flags() {
	local own
	own=$(awk -F: '$3 != "/" {print $3}' /proc/self/cgroup | sort -u)
	if [ "$PM_CGROUP_MANAGER" = systemd ] || [ -z "$own" ]; then
		:
	elif [ "$(echo "$own" | wc -l)" = 1 ]; then
		echo "--cgroup-parent $own"
	else
		echo "--cgroups disabled"
	fi
}

PM_GLOBAL="--events-backend file --cgroup-manager $PM_CGROUP_MANAGER"

# podman with the private storage and the runtime under test.
pm() {
	# shellcheck disable=SC2086
	timeout --kill-after=5 120 podman --root "$PM_DIR/storage" --runroot "$PM_DIR/run" \
		--tmpdir "$PM_DIR/tmp" $PM_GLOBAL --runtime "$RUNTIME" "$@" 3>&-
}

# `podman run` with the limits this host needs (it cannot raise rlimits).
pm_run() {
	# shellcheck disable=SC2046
	pm run --ulimit nofile=1024:1024 --ulimit nproc=4096:4096 --network none \
		$(cgroup_flags) "$@"
}

# A podman command line for script(1), which runs it on a new terminal.
pm_line() {
	echo "podman --root $PM_DIR/storage --runroot $PM_DIR/run --tmpdir $PM_DIR/tmp" \
		"$PM_GLOBAL --runtime $RUNTIME $*"
}

@test "podman: attached run prints the output and the exit code" {
	run pm_run --rm localhost/cubo-podman-test sh -c 'echo hello from $(hostname); exit 3'
	[ "$status" -eq 3 ]
	[[ "$output" == *"hello from "* ]]
}

@test "podman: detached run, ps, logs, stop" {
	run pm_run -d --name "$CID" localhost/cubo-podman-test \
		sh -c 'trap "echo got-term; exit 0" TERM; echo started; while :; do sleep 0.1; done'
	[ "$status" -eq 0 ]
	run pm ps --format '{{.Names}} {{.Status}}'
	[[ "$output" == *"$CID Up"* ]]
	for _ in $(seq 50); do
		pm logs "$CID" | grep -q started && break
		sleep 0.1
	done
	run pm stop -t 10 "$CID"
	[ "$status" -eq 0 ]
	run pm inspect --format '{{.State.Status}} {{.State.ExitCode}}' "$CID"
	[ "$output" = "exited 0" ]
	run pm logs "$CID"
	[[ "$output" == *got-term* ]]
	pm rm "$CID" >/dev/null
}

@test "podman: exec runs in the container and returns its exit code" {
	pm_run -d --name "$CID" localhost/cubo-podman-test sleep 1000 >/dev/null
	run pm exec "$CID" sh -c 'echo $$ $(cat /proc/1/cmdline | tr "\0" " "); exit 5'
	[ "$status" -eq 5 ]
	# a new process in the container's pid namespace, next to its init
	[[ "$output" == *"sleep 1000"* ]]
	run pm exec -e FOO=bar -w /tmp "$CID" sh -c 'echo $FOO $(pwd)'
	[ "$status" -eq 0 ]
	[ "$output" = "bar /tmp" ]
	if [ "$PM_CGROUP_MANAGER" = systemd ]; then
		# the runtime's systemd driver put the init in podman's scope
		local pid id
		pid=$(pm inspect --format '{{.State.Pid}}' "$CID")
		id=$(pm inspect --format '{{.Id}}' "$CID")
		echo "init's cgroup: $(cat "/proc/$pid/cgroup")"
		grep -qx "0::/machine.slice/libpod-$id.scope" "/proc/$pid/cgroup"
	fi
	pm rm -f -t 0 "$CID" >/dev/null
}

@test "podman: kill delivers the signal" {
	pm_run -d --name "$CID" localhost/cubo-podman-test \
		sh -c 'trap "exit 42" USR1; while :; do sleep 0.1; done' >/dev/null
	run pm kill --signal USR1 "$CID"
	[ "$status" -eq 0 ]
	run pm wait "$CID"
	[ "$output" = 42 ]
	run pm_run -d --name "$CID-2" localhost/cubo-podman-test sleep 1000
	run pm kill "$CID-2"
	[ "$status" -eq 0 ]
	run pm wait "$CID-2"
	[ "$output" = 137 ]
	pm rm -f "$CID" "$CID-2" >/dev/null
}

# The process lingers a second after its output: podman's attach (through
# conmon) was seen to lose what a process printed just before it exited,
# under the ASan build's slower start.
@test "podman: -it gives the process a terminal" {
	command -v script >/dev/null || skip "script (bsdutils) is not installed"
	local cmd
	cmd=$(pm_line run --rm -it --ulimit nofile=1024:1024 --ulimit nproc=4096:4096 \
		--network none "$(cgroup_flags)" localhost/cubo-podman-test \
		"sh -c 'tty; stty size; sleep 1; exit 7'")
	run timeout 60 script -qec "$cmd" /dev/null </dev/null
	echo "exit $status: $output"
	[ "$status" -eq 7 ]
	[[ "$output" == */dev/pts/* ]]
}

@test "podman: exec -it gives the exec'd process a terminal" {
	command -v script >/dev/null || skip "script (bsdutils) is not installed"
	pm_run -d --name "$CID" localhost/cubo-podman-test sleep 1000 >/dev/null
	local cmd
	cmd=$(pm_line exec -it "$CID" "sh -c 'tty; exit 4'")
	run timeout 60 script -qec "$cmd" /dev/null </dev/null
	[ "$status" -eq 4 ]
	[[ "$output" == */dev/pts/* ]]
	pm rm -f -t 0 "$CID" >/dev/null
}
