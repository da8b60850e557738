#!/usr/bin/env bats
# cgroups made by create: limits in the files (seen from the host and from
# inside), enforcement, nesting under our own cgroup, cleanup after crashes,
# pause/resume and ps.  Every cgroupsPath here is relative: containers nest
# under the test's own cgroup (v1), as the machine's rules ask, or beside it
# (cgroup2: see relative_base).

load helpers

setup() {
	setup_common
	needs_cubo_cgroups
}
teardown() {
	thaw_frozen
	teardown_common
}

# freeze_cgroup DIR: makes DIR (in the freezer's hierarchy) and freezes it;
# thaw_frozen thaws and removes it again, also when the test failed.
freeze_cgroup() {
	mkdir -p "$1"
	echo "$1" >>"$TEST_TMP/frozen"
	if [ -e "$1/freezer.state" ]; then
		echo FROZEN >"$1/freezer.state"
	else
		echo 1 >"$1/cgroup.freeze"
	fi
}

thaw_frozen() {
	local d
	[ -f "${TEST_TMP:-/nonexistent}/frozen" ] || return 0
	while read -r d; do
		if [ -e "$d/freezer.state" ]; then
			echo THAWED >"$d/freezer.state"
		else
			echo 0 >"$d/cgroup.freeze" 2>/dev/null || true
		fi
	done <"$TEST_TMP/frozen"
}

# The directory a relative cgroupsPath lands in, in the freezer's hierarchy.
freezer_base() {
	if is_cgroup_v1 freezer; then relative_base freezer; else relative_base ""; fi
}

# relative_base CONTROLLER: where a relative cgroupsPath lands in the
# hierarchy of CONTROLLER ("" for cgroup2): under our own cgroup on v1;
# beside it, under its parent, on cgroup2, where our own cgroup holds us and
# so may pass no controller down (runc's rule), unless ours is the root.
relative_base() {
	local own mnt
	own=$(cg_dir "$1" $$)
	if [ -n "$1" ] && is_cgroup_v1 "$1"; then
		echo "$own"
		return
	fi
	mnt=$(awk '$9 == "cgroup2" {print $5; exit}' /proc/self/mountinfo)
	if [ "$own" = "$mnt" ]; then echo "$own"; else echo "${own%/*}"; fi
}

# Every directory named after this test's container, in any hierarchy.
cg_leftovers() {
	find /sys/fs/cgroup -maxdepth 8 -type d \( -name "$CID" -o -name "$CID-*" \) 2>/dev/null
}

# start_script SCRIPT: a created and started container running sh -c SCRIPT;
# its output goes to $TEST_TMP/ct.out.
start_script() {
	set_args sh -c "$1"
	rt create --bundle "$BUNDLE" "$CID" </dev/null >"$TEST_TMP/ct.out" 2>&1
	rt start "$CID"
}

# wait_for_output TEXT: polls (bounded, 5 s) until the container printed TEXT.
wait_for_output() {
	local i
	for i in $(seq 50); do
		grep -q -- "$1" "$TEST_TMP/ct.out" 2>/dev/null && return 0
		sleep 0.1
	done
	echo "container never printed $1; output: $(cat "$TEST_TMP/ct.out")" >&2
	return 1
}

# A block device the kernel knows, as MAJOR:MINOR.
some_block_device() {
	local d
	for d in /sys/block/*/dev; do
		[ -r "$d" ] && cat "$d" && return 0
	done
	return 1
}

@test "memory, pids, cpu and blkio limits reach the cgroup files, seen from both sides" {
	dev=$(some_block_device) || skip "no block device"
	# swappiness is v1's alone
	local swappiness=null
	is_cgroup_v1 memory && swappiness=10
	update_config --argjson maj "${dev%:*}" --argjson min "${dev#*:}" --argjson sw "$swappiness" '
		.linux.namespaces |= map(select(.type != "cgroup")) | .linux.resources = {
		memory: ({limit: 67108864, reservation: 33554432, swap: 134217728, swappiness: $sw}
			| with_entries(select(.value != null))),
		pids: {limit: 50},
		cpu: {shares: 512, quota: 50000, period: 100000},
		blockIO: {throttleReadBpsDevice: [{major: $maj, minor: $min, rate: 1048576}]}}'
	if is_cgroup_v1 memory; then
		start_script 'grep memory /proc/self/cgroup; m=/sys/fs/cgroup/memory
			echo "inside-limit $(cat $m/memory.limit_in_bytes)"
			echo "inside-pids $(cat /sys/fs/cgroup/pids/pids.max)"; echo ready; exec sleep 1000'
	else
		# without a cgroup namespace the cgroup2 mount shows the whole tree
		# (runc's too): the container's own directory is its path in it
		start_script 'grep ^0:: /proc/self/cgroup; c=/sys/fs/cgroup$(sed -n "s/^0:://p" /proc/self/cgroup)
			echo "inside-limit $(cat $c/memory.max)"
			echo "inside-pids $(cat $c/pids.max)"; echo ready; exec sleep 1000'
	fi
	wait_for_output ready
	pid=$(container_pid "$CID")
	mem=$(cg_dir memory "$pid")
	cpu=$(cg_dir cpu "$pid")
	[ "$(cat "$(cg_dir pids "$pid")/pids.max")" = 50 ]
	if is_cgroup_v1 memory; then
		[ "$(cat "$mem/memory.limit_in_bytes")" = 67108864 ]
		[ "$(cat "$mem/memory.soft_limit_in_bytes")" = 33554432 ]
		[ "$(cat "$mem/memory.memsw.limit_in_bytes")" = 134217728 ]
		[ "$(cat "$mem/memory.swappiness")" = 10 ]
		[ "$(cat "$cpu/cpu.shares")" = 512 ]
		[ "$(cat "$cpu/cpu.cfs_quota_us")" = 50000 ]
		[ "$(cat "$cpu/cpu.cfs_period_us")" = 100000 ]
		grep -qx "$dev 1048576" "$(cg_dir blkio "$pid")/blkio.throttle.read_bps_device"
	else
		[ "$(cat "$mem/memory.max")" = 67108864 ]
		[ "$(cat "$mem/memory.low")" = 33554432 ]
		# the spec's swap counts memory too, v2's swap alone
		[ "$(cat "$mem/memory.swap.max")" = $((134217728 - 67108864)) ]
		[ "$(cat "$cpu/cpu.weight")" = 20 ] # 1 + (512 - 2) * 9999 / 262142
		[ "$(cat "$cpu/cpu.max")" = "50000 100000" ]
		grep -q "^$dev rbps=1048576 " "$(cg_dir io "$pid")/io.max"
	fi
	# Inside (no cgroup namespace): the full path ends in the container's id,
	# and the mounted hierarchy shows the container's own cgroup.
	grep -Eq "^[0-9]+:(memory)?:(/.*)?/$CID\$" "$TEST_TMP/ct.out"
	grep -qx "inside-limit 67108864" "$TEST_TMP/ct.out"
	grep -qx "inside-pids 50" "$TEST_TMP/ct.out"
}

@test "in a cgroup namespace the container sees its cgroup as /" {
	update_config '.linux.namespaces |= map(select(.type != "cgroup")) + [{type: "cgroup"}] |
		.linux.resources.memory = {limit: 33554432}'
	if is_cgroup_v1 memory; then
		run_container sh -c 'grep memory /proc/self/cgroup; cat /sys/fs/cgroup/memory/memory.limit_in_bytes'
	else
		run_container sh -c 'grep ^0:: /proc/self/cgroup; cat /sys/fs/cgroup/memory.max'
	fi
	[ "$status" -eq 0 ]
	[[ ${lines[0]} =~ ^[0-9]+:(memory)?:/$ ]]
	[ "${lines[1]}" = 33554432 ]
}

@test "the pids limit is enforced: fork fails past it" {
	update_config '.linux.resources.pids = {limit: 5}'
	run_container sh -c 'for i in 1 2 3 4 5 6 7 8 9 10; do sleep 2 & done; wait; echo end'
	[[ $output == *"Resource temporarily unavailable"* ]]
}

@test "the devices cgroup holds the config's rules plus the standard devices" {
	update_config '.linux.devices = [{path: "/dev/mykmsg", type: "c",
		major: 1, minor: 11, fileMode: 438}] | .process.capabilities |= with_entries(
		if .key == "bounding" or .key == "effective" or .key == "permitted"
		then .value += ["CAP_SYSLOG", "CAP_SYS_ADMIN"] else . end) |
		.linux.resources.devices = [{allow: false, access: "rwm"}]'
	start_script 'head -c 1 /dev/mykmsg; echo "kmsg $?"; echo x > /dev/null && echo null-ok
		echo ready; exec sleep 1000'
	wait_for_output ready
	grep -q "Operation not permitted" "$TEST_TMP/ct.out"
	grep -qx "null-ok" "$TEST_TMP/ct.out"
	# cgroup v2 has no rule list to read (an eBPF program holds the rules):
	# there, what the container could and could not open is the check
	is_cgroup_v1 devices || return 0
	list=$(cg_dir devices "$(container_pid "$CID")")/devices.list
	refute grep -qx 'a \*:\* rwm' "$list"
	grep -qx 'c 1:3 rwm' "$list"
	refute grep -q 'c 1:11' "$list"
}

@test "a relative cgroupsPath nests under our own memory cgroup, and delete removes it all" {
	update_config --arg p "$CID-grp/$CID" '.linux.cgroupsPath = $p'
	start_sleeper
	own=$(relative_base memory)
	[ "$(cg_dir memory "$(container_pid "$CID")")" = "$own/$CID-grp/$CID" ]
	[ -d "$own/$CID-grp/$CID" ]
	[ -d "/sys/fs/cgroup/pids/$CID-grp/$CID" ] || [ "$(cg_dir pids $$)" != /sys/fs/cgroup/pids ]
	rt delete --force "$CID"
	[ -z "$(cg_leftovers)" ]
	[ -d "$own" ]
}

@test "delete removes the cgroups after the init was killed with SIGKILL" {
	# No pid namespace: the background process outlives its init.
	update_config '.linux.namespaces |= map(select(.type != "pid"))'
	start_script 'sleep 999 & echo ready; exec sleep 1000'
	wait_for_output ready
	pid=$(container_pid "$CID")
	pids=$(cg_dir pids "$pid")/cgroup.procs
	[ "$(wc -l <"$pids")" -eq 2 ]
	bg=$(grep -vx "$pid" "$pids")
	kill -9 "$pid"
	wait_for_status "$CID" stopped
	rt delete "$CID"
	[ -z "$(cg_leftovers)" ]
	# Dead: gone, or a zombie waiting for whoever adopted it.
	! kill -0 "$bg" 2>/dev/null || grep -q '^State:.*Z' "/proc/$bg/status"
}

@test "delete removes the cgroups of a create that was killed halfway" {
	command -v strace >/dev/null || skip "needs strace"
	set_args sleep 1000
	# SIGKILL at create's first send(): the go-ahead to the init, right
	# after the init joined its cgroups and before state.json exists.
	run strace -f -qq -o /dev/null -e trace=sendto -e inject=sendto:signal=SIGKILL:when=1 \
		"$RUNTIME" --root "$ROOT" create --bundle "$BUNDLE" "$CID" </dev/null
	[ "$status" -ne 0 ]
	[ -n "$(cg_leftovers)" ]
	[ ! -e "$ROOT/$CID/state.json" ]
	rt delete "$CID"
	[ -z "$(cg_leftovers)" ]
}

@test "a limit whose file the kernel lacks fails create and leaves nothing" {
	[ -d /sys/fs/cgroup/blkio ] || skip "no blkio v1 hierarchy"
	# CFQ's leaf weights went with CFQ (Linux 5.0); BFQ has none.
	[ ! -e /sys/fs/cgroup/blkio/blkio.leaf_weight ] || skip "this kernel has CFQ"
	if [ -e /sys/fs/cgroup/blkio/blkio.weight ] || [ -e /sys/fs/cgroup/blkio/blkio.bfq.weight ]; then
		update_config '.linux.resources.blockIO = {weight: 500, leafWeight: 300}'
		rt_detached create --bundle "$BUNDLE" "$CID"
		assert_error_mentions "linux.resources.blockIO.leafWeight: "
		assert_error_mentions "/$CID/blkio.leaf_weight does not exist"
	else
		# no BFQ either (every disk on none, mq-deadline or kyber): no weight at all
		update_config '.linux.resources.blockIO = {weight: 500}'
		rt_detached create --bundle "$BUNDLE" "$CID"
		assert_error_mentions "linux.resources.blockIO.weight: "
		assert_error_mentions "/$CID/blkio.weight does not exist"
	fi
	assert_no_leftovers
}

@test "a network limit with no net_cls hierarchy is refused" {
	grep -qw net_cls /proc/self/cgroup && skip "net_cls is mounted here"
	update_config '.linux.resources.network = {classID: 1048577}'
	rt_detached create --bundle "$BUNDLE" "$CID"
	assert_error_mentions "linux.resources.network.classID: the net_cls controller is not mounted"
	assert_no_leftovers
}

@test "hugetlb limits go to the hierarchy that holds the controller" {
	[ -d /sys/kernel/mm/hugepages/hugepages-2048kB ] || skip "no 2MB huge pages"
	unified=$(awk '$9 == "cgroup2" {print $5; exit}' /proc/self/mountinfo)
	own=$(relative_base "")
	update_config '.linux.resources.hugepageLimits = [{pageSize: "2MB", limit: 4194304}]'
	if [ ! -e /sys/fs/cgroup/hugetlb ] && ! grep -qw hugetlb "$own/cgroup.subtree_control"; then
		# The runtime never writes a cgroup it did not create, such as
		# our own cgroup's subtree_control: it says what is missing.
		rt_detached create --bundle "$BUNDLE" "$CID"
		[ "$status" -ne 0 ]
		if grep -qw hugetlb "$own/cgroup.controllers"; then
			assert_error_mentions "hugepageLimits: the hugetlb controller is not enabled in $own/cgroup.subtree_control"
		else
			# not even given to our cgroup (systemd enables no hugetlb
			# for its slices): nothing we could enable
			assert_error_mentions "hugepageLimits: the hugetlb controller is not available in $own"
		fi
		assert_no_leftovers
		run grep -qw hugetlb "$own/cgroup.subtree_control"
		[ "$status" -ne 0 ]
		return
	fi
	start_sleeper
	pid=$(container_pid "$CID")
	if [ -e /sys/fs/cgroup/hugetlb ]; then
		[ "$(cat "$(cg_dir hugetlb "$pid")/hugetlb.2MB.limit_in_bytes")" = 4194304 ]
	else
		[ -n "$unified" ]
		[ "$(cat "$(cg_dir "" "$pid")/hugetlb.2MB.max")" = 4194304 ]
	fi
}

@test "pause freezes the container and resume thaws it" {
	start_sleeper
	rt pause "$CID"
	[ "$(container_status "$CID")" = paused ]
	freezer=$(cg_dir freezer "$(container_pid "$CID")" 2>/dev/null) ||
		freezer=$(cg_dir "" "$(container_pid "$CID")")
	if [ -e "$freezer/freezer.state" ]; then
		[ "$(cat "$freezer/freezer.state")" = FROZEN ]
	else
		[ "$(cat "$freezer/cgroup.freeze")" = 1 ]
	fi
	run rt pause "$CID"
	assert_error_mentions "is paused"
	rt resume "$CID"
	[ "$(container_status "$CID")" = running ]
	if [ -e "$freezer/freezer.state" ]; then
		[ "$(cat "$freezer/freezer.state")" = THAWED ]
	fi
	run rt resume "$CID"
	assert_error_mentions "is running"
	# A paused container can still be deleted by force.
	rt pause "$CID"
	rt delete --force "$CID"
	[ -z "$(cg_leftovers)" ]
}

@test "ps prints ps -ef lines of the container's processes, or their pids as JSON" {
	start_script 'sleep 999 & echo ready; exec sleep 1000'
	wait_for_output ready
	pid=$(container_pid "$CID")
	run rt ps "$CID"
	[ "$status" -eq 0 ]
	[[ ${lines[0]} =~ ^UID\ +PID\ +PPID\ +C\ +STIME\ +TTY\ +TIME\ +CMD ]]
	[ "${#lines[@]}" -eq 3 ]
	[[ $output == *"sleep 1000"* ]]
	[[ $output == *"sleep 999"* ]]
	run rt ps --format json "$CID"
	[ "$status" -eq 0 ]
	[ "$(jq length <<<"$output")" -eq 2 ]
	jq -e --argjson p "$pid" 'index($p) != null' <<<"$output"
	run rt ps "$CID" -o pid,comm
	[ "$status" -eq 0 ]
	[[ ${lines[0]} =~ PID\ +COMMAND ]]
	[ "${#lines[@]}" -eq 3 ]
}

@test "kill --all reaches a process that is in no namespace of the init's" {
	update_config '.linux.namespaces |= map(select(.type != "pid"))'
	start_script 'sleep 999 & echo ready; exec sleep 1000'
	wait_for_output ready
	pids=$(cg_dir pids "$(container_pid "$CID")")/cgroup.procs
	rt kill --all "$CID" KILL
	for i in $(seq 50); do
		[ ! -s "$pids" ] && break
		sleep 0.1
	done
	[ ! -s "$pids" ]
}

# in_v2_view CMD...: runs CMD in a private mount namespace where /sys/fs/cgroup
# is the cgroup2 hierarchy alone, as on a pure cgroup v2 host.
in_v2_view() {
	unshare -m --propagation unchanged sh -c 'mount --make-rprivate /sys && umount -R /sys/fs/cgroup &&
		mount -t cgroup2 none /sys/fs/cgroup && exec "$@"' sh "$@"
}

# rt2 ARG...: the runtime in a pure-v2 view (every command of one container
# must see the same layout).
rt2() {
	in_v2_view timeout --kill-after=5 "$RT_TIMEOUT" "$RUNTIME" --root "$ROOT" "$@" 3>&-
}

@test "on a pure cgroup v2 host: one directory, freeze through cgroup.freeze, clean delete" {
	grep -qw cgroup2 /proc/filesystems || skip "no cgroup2 in this kernel"
	v2=$(awk '$9 == "cgroup2" {print $5; exit}' /proc/self/mountinfo)
	[ -n "$v2" ] || skip "no cgroup2 mount to compare with"
	own=$(relative_base "")
	set_args sh -c 'sleep 999 & exec sleep 1000'
	rt2 create --bundle "$BUNDLE" "$CID" </dev/null >/dev/null 2>&1
	rt2 start "$CID"
	# The state records the v2 directory alone, as seen in that view.
	run jq -r '.cubo.cgroupPaths[]' "$ROOT/$CID/state.json"
	[ "${#lines[@]}" -eq 1 ]
	[ "${lines[0]}" = "=/sys/fs/cgroup${own#"$v2"}/$CID=made" ]
	[ -d "$own/$CID" ]
	[ "$(wc -l <"$own/$CID/cgroup.procs")" -eq 2 ]
	rt2 pause "$CID"
	[ "$(rt2 state "$CID" | jq -r .status)" = paused ]
	[ "$(cat "$own/$CID/cgroup.freeze")" = 1 ]
	grep -qx "frozen 1" "$own/$CID/cgroup.events"
	run rt2 ps --format json "$CID"
	[ "$(jq length <<<"$output")" -eq 2 ]
	rt2 resume "$CID"
	[ "$(rt2 state "$CID" | jq -r .status)" = running ]
	grep -qx "frozen 0" "$own/$CID/cgroup.events"
	rt2 delete --force "$CID"
	[ ! -e "$own/$CID" ]
}

@test "on a pure cgroup v2 host, a controller the hierarchy lacks is an error" {
	grep -qw cgroup2 /proc/filesystems || skip "no cgroup2 in this kernel"
	own=$(relative_base "")
	grep -qw memory "$own/cgroup.controllers" && skip "cgroup2 has the memory controller here"
	update_config '.linux.resources.memory = {limit: 67108864}'
	run rt2 create --bundle "$BUNDLE" "$CID" </dev/null
	assert_error_mentions "linux.resources.memory: the memory controller is not available"
	[ ! -e "$ROOT/$CID" ]
	[ ! -e "$own/$CID" ]
	# the same controller asked for by a unified key: the error names the key
	update_config 'del(.linux.resources.memory) | .linux.resources.unified = {"memory.max": "67108864"}'
	run rt2 create --bundle "$BUNDLE" "$CID" </dev/null
	assert_error_mentions 'linux.resources.unified."memory.max": the memory controller is not available'
	[ ! -e "$ROOT/$CID" ]
	[ ! -e "$own/$CID" ]
}

# in_own_cgroupns CMD...: CMD in a new cgroup namespace, rooted at our own
# cgroups, with every hierarchy mounted afresh: there an absolute cgroupsPath
# starts at our own cgroup, so it stays beneath it.
in_own_cgroupns() {
	unshare -C -m --propagation unchanged sh -c '
		set -e
		mount --make-rprivate /sys
		list=$(awk "{ for (i = 7; \$i != \"-\"; i++); t = \$(i + 1) }
			t == \"cgroup\" || t == \"cgroup2\" { print t, \$5, \$(i + 3) }" \
			/proc/self/mountinfo)
		umount -R /sys/fs/cgroup
		mount -t tmpfs -o mode=755 tmpfs /sys/fs/cgroup
		echo "$list" | while read -r type mp opts; do
			mkdir -p "$mp"
			if [ "$type" = cgroup2 ]; then
				mount -t cgroup2 none "$mp"
			else
				mount -t cgroup -o "${opts#rw,}" cgroup "$mp"
			fi
		done
		exec "$@"' sh "$@"
}

@test "an absolute cgroupsPath starts at the root of the caller's cgroup namespace" {
	update_config --arg p "/$CID-abs/$CID" '.linux.cgroupsPath = $p'
	set_args sleep 1000
	in_own_cgroupns timeout 30 "$RUNTIME" --root "$ROOT" create --bundle "$BUNDLE" "$CID" \
		</dev/null >/dev/null 2>&1 3>&-
	pid=$(jq -r .pid "$ROOT/$CID/state.json")
	own=$(cg_dir memory $$)
	[ "$(cg_dir memory "$pid")" = "$own/$CID-abs/$CID" ]
	[ "$(cg_dir pids "$pid")" = "$(cg_dir pids $$)/$CID-abs/$CID" ]
	# The state holds the paths as that namespace saw them.
	local p="=/sys/fs/cgroup/$CID-abs/$CID=made=2"
	is_cgroup_v1 memory && p="memory=/sys/fs/cgroup/memory/$CID-abs/$CID=made=2"
	jq -e --arg p "$p" '.cubo.cgroupPaths | index($p) != null' "$ROOT/$CID/state.json"
	in_own_cgroupns timeout 30 "$RUNTIME" --root "$ROOT" delete --force "$CID" 3>&-
	[ -z "$(cg_leftovers)" ]
}

@test "SIGKILL to a paused container's init thaws it so it can die" {
	start_sleeper
	rt pause "$CID"
	rt kill "$CID" KILL
	wait_for_status "$CID" stopped
	rt delete "$CID"
	[ -z "$(cg_leftovers)" ]
}

@test "create into a frozen cgroup is refused, not a hang" {
	base=$(freezer_base)
	freeze_cgroup "$base/$CID-frz"
	update_config --arg p "$CID-frz" '.linux.cgroupsPath = $p'
	set_args true
	rt_detached run --detach --bundle "$BUNDLE" "$CID"
	# 124 would be the helpers' timeout: the runtime hung
	[ "$status" -ne 0 ] && [ "$status" -ne 124 ]
	[[ "$output" == *"frozen"* ]]
	rt delete --force "$CID" 2>/dev/null || true
	if is_cubo; then
		# frozen by its parent: the new cgroup below is frozen from birth
		freeze_cgroup "$base/$CID-frzp"
		update_config --arg p "$CID-frzp/$CID" '.linux.cgroupsPath = $p'
		rt_detached create --bundle "$BUNDLE" "$CID"
		[ "$status" -ne 0 ] && [ "$status" -ne 124 ]
		[[ "$output" == *"container's cgroup unexpectedly frozen"* ]]
		# what create made below the frozen parent is gone again
		[ ! -e "$base/$CID-frzp/$CID" ]
	fi
	thaw_frozen
}

@test "create warns when the container's cgroup already has processes" {
	runc_gets_wrong "runc 1.1.5 does not look (runc 1.2 warns the same way)"
	base=$(relative_base pids)
	mkdir -p "$base/$CID-busy"
	sleep 1000 &
	busy=$!
	echo "$busy" >"$base/$CID-busy/cgroup.procs"
	update_config --arg p "$CID-busy" '.linux.cgroupsPath = $p'
	set_args true
	rt_detached create --bundle "$BUNDLE" "$CID"
	kill "$busy"
	[ "$status" -eq 0 ]
	[[ "$output" == *"container's cgroup is not empty: 1 process(es) found"* ]]
}

@test "v1: an empty cpuset parent made by someone else is filled before the container joins" {
	is_cgroup_v1 cpuset || skip "no v1 cpuset hierarchy"
	base=$(relative_base cpuset)
	# mkdir in a v1 cpuset gives an empty cpus/mems: nothing may join it
	mkdir "$base/$CID-cpz"
	[ -z "$(tr -d '\n' <"$base/$CID-cpz/cpuset.cpus")" ]
	update_config --arg p "$CID-cpz/$CID" '.linux.cgroupsPath = $p'
	run_container cat /proc/self/status
	[ "$status" -eq 0 ]
	[ "$(cat "$base/$CID-cpz/cpuset.cpus")" = "$(cat "$base/cpuset.cpus")" ]
	rt delete --force "$CID" 2>/dev/null || true
	rmdir "$base/$CID-cpz"
}
