#!/usr/bin/env bats
# The systemd cgroup driver (--systemd-cgroup): the container's transient
# scope, its properties as systemd reports them and as the cgroup files say,
# the commands that act through it, and what a failure leaves. The tests
# that need systemd as PID 1 run in the pure cgroup v2 VM (scripts/test-vm.sh);
# on a host without it, only the error is checked.

load helpers

setup() {
	setup_common
	is_cubo || skip "cubo-runc's systemd driver"
	SLICE=system.slice
	UNIT=cubo-test-$CID.scope
	SCOPE_DIR=/sys/fs/cgroup/$SLICE/$UNIT
	update_config --arg p "$SLICE:cubo-test:$CID" '.linux.cgroupsPath = $p'
}
teardown() {
	teardown_common
	# a unit a broken test left: never one of another test's
	if has_systemd && [ -n "${UNIT:-}" ]; then
		systemctl stop "$UNIT" >/dev/null 2>&1 || true
		systemctl reset-failed "$UNIT" >/dev/null 2>&1 || true
	fi
}

has_systemd() {
	[ -d /run/systemd/system ]
}

needs_systemd() {
	has_systemd || skip "systemd is not PID 1 here (the VM runs this: make test-vm)"
	[ "$(stat -f -c %T /sys/fs/cgroup)" = cgroup2fs ] || skip "not a pure cgroup v2 host"
}

sd() {
	rt --systemd-cgroup "$@"
}

unit_prop() {
	systemctl show -p "$2" --value "$1"
}

# The unit is gone: systemd has not loaded it, its cgroup does not exist.
# systemd unloads a stopped unit on its next round: polled, bounded (5 s).
assert_unit_gone() {
	local state i
	for i in $(seq 50); do
		state=$(unit_prop "$1" LoadState)
		[ "$state" = not-found ] && break
		sleep 0.1
	done
	[ "$state" = not-found ] || {
		echo "unit $1 still loaded: $state ($(unit_prop "$1" ActiveState))" >&2
		return 1
	}
	[ ! -e "/sys/fs/cgroup/$SLICE/$1" ] || {
		echo "its cgroup is still there" >&2
		return 1
	}
}

# sd_sleeper [ID]: a created and started container, through the driver.
sd_sleeper() {
	local id=${1:-$CID}
	set_args sleep 1000
	sd create --bundle "$BUNDLE" "$id" </dev/null >"$TEST_TMP/create.out" 2>&1 || {
		cat "$TEST_TMP/create.out" >&2
		return 1
	}
	sd start "$id"
}

@test "without systemd as PID 1, --systemd-cgroup fails with a clear error and leaves nothing" {
	has_systemd && skip "systemd runs here: the other tests cover the driver"
	set_args true
	rt_detached --systemd-cgroup create --bundle "$BUNDLE" "$CID"
	[ "$status" -ne 0 ]
	[[ $output == *"systemd is not running as PID 1"* ]]
	[[ $output == *"/run/systemd/private"* ]]
	assert_no_leftovers
}

@test "features says the systemd driver is there" {
	"$RUNTIME" features | jq -e '.linux.cgroup.systemd == true'
}

@test "create puts the init in a transient scope with the limits as unit properties and files" {
	needs_systemd
	dev=$(cat /sys/block/vda/dev 2>/dev/null || cat /sys/block/*/dev 2>/dev/null | head -n 1)
	update_config --argjson maj "${dev%:*}" --argjson min "${dev#*:}" '.linux.resources = {
		memory: {limit: 67108864, swappiness: 10}, pids: {limit: 50},
		cpu: {shares: 512, quota: 50000, period: 100000},
		blockIO: {throttleReadBpsDevice: [{major: $maj, minor: $min, rate: 1048576}]}}'
	sd_sleeper
	pid=$(container_pid "$CID")
	[ "$(unit_prop "$UNIT" ActiveState)" = active ]
	[ "$(unit_prop "$UNIT" Slice)" = "$SLICE" ]
	[ "$(unit_prop "$UNIT" Delegate)" = yes ]
	[ "$(unit_prop "$UNIT" MemoryMax)" = 67108864 ]
	[ "$(unit_prop "$UNIT" TasksMax)" = 50 ]
	[ "$(unit_prop "$UNIT" CPUWeight)" = 20 ]
	[ "$(unit_prop "$UNIT" CPUQuotaPerSecUSec)" = 500ms ]
	grep -qx "0::/$SLICE/$UNIT" "/proc/$pid/cgroup"
	[ "$(cat "$SCOPE_DIR/memory.max")" = 67108864 ]
	[ "$(cat "$SCOPE_DIR/pids.max")" = 50 ]
	[ "$(cat "$SCOPE_DIR/cpu.max")" = "50000 100000" ]
	# no property for a device throttle: written below the scope, as runc does
	grep -q "^$dev rbps=1048576 " "$SCOPE_DIR/io.max"
	# the state file records the driver and the scope's cgroup
	jq -e '.cubo.systemdCgroup == true' "$ROOT/$CID/state.json"
	jq -e --arg l "=$SCOPE_DIR=unit" '.cubo.cgroupPaths == [$l]' "$ROOT/$CID/state.json"
}

@test "exec, ps, pause and resume act in the scope" {
	needs_systemd
	# no cgroup namespace (the spec has one on v2): the full path shows
	update_config '.linux.namespaces |= map(select(.type != "cgroup"))'
	sd_sleeper
	run rt exec "$CID" cat /proc/self/cgroup
	echo "exec: $output" >&2
	[ "$status" -eq 0 ]
	[[ $output == *"0::/$SLICE/$UNIT"* ]]
	run rt ps "$CID"
	[ "$status" -eq 0 ]
	[[ $output == *sleep* ]]
	rt pause "$CID"
	[ "$(container_status "$CID")" = paused ]
	[ "$(cat "$SCOPE_DIR/cgroup.freeze")" = 1 ]
	rt resume "$CID"
	[ "$(container_status "$CID")" = running ]
	[ "$(cat "$SCOPE_DIR/cgroup.freeze")" = 0 ]
}

@test "update changes the unit's properties and the files" {
	needs_systemd
	update_config '.linux.resources = {memory: {limit: 67108864}, pids: {limit: 50}}'
	sd_sleeper
	run rt update --memory 128m --pids-limit 40 --cpu-share 1024 "$CID"
	[ "$status" -eq 0 ]
	[ "$(unit_prop "$UNIT" MemoryMax)" = $((128 << 20)) ]
	[ "$(unit_prop "$UNIT" TasksMax)" = 40 ]
	[ "$(cat "$SCOPE_DIR/memory.max")" = $((128 << 20)) ]
	[ "$(cat "$SCOPE_DIR/pids.max")" = 40 ]
	[ "$(cat "$SCOPE_DIR/cpu.weight")" = 39 ]
	# systemd re-applying its properties (a daemon-reload) keeps the new values
	systemctl daemon-reload
	[ "$(cat "$SCOPE_DIR/memory.max")" = $((128 << 20)) ]
}

@test "delete stops the scope: of a stopped container, and with --force of a running one" {
	needs_systemd
	sd_sleeper
	rt kill "$CID" KILL
	wait_for_status "$CID" stopped
	rt delete "$CID"
	assert_unit_gone "$UNIT"
	sd_sleeper
	[ "$(unit_prop "$UNIT" ActiveState)" = active ]
	rt delete --force "$CID"
	assert_unit_gone "$UNIT"
	assert_no_leftovers
}

@test "a create that fails after the scope was made leaves no unit" {
	needs_systemd
	# no such huge page size: only the files below the scope can say so
	update_config '.linux.resources.hugepageLimits = [{pageSize: "3MB", limit: 1048576}]'
	set_args true
	rt_detached --systemd-cgroup create --bundle "$BUNDLE" "$CID"
	[ "$status" -ne 0 ]
	[[ $output == *hugepageLimits* ]]
	assert_unit_gone "$UNIT"
	assert_no_leftovers
}

@test "a scope name that is taken is an error, never adopted" {
	needs_systemd
	sd_sleeper
	pid=$(container_pid "$CID")
	set_args true
	rt_detached --systemd-cgroup create --bundle "$BUNDLE" "$CID-b"
	[ "$status" -ne 0 ]
	[[ $output == *"$UNIT already exists"* ]]
	# the first container is untouched: its scope holds its init, and only it
	[ "$(container_status "$CID")" = running ]
	[ "$(cat "$SCOPE_DIR/cgroup.procs")" = "$pid" ]
	[ ! -e "$ROOT/$CID-b" ]
}

@test "a cgroupsPath that names no scope is refused before systemd is asked" {
	needs_systemd
	set_args true
	for p in "system.slice:a/b:$CID" "no-slice:cubo:$CID" "../x.slice:cubo:$CID" \
		"system.slice::$CID.slice" "system.slice:cubo:$CID/../x"; do
		update_config --arg p "$p" '.linux.cgroupsPath = $p'
		rt_detached --systemd-cgroup create --bundle "$BUNDLE" "$CID"
		[ "$status" -ne 0 ] || {
			echo "accepted cgroupsPath $p" >&2
			return 1
		}
		[[ $output == *linux.cgroupsPath* ]]
		assert_no_leftovers
	done
}
