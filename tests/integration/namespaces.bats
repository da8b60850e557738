#!/usr/bin/env bats
# Namespaces: new ones, joined ones, user namespace mappings, sysctls.

load helpers

setup() { setup_common; }
teardown() { teardown_common; }

# OCI namespace type -> /proc/PID/ns entry.
ns_file() {
	case $1 in
	network) echo net ;;
	mount) echo mnt ;;
	*) echo "$1" ;;
	esac
}

@test "each new namespace differs from the host, the others are shared" {
	local requested="pid network ipc uts mount"
	[ -e /proc/self/ns/cgroup ] && requested+=" cgroup"
	update_config --argjson t "$(jq -cn '$ARGS.positional' --args $requested)" \
		'.linux.namespaces = [$t[] | {type: .}]'
	run_container sh -c 'for f in /proc/self/ns/*; do echo "${f##*/} $(readlink $f)"; done'
	[ "$status" -eq 0 ]
	local t f inside host
	for t in $requested; do
		f=$(ns_file "$t")
		inside=$(awk -v n="$f" '$1 == n { print $2 }' <<<"$output")
		host=$(readlink "/proc/self/ns/$f")
		[ -n "$inside" ]
		[ "$inside" != "$host" ] || {
			echo "$t: container shares the host's $host" >&2
			return 1
		}
	done
	# Not asked for: the host's own.
	for f in user time; do
		[ -e "/proc/self/ns/$f" ] || continue
		inside=$(awk -v n="$f" '$1 == n { print $2 }' <<<"$output")
		[ "$inside" = "$(readlink "/proc/self/ns/$f")" ]
	done
}

@test "a new network namespace has its loopback interface up, and only that" {
	update_config '.linux.namespaces += [{type: "network"}] | .linux.namespaces |= unique'
	run_container sh -c 'ls /sys/class/net; cat /sys/class/net/lo/flags'
	[ "$status" -eq 0 ]
	[ "${lines[0]}" = lo ]
	[ "${#lines[@]}" -eq 2 ]
	# IFF_UP is bit 0
	(( ${lines[1]} & 1 ))
}

@test "without a network namespace the host's is shared" {
	update_config '.linux.namespaces |= map(select(.type != "network"))'
	run_container readlink /proc/self/ns/net
	[ "$status" -eq 0 ]
	[ "$output" = "$(readlink /proc/self/ns/net)" ]
}

@test "the pid namespace makes the process pid 1" {
	run_container sh -c 'echo $$; ps -o pid= 2>/dev/null | wc -l || true'
	[ "$status" -eq 0 ]
	[ "${lines[0]}" = 1 ]
}

@test "a namespace path joins another container's namespaces" {
	start_sleeper "$CID-target"
	target=$(container_pid "$CID-target")
	update_config --arg p "/proc/$target/ns" '.linux.namespaces |= map(
		if .type == "network" then .path = "\($p)/net"
		elif .type == "ipc" then .path = "\($p)/ipc"
		else . end)'
	run_container sh -c 'readlink /proc/self/ns/net; readlink /proc/self/ns/ipc; readlink /proc/self/ns/pid'
	[ "$status" -eq 0 ]
	[ "${lines[0]}" = "$(readlink /proc/$target/ns/net)" ]
	[ "${lines[1]}" = "$(readlink /proc/$target/ns/ipc)" ]
	# The pid namespace was not joined.
	[ "${lines[2]}" != "$(readlink /proc/$target/ns/pid)" ]
}

@test "a namespace path that is not a namespace is refused" {
	update_config --arg p "$TEST_TMP" '.linux.namespaces |= map(
		if .type == "network" then .path = "\($p)/notans" else . end)'
	touch "$TEST_TMP/notans"
	run_container true
	[ "$status" -ne 0 ]
	assert_no_leftovers
}

@test "a user namespace maps ids as configured" {
	require_ns user
	update_config '.linux.namespaces += [{type: "user"}] |
		.linux.uidMappings = [{containerID: 0, hostID: 100000, size: 65536}] |
		.linux.gidMappings = [{containerID: 0, hostID: 200000, size: 65536}]'
	# The rootfs belongs to host root, which the namespace does not map:
	# that is fine for reading and executing.
	run_container sh -c 'cat /proc/self/uid_map; cat /proc/self/gid_map; id -u; readlink /proc/self/ns/user'
	[ "$status" -eq 0 ]
	read -ra uid_map <<<"${lines[0]}"
	read -ra gid_map <<<"${lines[1]}"
	[ "${uid_map[*]}" = "0 100000 65536" ]
	[ "${gid_map[*]}" = "0 200000 65536" ]
	[ "${lines[2]}" = 0 ]
	[ "${lines[3]}" != "$(readlink /proc/self/ns/user)" ]
}

@test "a user namespace process is the mapped host uid" {
	require_ns user
	update_config '.linux.namespaces += [{type: "user"}] |
		.linux.uidMappings = [{containerID: 0, hostID: 100000, size: 65536}] |
		.linux.gidMappings = [{containerID: 0, hostID: 100000, size: 65536}]'
	set_args sleep 1000
	rt create --bundle "$BUNDLE" "$CID" </dev/null >/dev/null
	rt start "$CID"
	pid=$(container_pid "$CID")
	# Seen from the host, container root is uid 100000.
	[ "$(awk '/^Uid:/ {print $2}' /proc/$pid/status)" = 100000 ]
	[ "$(awk '/^Gid:/ {print $2}' /proc/$pid/status)" = 100000 ]
}

@test "sysctl in a new network namespace leaves the host alone" {
	host=$(cat /proc/sys/net/ipv4/ip_forward)
	want=$((1 - host))
	update_config --arg v "$want" '.linux.sysctl = {"net.ipv4.ip_forward": $v}'
	run_container cat /proc/sys/net/ipv4/ip_forward
	[ "$status" -eq 0 ]
	[ "$output" = "$want" ]
	[ "$(cat /proc/sys/net/ipv4/ip_forward)" = "$host" ]
}

@test "sysctl in a new ipc namespace" {
	update_config '.linux.sysctl = {"kernel.shmmax": "123456789", "kernel.msgmax": "4096"}'
	run_container sh -c 'cat /proc/sys/kernel/shmmax; cat /proc/sys/kernel/msgmax'
	[ "$status" -eq 0 ]
	[ "${lines[0]}" = 123456789 ]
	[ "${lines[1]}" = 4096 ]
	[ "$(cat /proc/sys/kernel/shmmax)" != 123456789 ]
}

@test "a network sysctl without a network namespace is refused" {
	update_config '.linux.namespaces |= map(select(.type != "network")) |
		.linux.sysctl = {"net.ipv4.ip_forward": "1"}'
	before=$(cat /proc/sys/net/ipv4/ip_forward)
	run_container true
	[ "$status" -ne 0 ]
	assert_error_mentions net.ipv4.ip_forward
	[ "$(cat /proc/sys/net/ipv4/ip_forward)" = "$before" ]
	assert_no_leftovers
}

@test "hostname needs a uts namespace" {
	update_config '.linux.namespaces |= map(select(.type != "uts")) | .hostname = "nope"'
	run_container true
	[ "$status" -ne 0 ]
	[ "$(hostname)" != nope ]
	assert_no_leftovers
}

@test "a time namespace applies linux.timeOffsets" {
	runc_gets_wrong "runc 1.1 has no time namespace support"
	require_ns time
	update_config '.linux.namespaces += [{type: "time"}] |
		.linux.timeOffsets = {boottime: {secs: 172800, nanosecs: 0},
			monotonic: {secs: 86400, nanosecs: 0}}'
	# read before the container starts: the container's figure is read
	# later, so it is at least this plus the offset however slow the run
	host_uptime=$(cut -d. -f1 /proc/uptime)
	run_container sh -c 'cut -d. -f1 /proc/uptime; readlink /proc/self/ns/time'
	[ "$status" -eq 0 ]
	echo "host uptime $host_uptime, container uptime ${lines[0]}"
	# /proc/uptime counts boottime: two days ahead of ours
	[ "${lines[0]}" -ge $((host_uptime + 172800)) ]
	[ "${lines[1]}" != "$(readlink /proc/self/ns/time)" ]
}

@test "timeOffsets without a time namespace are refused" {
	runc_gets_wrong "runc 1.1 ignores timeOffsets"
	update_config '.linux.timeOffsets = {monotonic: {secs: 10, nanosecs: 0}}'
	run rt run --bundle "$BUNDLE" "$CID"
	[ "$status" -ne 0 ]
	assert_error_mentions linux.timeOffsets
}

@test "a new user namespace can still join another container's network namespace" {
	require_ns user
	start_sleeper "$CID-target"
	target=$(container_pid "$CID-target")
	# sysfs cannot be mounted for a network namespace of another user namespace
	update_config --arg p "/proc/$target/ns/net" '
		.linux.namespaces |= map(if .type == "network" then .path = $p else . end) |
		.linux.namespaces += [{type: "user"}] |
		.linux.uidMappings = [{containerID: 0, hostID: 100000, size: 65536}] |
		.linux.gidMappings = [{containerID: 0, hostID: 100000, size: 65536}] |
		.mounts |= map(select(.destination | startswith("/sys") | not))'
	run_container readlink /proc/self/ns/net
	echo "$output"
	[ "$status" -eq 0 ]
	[ "$output" = "$(readlink /proc/$target/ns/net)" ]
}

# --- bind mounts in a user namespace -----------------------------------------
# The container's root is host uid/gid 100000 here: a bind source only the
# host's root may enter must be opened by the runtime on the host side.

# userns_secret: a user namespace mapping container root to host 100000, and
# $TEST_TMP/secret (0700, the host's root) holding dir/f and file. The
# rootfs belongs to the host's root, so the container's root cannot create
# mount targets in it (with either runtime): bind_unreachable makes them.
userns_secret() {
	require_ns user
	update_config '.linux.namespaces += [{type: "user"}] |
		.linux.uidMappings = [{containerID: 0, hostID: 100000, size: 65536}] |
		.linux.gidMappings = [{containerID: 0, hostID: 100000, size: 65536}]'
	mkdir -p "$TEST_TMP/secret/dir"
	echo secret-data >"$TEST_TMP/secret/dir/f"
	echo secret-file >"$TEST_TMP/secret/file"
	chmod 700 "$TEST_TMP/secret"
	# the premise: the container's host uid cannot even look inside
	refute setpriv --reuid=100000 --regid=100000 --clear-groups \
		test -e "$TEST_TMP/secret/dir/f"
}

# bind_unreachable DEST SOURCE OPTIONS_JSON [EXTRA_JSON]: a bind mount of
# SOURCE on DEST, with EXTRA_JSON merged into the entry; DEST is made in the
# rootfs first (a file when SOURCE is one).
bind_unreachable() {
	if [ -d "$2" ]; then
		mkdir -p "$BUNDLE/rootfs$1"
	else
		mkdir -p "$(dirname "$BUNDLE/rootfs$1")"
		touch "$BUNDLE/rootfs$1"
	fi
	update_config --arg d "$1" --arg s "$2" --argjson o "$3" --argjson x "${4:-{\}}" \
		'.mounts += [{destination: $d, type: "bind", source: $s, options: $o} + $x]'
}

@test "user namespace: a bind of a directory only the host's root may enter" {
	userns_secret
	bind_unreachable /data "$TEST_TMP/secret/dir" '["bind", "ro"]'
	run_container sh -c 'cat /data/f; id -u'
	echo "$output"
	[ "$status" -eq 0 ]
	[ "${lines[0]}" = secret-data ]
	[ "${lines[1]}" = 0 ]
}

@test "user namespace: a bind of a file only the host's root may reach" {
	userns_secret
	bind_unreachable /etc/secret-file "$TEST_TMP/secret/file" '["bind"]'
	run_container sh -c 'cat /etc/secret-file; test -f /etc/secret-file && echo regular'
	echo "$output"
	[ "$status" -eq 0 ]
	[ "${lines[0]}" = secret-file ]
	[ "${lines[1]}" = regular ]
}

@test "user namespace: rbind of an unreachable tree brings its submounts, still locked" {
	userns_secret
	# what the submount covers must stay covered, even for the container's root
	mkdir "$TEST_TMP/secret/dir/sub"
	echo covered >"$TEST_TMP/secret/dir/sub/hidden"
	mount -t tmpfs -o size=1m tmpfs "$TEST_TMP/secret/dir/sub"
	echo in-submount >"$TEST_TMP/secret/dir/sub/g"
	bind_unreachable /data "$TEST_TMP/secret/dir" '["rbind"]'
	update_config '.process.capabilities[] += ["CAP_SYS_ADMIN"]'
	run_container sh -c 'cat /data/f /data/sub/g; umount /data/sub 2>/dev/null; echo umount=$?;
		cat /data/sub/hidden 2>/dev/null; echo hidden=$?'
	echo "$output"
	[ "$status" -eq 0 ]
	[ "${lines[0]}" = secret-data ]
	[ "${lines[1]}" = in-submount ]
	[[ $output != *"umount=0"* ]]
	[[ $output != *covered* ]]
	[[ $output == *"hidden=1"* ]]
}

@test "user namespace: a plain bind of a tree with mounts beneath it is refused, naming rbind" {
	userns_secret
	mkdir "$TEST_TMP/secret/dir/sub"
	mount -t tmpfs -o size=1m tmpfs "$TEST_TMP/secret/dir/sub"
	# without its submount the container would see what it covers
	bind_unreachable /data "$TEST_TMP/secret/dir" '["bind"]'
	run_container true
	echo "$output"
	assert_error_mentions rbind
	assert_error_mentions "$TEST_TMP/secret/dir"
	umount "$TEST_TMP/secret/dir/sub"
	assert_no_leftovers
}

@test "user namespace: an idmapped bind shows the owner through the mount's mapping" {
	runc_gets_wrong "runc 1.1.5 ignores idmap and ridmap: the files show as 65534"
	userns_secret
	chown 0:0 "$TEST_TMP/secret/dir/f"
	echo mine >"$TEST_TMP/secret/dir/owned"
	chown 1000:1000 "$TEST_TMP/secret/dir/owned"
	# the mount's own mapping: on-disk 0 is host 101000, container 1000
	bind_unreachable /own "$TEST_TMP/secret/dir" '["bind", "idmap"]' \
		'{"uidMappings": [{"containerID": 0, "hostID": 101000, "size": 65536}],
		  "gidMappings": [{"containerID": 0, "hostID": 102000, "size": 65536}]}'
	# no mapping of its own: the container's, so on-disk 0 is its root
	bind_unreachable /ctr "$TEST_TMP/secret/dir" '["rbind", "ridmap"]'
	# no idmap: the host's root is no one in the container
	bind_unreachable /plain "$TEST_TMP/secret/dir" '["bind"]'
	run_container sh -c 'stat -c %u:%g /own/f /own/owned /ctr/f /ctr/owned /plain/f'
	echo "$output"
	[ "$status" -eq 0 ]
	[ "${lines[0]}" = 1000:2000 ]
	[ "${lines[1]}" = 2000:3000 ]
	[ "${lines[2]}" = 0:0 ]
	[ "${lines[3]}" = 1000:1000 ]
	[ "${lines[4]}" = 65534:65534 ]
}

@test "user namespace: a missing bind source fails naming it" {
	userns_secret
	bind_unreachable /data "$TEST_TMP/secret/dir" '["bind"]'
	update_config --arg s "$TEST_TMP/secret/nosuch" '.mounts[-1].source = $s'
	run_container true
	[ "$status" -ne 0 ]
	assert_error_mentions "$TEST_TMP/secret/nosuch"
	assert_no_leftovers
}

@test "user namespace: no bind tree reaches the container's fds" {
	userns_secret
	bind_unreachable /data "$TEST_TMP/secret/dir" '["rbind"]'
	bind_unreachable /etc/secret-file "$TEST_TMP/secret/file" '["bind"]'
	bind_unreachable /own "$TEST_TMP/secret/dir" '["bind", "idmap"]'
	# ls in a child: the listing is the shell's own fds
	run_container sh -c 'ls -l /proc/$$/fd; true'
	echo "$output"
	[ "$status" -eq 0 ]
	[ "$(awk '$(NF-1) == "->" { print $(NF-2) }' <<<"$output" | sort -n | tr '\n' ' ')" = "0 1 2 " ]
}

@test "user namespace: a bind target that is a symlink stays inside the rootfs" {
	userns_secret
	mkdir "$TEST_TMP/outside"
	bind_unreachable /data "$TEST_TMP/secret/dir" '["bind"]'
	# the image's /data points at a host path: it resolves inside the rootfs
	rmdir "$BUNDLE/rootfs/data"
	ln -s "$TEST_TMP/outside" "$BUNDLE/rootfs/data"
	mkdir -p "$BUNDLE/rootfs$TEST_TMP/outside"
	run_container cat /data/f
	echo "$output"
	[ "$status" -eq 0 ]
	[ "$output" = secret-data ]
	[ -z "$(ls -A "$TEST_TMP/outside")" ]
	refute grep -q " $TEST_TMP/outside " /proc/self/mountinfo
}
