#!/usr/bin/env bats
# exec: a new process in a created or running container, with runc's flags.

load helpers

setup() { setup_common; }
teardown() { teardown_common; }

# status_field NAME: a line of /proc/self/status, as printed in $output.
status_field() {
	awk -v f="$1:" '$1 == f { print $2 }' <<<"$output"
}

# rt_status ARG...: `run rt ARG...` without bats' warning about exit code
# 127, which is what is being tested.
rt_status() {
	status=0
	output=$(rt "$@" 2>&1) || status=$?
}

# ns_links PID: "name link" for each namespace of PID, as the host sees them.
ns_links() {
	local n
	for n in pid mnt net uts ipc cgroup user; do
		echo "$n $(readlink "/proc/$1/ns/$n")"
	done
}

@test "exec joins the init's namespaces and cgroups" {
	start_sleeper
	local init pid
	init=$(container_pid "$CID")
	rt_detached exec --detach --pid-file "$TEST_TMP/exec.pid" "$CID" sleep 1000
	[ "$status" -eq 0 ]
	pid=$(cat "$TEST_TMP/exec.pid")
	[ "$(ns_links "$pid")" = "$(ns_links "$init")" ]
	[ "$(cat "/proc/$pid/cgroup")" = "$(cat "/proc/$init/cgroup")" ]
	# and the same root: the container's, not the host's
	[ "/proc/$pid/root/bin/busybox" -ef "$BUNDLE/rootfs/bin/busybox" ]
	kill -9 "$pid"
}

@test "exec sees the container's processes from inside its pid namespace" {
	start_sleeper
	run rt exec "$CID" sh -c 'cat /proc/1/cmdline | tr "\0" " "; echo; cat /proc/self/cgroup; echo ==; cat /proc/1/cgroup'
	[ "$status" -eq 0 ]
	[ "${lines[0]}" = "sleep 1000 " ]
	# the same cgroups, as the container's cgroup namespace shows them
	[ "$(sed -n '2,/^==$/p' <<<"$output" | sed '$d')" = "$(sed '1,/^==$/d' <<<"$output")" ]
}

@test "exec returns the process's exit code, 128+N for a signal" {
	start_sleeper
	run rt exec "$CID" sh -c 'exit 7'
	[ "$status" -eq 7 ]
	run rt exec "$CID" sh -c 'kill -9 $$'
	[ "$status" -eq 137 ]
	run rt exec "$CID" true
	[ "$status" -eq 0 ]
}

@test "exec into a created container" {
	set_args sleep 1000
	rt_detached create --bundle "$BUNDLE" "$CID"
	[ "$status" -eq 0 ]
	run rt exec "$CID" echo hello
	[ "$status" -eq 0 ]
	[ "$output" = hello ]
	[ "$(container_status "$CID")" = created ]
}

@test "exec --env and --cwd change the config's process" {
	update_config '.process.env = ["PATH=/bin", "KEEP=config", "OVER=config"] |
		.process.cwd = "/"'
	start_sleeper
	run rt exec -e OVER=flag -e NEW=1 --cwd /tmp "$CID" sh -c 'pwd; echo $KEEP $OVER $NEW'
	[ "$status" -eq 0 ]
	[ "${lines[0]}" = /tmp ]
	[ "${lines[1]}" = "config flag 1" ]
	# the config's cwd without --cwd
	run rt exec "$CID" pwd
	[ "$output" = / ]
}

@test "exec sets HOME from the container's /etc/passwd when the env has none" {
	update_config '.process.env = ["PATH=/bin"]'
	start_sleeper
	run rt exec "$CID" sh -c 'echo $HOME'
	[ "$output" = /root ]
	run rt exec -u 1000 "$CID" sh -c 'echo $HOME'
	[ "$output" = /home/user ]
	run rt exec -e HOME=/elsewhere "$CID" sh -c 'echo $HOME'
	[ "$output" = /elsewhere ]
}

@test "exec --cwd must exist" {
	start_sleeper
	run rt exec --cwd /does/not/exist "$CID" pwd
	assert_error_mentions "/does/not/exist"
}

@test "exec --user and --additional-gids" {
	start_sleeper
	run rt exec --user 1000:1000 --additional-gids 5 --additional-gids 65534 "$CID" sh -c 'id -u; id -g; id -G'
	[ "$status" -eq 0 ]
	[ "${lines[0]}" = 1000 ]
	[ "${lines[1]}" = 1000 ]
	read -ra groups <<<"${lines[2]}"
	[ "$(printf '%s\n' "${groups[@]}" | sort -n | tr '\n' ' ')" = "5 1000 65534 " ]
	run rt exec --user nobody "$CID" id
	assert_error_mentions "nobody"
}

@test "exec --process runs a process object" {
	start_sleeper
	cat >"$TEST_TMP/process.json" <<-'EOF'
		{"args": ["sh", "-c", "echo $A; pwd; id -u; exit 3"], "env": ["PATH=/bin", "A=from-json"],
		 "cwd": "/tmp", "user": {"uid": 33, "gid": 33}}
	EOF
	run rt exec --process "$TEST_TMP/process.json" "$CID"
	[ "$status" -eq 3 ]
	[ "${lines[0]}" = from-json ]
	[ "${lines[1]}" = /tmp ]
	[ "${lines[2]}" = 33 ]
}

@test "exec --process with a COMMAND is refused" {
	is_cubo || skip "runc ignores the COMMAND"
	start_sleeper
	echo '{"args": ["true"], "cwd": "/"}' >"$TEST_TMP/process.json"
	run rt exec -p "$TEST_TMP/process.json" "$CID" echo hi
	assert_error_mentions "--process"
}

@test "exec --detach returns once the process runs and writes its host pid" {
	start_sleeper
	rt_detached exec -d --pid-file "$TEST_TMP/exec.pid" "$CID" sh -c 'echo started >/dev/shm/mark; exec sleep 1000'
	[ "$status" -eq 0 ]
	local pid
	pid=$(cat "$TEST_TMP/exec.pid")
	[ -d "/proc/$pid" ]
	wait_for_file "/proc/$pid/root/dev/shm/mark"
	# the host pid of a process in the container's pid namespace
	[ "$(readlink "/proc/$pid/ns/pid")" = "$(readlink "/proc/$(container_pid "$CID")/ns/pid")" ]
	kill -9 "$pid"
}

@test "exec: a process that cannot start exits 255, runc's code; its own code passes" {
	start_sleeper
	rt_status exec "$CID" /no/such/binary
	[ "$status" -eq 255 ]
	assert_error_mentions "/no/such/binary"
	rt_status exec "$CID" no-such-command
	[ "$status" -eq 255 ]
	assert_error_mentions "executable file not found"
	rt_detached exec -d --pid-file "$TEST_TMP/p" "$CID" no-such-command
	[ "$status" -eq 255 ]
	[ ! -e "$TEST_TMP/p" ]
	# not executable
	rt_status exec "$CID" /etc/passwd
	[ "$status" -eq 255 ]
	assert_error_mentions "permission denied"
	rt_status exec --cwd /no/such/dir "$CID" true
	[ "$status" -eq 255 ]
	rt_status exec no-such-container true
	[ "$status" -eq 255 ]
	# the process's own codes, 126 and 127 among them, are not the runtime's
	for code in 0 1 126 127 255; do
		rt_status exec "$CID" sh -c "exit $code"
		[ "$status" -eq "$code" ]
	done
	# a usage error is not a runtime failure: 1, as runc
	rt_status exec --bogus "$CID" true
	[ "$status" -eq 1 ]
}

@test "exec into a stopped container fails clearly" {
	start_sleeper
	rt kill "$CID" KILL
	wait_for_status "$CID" stopped
	run rt exec "$CID" true
	assert_error_mentions "stopped"
	run rt exec no-such-container true
	assert_error_mentions "does not exist"
}

@test "exec gets the config's capabilities, and --cap adds one" {
	local caps='["CAP_CHOWN", "CAP_KILL", "CAP_SETUID"]'
	update_config --argjson c "$caps" '.process.capabilities = {
		bounding: $c, effective: $c, permitted: $c }'
	start_sleeper
	run rt exec "$CID" cat /proc/self/status
	[ "$status" -eq 0 ]
	[ "$(status_field CapBnd)" = "$(cap_mask CAP_CHOWN CAP_KILL CAP_SETUID)" ]
	[ "$(status_field CapEff)" = "$(cap_mask CAP_CHOWN CAP_KILL CAP_SETUID)" ]
	[ "$(status_field CapInh)" = 0000000000000000 ]
	run rt exec --cap CAP_NET_ADMIN "$CID" cat /proc/self/status
	[ "$status" -eq 0 ]
	[ "$(status_field CapBnd)" = "$(cap_mask CAP_CHOWN CAP_KILL CAP_SETUID CAP_NET_ADMIN)" ]
	[ "$(status_field CapEff)" = "$(cap_mask CAP_CHOWN CAP_KILL CAP_SETUID CAP_NET_ADMIN)" ]
	[ "$(status_field CapPrm)" = "$(cap_mask CAP_CHOWN CAP_KILL CAP_SETUID CAP_NET_ADMIN)" ]
}

@test "exec --no-new-privs" {
	start_sleeper
	run rt exec --no-new-privs "$CID" cat /proc/self/status
	[ "$status" -eq 0 ]
	[ "$(status_field NoNewPrivs)" = 1 ]
}

@test "exec: no fd of the runtime or the caller reaches the process (CVE-2024-21626)" {
	start_sleeper
	# "; true": a shell execs its last command itself, which would list its own fds
	# (no pipeline: the shell would hold the pipes' fds)
	run rt exec "$CID" sh -c 'ls /proc/$$/fd; true' 7</ 8<"$BUNDLE/config.json" 9<"$TEST_TMP"
	[ "$status" -eq 0 ]
	[ "$(sort -n <<<"$output" | tr '\n' ' ')" = "0 1 2 " ]
	# not through rt: it closes fd 3
	run timeout "$RT_TIMEOUT" "$RUNTIME" --root "$ROOT" exec --preserve-fds 1 "$CID" sh -c 'ls /proc/$$/fd; cat <&3' 3<"$BUNDLE/config.json" 8</
	[ "$status" -eq 0 ]
	[ "$(grep -E '^[0-9]+$' <<<"$output" | sort -n | tr '\n' ' ')" = "0 1 2 3 " ]
	[[ "$output" == *ociVersion* ]]
}

@test "exec --tty proxies a terminal in the foreground" {
	! is_runc || skip "runc wants a terminal of its own for this"
	start_sleeper
	run rt exec -t "$CID" sh -c 'tty; exit 4' </dev/null
	[ "$status" -eq 4 ]
	[[ "$output" == */dev/pts/* ]]
}

@test "exec --tty --console-socket passes the pty master on" {
	command -v python3 >/dev/null || skip "python3 is needed for the console socket"
	start_sleeper
	local sock=$TEST_TMP/console.sock out=$TEST_TMP/console.out
	python3 "$INTEGRATION_DIR/console-receiver.py" "$sock" "$out" --timeout 20 &
	local receiver=$!
	wait_for_file "$sock"
	rt_detached exec -t -d --console-socket "$sock" "$CID" sh -c 'tty; echo done'
	[ "$status" -eq 0 ]
	wait "$receiver"
	grep -q /dev/pts/ "$out"
	grep -q done "$out"
	run rt exec -d --console-socket "$sock" "$CID" true
	[ "$status" -ne 0 ]
}

@test "exec into a container with its own user namespace" {
	require_ns user
	update_config '.linux.namespaces += [{type: "user"}] |
		.linux.uidMappings = [{containerID: 0, hostID: 100000, size: 65536}] |
		.linux.gidMappings = [{containerID: 0, hostID: 200000, size: 65536}]'
	start_sleeper
	local init
	init=$(container_pid "$CID")
	run rt exec "$CID" sh -c 'id -u; cat /proc/self/uid_map'
	[ "$status" -eq 0 ]
	[ "${lines[0]}" = 0 ]
	read -ra uid_map <<<"${lines[1]}"
	[ "${uid_map[*]}" = "0 100000 65536" ]
	rt_detached exec -d -u 1000 --pid-file "$TEST_TMP/exec.pid" "$CID" sleep 1000
	[ "$status" -eq 0 ]
	local pid
	pid=$(cat "$TEST_TMP/exec.pid")
	[ "$(ns_links "$pid")" = "$(ns_links "$init")" ]
	# uid 1000 inside is host uid 101000
	[ "$(awk '/^Uid:/ { print $2 }' "/proc/$pid/status")" = 101000 ]
	kill -9 "$pid"
}

@test "exec --help and bad flags" {
	run "$RUNTIME" exec --help
	[ "$status" -eq 0 ]
	[[ "$output" == *--console-socket* ]]
	run rt exec --bogus "$CID" true
	[ "$status" -ne 0 ]
	run rt exec
	[ "$status" -ne 0 ]
}

@test "exec into a paused container needs --ignore-paused" {
	needs_cubo_cgroups
	start_sleeper
	rt pause "$CID"
	rt_status exec "$CID" true
	[ "$status" -eq 255 ]
	assert_error_mentions "paused"
	rt resume "$CID"
	run rt exec "$CID" echo back
	[ "$status" -eq 0 ]
	[ "$output" = back ]
}

@test "exec --cgroup runs in an existing sub-cgroup of the container" {
	needs_cubo_cgroups
	start_sleeper
	local init dir
	init=$(container_pid "$CID")
	# the container's pids cgroup, as the host sees it
	dir=/sys/fs/cgroup/pids$(awk -F: '$2 == "pids" { print $3 }' "/proc/$init/cgroup")
	[ -d "$dir" ] || skip "no pids cgroup hierarchy"
	mkdir "$dir/sub"
	rt_detached exec -d --cgroup pids:sub --pid-file "$TEST_TMP/exec.pid" "$CID" sleep 1000
	[ "$status" -eq 0 ]
	local pid
	pid=$(cat "$TEST_TMP/exec.pid")
	grep -qx "$pid" "$dir/sub/cgroup.procs"
	# the other hierarchies: the container's own cgroup
	[ "$(grep ':memory:' "/proc/$pid/cgroup")" = "$(grep ':memory:' "/proc/$init/cgroup")" ]
	kill -9 "$pid"
	run rt exec --cgroup pids:missing "$CID" true
	assert_error_mentions "missing"
	run rt exec --cgroup ../escape "$CID" true
	[ "$status" -ne 0 ]
	# "/" is the container's own cgroup, in every hierarchy or in one
	for spec in / pids:/; do
		run rt exec --cgroup "$spec" "$CID" cat /proc/self/cgroup
		[ "$status" -eq 0 ]
		[ "$(grep ':pids:' <<<"$output")" = "$(rt exec "$CID" cat /proc/1/cgroup | grep ':pids:')" ]
	done
	for _ in $(seq 50); do rmdir "$dir/sub" 2>/dev/null && break; sleep 0.1; done
}
