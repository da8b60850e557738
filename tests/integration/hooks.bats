#!/usr/bin/env bats
# OCI hooks: each kind runs once, at its point, in its namespace, with the
# state on stdin; failures are handled as the runtime spec says.

load helpers

setup() {
	setup_common
	LOG=$TEST_TMP/hooks.log
	HOOK=$TEST_TMP/hook.sh
	# hook.sh KIND: appends "KIND status pid mntns" (status and pid from stdin)
	cat >"$HOOK" <<-EOF
		#!/bin/sh
		state=\$(cat)
		status=\$(echo "\$state" | sed 's/.*"status":"\([a-z]*\)".*/\1/')
		pid=\$(echo "\$state" | sed 's/.*"pid":\([0-9]*\).*/\1/')
		echo "\$1 \$status \$pid \$(readlink /proc/self/ns/mnt)" >>$LOG
	EOF
	chmod +x "$HOOK"
}

teardown() {
	teardown_common
}

hook_json() {
	jq -n --arg p "$HOOK" --arg k "$1" '{path: $p, args: ["hook.sh", $k]}'
}

@test "hooks: every kind runs once at its point with the state on stdin" {
	local kinds=(prestart createRuntime createContainer startContainer poststart poststop)
	for k in "${kinds[@]}"; do
		update_config --argjson h "$(hook_json "$k")" --arg k "$k" '.hooks[$k] = [$h]'
	done
	# startContainer resolves in the container: give it the hook and the log there
	mkdir -p "$BUNDLE/rootfs/hooks"
	sed "s|>>$LOG|>>/hooks/log|" "$HOOK" >"$BUNDLE/rootfs/hooks/hook.sh"
	chmod +x "$BUNDLE/rootfs/hooks/hook.sh"
	update_config '.hooks.startContainer[0].path = "/hooks/hook.sh" |
		.mounts += [{destination: "/hooks", type: "bind", source: "'"$BUNDLE"'/rootfs/hooks",
			options: ["rbind", "rw"]}]'
	set_args sleep 1000
	rt_detached create --bundle "$BUNDLE" "$CID"
	echo "$output"
	[ "$status" -eq 0 ]
	pid=$(container_pid "$CID")
	run cat "$LOG"
	echo "$output"; [ "${#lines[@]}" -eq 3 ]
	[[ "${lines[0]}" == "prestart created $pid "* ]]
	[[ "${lines[1]}" == "createRuntime created $pid "* ]]
	[[ "${lines[2]}" == "createContainer created $pid $(readlink /proc/$pid/ns/mnt)" ]]
	# prestart and createRuntime ran in our mount namespace
	[[ "${lines[0]}" == *" $(readlink /proc/self/ns/mnt)" ]]
	rt start "$CID"
	wait_for_file "$BUNDLE/rootfs/hooks/log"
	run cat "$BUNDLE/rootfs/hooks/log"
	[[ "$output" == "startContainer created $pid "* ]]
	run cat "$LOG"
	[ "${#lines[@]}" -eq 4 ]
	[[ "${lines[3]}" == "poststart running $pid "* ]]
	rt kill "$CID" KILL
	wait_for_status "$CID" stopped
	rt delete "$CID"
	run cat "$LOG"
	[ "${#lines[@]}" -eq 5 ]
	[[ "${lines[4]}" == "poststop stopped "* ]]
}

@test "hooks: a failing createRuntime hook fails create and leaves nothing" {
	update_config '.hooks.createRuntime = [{path: "/bin/sh", args: ["sh", "-c", "echo nope >&2; exit 3"]}]'
	rt_detached create --bundle "$BUNDLE" "$CID"
	assert_error_mentions "createRuntime hook 0 (/bin/sh): exited with status 3: nope"
	assert_no_leftovers
}

@test "hooks: a hook past its timeout is killed and create fails" {
	update_config '.hooks.prestart = [{path: "/bin/sleep", args: ["sleep", "30"], timeout: 1}]'
	SECONDS=0
	rt_detached create --bundle "$BUNDLE" "$CID"
	assert_error_mentions "prestart hook 0 (/bin/sleep): timed out after 1 s"
	[ "$SECONDS" -lt 10 ]
	assert_no_leftovers
}

@test "hooks: poststart and poststop failures are warnings" {
	update_config '.hooks.poststart = [{path: "/bin/false"}] | .hooks.poststop = [{path: "/bin/false"}]'
	run_container echo ran
	[ "$status" -eq 0 ]
	[[ "$output" == *ran* ]]
	is_cubo || return 0
	[[ "$output" == *"warning: poststart hook 0 (/bin/false): exited with status 1"* ]]
	[[ "$output" == *"warning: poststop hook 0 (/bin/false): exited with status 1"* ]]
	[ ! -e "$ROOT/$CID" ]
}

@test "hooks: poststop runs even when the bundle is gone" {
	update_config --argjson h "$(hook_json poststop)" '.hooks.poststop = [$h]'
	set_args sleep 1000
	rt create --bundle "$BUNDLE" "$CID" </dev/null >/dev/null 2>&1
	rt start "$CID"
	mv "$BUNDLE/config.json" "$BUNDLE/config.moved"
	run rt delete --force "$CID"
	[ "$status" -eq 0 ]
	run cat "$LOG"
	[[ "$output" == "poststop stopped "* ]]
}

@test "hooks: the runtime's run in the bundle, createContainer in the root filesystem" {
	local k kinds=(prestart createRuntime createContainer poststart poststop)
	for k in "${kinds[@]}"; do
		update_config --arg k "$k" --arg log "$LOG" \
			'.hooks[$k] = [{path: "/bin/sh", args: ["sh", "-c", "echo \($k) $(pwd) >> \($log)"]}]'
	done
	bundle=$(cd "$BUNDLE" && pwd -P)
	# from elsewhere: the hooks must not inherit the caller's directory
	(cd / && rt run --bundle "$BUNDLE" "$CID") >/dev/null
	cat "$LOG"
	grep -qx "prestart $bundle" "$LOG"
	grep -qx "createRuntime $bundle" "$LOG"
	# runc runs it in the root filesystem, where a hook may touch ./lib/...
	grep -qx "createContainer $bundle/rootfs" "$LOG"
	grep -qx "poststart $bundle" "$LOG"
	grep -qx "poststop $bundle" "$LOG"
}
