#!/usr/bin/env bats
# The command line as orchestrators and scripts drive runc: flag order, the
# liveness probe, ps across a container's exit. Every test runs against both
# runtimes (RUNTIME=/usr/sbin/runc for runc); docs/conformance.md records both
# results.

load helpers

setup() { setup_common; }
teardown() { teardown_common; }

@test "flags may follow the container id (update, kill, delete, state)" {
	start_sleeper
	wait_for_status "$CID" running
	run rt update "$CID" --pids-limit 77
	[ "$status" -eq 0 ]
	if [ -r "$(cg_dir pids "$(container_pid "$CID")")/pids.max" ]; then
		[ "$(cat "$(cg_dir pids "$(container_pid "$CID")")/pids.max")" = 77 ]
	fi
	run rt kill "$CID" KILL --all
	[ "$status" -eq 0 ]
	wait_for_status "$CID" stopped
	run rt delete "$CID" --force
	[ "$status" -eq 0 ]
	run rt state "$CID"
	[ "$status" -ne 0 ]
	# An unknown flag after the id is still an error, not an argument.
	start_sleeper "$CID-2"
	run rt kill "$CID-2" KILL --no-such-flag
	[ "$status" -ne 0 ]
	[ "$(container_status "$CID-2")" = running ]
}

@test "create and run take their flags after the id" {
	set_args sleep 1000
	rt_detached create "$CID" --bundle "$BUNDLE" --pid-file "$TEST_TMP/pid"
	[ "$status" -eq 0 ]
	[ "$(cat "$TEST_TMP/pid")" = "$(container_pid "$CID")" ]
	[ "$(container_status "$CID")" = created ]
	rt_detached run "$CID-r" --bundle "$BUNDLE" --detach
	[ "$status" -eq 0 ]
	[ "$(container_status "$CID-r")" = running ]
}

@test "exec keeps everything after the id for the process" {
	start_sleeper
	run rt exec "$CID" echo -t --env X=1
	[ "$status" -eq 0 ]
	[ "$output" = "-t --env X=1" ]
}

@test "kill with signal 0 probes the init, also with --all" {
	start_sleeper
	wait_for_status "$CID" running
	run rt kill "$CID" 0
	[ "$status" -eq 0 ]
	run rt kill --all "$CID" 0
	[ "$status" -eq 0 ]
	[ "$(container_status "$CID")" = running ]
	rt kill "$CID" KILL
	wait_for_status "$CID" stopped
	run rt kill "$CID" 0
	[ "$status" -ne 0 ]
	[[ "$output" == *"not running"* ]]
	run rt kill no-such-container 0
	[ "$status" -ne 0 ]
}

@test "ps on a stopped container prints an empty list" {
	start_sleeper
	wait_for_status "$CID" running
	run rt ps --format json "$CID"
	[ "$status" -eq 0 ]
	[ "$(jq length <<<"$output")" -ge 1 ]
	rt kill "$CID" KILL
	wait_for_status "$CID" stopped
	run --separate-stderr rt ps --format json "$CID"
	[ "$status" -eq 0 ]
	# runc prints null, cubo-runc []: both an empty list to a JSON reader
	[ "$(jq 'length' <<<"$output")" = 0 ]
	run --separate-stderr rt ps "$CID"
	[ "$status" -eq 0 ]
	[ "${#lines[@]}" -eq 1 ]
	[[ "${lines[0]}" == *PID* ]]
	# ps(1)'s own flags after the id still go to ps(1)
	run rt ps "$CID" -f json
	[ "$status" -ne 0 ] || [[ "$output" != "[]" ]]
}

@test "state and list carry runc's rootfs, created and owner" {
	start_sleeper
	run rt state "$CID"
	[ "$status" -eq 0 ]
	local rootfs created
	rootfs=$(jq -r .rootfs <<<"$output")
	created=$(jq -r .created <<<"$output")
	[ "$rootfs" = "$(cd "$BUNDLE" && pwd -P)/rootfs" ] || [ "$rootfs" = "$BUNDLE/rootfs" ]
	[[ "$created" =~ ^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9:.]+Z$ ]]
	[ "$(jq -r 'has("owner")' <<<"$output")" = true ]
	run rt list --format json
	[ "$status" -eq 0 ]
	[ "$(jq -r '.[0].rootfs' <<<"$output")" = "$rootfs" ]
	[ "$(jq -r '.[0].created' <<<"$output")" = "$created" ]
	[ "$(jq -r '.[0].owner' <<<"$output")" = root ]
	# list's ociVersion is the container's, as state's is
	[ "$(jq -r '.[0].ociVersion' <<<"$output")" = "$(rt state "$CID" | jq -r .ociVersion)" ]
}

@test "--version prints runc's version, commit and spec lines" {
	run rt --version
	[ "$status" -eq 0 ]
	[[ "${lines[0]}" == *" version "* ]]
	grep -q '^commit: .' <<<"$output"
	grep -qE '^spec: [0-9]+\.[0-9]+\.[0-9]+' <<<"$output"
}

@test "spec chooses the namespaces runc chooses for this host" {
	mkdir "$TEST_TMP/s"
	run rt spec --bundle "$TEST_TMP/s"
	[ "$status" -eq 0 ]
	types=$(jq -r '[.linux.namespaces[].type] | sort | join(",")' "$TEST_TMP/s/config.json")
	# a cgroup namespace only where /sys/fs/cgroup is cgroup2 (pure v2)
	if [ "$(stat -f -c %T /sys/fs/cgroup)" = cgroup2fs ]; then
		[ "$types" = cgroup,ipc,mount,network,pid,uts ]
	else
		[ "$types" = ipc,mount,network,pid,uts ]
	fi
}

# console_run OUT COMMAND ARG...: runs the runtime's COMMAND ARG... with a
# console socket whose receiver writes what the pty shows to OUT; waits for
# the receiver.
console_run() {
	local out=$1 cmd=$2 sock=$TEST_TMP/console-$RANDOM.sock receiver i
	shift 2
	python3 "$INTEGRATION_DIR/console-receiver.py" "$sock" "$out" 3>&- &
	receiver=$!
	wait_for_file "$sock"
	rt "$cmd" --console-socket "$sock" "$@" </dev/null >/dev/null
	for i in $(seq 100); do
		kill -0 "$receiver" 2>/dev/null || break
		sleep 0.1
	done
	wait "$receiver"
}

@test "the pty belongs to the user and to devpts' tty group" {
	command -v python3 >/dev/null || skip "needs python3"
	update_config '.process.terminal = true | .process.user = {"uid": 1000, "gid": 1000}'
	set_args sh -c 'stat -c "pty:%u:%g" $(tty); sleep 1000'
	sock=$TEST_TMP/console.sock
	python3 "$INTEGRATION_DIR/console-receiver.py" "$sock" "$TEST_TMP/init.out" 3>&- &
	wait_for_file "$sock"
	rt create --console-socket "$sock" --bundle "$BUNDLE" "$CID" </dev/null >/dev/null
	wait_for_file "$TEST_TMP/init.out.ready"
	rt start "$CID"
	for i in $(seq 50); do
		grep -qa 'pty:' "$TEST_TMP/init.out" && break
		sleep 0.1
	done
	grep -a 'pty:' "$TEST_TMP/init.out" | tr -d '\r' | grep -qx 'pty:1000:5'
	console_run "$TEST_TMP/exec.out" exec --detach --tty --user 1000:1000 "$CID" sh -c 'stat -c "pty:%u:%g" $(tty)'
	grep -a 'pty:' "$TEST_TMP/exec.out" | tr -d '\r' | grep -qx 'pty:1000:5'
}

@test "help lists the commands, help COMMAND is COMMAND --help, an unknown topic is status 3" {
	run rt help
	[ "$status" -eq 0 ]
	[[ "$output" == *kill* ]] && [[ "$output" == *delete* ]]
	run rt help kill
	[ "$status" -eq 0 ]
	[ "$output" = "$(rt kill --help)" ]
	run rt help no-such-command
	[ "$status" -eq 3 ]
	[[ "$output" == *"No help topic for 'no-such-command'"* ]]
}

@test "--help and COMMAND --help in runc's layout: NAME:, USAGE:, OPTIONS:" {
	local prog
	prog=$(basename "$RUNTIME")
	run rt --help
	[ "$status" -eq 0 ]
	[ "${lines[0]}" = "NAME:" ]
	[[ "${lines[1]}" == "   $prog - "* ]]
	for head in "USAGE:" "VERSION:" "COMMANDS:" "GLOBAL OPTIONS:"; do
		grep -qx "$head" <<<"$output"
	done
	grep -q "^   $prog \[global options\] command \[command options\]" <<<"$output"
	grep -qE '^   help, h +' <<<"$output"
	[ "$(rt h)" = "$output" ]
	for cmd in kill exec delete state; do
		run rt "$cmd" --help
		[ "$status" -eq 0 ]
		[ "${lines[0]}" = "NAME:" ]
		[[ "${lines[1]}" == "   $prog $cmd - "* ]]
		grep -qx "USAGE:" <<<"$output"
		grep -q "^   $prog $cmd " <<<"$output"
		[ "$cmd" = state ] && continue
		grep -q "^   $prog $cmd \\[command options\\]" <<<"$output"
		grep -qx "OPTIONS:" <<<"$output"
	done
}

@test "--debug writes runc's logrus lines and step messages; --log takes them off stderr" {
	set_args sleep 1000
	# create: on stderr, logrus' text shape, with the steps callers grep
	rt_detached --debug create "$CID" --bundle "$BUNDLE"
	[ "$status" -eq 0 ]
	[[ "$output" == *'level=debug msg="nsexec'*"nsexec container setup"* ]]
	[[ "$output" == *"child process in init()"* ]]
	rt start "$CID"
	# exec logs like create, and says when it is about to exec
	run rt --debug exec "$CID" true
	[ "$status" -eq 0 ]
	[[ "$output" == *level=debug*"nsexec container setup"* ]]
	[[ "$output" == *"child process in init()"* ]]
	[[ "$output" == *"setns_init: about to exec"* ]]
	# a failure under --debug is a logrus error line too
	run rt --debug exec "$CID" no-such-command
	[ "$status" -eq 255 ]
	[[ "$output" == *"level=error msg="*"executable file not found"* ]]
	# with --log, stderr keeps no debug line; the file has them, text or JSON
	run rt --debug --log "$TEST_TMP/text.log" exec "$CID" true
	[ "$status" -eq 0 ]
	[[ "$output" != *level=debug* ]]
	grep -q 'level=debug msg="child process in init()"' "$TEST_TMP/text.log"
	run rt --debug --log "$TEST_TMP/json.log" --log-format json exec "$CID" true
	[ "$status" -eq 0 ]
	[[ "$output" != *'"level":"debug"'* ]]
	jq -se 'map(select(.level == "debug" and (.msg | test("nsexec container setup")))) | length > 0' \
		"$TEST_TMP/json.log"
	# without --debug: no debug line, and an error is one line for a person
	run rt exec "$CID" no-such-command
	[ "$status" -eq 255 ]
	[[ "$output" != *level=debug* ]]
	[[ "$output" == *"executable file not found"* ]]
}

@test "the process starts with SIGPIPE at its default and nothing blocked, whatever the caller ignored" {
	# a service manager runs the runtime with SIGPIPE ignored; nohup ignores SIGHUP
	set_args sh -c 'grep -E "^Sig(Ign|Blk)" /proc/self/status'
	run bash -c 'trap "" PIPE USR1 HUP; exec "$0" --root "$1" run --bundle "$2" "$3"' \
		"$RUNTIME" "$ROOT" "$BUNDLE" "$CID"
	[ "$status" -eq 0 ]
	local ign blk
	ign=$(awk '$1 == "SigIgn:" { print $2 }' <<<"$output")
	blk=$(awk '$1 == "SigBlk:" { print $2 }' <<<"$output")
	# SIGPIPE (13), SIGUSR1 (10) and SIGHUP (1) at their default, as runc's
	[ $(((0x$ign >> 12) & 1)) -eq 0 ]
	[ $(((0x$ign >> 9) & 1)) -eq 0 ]
	[ $((0x$ign & 1)) -eq 0 ]
	[ "$((0x$blk))" -eq 0 ]
	# exec too
	start_sleeper
	run bash -c 'trap "" PIPE USR1; exec "$0" --root "$1" exec "$2" grep -E "^Sig(Ign|Blk)" /proc/self/status' \
		"$RUNTIME" "$ROOT" "$CID"
	[ "$status" -eq 0 ]
	ign=$(awk '$1 == "SigIgn:" { print $2 }' <<<"$output")
	[ $(((0x$ign >> 12) & 1)) -eq 0 ]
	[ $(((0x$ign >> 9) & 1)) -eq 0 ]
}
