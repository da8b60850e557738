#!/usr/bin/env bats
# containerd's runc shim (io.containerd.runc.v2) drives the runtime under
# test, through ctr: attached and detached runs, exec, ps, pause/resume,
# metrics, kill, a terminal, and a memory limit. The test starts its own
# containerd (own root, state and socket; the CRI plugin off) and imports a
# busybox image built from the host's busybox-static, so nothing is pulled.
# Skipped when containerd is not installed or in a chroot.

load helpers

setup_file() {
	# bats 1.8 cannot skip from setup_file when there is a teardown_file
	export CTD_SKIP=
	if ! command -v containerd >/dev/null || ! command -v ctr >/dev/null; then
		CTD_SKIP="containerd is not installed"
	elif ! mountpoint -q /; then
		CTD_SKIP="containerd's snapshotter needs / to be a mount point (a chroot?)"
	elif [ "$(id -u)" != 0 ]; then
		CTD_SKIP="needs root"
	fi
	[ -z "$CTD_SKIP" ] || return 0
	CTD_DIR=$(mktemp -d "${TMPDIR:-/tmp}/cubo-containerd.XXXXXX")
	export CTD_DIR
	cat >"$CTD_DIR/config.toml" <<EOF
version = 2
root = "$CTD_DIR/root"
state = "$CTD_DIR/state"
disabled_plugins = ["io.containerd.grpc.v1.cri"]
[grpc]
  address = "$CTD_DIR/containerd.sock"
[ttrpc]
  address = "$CTD_DIR/containerd-ttrpc.sock"
EOF
	containerd --config "$CTD_DIR/config.toml" >"$CTD_DIR/containerd.log" 2>&1 3>&- &
	echo $! >"$CTD_DIR/containerd.pid"
	local i
	for ((i = 0; i < 100; i++)); do
		ctr -a "$CTD_DIR/containerd.sock" version >/dev/null 2>&1 && break
		sleep 0.1
	done
	"$FIXTURES_DIR/make-image.sh" "$CTD_DIR/layout" busybox >/dev/null
	skopeo copy -q "oci:$CTD_DIR/layout:busybox" \
		"docker-archive:$CTD_DIR/busybox.tar:docker.io/library/cubo-test:latest"
	ctr -a "$CTD_DIR/containerd.sock" images import "$CTD_DIR/busybox.tar" >/dev/null
}

teardown_file() {
	[ -n "${CTD_DIR:-}" ] && [ -d "$CTD_DIR" ] || return 0
	local c m pid
	for c in $(c tasks ls -q 2>/dev/null); do
		c tasks kill -s KILL "$c" >/dev/null 2>&1 || true
	done
	sleep 0.5
	for c in $(c containers ls -q 2>/dev/null); do
		c tasks delete -f "$c" >/dev/null 2>&1 || true
		c containers delete "$c" >/dev/null 2>&1 || true
	done
	pid=$(cat "$CTD_DIR/containerd.pid" 2>/dev/null) && kill "$pid" 2>/dev/null
	for ((i = 0; i < 50; i++)); do
		kill -0 "$pid" 2>/dev/null || break
		sleep 0.1
	done
	for m in $(awk '{print $5}' /proc/self/mountinfo | grep "^$CTD_DIR/" | sort -r); do
		umount -l "$m" 2>/dev/null || true
	done
	rm -rf --one-file-system "$CTD_DIR"
}

setup() {
	[ -z "${CTD_SKIP:-}" ] || skip "$CTD_SKIP"
	NAME=t$$-${BATS_TEST_NUMBER}
}

teardown() {
	[ -z "${CTD_SKIP:-}" ] || return 0
	c tasks kill -s KILL "$NAME" >/dev/null 2>&1 || true
	c tasks delete -f "$NAME" >/dev/null 2>&1 || true
	c containers delete "$NAME" >/dev/null 2>&1 || true
}

# ctr against our containerd, bounded in time; fd 3 is bats' own output.
c() {
	timeout --kill-after=5 60 ctr -a "$CTD_DIR/containerd.sock" "$@" 3>&-
}

IMAGE=docker.io/library/cubo-test:latest

@test "containerd: an attached run passes the output and the exit code through" {
	run c run --rm --runc-binary "$RUNTIME" "$IMAGE" "$NAME" sh -c 'echo hello; exit 3'
	[ "$status" -eq 3 ]
	[ "$output" = hello ]
}

@test "containerd: detached run, exec, ps, pause, resume, kill, delete" {
	c run -d --runc-binary "$RUNTIME" "$IMAGE" "$NAME" sleep 1000
	run c task ls
	[[ "$output" == *"$NAME"*RUNNING* ]]
	run c task exec --exec-id e1 "$NAME" sh -c 'echo from-exec; exit 4'
	[ "$status" -eq 4 ]
	[ "$output" = from-exec ]
	run c task ps "$NAME"
	[ "$status" -eq 0 ]
	[ "${#lines[@]}" -ge 2 ]
	c task pause "$NAME"
	run c task ls
	[[ "$output" == *"$NAME"*PAUSED* ]]
	c task resume "$NAME"
	run c task ls
	[[ "$output" == *"$NAME"*RUNNING* ]]
	c task kill -s SIGKILL "$NAME"
	for ((i = 0; i < 50; i++)); do
		c task ls | grep -q "$NAME.*STOPPED" && break
		sleep 0.1
	done
	run c task ls
	[[ "$output" == *"$NAME"*STOPPED* ]]
	c task delete "$NAME"
	c container delete "$NAME"
}

@test "containerd: a memory limit is applied and reported by metrics" {
	c run -d --memory-limit 67108864 --runc-binary "$RUNTIME" "$IMAGE" "$NAME" sleep 1000
	run c task metrics "$NAME"
	[ "$status" -eq 0 ]
	[[ "$output" == *"limit"*67108864* ]]
}

@test "containerd: a terminal session" {
	command -v script >/dev/null || skip "script(1) is not installed"
	run timeout 60 script -qec "ctr -a $CTD_DIR/containerd.sock run -t --rm --runc-binary $RUNTIME $IMAGE $NAME sh -c 'tty; exit 5'" /dev/null </dev/null
	[ "$status" -eq 5 ]
	[[ "$output" == */dev/pts/* ]]
}

# The shim with SystemdCgroup (ctr's --runc-systemd-cgroup; Kubernetes
# nodes set it) calls the runtime with --systemd-cgroup on every command.
@test "containerd: SystemdCgroup: the task runs in a systemd scope, limited, exec, deleted" {
	[ -d /run/systemd/system ] || skip "systemd is not PID 1 here (the VM runs this: make test-vm)"
	[ "$(stat -f -c %T /sys/fs/cgroup)" = cgroup2fs ] || skip "not a pure cgroup v2 host"
	local unit=ctd-$NAME.scope i
	c run -d --runc-systemd-cgroup --cgroup "system.slice:ctd:$NAME" --memory-limit 67108864 \
		--runc-binary "$RUNTIME" "$IMAGE" "$NAME" sleep 1000
	[ "$(systemctl show -p ActiveState --value "$unit")" = active ]
	[ "$(systemctl show -p MemoryMax --value "$unit")" = 67108864 ]
	[ "$(cat "/sys/fs/cgroup/system.slice/$unit/memory.max")" = 67108864 ]
	run c task exec --exec-id e1 "$NAME" sh -c 'echo from-exec; exit 4'
	[ "$status" -eq 4 ]
	[ "$output" = from-exec ]
	run c task metrics "$NAME"
	[ "$status" -eq 0 ]
	[[ "$output" == *"limit"*67108864* ]]
	c task kill -s SIGKILL "$NAME"
	for ((i = 0; i < 50; i++)); do
		c task ls | grep -q "$NAME.*STOPPED" && break
		sleep 0.1
	done
	c task delete "$NAME"
	c container delete "$NAME"
	for ((i = 0; i < 50; i++)); do
		[ "$(systemctl show -p LoadState --value "$unit")" = not-found ] && break
		sleep 0.1
	done
	[ "$(systemctl show -p LoadState --value "$unit")" = not-found ]
	[ ! -e "/sys/fs/cgroup/system.slice/$unit" ]
}
