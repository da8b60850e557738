#!/usr/bin/env bats
# The config's mounts and /dev, as seen from inside.

load helpers

setup() { setup_common; }
teardown() { teardown_common; }

# add_mount JSON: appends one entry to .mounts.
add_mount() {
	update_config --argjson m "$1" '.mounts += [$m]'
}

@test "a tmpfs mount with options" {
	add_mount '{"destination": "/scratch", "type": "tmpfs", "source": "tmpfs",
		"options": ["nosuid", "nodev", "size=1m", "mode=1770"]}'
	run_container sh -c 'grep " /scratch " /proc/self/mountinfo; stat -c %a /scratch;
		echo data > /scratch/f && cat /scratch/f'
	[ "$status" -eq 0 ]
	[[ ${lines[0]} == *" - tmpfs "* ]]
	[[ ${lines[0]} == *nosuid* ]]
	[[ ${lines[0]} == *nodev* ]]
	[[ ${lines[0]} == *size=1024k* ]]
	[ "${lines[1]}" = 1770 ]
	[ "${lines[2]}" = data ]
	# A tmpfs: nothing reached the bundle.
	[ -z "$(ls -A "$BUNDLE/rootfs/scratch")" ]
}

@test "a bind mount of a host directory, both ways" {
	mkdir "$TEST_TMP/hostdir"
	echo from-host >"$TEST_TMP/hostdir/in"
	add_mount "{\"destination\": \"/data\", \"type\": \"bind\",
		\"source\": \"$TEST_TMP/hostdir\", \"options\": [\"rbind\", \"rw\"]}"
	run_container sh -c 'cat /data/in && echo from-container > /data/out'
	[ "$status" -eq 0 ]
	[ "$output" = from-host ]
	[ "$(cat "$TEST_TMP/hostdir/out")" = from-container ]
}

@test "a bind mount of a single host file" {
	echo "file content" >"$TEST_TMP/hostfile"
	add_mount "{\"destination\": \"/etc/greeting\", \"type\": \"bind\",
		\"source\": \"$TEST_TMP/hostfile\", \"options\": [\"bind\"]}"
	run_container sh -c 'cat /etc/greeting; test -f /etc/greeting && echo regular'
	[ "$status" -eq 0 ]
	[ "${lines[0]}" = "file content" ]
	[ "${lines[1]}" = regular ]
}

@test "a read-only bind mount refuses writes" {
	mkdir "$TEST_TMP/hostdir"
	echo keep >"$TEST_TMP/hostdir/f"
	add_mount "{\"destination\": \"/ro\", \"type\": \"bind\",
		\"source\": \"$TEST_TMP/hostdir\", \"options\": [\"rbind\", \"ro\"]}"
	run_container sh -c 'cat /ro/f; echo x > /ro/f'
	[ "$status" -ne 0 ]
	[ "${lines[0]}" = keep ]
	[[ $output == *"Read-only file system"* ]]
	[ "$(cat "$TEST_TMP/hostdir/f")" = keep ]
	# The host side stays writable: ro applies to the container's view.
	echo y >"$TEST_TMP/hostdir/f"
}

@test "mounts nest in config order" {
	mkdir -p "$TEST_TMP/hostdir"
	echo inner >"$TEST_TMP/hostdir/f"
	add_mount '{"destination": "/outer", "type": "tmpfs", "source": "tmpfs"}'
	add_mount "{\"destination\": \"/outer/inner\", \"type\": \"bind\",
		\"source\": \"$TEST_TMP/hostdir\", \"options\": [\"rbind\"]}"
	run_container cat /outer/inner/f
	[ "$status" -eq 0 ]
	[ "$output" = inner ]
}

@test "a bind mount of a missing source fails cleanly" {
	add_mount "{\"destination\": \"/data\", \"type\": \"bind\",
		\"source\": \"$TEST_TMP/nosuch\", \"options\": [\"rbind\"]}"
	run_container true
	[ "$status" -ne 0 ]
	assert_error_mentions "$TEST_TMP/nosuch"
	assert_no_leftovers
}

@test "/dev has the standard nodes and links" {
	run_container sh -c 'for n in null zero full random urandom tty; do
			test -c /dev/$n && echo "$n $(stat -c "%t:%T %a" /dev/$n)"
		done
		echo "ptmx -> $(readlink /dev/ptmx)"
		for l in fd stdin stdout stderr; do echo "$l -> $(readlink /dev/$l)"; done
		test -d /dev/pts && test -d /dev/shm && echo dirs'
	[ "$status" -eq 0 ]
	[[ $output == *"null 1:3 666"* ]]
	[[ $output == *"zero 1:5 666"* ]]
	[[ $output == *"full 1:7 666"* ]]
	[[ $output == *"random 1:8 666"* ]]
	[[ $output == *"urandom 1:9 666"* ]]
	[[ $output == *"tty 5:0 666"* ]]
	[[ $output == *"ptmx -> pts/ptmx"* ]]
	[[ $output == *"fd -> /proc/self/fd"* ]]
	[[ $output == *"stdin -> /proc/self/fd/0"* ]]
	[[ $output == *"stdout -> /proc/self/fd/1"* ]]
	[[ $output == *"stderr -> /proc/self/fd/2"* ]]
	[[ $output == *dirs* ]]
}

@test "the standard devices work" {
	run_container sh -c 'echo gone > /dev/null && echo null-ok
		head -c 16 /dev/zero | wc -c
		head -c 16 /dev/urandom | wc -c
		echo x > /dev/full || echo full-refused'
	[ "$status" -eq 0 ]
	[ "${lines[0]}" = null-ok ]
	[ "${lines[1]}" = 16 ]
	[ "${lines[2]}" = 16 ]
	[[ $output == *"No space left on device"* ]]
	[[ $output == *full-refused* ]]
}

@test "a linux.devices entry is created and usable" {
	update_config '.linux.devices = [{path: "/dev/mynull", type: "c",
			major: 1, minor: 3, fileMode: 432, uid: 0, gid: 5}] |
		.linux.resources.devices += [{allow: true, type: "c",
			major: 1, minor: 3, access: "rwm"}]'
	run_container sh -c 'stat -c "%F %t:%T %a %u:%g" /dev/mynull; echo x > /dev/mynull && echo written'
	[ "$status" -eq 0 ]
	[ "${lines[0]}" = "character special file 1:3 660 0:5" ]
	[ "${lines[1]}" = written ]
}

@test "the devices cgroup denies a node not allowed" {
	needs_cubo_cgroups
	# a v1 devices hierarchy, or pure cgroup v2 (an eBPF program on the
	# container's cgroup)
	[ -d /sys/fs/cgroup/devices ] || [ "$(stat -f -c %T /sys/fs/cgroup)" = cgroup2fs ] ||
		skip "no devices cgroup"
	# /dev/kmsg (1:11) as a node in the rootfs, not in the allow list.
	update_config '.linux.devices = [{path: "/dev/mykmsg", type: "c",
		major: 1, minor: 11, fileMode: 438}] | .process.capabilities |= with_entries(
		if .key == "bounding" or .key == "effective" or .key == "permitted"
		then .value += ["CAP_SYSLOG", "CAP_SYS_ADMIN"] else . end)'
	run_container sh -c 'head -c 1 /dev/mykmsg'
	[ "$status" -ne 0 ]
	[[ $output == *"Operation not permitted"* ]]
}

@test "without a mount namespace, mounts sit under the rootfs until delete" {
	runc_gets_wrong "refuses masked paths without a mount namespace"
	update_config '.linux.namespaces |= map(select(.type != "mount")) |
		.root.readonly = false'
	set_args sleep 1000
	rt create --bundle "$BUNDLE" "$CID"
	rootfs=$(cd "$BUNDLE/rootfs" && pwd -P)
	# the container's /proc is a mount in our namespace, below its rootfs
	grep -q " $rootfs/proc " /proc/self/mountinfo
	rt delete --force "$CID"
	run grep -c " $rootfs/" /proc/self/mountinfo
	[ "$output" = 0 ]
}

@test "a read-only /dev still gets /dev/pts, /dev/shm and its device nodes" {
	# runc mounts it writable and makes it read-only once everything is in it
	update_config '(.mounts[] | select(.destination == "/dev") | .options) += ["ro"]'
	run_container sh -c 'touch /dev/x 2>&1; echo rc=$?; touch /dev/shm/y && echo shm-ok;
		[ -c /dev/null ] && [ -c /dev/tty ] && echo nodes-ok; grep " /dev/pts " /proc/self/mounts >/dev/null && echo pts-ok;
		awk "\$2 == \"/dev\" {print \$4}" /proc/self/mounts'
	[ "$status" -eq 0 ]
	[[ "$output" == *"Read-only file system"* ]]
	[[ "$output" == *"rc=1"* ]]
	[[ "$output" == *shm-ok* ]]
	[[ "$output" == *nodes-ok* ]]
	[[ "$output" == *pts-ok* ]]
	[[ "${lines[-1]}" == ro,* ]]
}
