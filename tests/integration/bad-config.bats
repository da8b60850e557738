#!/usr/bin/env bats
# A config the runtime cannot honour fails create with a non-zero exit and
# a message naming what was wrong, and leaves nothing behind: no state
# entry, no process, no mount.  (The message is checked for cubo-runc only:
# see assert_error_mentions.)

load helpers

setup() {
	setup_common
	set_args sleep 1000
}
teardown() { teardown_common; }

# create_fails TEXT: create must fail, mentioning TEXT, and leave nothing.
create_fails() {
	rt_detached create --bundle "$BUNDLE" "$CID"
	echo "$output"
	assert_error_mentions "$1"
	assert_no_leftovers
}

@test "missing rootfs" {
	update_config '.root.path = "nosuch"'
	create_fails nosuch
}

@test "rootfs that is a file" {
	touch "$BUNDLE/afile"
	update_config '.root.path = "afile"'
	create_fails afile
}

@test "missing config.json" {
	rm "$BUNDLE/config.json"
	create_fails config.json
}

@test "config.json that is not JSON" {
	echo '{"ociVersion": "1.0.2", "process": {' >"$BUNDLE/config.json"
	create_fails config.json
}

@test "process.args of the wrong type" {
	update_config '.process.args = "sleep 1000"'
	create_fails process.args
}

@test "process.user.uid of the wrong type" {
	update_config '.process.user.uid = "root"'
	create_fails process.user.uid
}

@test "unknown namespace type" {
	update_config '.linux.namespaces += [{type: "nosuchns"}]'
	create_fails linux.namespaces
}

@test "the same namespace type twice" {
	update_config '.linux.namespaces += [{type: "network"}]'
	create_fails linux.namespaces
}

@test "unknown rlimit type" {
	update_config '.process.rlimits = [{type: "RLIMIT_NOSUCH", soft: 1, hard: 1}]'
	create_fails RLIMIT_NOSUCH
}

@test "an rlimit above the hard limit without CAP_SYS_RESOURCE" {
	if (($(printf '%d' 0x"$(awk '/^CapEff/ {print $2}' /proc/self/status)") & (1 << 24))); then
		skip "this host has CAP_SYS_RESOURCE: raising the hard limit is allowed"
	fi
	hard=$(ulimit -Hn)
	[ "$hard" != unlimited ] || skip "nofile is unlimited here"
	update_config --argjson h $((hard * 50 + 1)) \
		'.process.rlimits = [{type: "RLIMIT_NOFILE", soft: 1024, hard: $h}]'
	create_fails RLIMIT_NOFILE
}

@test "a relative cwd" {
	update_config '.process.cwd = "relative/dir"'
	create_fails process.cwd
}

@test "a container without a process is set up and stops when started" {
	# process is optional in the runtime spec; the runtime-tools suite starts
	# such a container and expects start to succeed (crun does the same).
	runc_gets_wrong "refuses a config without process"
	update_config 'del(.process)'
	rt create --bundle "$BUNDLE" "$CID"
	[ "$(rt state "$CID" | jq -r .status)" = created ]
	rt start "$CID"
	wait_for_status "$CID" stopped
	rt delete "$CID"
	assert_no_leftovers
}

@test "a failing run leaves nothing either" {
	update_config '.process.args = "not an array"'
	run rt run --bundle "$BUNDLE" "$CID"
	assert_error_mentions process.args
	assert_no_leftovers
}

@test "a bundle path that does not exist" {
	rt_detached create --bundle "$TEST_TMP/nosuchbundle" "$CID"
	assert_error_mentions nosuchbundle
	assert_no_leftovers
}

@test "a capability the runtime itself lacks is refused at create" {
	# this host withholds CAP_SYS_RESOURCE (bit 24) from everyone
	bnd=$(awk '/^CapBnd:/ {print $2}' /proc/self/status)
	(((0x$bnd >> 24) & 1)) && skip "this host grants CAP_SYS_RESOURCE"
	update_config '.process.capabilities.permitted += ["CAP_SYS_RESOURCE"] |
		.process.capabilities.effective += ["CAP_SYS_RESOURCE"]'
	create_fails CAP_SYS_RESOURCE
}
