#!/usr/bin/env bats
# The command line around the lifecycle: spec, features, global flags.

load helpers

setup() { setup_common; }
teardown() { teardown_common; }

@test "--version names the runtime spec version" {
	run "$RUNTIME" --version
	[ "$status" -eq 0 ]
	[[ $output == *spec* ]]
}

@test "an unknown command fails" {
	run rt no-such-command
	[ "$status" -ne 0 ]
}

@test "spec writes a usable default config" {
	mkdir "$TEST_TMP/new"
	run rt spec --bundle "$TEST_TMP/new"
	[ "$status" -eq 0 ]
	cfg=$TEST_TMP/new/config.json
	jq -e '.ociVersion | startswith("1.")' "$cfg"
	jq -e '.root.path == "rootfs"' "$cfg"
	jq -e '.process.args | type == "array" and length > 0' "$cfg"
	jq -e '.process.cwd == "/"' "$cfg"
	jq -e '[.linux.namespaces[].type] | contains(["pid", "mount", "ipc", "uts", "network"])' "$cfg"
	jq -e '[.mounts[].destination] | contains(["/proc", "/dev", "/sys"])' "$cfg"
	jq -e '.linux.maskedPaths | length > 0' "$cfg"
	jq -e '.linux.readonlyPaths | length > 0' "$cfg"
	# The default runs as is once a rootfs is there.
	cp -a "$BUNDLE/rootfs" "$TEST_TMP/new/"
	CONFIG=$cfg update_config '.process.terminal = false | .process.args = ["echo", "default-ok"]'
	run rt run --bundle "$TEST_TMP/new" "$CID"
	[ "$status" -eq 0 ]
	[ "$output" = default-ok ]
}

@test "spec refuses to overwrite a config" {
	echo '{"keep": true}' >"$TEST_TMP/config.json"
	run rt spec --bundle "$TEST_TMP"
	[ "$status" -ne 0 ]
	[ "$(jq -c . "$TEST_TMP/config.json")" = '{"keep":true}' ]
}

@test "spec --rootless maps the caller into a user namespace" {
	run rt spec --rootless --bundle "$TEST_TMP"
	[ "$status" -eq 0 ]
	jq -e '[.linux.namespaces[].type] | index("user")' "$TEST_TMP/config.json"
	jq -e --argjson u "$(id -u)" '.linux.uidMappings[0] | .hostID == $u and .containerID == 0' \
		"$TEST_TMP/config.json"
	jq -e --argjson g "$(id -g)" '.linux.gidMappings[0].hostID == $g' "$TEST_TMP/config.json"
	# No network namespace: a rootless container has no way to set one up.
	refute jq -e '[.linux.namespaces[].type] | index("network")' "$TEST_TMP/config.json"
}

@test "features reports what the runtime supports" {
	run rt features
	[ "$status" -eq 0 ]
	jq -e '.ociVersionMin | startswith("1.")' <<<"$output"
	jq -e '.ociVersionMax | startswith("1.")' <<<"$output"
	jq -e '.linux.namespaces | contains(["mount", "pid", "network", "ipc", "uts", "user"])' <<<"$output"
	jq -e '.linux.capabilities | index("CAP_SYS_ADMIN")' <<<"$output"
	jq -e '.mountOptions | index("rbind")' <<<"$output"
}

@test "--log with --log-format json writes one JSON object per line" {
	update_config '.root.path = "nosuch"'
	rt_detached --log "$TEST_TMP/log.json" --log-format json create --bundle "$BUNDLE" "$CID"
	[ "$status" -ne 0 ]
	[ -s "$TEST_TMP/log.json" ]
	# Every line parses, and one of them is the error.
	while IFS= read -r line; do
		jq -e 'has("level") and has("msg")' <<<"$line" >/dev/null
	done <"$TEST_TMP/log.json"
	jq -se 'map(select(.level == "error")) | length > 0' "$TEST_TMP/log.json"
	grep -q nosuch "$TEST_TMP/log.json"
}

@test "--log in text format records the error" {
	update_config '.root.path = "nosuch"'
	rt_detached --log "$TEST_TMP/log.txt" create --bundle "$BUNDLE" "$CID"
	[ "$status" -ne 0 ]
	grep -q nosuch "$TEST_TMP/log.txt"
	# The error is also on stderr for a human.
	[[ $output == *nosuch* ]]
}

@test "--debug does not disturb the container's output" {
	set_args echo clean
	run --separate-stderr rt --debug --log "$TEST_TMP/debug.log" --log-format json \
		run --bundle "$BUNDLE" "$CID"
	[ "$status" -eq 0 ]
	[ "$output" = clean ]
	jq -se 'map(select(.level == "debug")) | length > 0' "$TEST_TMP/debug.log"
}

@test "a --root that does not exist yet is created" {
	run "$RUNTIME" --root "$TEST_TMP/deep/er/root" list
	[ "$status" -eq 0 ]
	set_args true
	run "$RUNTIME" --root "$TEST_TMP/deep/er/root" run --bundle "$BUNDLE" "$CID"
	[ "$status" -eq 0 ]
}

@test "the bundle defaults to the current directory" {
	set_args echo from-cwd
	cd "$BUNDLE"
	run rt run "$CID"
	[ "$status" -eq 0 ]
	[ "$output" = from-cwd ]
}
