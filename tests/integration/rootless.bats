#!/usr/bin/env bats
# Rootless mode: the runtime run by a user who is not root. Each test makes a
# throwaway user with subordinate ranges of its own, a home (holding its
# bundle) and a runtime dir, runs the runtime as that user, and removes the
# user, its /etc/subuid and /etc/subgid lines and everything it ran however
# the test ended. What a rootless container must not gain is checked from
# the host: files its user cannot write, a group that denies it a file.

load helpers
load rootless-helpers

setup() {
	setup_common
	require_ns user
	rl_user_make cubort
	UB=$RL_HOME/bundle
	cp -a "$BUNDLE" "$UB"
	rm -f "$UB/config.json"
	chown -R "$RL_UID:$RL_GID" "$UB"
	as_user sh -c "cd '$UB' && '$RUNTIME' spec --rootless"
	# the runtime's stdio, not a terminal (as make-bundle.sh's bundles)
	uset '.process.terminal = false'
	CID=rl$$-${BATS_TEST_NUMBER:-0}
}

teardown() {
	local id
	if [ -n "${RL_USER:-}" ] && id "$RL_USER" >/dev/null 2>&1; then
		for id in $(urt list -q 2>/dev/null); do
			urt delete --force "$id" >/dev/null 2>&1 || true
		done
	fi
	rl_user_remove
	teardown_common
}

# urt ARG...: the runtime as the test's user, with its default state root.
urt() {
	as_user "$RUNTIME" "$@"
}

# urt_detached ARG...: rt_detached for the user's runtime.
urt_detached() {
	local out=$TEST_TMP/urt-detached.out
	status=0
	urt "$@" </dev/null >"$out" 2>&1 || status=$?
	output=$(cat "$out")
	mapfile -t lines <"$out"
}

# uset JQ-FILTER: edit the user's config.json.
uset() {
	jq "$1" "$UB/config.json" >"$UB/config.json.new"
	chown "$RL_UID:$RL_GID" "$UB/config.json.new"
	mv "$UB/config.json.new" "$UB/config.json"
}

# uargs ARG...: the process's args.
uargs() {
	local a='[]' x
	for x in "$@"; do
		a=$(jq -c --arg x "$x" '. + [$x]' <<<"$a")
	done
	uset ".process.args = $a"
}

urun() {
	as_user sh -c "cd '$UB' && exec '$RUNTIME' run \"\$@\"" sh "$@"
}

@test "rootless: spec --rootless runs as the user: root inside, the user outside" {
	uargs id
	run urun "$CID"
	[ "$status" -eq 0 ]
	[[ $output == *"uid=0(root) gid=0(root)"* ]]
	# a long-running one, seen from the host
	uargs sleep 100
	urt_detached run -d --bundle "$UB" "$CID"
	[ "$status" -eq 0 ]
	pid=$(urt state "$CID" | jq -r .pid)
	[ "$(awk '/^Uid:/ {print $2, $3, $4, $5}' /proc/$pid/status)" = "$RL_UID $RL_UID $RL_UID $RL_UID" ]
	[ "$(awk '/^Gid:/ {print $2}' /proc/$pid/status)" = "$RL_GID" ]
	read -r inside outside count <"/proc/$pid/uid_map"
	[ "$inside $outside $count" = "0 $RL_UID 1" ]
	[ "$(cat /proc/$pid/setgroups)" = deny ]
	# its state under $XDG_RUNTIME_DIR/cubo-runc, the user's
	[ -d "$XDG/cubo-runc/$CID" ]
	[ "$(stat -c %u "$XDG/cubo-runc/$CID")" = "$RL_UID" ]
	urt kill "$CID" KILL
	wait_dead "$pid"
	urt delete "$CID"
	assert_user_gone
}

@test "rootless: create, start, state, kill, delete" {
	uargs sleep 100
	urt_detached create --bundle "$UB" "$CID"
	[ "$status" -eq 0 ]
	[ "$(urt state "$CID" | jq -r .status)" = created ]
	urt start "$CID"
	[ "$(urt state "$CID" | jq -r .status)" = running ]
	[ "$(urt list -q)" = "$CID" ]
	pid=$(urt state "$CID" | jq -r .pid)
	urt kill "$CID" KILL
	wait_dead "$pid"
	[ "$(urt state "$CID" | jq -r .status)" = stopped ]
	urt delete "$CID"
	run urt state "$CID"
	[ "$status" -ne 0 ]
	assert_user_gone
}

@test "rootless: exec joins the container, as its root" {
	uargs sleep 100
	urt_detached run -d --bundle "$UB" "$CID"
	[ "$status" -eq 0 ]
	pid=$(urt state "$CID" | jq -r .pid)
	run urt exec "$CID" sh -c 'id; for n in user pid mnt; do readlink /proc/self/ns/$n; done; ls /proc/self/fd'
	[ "$status" -eq 0 ]
	[[ ${lines[0]} == "uid=0(root) gid=0(root)"* ]]
	[ "${lines[1]}" = "$(readlink /proc/$pid/ns/user)" ]
	[ "${lines[2]}" = "$(readlink /proc/$pid/ns/pid)" ]
	[ "${lines[3]}" = "$(readlink /proc/$pid/ns/mnt)" ]
	# stdio and ls's own directory fd only: nothing of the runtime
	[ "${lines[*]:4}" = "0 1 2 3" ]
	run urt exec --user 1:1 "$CID" id -u
	# one mapping only: uid 1 does not exist inside
	[ "$status" -ne 0 ]
	urt delete --force "$CID"
	assert_user_gone
}

@test "rootless: several ranges through newuidmap and newgidmap" {
	command -v newuidmap >/dev/null || skip "needs newuidmap (package uidmap)"
	mkdir "$RL_HOME/shared"
	touch "$RL_HOME/shared/from-host"
	chown "$((RL_SUB + 4)):$((RL_SUB + 6))" "$RL_HOME/shared/from-host"
	chown "$RL_UID:$RL_GID" "$RL_HOME/shared"
	uset ".linux.uidMappings = [{containerID: 0, hostID: $RL_UID, size: 1},
			{containerID: 1, hostID: $RL_SUB, size: 65536}]
		| .linux.gidMappings = [{containerID: 0, hostID: $RL_GID, size: 1},
			{containerID: 1, hostID: $RL_SUB, size: 65536}]
		| .mounts += [{destination: \"/shared\", type: \"bind\", source: \"$RL_HOME/shared\",
			options: [\"rbind\", \"rw\"]}]"
	# chown needs CAP_CHOWN, which spec's default leaves out
	uset '.process.capabilities |= with_entries(.value += ["CAP_CHOWN"])'
	uargs sh -c 'stat -c "%u:%g" /shared/from-host; touch /shared/made; chown 1000:2000 /shared/made; cat /proc/self/uid_map'
	run urun "$CID"
	[ "$status" -eq 0 ]
	# a file of a subordinate id is that id's inside, and the other way
	[ "${lines[0]}" = "5:7" ]
	[ "$(stat -c %u:%g "$RL_HOME/shared/made")" = "$((RL_SUB + 999)):$((RL_SUB + 1999))" ]
	[[ $output =~ 1\ +$RL_SUB\ +65536 ]]
	assert_user_gone
}

@test "rootless: a mapping the user has no right to is refused, naming the file" {
	command -v newuidmap >/dev/null || skip "needs newuidmap (package uidmap)"
	uargs true
	# the host's root
	uset '.linux.uidMappings = [{containerID: 0, hostID: 0, size: 1}]'
	run urun "$CID"
	[ "$status" -ne 0 ]
	assert_error_mentions "linux.uidMappings: newuidmap refused the mapping"
	assert_error_mentions "/etc/subuid"
	# a range past its own
	uset ".linux.uidMappings = [{containerID: 0, hostID: $RL_UID, size: 1},
		{containerID: 1, hostID: $((RL_SUB + 65536)), size: 10}]"
	run urun "$CID"
	[ "$status" -ne 0 ]
	assert_error_mentions "not allowed"
	# gid: another user's group
	uset ".linux.uidMappings = [{containerID: 0, hostID: $RL_UID, size: 1}]
		| .linux.gidMappings = [{containerID: 0, hostID: 0, size: 1}]"
	run urun "$CID"
	[ "$status" -ne 0 ]
	assert_error_mentions "linux.gidMappings: newgidmap refused the mapping"
	assert_error_mentions "/etc/subgid"
	assert_user_gone
}

@test "rootless: devices work, the root filesystem is read-only, mknod is refused" {
	uargs sh -c 'echo x >/dev/null && head -c 8 /dev/zero | wc -c && head -c 8 /dev/urandom | wc -c &&
		if touch /probe 2>/dev/null; then echo rootfs-writable; fi;
		if mknod /dev/mine c 1 3 2>/dev/null; then echo mknod-worked; fi; echo done'
	run urun "$CID"
	[ "$status" -eq 0 ]
	[ "${lines[0]}" = 8 ]
	[ "${lines[1]}" = 8 ]
	[ "${lines[2]}" = done ]
	[ "$(jq -r .root.readonly "$UB/config.json")" = true ]
	assert_user_gone
}

@test "rootless: limits without a delegated cgroup fail clearly, or are dropped when asked" {
	[ "$(stat -f -c %T /sys/fs/cgroup)" != cgroup2fs ] ||
		skip "a pure cgroup v2 host may delegate the user's cgroup (the VM)"
	uargs true
	uset '.linux.resources.memory = {limit: 67108864}'
	run urun "$CID"
	[ "$status" -ne 0 ]
	assert_error_mentions "linux.resources.memory: a rootless container gets limits only in a cgroup v2 subtree delegated to its user"
	uset '.annotations["run.oci.cubo.rootless-limits"] = "ignore"'
	run urun "$CID"
	[ "$status" -eq 0 ]
	[[ $output == *"linux.resources.memory ignored"* ]]
	# no cgroup made anywhere
	[ -z "$(find /sys/fs/cgroup -maxdepth 8 -type d -name "$CID" 2>/dev/null)" ]
	assert_user_gone
}

@test "rootless: --rootless and the state root" {
	run urt --rootless maybe list
	[ "$status" -ne 0 ]
	assert_error_mentions '--rootless: "maybe": expected true, false or auto'
	# no runtime dir: the default root is root's, which the user may not write
	uargs true
	run as_user env -u XDG_RUNTIME_DIR sh -c "cd '$UB' && '$RUNTIME' run '$CID'"
	[ "$status" -ne 0 ]
	assert_error_mentions "/run/cubo-runc"
	assert_error_mentions "set XDG_RUNTIME_DIR, or give --root"
	# --root wins
	mkdir "$RL_HOME/state" && chown "$RL_UID" "$RL_HOME/state"
	uargs sleep 100
	urt_detached --root "$RL_HOME/state" run -d --bundle "$UB" "$CID"
	[ "$status" -eq 0 ]
	[ -d "$RL_HOME/state/$CID" ]
	[ -z "$(urt list -q)" ]
	urt --root "$RL_HOME/state" delete --force "$CID"
	assert_user_gone
}

@test "rootless: a bind mount gives no write to a host file the user cannot write" {
	echo secret-kept >"$TEST_TMP/host-file"
	chmod 644 "$TEST_TMP/host-file"
	uset ".mounts += [{destination: \"/host-file\", type: \"bind\", source: \"$TEST_TMP/host-file\",
		options: [\"bind\", \"rw\"]}]"
	# with every capability its namespace can give
	uset '.process.capabilities |= with_entries(.value += ["CAP_CHOWN", "CAP_FOWNER", "CAP_DAC_OVERRIDE", "CAP_SYS_ADMIN"])'
	uargs sh -c 'cat /host-file; echo changed >/host-file && echo WROTE; chmod 666 /host-file && echo CHMODDED; chown 0 /host-file && echo CHOWNED;
		mount -o remount,bind,rw /host-file && echo REMOUNTED; stat -c %u /host-file'
	run urun "$CID"
	[ "${lines[0]}" = secret-kept ]
	[[ $output != *WROTE* ]]
	[[ $output != *CHMODDED* ]]
	[[ $output != *CHOWNED* ]]
	# the host's root is nobody inside
	[ "${lines[-1]}" = 65534 ]
	[ "$(cat "$TEST_TMP/host-file")" = secret-kept ]
	[ "$(stat -c %a:%u "$TEST_TMP/host-file")" = 644:0 ]
	# a directory only root may enter: mounted, and still closed to the user
	mkdir -m 700 "$TEST_TMP/root-only"
	echo root-secret >"$TEST_TMP/root-only/f"
	uset ".mounts += [{destination: \"/ro\", type: \"bind\", source: \"$TEST_TMP/root-only\",
		options: [\"rbind\"]}]"
	uargs sh -c 'cat /ro/f || echo refused; ls /ro || echo refused'
	run urun "$CID"
	[[ $output != *root-secret* ]]
	[[ $output == *refused*refused* ]]
	assert_user_gone
}

@test "rootless: a group that denies the user a file still denies it (setgroups deny)" {
	RL_GROUP=cuborg$$t${BATS_TEST_NUMBER:-0}
	groupadd "$RL_GROUP"
	usermod -a -G "$RL_GROUP" "$RL_USER"
	# readable by others, not by the group: members are kept out
	echo deny-group-secret >"$TEST_TMP/denied"
	chgrp "$RL_GROUP" "$TEST_TMP/denied"
	chmod 604 "$TEST_TMP/denied"
	run as_user cat "$TEST_TMP/denied"
	[ "$status" -ne 0 ]
	uset ".mounts += [{destination: \"/denied\", type: \"bind\", source: \"$TEST_TMP/denied\",
		options: [\"bind\", \"ro\"]}]"
	# the config asks for no supplementary groups: the runtime may not drop the user's
	uset '.process.user.additionalGids = []'
	uargs sh -c 'cat /proc/self/setgroups; grep ^Groups: /proc/self/status; cat /denied || echo refused'
	run urun "$CID"
	[ "${lines[0]}" = deny ]
	[[ $output == *refused* ]]
	[[ $output != *deny-group-secret* ]]
	# the group is still the process's (unmapped: the overflow gid)
	[[ ${lines[1]} == *65534* ]]
	# asking for groups of its own is refused, not half done
	uset '.process.user.additionalGids = [0]'
	uargs true
	run urun "$CID"
	[ "$status" -ne 0 ]
	assert_error_mentions "process.user.additionalGids: setgroups"
	assert_user_gone
}

@test "rootless: a config without a user namespace is refused, naming spec --rootless" {
	uset '.linux.namespaces |= map(select(.type != "user")) | del(.linux.uidMappings, .linux.gidMappings)'
	uargs true
	run urun "$CID"
	[ "$status" -ne 0 ]
	assert_error_mentions "linux.namespaces: a user who is not root needs a user namespace"
	assert_user_gone
}

@test "rootless: sysfs asked for without a network namespace is bound from the host" {
	uset '(.mounts[] | select(.destination == "/sys")) |= {destination: "/sys", type: "sysfs",
		source: "sysfs", options: ["nosuid", "noexec", "nodev", "ro"]}'
	uargs sh -c 'test -d /sys/class/net && test -d /sys/kernel && echo sys-ok; touch /sys/x 2>/dev/null || echo read-only'
	run urun "$CID"
	[ "$status" -eq 0 ]
	[ "${lines[0]}" = sys-ok ]
	[ "${lines[1]}" = read-only ]
	assert_user_gone
}

@test "rootless: root may ask for it (--rootless true): no cgroup, limits refused" {
	is_cubo || skip "cubo-runc's cgroup rule"
	update_config '.process.args = ["sleep", "100"]'
	rt_detached --rootless true run -d --bundle "$BUNDLE" "$CID"
	[ "$status" -eq 0 ]
	[ -z "$(find /sys/fs/cgroup -maxdepth 8 -type d -name "$CID" 2>/dev/null)" ]
	[ "$(rt state "$CID" | jq -r .status)" = running ]
	rt delete --force "$CID"
	update_config '.linux.resources.pids = {limit: 10}'
	run rt --rootless true run --bundle "$BUNDLE" "$CID"
	assert_error_mentions "linux.resources.pids: a rootless container gets limits only"
	# and without the flag, root gets its limits as always
	update_config '.process.args = ["true"]'
	run rt run --bundle "$BUNDLE" "$CID"
	[ "$status" -eq 0 ]
	assert_no_leftovers
}

@test "rootless: no cwd through the runtime's fds (/proc/self/fd/N/..), at create or exec" {
	local fd
	uargs sh -c 'pwd; ls'
	for fd in 3 4 5 6 7 8; do
		uset ".process.cwd = \"/proc/self/fd/$fd/..\""
		run urun "$CID"
		[ "$status" -ne 0 ]
		[[ $output != *bin* && $output != *rootfs* && $output != *state.json* ]]
	done
	uset '.process.cwd = "/" | .process.args = ["sleep", "100"]'
	urt_detached run -d --bundle "$UB" "$CID"
	[ "$status" -eq 0 ]
	for fd in 3 4 5 6 7 8; do
		run urt exec --cwd "/proc/self/fd/$fd/.." "$CID" ls
		[ "$status" -ne 0 ]
		[[ $output != *bin* && $output != *rootfs* && $output != *state.json* ]]
	done
	urt delete --force "$CID"
	assert_user_gone
}

@test "rootless: root of a user's own user namespace (podman unshare's) is rootless by itself" {
	command -v unshare >/dev/null || skip "needs unshare (util-linux)"
	# a root config, less the group a single mapping does not map
	jq '(.mounts[] | select(.destination == "/dev/pts") | .options) |= map(select(startswith("gid=") | not))
		| .process.args = ["sh", "-c", "id -u; cat /proc/self/uid_map"]' \
		"$BUNDLE/config.json" >"$UB/config.json"
	cp -a "$BUNDLE/rootfs/." "$UB/rootfs/"
	chown -R "$RL_UID:$RL_GID" "$UB"
	mkdir "$RL_HOME/state" && chown "$RL_UID" "$RL_HOME/state"
	# no --rootless: auto sees a user namespace that is not the initial one
	run as_user unshare --user --map-root-user --mount \
		"$RUNTIME" --root "$RL_HOME/state" run --bundle "$UB" "$CID"
	[ "$status" -eq 0 ]
	[ "${lines[0]}" = 0 ]
	read -r inside outside count <<<"${lines[1]}"
	[ "$inside $outside $count" = "0 $RL_UID 1" ]
	[ -z "$(find /sys/fs/cgroup -maxdepth 8 -type d -name "$CID" 2>/dev/null)" ]
	assert_user_gone
}

@test "rootless: in a user's own user namespace, a network namespace of it is joined by path" {
	command -v unshare >/dev/null || skip "needs unshare (util-linux)"
	# as a rootless manager's monitor: the runtime's own network namespace is the
	# host's (the initial user namespace owns it, no way back after a setns), the
	# container's one the user namespace's, bound on a file
	jq --arg ns "$RL_HOME/netns" '(.mounts[] | select(.destination == "/dev/pts") | .options) |= map(select(startswith("gid=") | not))
		| .linux.namespaces |= map(if .type == "network" then .path = $ns else . end)
		| .process.args = ["sh", "-c", "cat /proc/net/dev"]' \
		"$BUNDLE/config.json" >"$UB/config.json"
	[ "$(jq '[.linux.namespaces[] | select(.type == "network" and .path != null)] | length' "$UB/config.json")" = 1 ]
	cp -a "$BUNDLE/rootfs/." "$UB/rootfs/"
	chown -R "$RL_UID:$RL_GID" "$UB"
	mkdir "$RL_HOME/state" && chown "$RL_UID" "$RL_HOME/state"
	run as_user unshare --user --map-root-user --mount sh -c '
		touch "$1" && unshare --net mount --bind /proc/self/ns/net "$1" &&
		"$2" --root "$3" run --bundle "$4" "$5"' sh \
		"$RL_HOME/netns" "$RUNTIME" "$RL_HOME/state" "$UB" "$CID"
	[ "$status" -eq 0 ]
	# the joined namespace's interfaces: lo only, none of the host's
	ifs=$(awk -F: 'NR > 2 {gsub(/ /, "", $1); print $1}' <<<"$output")
	[ "$ifs" = lo ]
	assert_user_gone
}
