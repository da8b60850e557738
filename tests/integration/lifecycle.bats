#!/usr/bin/env bats
# create / start / state / kill / delete / run, as runc does them.

load helpers

setup() { setup_common; }
teardown() { teardown_common; }

@test "create, start, kill, delete walk the states" {
	set_args sleep 1000
	rt_detached create --bundle "$BUNDLE" "$CID"
	[ "$status" -eq 0 ]

	run rt state "$CID"
	[ "$status" -eq 0 ]
	[ "$(jq -r .status <<<"$output")" = created ]
	[ "$(jq -r .id <<<"$output")" = "$CID" ]
	[ "$(jq -r .bundle <<<"$output")" = "$BUNDLE" ]
	[ -n "$(jq -r .ociVersion <<<"$output")" ]
	pid=$(jq -r .pid <<<"$output")
	[ "$pid" -gt 0 ]
	kill -0 "$pid"

	rt start "$CID"
	wait_for_status "$CID" running
	[ "$(container_pid "$CID")" = "$pid" ]
	kill -0 "$pid"

	rt kill "$CID" KILL
	wait_for_status "$CID" stopped
	! kill -0 "$pid" 2>/dev/null || [ "$(awk '{print $3}' /proc/$pid/stat)" = Z ]

	rt delete "$CID"
	run rt state "$CID"
	[ "$status" -ne 0 ]
	[ -z "$(ls -A "$ROOT")" ]
}

@test "kill accepts KILL, SIGKILL and 9" {
	local sig id
	for sig in KILL SIGKILL 9; do
		id=$CID-$sig
		start_sleeper "$id"
		wait_for_status "$id" running
		run rt kill "$id" "$sig"
		[ "$status" -eq 0 ]
		wait_for_status "$id" stopped
		rt delete "$id"
	done
}

@test "kill without a signal sends SIGTERM" {
	# sh as pid 1 of a pid namespace ignores SIGTERM unless it traps it.
	set_args sh -c 'trap "exit 0" TERM; while :; do sleep 0.1; done'
	rt create --bundle "$BUNDLE" "$CID"
	rt start "$CID"
	wait_for_status "$CID" running
	rt kill "$CID"
	wait_for_status "$CID" stopped
}

@test "kill of an unknown signal fails" {
	start_sleeper
	run rt kill "$CID" NOSUCHSIG
	[ "$status" -ne 0 ]
	[ "$(container_status "$CID")" = running ]
}

@test "start of a running container fails" {
	start_sleeper
	wait_for_status "$CID" running
	run rt start "$CID"
	[ "$status" -ne 0 ]
}

@test "run returns the process exit code" {
	run_container sh -c 'exit 3'
	[ "$status" -eq 3 ]
	run_container true
	[ "$status" -eq 0 ]
	# The container is gone after a foreground run.
	run rt state "$CID"
	[ "$status" -ne 0 ]
}

@test "run of a missing executable fails" {
	run_container /no/such/binary
	[ "$status" -ne 0 ]
	assert_no_leftovers
}

@test "run --detach leaves the container running" {
	set_args sleep 1000
	rt_detached run --detach --bundle "$BUNDLE" "$CID"
	[ "$status" -eq 0 ]
	[ "$(container_status "$CID")" = running ]
	kill -0 "$(container_pid "$CID")"
}

@test "create --pid-file writes the container pid" {
	set_args sleep 1000
	rt create --pid-file "$TEST_TMP/pid" --bundle "$BUNDLE" "$CID"
	[ -s "$TEST_TMP/pid" ]
	[ "$(cat "$TEST_TMP/pid")" = "$(container_pid "$CID")" ]
}

@test "a duplicate id is refused" {
	start_sleeper
	pid=$(container_pid "$CID")
	rt_detached create --bundle "$BUNDLE" "$CID"
	[ "$status" -ne 0 ]
	# The first container is untouched.
	[ "$(container_status "$CID")" = running ]
	[ "$(container_pid "$CID")" = "$pid" ]
}

@test "invalid ids are refused" {
	local long id
	long=$(printf 'x%.0s' $(seq 1024))
	for id in a/b .. . "" "$long" "../escape" "a b"; do
		rt_detached create --bundle "$BUNDLE" "$id"
		[ "$status" -ne 0 ] || {
			echo "id '$id' was accepted" >&2
			return 1
		}
	done
	[ ! -e "$TEST_TMP/escape" ]
	assert_no_leftovers
}

@test "delete of a running container is refused, --force works" {
	start_sleeper
	pid=$(container_pid "$CID")
	run rt delete "$CID"
	[ "$status" -ne 0 ]
	[ "$(container_status "$CID")" = running ]

	run rt delete --force "$CID"
	[ "$status" -eq 0 ]
	run rt state "$CID"
	[ "$status" -ne 0 ]
	sleep 0.1
	! kill -0 "$pid" 2>/dev/null || [ "$(awk '{print $3}' /proc/$pid/stat)" = Z ]
	assert_no_leftovers
}

@test "delete --force of a created container" {
	set_args sleep 1000
	rt create --bundle "$BUNDLE" "$CID"
	rt delete --force "$CID"
	assert_no_leftovers
}

# state.json is replaced without an fsync: after a power cut on a disk-backed
# --root it may be empty or zeros. The container is then one whose create
# never finished: state says so, delete --force kills what its cgroups hold.
@test "a state file a power cut emptied: delete --force still removes the container" {
	for damage in empty zeros; do
		set_args sleep 1000
		rt create --bundle "$BUNDLE" "$CID"
		pid=$(container_pid "$CID")
		if [ "$damage" = empty ]; then
			: >"$ROOT/$CID/state.json"
		else
			head -c 300 /dev/zero >"$ROOT/$CID/state.json"
		fi
		run rt state "$CID"
		[ "$status" -ne 0 ]
		[[ "$output" == *"still being created"* ]]
		run rt delete --force "$CID"
		[ "$status" -eq 0 ]
		[ ! -e "$ROOT/$CID" ]
		sleep 0.1
		! kill -0 "$pid" 2>/dev/null || [ "$(awk '{print $3}' /proc/$pid/stat)" = Z ]
		assert_no_leftovers
	done
}

@test "delete of an unknown container fails, --force does not" {
	run rt delete nosuch
	[ "$status" -ne 0 ]
	run rt delete --force nosuch
	[ "$status" -eq 0 ]
}

@test "state of an unknown container fails" {
	run rt state nosuch
	[ "$status" -ne 0 ]
}

@test "list shows containers as a table and as JSON" {
	start_sleeper "$CID-a"
	set_args sleep 1000
	rt create --bundle "$BUNDLE" "$CID-b"

	run rt list
	[ "$status" -eq 0 ]
	read -ra header <<<"${lines[0]}"
	[ "${header[*]}" = "ID PID STATUS BUNDLE CREATED OWNER" ]
	[[ $output == *"$CID-a"*running*"$BUNDLE"* ]]
	[[ $output == *"$CID-b"*created*"$BUNDLE"* ]]

	run rt list --format json
	[ "$status" -eq 0 ]
	[ "$(jq length <<<"$output")" -eq 2 ]
	[ "$(jq -r ".[] | select(.id == \"$CID-a\") | .status" <<<"$output")" = running ]
	[ "$(jq -r ".[] | select(.id == \"$CID-b\") | .status" <<<"$output")" = created ]
	[ "$(jq -r ".[] | select(.id == \"$CID-a\") | .pid" <<<"$output")" = "$(container_pid "$CID-a")" ]
	[ "$(jq -r '.[0].bundle' <<<"$output")" = "$BUNDLE" ]

	run rt list -q
	[ "$status" -eq 0 ]
	[ "$(sort <<<"$output" | tr '\n' ' ')" = "$CID-a $CID-b " ]
}

@test "list of an empty root" {
	run rt list --format json
	[ "$status" -eq 0 ]
	# runc prints null for no containers; an empty array is as good.
	[ "$(jq -c '. // []' <<<"$output")" = "[]" ]
}

@test "kill --all signals every process of the container" {
	# Without a pid namespace, killing the first process leaves its
	# children: only --all reaches them.
	update_config '.linux.namespaces |= map(select(.type != "pid"))'
	set_args sh -c 'sleep 1001 & sleep 1002 & echo ready > /tmp/ready; wait'
	update_config '.root.readonly = false'
	rt create --bundle "$BUNDLE" "$CID"
	rt start "$CID"
	wait_for_file "$BUNDLE/rootfs/tmp/ready"
	pids=$(pgrep -f '^sleep 100[12]$')
	[ "$(wc -w <<<"$pids")" -eq 2 ]

	run rt kill --all "$CID" KILL
	[ "$status" -eq 0 ]
	wait_for_status "$CID" stopped
	for p in $pids; do
		for i in $(seq 20); do
			kill -0 "$p" 2>/dev/null || break
			sleep 0.1
		done
		refute kill -0 "$p" 2>/dev/null
	done
}

@test "run and exec leave nothing for a subreaper caller to reap" {
	# The runtime's re-exec hands the close of its overlay's mount to a child;
	# the runtime reaps it, so a caller that reaps orphans (conmon, a shim) or
	# an init that reaps none never gets one.
	set_args true
	run timeout 30 python3 "$INTEGRATION_DIR/subreaper.py" "$RUNTIME" --root "$ROOT" run --bundle "$BUNDLE" "$CID"
	[ "$status" -eq 0 ]
	[ "$output" = "status 0 orphans 0" ]
	set_args sleep 1000
	rt_detached run --detach --bundle "$BUNDLE" "$CID"
	[ "$status" -eq 0 ]
	run timeout 30 python3 "$INTEGRATION_DIR/subreaper.py" "$RUNTIME" --root "$ROOT" exec "$CID" true
	[ "$output" = "status 0 orphans 0" ]
	rt delete --force "$CID"
}
