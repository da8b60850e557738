#!/usr/bin/env bats
# update and events on running containers, checked against the cgroup files.

load helpers

setup() {
	setup_common
	needs_cubo_cgroups
}
teardown() { teardown_common; }

# cg_file CONTROLLER FILE: the container's FILE of CONTROLLER, read.
cg_file() {
	cat "$(cg_dir "$1" "$(container_pid "$CID")")/$2"
}

# cg_memory_limit: the container's memory limit in bytes, "max" for none
# (v1 shows none as a huge number).
cg_memory_limit() {
	local v
	if is_cgroup_v1 memory; then
		v=$(cg_file memory memory.limit_in_bytes)
		if [ "$v" -gt $((1 << 62)) ]; then echo max; else echo "$v"; fi
	else
		cg_file memory memory.max
	fi
}

start_running() {
	start_sleeper
	wait_for_status "$CID" running
}

@test "update sets memory, pids and cpu limits from flags" {
	start_running
	run rt update --memory 64m --memory-reservation 32m --pids-limit 20 \
		--cpu-quota 50000 --cpu-period 100000 --cpu-share 512 "$CID"
	[ "$status" -eq 0 ]
	[ "$(cg_memory_limit)" = $((64 << 20)) ]
	[ "$(cg_file pids pids.max)" = 20 ]
	if is_cgroup_v1 memory; then
		[ "$(cg_file memory memory.soft_limit_in_bytes)" = $((32 << 20)) ]
		[ "$(cg_file cpu cpu.cfs_quota_us)" = 50000 ]
		[ "$(cg_file cpu cpu.cfs_period_us)" = 100000 ]
		[ "$(cg_file cpu cpu.shares)" = 512 ]
	else
		[ "$(cg_file memory memory.low)" = $((32 << 20)) ]
		[ "$(cg_file cpu cpu.max)" = "50000 100000" ]
		# runc's mapping of shares onto weights: 1 + (512 - 2) * 9999 / 262142
		[ "$(cg_file cpu cpu.weight)" = 20 ]
	fi

	# -1 lifts the limit again; plain bytes work too
	run rt update --memory -1 --pids-limit -1 "$CID"
	[ "$status" -eq 0 ]
	[ "$(cg_memory_limit)" = max ]
	[ "$(cg_file pids pids.max)" = max ]
	run rt update --memory 100000000 "$CID"
	[ "$status" -eq 0 ]
	# the kernel rounds down to whole pages
	[ "$(cg_memory_limit)" = $((100000000 / 4096 * 4096)) ]
}

@test "update -r FILE and -r - read a linux.resources object" {
	start_running
	cat >"$TEST_TMP/res.json" <<-'EOF'
		{"memory": {"limit": 48000000}, "pids": {"limit": 11},
		 "cpu": {"shares": 300, "quota": 20000, "period": 100000}}
	EOF
	run rt update -r "$TEST_TMP/res.json" "$CID"
	[ "$status" -eq 0 ]
	[ "$(cg_memory_limit)" = $((48000000 / 4096 * 4096)) ]
	[ "$(cg_file pids pids.max)" = 11 ]
	if is_cgroup_v1 cpu; then
		[ "$(cg_file cpu cpu.shares)" = 300 ]
		[ "$(cg_file cpu cpu.cfs_quota_us)" = 20000 ]
	else
		[ "$(cg_file cpu cpu.weight)" = 12 ] # 1 + (300 - 2) * 9999 / 262142
		[ "$(cg_file cpu cpu.max)" = "20000 100000" ]
	fi

	# with -r, the other flags are ignored, as in runc
	run rt update -r - --pids-limit 99 "$CID" <<<'{"pids": {"limit": 12}}'
	[ "$status" -eq 0 ]
	[ "$(cg_file pids pids.max)" = 12 ]
	# and what the file leaves out stays as it was
	if is_cgroup_v1 cpu; then
		[ "$(cg_file cpu cpu.shares)" = 300 ]
	else
		[ "$(cg_file cpu cpu.weight)" = 12 ]
	fi
}

@test "update with a bad JSON file names the file and the JSON path" {
	start_running
	echo '{"memory": {"limit": "lots"}}' >"$TEST_TMP/bad.json"
	run rt update -r "$TEST_TMP/bad.json" "$CID"
	assert_error_mentions "bad.json: memory.limit"

	echo '{"pids": {"limit": 5' >"$TEST_TMP/broken.json"
	run rt update -r "$TEST_TMP/broken.json" "$CID"
	assert_error_mentions "broken.json"

	run rt update -r "$TEST_TMP/missing.json" "$CID"
	assert_error_mentions "missing.json"
	# nothing was changed
	[ "$(cg_file pids pids.max)" = max ]
}

@test "update with a bad flag value names the flag" {
	start_running
	run rt update --memory lots "$CID"
	assert_error_mentions "--memory"
	run rt update --cpu-quota 1.5 "$CID"
	assert_error_mentions "cpu-quota"
	run rt update --pids-limit ten "$CID"
	assert_error_mentions "pids-limit"
	[ "$(cg_file pids pids.max)" = max ]
}

@test "update of a stopped or unknown container fails" {
	start_running
	rt kill "$CID" KILL
	wait_for_status "$CID" stopped
	run rt update --pids-limit 5 "$CID"
	assert_error_mentions "not running"
	run rt update --pids-limit 5 nosuch-$CID
	[ "$status" -ne 0 ]
}

@test "events --stats prints one JSON line with memory usage and pids.current" {
	set_args sh -c 'sleep 1000 & sleep 1000 & wait'
	rt create --bundle "$BUNDLE" "$CID" </dev/null >/dev/null 2>&1
	rt start "$CID"
	wait_for_status "$CID" running
	rt update --pids-limit 40 --memory 64m "$CID"
	local i
	for i in $(seq 50); do
		[ "$(cg_file pids pids.current)" -ge 3 ] && break
		sleep 0.1
	done

	run --separate-stderr rt events --stats "$CID"
	[ "$status" -eq 0 ]
	[ "${#lines[@]}" -eq 1 ]
	jq -e . <<<"$output" >/dev/null
	[ "$(jq -r .type <<<"$output")" = stats ]
	[ "$(jq -r .id <<<"$output")" = "$CID" ]
	[ "$(jq -r .data.pids.current <<<"$output")" = "$(cg_file pids pids.current)" ]
	[ "$(jq -r .data.pids.current <<<"$output")" -eq 3 ]
	[ "$(jq -r .data.pids.limit <<<"$output")" = 40 ]
	[ "$(jq -r .data.memory.usage.usage <<<"$output")" -gt 0 ]
	[ "$(jq -r .data.memory.usage.limit <<<"$output")" = $((64 << 20)) ]
	jq -e '.data.memory.raw | type == "object"' <<<"$output" >/dev/null
	jq -e '.data.cpu.usage.total > 0' <<<"$output" >/dev/null
}

@test "events prints a line per interval and ends when the container stops" {
	start_running
	local out=$TEST_TMP/events.out pid
	timeout 20 "$RUNTIME" --root "$ROOT" events --interval 200ms "$CID" \
		>"$out" 2>"$TEST_TMP/events.err" 3>&- &
	pid=$!
	sleep 1.2
	kill -0 "$pid" # still streaming
	rt kill "$CID" KILL
	# runc streams until the cgroup is gone, that is, until delete
	if is_runc; then
		wait_for_status "$CID" stopped
		rt delete "$CID"
	fi
	wait "$pid" # ends by itself, well before the timeout
	[ "$(wc -l <"$out")" -ge 2 ]
	while read -r line; do
		[ "$(jq -r .type <<<"$line")" = stats ]
		[ "$(jq -r .id <<<"$line")" = "$CID" ]
	done <"$out"
}

@test "events reports an OOM kill" {
	# the shell grows past the limit only once events is watching
	set_args sh -c 'while [ ! -e /tmp/go ]; do sleep 0.1; done; x=$(head -c 100000000 /dev/zero | tr "\\0" a); sleep 1000'
	update_config '.root.readonly = false'
	rt create --bundle "$BUNDLE" "$CID" </dev/null >/dev/null 2>&1
	rt start "$CID"
	wait_for_status "$CID" running
	local swap=
	[ -e "$(cg_dir memory "$(container_pid "$CID")")/memory.memsw.limit_in_bytes" ] &&
		swap="--memory-swap 16m"
	rt update --memory 16m $swap "$CID"

	local out=$TEST_TMP/events.out pid
	timeout 20 "$RUNTIME" --root "$ROOT" events --interval 200ms "$CID" \
		>"$out" 2>"$TEST_TMP/events.err" 3>&- &
	pid=$!
	# the first stats line means the OOM notifier is registered
	local i
	for i in $(seq 100); do
		[ -s "$out" ] && break
		sleep 0.1
	done
	[ -s "$out" ]
	touch "$BUNDLE/rootfs/tmp/go"
	wait "$pid" || true
	cat "$out" "$TEST_TMP/events.err"
	grep -q '"type":"oom"' "$out"
	[ "$(jq -r 'select(.type == "oom") | .id' "$out" | head -n1)" = "$CID" ]
}

# in_v2_view CMD...: runs CMD in a private mount namespace where /sys/fs/cgroup
# is the cgroup2 hierarchy alone, as on a pure cgroup v2 host.
in_v2_view() {
	unshare -m --propagation unchanged sh -c 'mount --make-rprivate /sys && umount -R /sys/fs/cgroup &&
		mount -t cgroup2 none /sys/fs/cgroup && exec "$@"' sh "$@"
}

@test "on cgroup v2, device rules become an eBPF filter (last match wins)" {
	grep -qw cgroup2 /proc/filesystems || skip "no cgroup2 in this kernel"
	# c 1:12 has no driver: ENXIO when the filter lets it through, EPERM when not
	set_args sh -c 'head -c 3 /dev/zero | wc -c; head -c 1 /dev/nodrv'
	update_config '.linux.devices = [{"path": "/dev/nodrv", "type": "c", "major": 1,
		"minor": 12, "fileMode": 420}] |
		.linux.resources.devices = [{"allow": false, "access": "rwm"}]'
	run in_v2_view "$RUNTIME" --root "$ROOT" run --bundle "$BUNDLE" "$CID"
	[[ $output == *3*"/dev/nodrv: Operation not permitted"* ]]

	update_config '.linux.resources.devices += [{"allow": true, "type": "c", "major": 1,
		"minor": 12, "access": "r"}]'
	run in_v2_view "$RUNTIME" --root "$ROOT" run --bundle "$BUNDLE" "$CID-b"
	[[ $output == *3*"/dev/nodrv: No such device or address"* ]]
}
