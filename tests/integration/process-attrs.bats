#!/usr/bin/env bats
# Process attributes beyond ids and capabilities: applied, or refused at
# create with the config field named.

load helpers

setup() {
	setup_common
}

teardown() {
	teardown_common
}

@test "personality LINUX32 shows as a 32-bit machine" {
	[ "$(uname -m)" = x86_64 ] || skip "checked on x86_64"
	update_config '.linux.personality = {domain: "LINUX32"}'
	run_container uname -m
	[ "$status" -eq 0 ]
	[ "$output" = i686 ]
}

@test "scheduler, ioPriority and execCPUAffinity reach the process" {
	[ "$(nproc)" -ge 2 ] || skip "needs two cpus"
	update_config '.process.scheduler = {policy: "SCHED_BATCH", nice: 7} |
		.process.ioPriority = {class: "IOPRIO_CLASS_IDLE", priority: 0} |
		.process.execCPUAffinity = {initial: "0", final: "1"}'
	set_args sleep 1000
	rt create --bundle "$BUNDLE" "$CID" </dev/null >/dev/null 2>&1
	rt start "$CID"
	pid=$(container_pid "$CID")
	# field 41 of /proc/PID/stat is the policy (3 = SCHED_BATCH), 19 the nice value
	stat=$(sed 's/.*) //' "/proc/$pid/stat")
	[ "$(echo "$stat" | awk '{print $39}')" = 3 ]
	[ "$(echo "$stat" | awk '{print $17}')" = 7 ]
	grep -q '^Cpus_allowed_list:[[:space:]]*1$' "/proc/$pid/status"
	run ionice -p "$pid"
	[[ "$output" == idle* ]]
}

@test "memoryPolicy is applied" {
	update_config '.linux.memoryPolicy = {mode: "MPOL_BIND", nodes: "0"}'
	run_container sh -c 'grep -c bind: /proc/self/numa_maps || true'
	[ "$status" -eq 0 ]
	[ "$output" -gt 0 ]
}

@test "what the host cannot do is refused at create, naming the field" {
	local -A cases=(
		['.linux.intelRdt = {closID: "x"}']="linux.intelRdt"
		['.linux.personality = {domain: "LINUX64"}']='linux.personality.domain: unknown domain "LINUX64"'
		['.process.ioPriority = {class: "IOPRIO_CLASS_RT", priority: 8}']="process.ioPriority.priority: 8 is not in 0..7"
		['.process.scheduler = {policy: "SCHED_NOPE"}']='process.scheduler.policy: unknown policy "SCHED_NOPE"'
	)
	if [ "$(cat /sys/module/apparmor/parameters/enabled 2>/dev/null)" != Y ]; then
		cases['.process.apparmorProfile = "cubo-test"']='process.apparmorProfile "cubo-test": AppArmor is not enabled'
	fi
	if [ ! -e /sys/fs/selinux/enforce ]; then
		cases['.process.selinuxLabel = "system_u:system_r:container_t:s0"']="process.selinuxLabel"
	fi
	cp "$BUNDLE/config.json" "$TEST_TMP/config.orig"
	for filter in "${!cases[@]}"; do
		cp "$TEST_TMP/config.orig" "$BUNDLE/config.json"
		update_config "$filter"
		rt_detached create --bundle "$BUNDLE" "$CID"
		assert_error_mentions "${cases[$filter]}"
		assert_no_leftovers
	done
}
