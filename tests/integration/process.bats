#!/usr/bin/env bats
# What the container's process sees of its config: identity, environment,
# capabilities, limits, stdio.

load helpers

setup() { setup_common; }
teardown() { teardown_common; }

# status_field NAME: a line of /proc/self/status, as printed in $output.
status_field() {
	awk -v f="$1:" '$1 == f { print $2 }' <<<"$output"
}

@test "hostname comes from the config" {
	update_config '.hostname = "cubo-box"'
	run_container hostname
	[ "$status" -eq 0 ]
	[ "$output" = cubo-box ]
}

@test "env and cwd come from the config" {
	update_config '.process.env = ["PATH=/bin", "GREETING=hello world", "EMPTY="] |
		.process.cwd = "/tmp"'
	run_container sh -c 'pwd; echo "$GREETING"; env | sort'
	[ "$status" -eq 0 ]
	[ "${lines[0]}" = /tmp ]
	[ "${lines[1]}" = "hello world" ]
	[[ $output == *"EMPTY="* ]]
	[[ $output == *"PATH=/bin"* ]]
}

@test "a cwd missing from the rootfs is created" {
	update_config '.process.cwd = "/new/dir"'
	run_container pwd
	[ "$status" -eq 0 ]
	[ "$output" = /new/dir ]
}

@test "uid, gid and additionalGids" {
	update_config '.process.user = {uid: 1000, gid: 1000, additionalGids: [5, 65534]}'
	run_container sh -c 'id -u; id -g; id -G'
	[ "$status" -eq 0 ]
	[ "${lines[0]}" = 1000 ]
	[ "${lines[1]}" = 1000 ]
	read -ra groups <<<"${lines[2]}"
	[ "$(printf '%s\n' "${groups[@]}" | sort -n | tr '\n' ' ')" = "5 1000 65534 " ]
}

@test "umask from the config" {
	update_config '.process.user.umask = 63'
	run_container sh -c umask
	[ "$status" -eq 0 ]
	[ "$output" = 0077 ]
}

@test "root gets the configured capability sets" {
	local caps='["CAP_CHOWN", "CAP_KILL", "CAP_NET_RAW", "CAP_SETUID", "CAP_SYS_CHROOT"]'
	update_config --argjson c "$caps" '.process.capabilities = {
		bounding: $c, effective: $c, permitted: $c, inheritable: [], ambient: [] }'
	run_container cat /proc/self/status
	[ "$status" -eq 0 ]
	expected=$(cap_mask $(config_caps bounding))
	[ "$(status_field CapBnd)" = "$expected" ]
	[ "$(status_field CapEff)" = "$expected" ]
	[ "$(status_field CapPrm)" = "$expected" ]
	[ "$(status_field CapInh)" = 0000000000000000 ]
	[ "$(status_field CapAmb)" = 0000000000000000 ]
}

@test "a non-root user keeps exactly its ambient capabilities" {
	update_config '.process.user = {uid: 1000, gid: 1000} |
		.process.capabilities = {
			bounding: ["CAP_CHOWN", "CAP_KILL", "CAP_NET_BIND_SERVICE", "CAP_SETUID"],
			effective: ["CAP_KILL", "CAP_NET_BIND_SERVICE"],
			permitted: ["CAP_KILL", "CAP_NET_BIND_SERVICE"],
			inheritable: ["CAP_KILL", "CAP_NET_BIND_SERVICE"],
			ambient: ["CAP_KILL", "CAP_NET_BIND_SERVICE"] }'
	run_container cat /proc/self/status
	[ "$status" -eq 0 ]
	[ "$(status_field CapBnd)" = "$(cap_mask $(config_caps bounding))" ]
	[ "$(status_field CapInh)" = "$(cap_mask $(config_caps inheritable))" ]
	[ "$(status_field CapAmb)" = "$(cap_mask $(config_caps ambient))" ]
	[ "$(status_field CapEff)" = "$(cap_mask $(config_caps ambient))" ]
	[ "$(status_field CapPrm)" = "$(cap_mask $(config_caps ambient))" ]
}

@test "no inheritable capabilities unless asked (CVE-2022-29162)" {
	# runc's default config: the four sets, no inheritable one.
	update_config '.process.user = {uid: 1000, gid: 1000} |
		del(.process.capabilities.inheritable)'
	run_container cat /proc/self/status
	[ "$status" -eq 0 ]
	[ "$(status_field CapInh)" = 0000000000000000 ]
	# Ambient capabilities need inheritable ones, so none survive.
	[ "$(status_field CapAmb)" = 0000000000000000 ]
	[ "$(status_field CapEff)" = 0000000000000000 ]
}

@test "noNewPrivileges sets NoNewPrivs" {
	update_config '.process.noNewPrivileges = true'
	run_container cat /proc/self/status
	[ "$status" -eq 0 ]
	[ "$(status_field NoNewPrivs)" = 1 ]

	update_config '.process.noNewPrivileges = false'
	run_container cat /proc/self/status
	[ "$status" -eq 0 ]
	[ "$(status_field NoNewPrivs)" = 0 ]
}

@test "rlimits from the config" {
	update_config '.process.rlimits = [
		{type: "RLIMIT_NOFILE", soft: 512, hard: 1024},
		{type: "RLIMIT_CORE", soft: 0, hard: 4096},
		{type: "RLIMIT_NPROC", soft: 300, hard: 400} ]'
	run_container sh -c 'ulimit -n; ulimit -Hn; cat /proc/self/limits'
	[ "$status" -eq 0 ]
	[ "${lines[0]}" = 512 ]
	[ "${lines[1]}" = 1024 ]
	[[ $output =~ Max\ open\ files\ +512\ +1024\ +files ]]
	[[ $output =~ Max\ processes\ +300\ +400\ +processes ]]
	[[ $output =~ Max\ core\ file\ size\ +0\ +4096\ +bytes ]]
}

@test "a readonly root refuses writes, a writable one takes them" {
	update_config '.root.readonly = true'
	run_container touch /newfile
	[ "$status" -ne 0 ]
	[[ $output == *"Read-only file system"* ]]
	[ ! -e "$BUNDLE/rootfs/newfile" ]

	update_config '.root.readonly = false'
	run_container touch /newfile
	[ "$status" -eq 0 ]
	[ -e "$BUNDLE/rootfs/newfile" ]
}

@test "maskedPaths read as empty" {
	# With CAP_SYS_RAWIO and CAP_SYS_ADMIN, the mask, not a missing
	# capability, has to stop the reads.
	update_config '.process.capabilities |= with_entries(
		if .key == "bounding" or .key == "effective" or .key == "permitted"
		then .value += ["CAP_SYS_RAWIO", "CAP_SYS_ADMIN"] else . end)'
	local path checked=0
	for path in /proc/kcore /proc/keys /proc/timer_list /proc/sched_debug; do
		[ -f "$path" ] || continue
		[ -n "$(head -c 1 "$path" 2>/dev/null)" ] || continue
		run_container sh -c "wc -c < $path"
		[ "$status" -eq 0 ]
		[ "$output" = 0 ] || {
			echo "$path is not masked: $output bytes" >&2
			return 1
		}
		checked=$((checked + 1))
	done
	# A masked directory is an empty read-only tmpfs.
	if [ -d /sys/firmware ] && [ -n "$(ls -A /sys/firmware)" ]; then
		run_container sh -c 'ls -A /sys/firmware | wc -l; touch /sys/firmware/x'
		[ "${lines[0]}" = 0 ]
		[ "$status" -ne 0 ]
		checked=$((checked + 1))
	fi
	[ "$checked" -gt 0 ] || skip "no masked path of the default config exists here"
}

@test "readonlyPaths refuse writes" {
	update_config '.process.capabilities |= with_entries(
		if .key == "bounding" or .key == "effective" or .key == "permitted"
		then .value += ["CAP_SYS_ADMIN"] else . end)'
	run_container sh -c 'echo other > /proc/sys/kernel/hostname'
	[ "$status" -ne 0 ]
	[[ $output == *"Read-only file system"* ]]
	if [ -e /proc/sysrq-trigger ]; then
		run_container sh -c 'echo h > /proc/sysrq-trigger'
		[ "$status" -ne 0 ]
		[[ $output == *"Read-only file system"* ]]
	fi
	# The same write works once the path is not listed.
	update_config '.linux.readonlyPaths -= ["/proc/sys"]'
	run_container sh -c 'echo other > /proc/sys/kernel/hostname && hostname'
	[ "$status" -eq 0 ]
	[ "$output" = other ]
}

@test "oomScoreAdj can be raised" {
	update_config '.process.oomScoreAdj = 500'
	run_container cat /proc/self/oom_score_adj
	[ "$status" -eq 0 ]
	[ "$output" = 500 ]
}

@test "oomScoreAdj below the caller's needs CAP_SYS_RESOURCE" {
	if grep -q '^CapEff:.*' /proc/self/status &&
		(($(printf '%d' 0x"$(awk '/^CapEff/ {print $2}' /proc/self/status)") & (1 << 24))); then
		skip "this host has CAP_SYS_RESOURCE: lowering is allowed"
	fi
	current=$(cat /proc/self/oom_score_adj)
	update_config --argjson v $((current - 100)) '.process.oomScoreAdj = $v'
	run_container cat /proc/self/oom_score_adj
	# Either a clear failure, or (runc) the value silently not applied.
	if [ "$status" -eq 0 ]; then
		runc_gets_wrong "it ignores the failed oom_score_adj write and runs anyway"
		false
	fi
	assert_error_mentions oom
	assert_no_leftovers
}

@test "stdout and stderr stay separate, stdin is passed through" {
	set_args sh -c 'read line; echo "out:$line"; echo "err:$line" >&2; exit 4'
	run --separate-stderr rt run --bundle "$BUNDLE" "$CID" <<<"ping"
	[ "$status" -eq 4 ]
	[ "$output" = "out:ping" ]
	[ "$stderr" = "err:ping" ]
}

@test "large output is not lost" {
	run_container sh -c 'seq 100000'
	[ "$status" -eq 0 ]
	[ "${#lines[@]}" -eq 100000 ]
	[ "${lines[99999]}" = 100000 ]
}

@test "run in the foreground proxies the terminal and its size" {
	command -v script >/dev/null || skip "needs script(1)"
	update_config '.process.terminal = true'
	set_args sh -c 'test -t 0 && echo "tty:$(tty)"; stty size; exit 7'
	# script gives the runtime a terminal of a known size to proxy
	run timeout "$RT_TIMEOUT" script -qec "stty rows 33 cols 101; \
		$RUNTIME --root $ROOT run --bundle $BUNDLE $CID" /dev/null
	echo "$output"
	[ "$status" -eq 7 ]
	out=$(tr -d '\r' <<<"$output")
	[[ $out == *"tty:/dev/pts/"* ]] || [[ $out == *"tty:/dev/console"* ]]
	[[ $out == *"33 101"* ]]
}

@test "terminal: true hands the pty master to --console-socket" {
	command -v python3 >/dev/null || skip "needs python3"
	update_config '.process.terminal = true'
	set_args sh -c 'test -t 0 && test -t 1 && echo "tty:$(tty)"; stty size'
	sock=$TEST_TMP/console.sock
	python3 "$INTEGRATION_DIR/console-receiver.py" "$sock" "$TEST_TMP/console.out" \
		--size 30x100 3>&- &
	receiver=$!
	wait_for_file "$sock"
	rt create --console-socket "$sock" --bundle "$BUNDLE" "$CID" </dev/null >/dev/null
	# The window size is set once the receiver holds the master.
	wait_for_file "$TEST_TMP/console.out.ready"
	rt start "$CID"
	# The receiver exits once the last holder of the pty's other end is gone.
	for i in $(seq 100); do
		kill -0 "$receiver" 2>/dev/null || break
		sleep 0.1
	done
	run wait "$receiver"
	[ "$status" -eq 0 ]
	out=$(tr -d '\r' <"$TEST_TMP/console.out")
	[[ $out == *"tty:/dev/pts/0"* ]] || [[ $out == *"tty:/dev/console"* ]]
	[[ $out == *"30 100"* ]]
}

@test "terminal: true without a console socket is refused for create" {
	update_config '.process.terminal = true'
	rt_detached create --bundle "$BUNDLE" "$CID"
	[ "$status" -ne 0 ]
	assert_no_leftovers
}

@test "domainname from the config" {
	runc_gets_wrong "runc 1.1 ignores domainname"
	update_config '.domainname = "example.test"'
	run_container cat /proc/sys/kernel/domainname
	echo "$output"
	[ "$status" -eq 0 ]
	[ "$output" = example.test ]
}

@test "--no-pivot chroots into the rootfs and still runs the process" {
	set_args sh -c 'ls /; cat /proc/self/mountinfo | wc -l'
	run timeout "$RT_TIMEOUT" "$RUNTIME" --root "$ROOT" run --no-pivot --bundle "$BUNDLE" "$CID"
	echo "$output"
	[ "$status" -eq 0 ]
	[[ $output == *bin* ]]
	# the host's root is not visible under the container's
	[[ $output != *"lost+found"* ]]
}
