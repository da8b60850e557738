#!/usr/bin/env bats
# cubo-mgr checkpoint create/ls/rm and start --checkpoint (docker's
# checkpoints, through the runtime's checkpoint and restore, hence criu): a
# counter on the default bridge checkpointed and restored goes on counting,
# its log continued by the same container's monitor; --leave-running;
# --checkpoint-dir; ls and rm; hostile checkpoint names; the events; a
# clear error without criu. Where criu cannot run (criu 3.17 on kernel
# 6.18: "vdso: Unexpected rt vDSO area bounds") or is missing, the tests
# that need it skip, saying so; the others run anywhere.

load helpers
load mgr-helpers

setup_file() {
	mgr_busybox_registry checkpoint
}

teardown_file() {
	mgr_registry_teardown "${RUN_DIR:-}"
}

setup() {
	mgr_container_setup "${RUN_SKIP:-}"
}

teardown() {
	mgr_container_teardown
}

# A counter printing 1, 2, 3 ... one a tick, as container ctr.
start_counter() {
	run_detached --name ctr "$@" "$BB" \
		sh -c 'i=0; while :; do i=$((i + 1)); echo $i; sleep 0.1; done' >/dev/null
	wait_for_lines 3
}

lines_logged() {
	mgr logs ctr 2>/dev/null | wc -l
}

# wait_for_lines N: bounded (10 s) until ctr logged at least N lines.
wait_for_lines() {
	local i
	for i in $(seq 100); do
		[ "$(lines_logged)" -ge "$1" ] && return 0
		sleep 0.1
	done
	echo "the counter never reached $1 (logged: $(lines_logged) lines)" >&2
	return 1
}

# The log is 1, 2, 3 ... N: the restored counter went on, never from 1 again.
assert_counting_on() {
	mgr logs ctr | awk 'NR != $1 { print "line " NR ": " $0; bad = 1 } END { exit bad }'
}

# criu's log of the last dump or restore, when one failed.
show_criu_log() {
	local log
	for log in "$R"/*/criu-work/*.log; do
		[ -f "$log" ] || continue
		echo "== $log"
		grep -m3 -B8 Error "$log" || tail -20 "$log"
	done
}

@test "checkpoint create stops the container; start --checkpoint goes on counting, on the bridge" {
	need_criu
	start_counter
	run mgr checkpoint create ctr c1
	[ "$status" -eq 0 ] || { echo "$output"; show_criu_log; false; }
	[ "$output" = c1 ]
	[ "$(state_of ctr)" = exited ]
	local stopped_at
	stopped_at=$(lines_logged)
	sleep 0.5
	[ "$(lines_logged)" -eq "$stopped_at" ]
	[ -d "$R/$(mgr inspect -f '{{.Id}}' ctr)/checkpoints/c1" ]
	run mgr start --checkpoint c1 ctr
	[ "$status" -eq 0 ] || { echo "$output"; show_criu_log; false; }
	[ "$(state_of ctr)" = running ]
	wait_for_lines $((stopped_at + 5))
	assert_counting_on
	# attached to the bridge again: an address on eth0 and the gateway reached
	run mgr exec ctr ip -4 addr show eth0
	[ "$status" -eq 0 ]
	[[ $output == *"inet 10.87."* ]]
	# the events, in docker's words
	local actions
	actions=$(mgr events --since 0 --until 0s -f container=ctr --format '{{.Action}}' | tr '\n' ' ')
	[[ $actions == *"checkpoint die"*"start"* ]] || [[ $actions == *"die checkpoint"*"start"* ]] ||
		{ echo "$actions"; false; }
	# a restored container is one like any other: stop records its exit
	mgr stop -t 1 ctr >/dev/null
	[ "$(state_of ctr)" = exited ]
	[ -z "$(monitors)" ]
}

@test "checkpoint create --leave-running: it runs on; a restore goes on from the checkpoint" {
	need_criu
	start_counter --network none
	run mgr checkpoint create --leave-running ctr c1
	[ "$status" -eq 0 ] || { echo "$output"; show_criu_log; false; }
	[ "$(state_of ctr)" = running ]
	local dumped_at stopped_at first_after
	dumped_at=$(lines_logged)
	wait_for_lines $((dumped_at + 3))
	mgr stop -t 0 ctr >/dev/null
	stopped_at=$(lines_logged)
	run mgr start --checkpoint c1 ctr
	[ "$status" -eq 0 ] || { echo "$output"; show_criu_log; false; }
	wait_for_lines $((stopped_at + 3))
	# the restored counter started again near the checkpoint, not at 1
	first_after=$(mgr logs ctr | sed -n "$((stopped_at + 1))p")
	[ "$first_after" -gt 1 ]
	[ "$first_after" -le $((dumped_at + 2)) ]
	# a checkpoint can be restored again, and a running container is not restored over
	run mgr start --checkpoint c1 ctr
	[ "$status" -eq 125 ]
	[[ $output == *"is running"* ]]
}

@test "checkpoint ls and rm, --checkpoint-dir" {
	need_criu
	start_counter --network none
	local dir=$BATS_TEST_TMPDIR/ckpts
	mgr checkpoint create --leave-running ctr zz2 >/dev/null || { show_criu_log; false; }
	mgr checkpoint create --leave-running ctr aa1 >/dev/null || { show_criu_log; false; }
	mgr checkpoint create --leave-running --checkpoint-dir "$dir" ctr mine >/dev/null ||
		{ show_criu_log; false; }
	[ -d "$dir/mine" ]
	[ "$(mgr checkpoint ls ctr)" = "$(printf 'CHECKPOINT NAME\naa1\nzz2')" ]
	[ "$(mgr checkpoint ls --checkpoint-dir "$dir" ctr)" = "$(printf 'CHECKPOINT NAME\nmine')" ]
	run mgr checkpoint create --leave-running ctr aa1
	[ "$status" -eq 125 ]
	[[ $output == *"checkpoint with name aa1 already exists for container ctr"* ]]
	mgr checkpoint rm ctr zz2
	[ "$(mgr checkpoint ls ctr)" = "$(printf 'CHECKPOINT NAME\naa1')" ]
	run mgr checkpoint rm ctr zz2
	[ "$status" -eq 125 ]
	[[ $output == *"checkpoint zz2 does not exist for container ctr"* ]]
	mgr stop -t 0 ctr >/dev/null
	run mgr start --checkpoint mine ctr
	[ "$status" -eq 125 ]
	[[ $output == *"checkpoint mine does not exist"* ]]
	run mgr start --checkpoint mine --checkpoint-dir "$dir" ctr
	[ "$status" -eq 0 ] || { echo "$output"; show_criu_log; false; }
	[ "$(state_of ctr)" = running ]
	mgr checkpoint rm --checkpoint-dir "$dir" ctr mine
	[ ! -e "$dir/mine" ]
}

@test "hostile checkpoint names are refused, nothing made anywhere" {
	run_detached --name ctr --network none "$BB" sleep 1000 >/dev/null
	local id name
	id=$(mgr inspect -f '{{.Id}}' ctr)
	mkdir -p "$BATS_TEST_TMPDIR/d"
	for name in ../x ../../x x/y /x .. . .x -x _x "a b" "$(printf 'a\nb')" a \
		"$(printf 'a%.0s' $(seq 256))"; do
		# (-- so that -x is a name, not a flag)
		run mgr checkpoint create --checkpoint-dir "$BATS_TEST_TMPDIR/d/e" -- ctr "$name"
		[ "$status" -eq 125 ] || { echo "create $name: $output"; false; }
		[[ $output == *"invalid checkpoint name"* ]]
		run mgr checkpoint rm -- ctr "$name"
		[ "$status" -eq 125 ]
		[[ $output == *"invalid checkpoint name"* ]]
		run mgr start --checkpoint="$name" ctr
		[ "$status" -eq 125 ]
	done
	[ "$(state_of ctr)" = running ]
	[ ! -e "$R/$id/checkpoints" ]
	[ ! -e "$BATS_TEST_TMPDIR/d/e" ]
	[ ! -e "$BATS_TEST_TMPDIR/x" ] && [ ! -e "$R/x" ] && [ ! -e "$R/$id/x" ]
	# a symlink planted where a checkpoint would be is no checkpoint
	mkdir -p "$BATS_TEST_TMPDIR/d/e"
	ln -s /etc "$BATS_TEST_TMPDIR/d/e/etc1"
	run mgr checkpoint rm --checkpoint-dir "$BATS_TEST_TMPDIR/d/e" ctr etc1
	[ "$status" -eq 125 ]
	[[ $output == *"is not a directory"* ]]
	[ -d /etc ] && [ -L "$BATS_TEST_TMPDIR/d/e/etc1" ]
	[ "$(mgr checkpoint ls --checkpoint-dir "$BATS_TEST_TMPDIR/d/e" ctr)" = "CHECKPOINT NAME" ]
}

@test "checkpoint of a container that does not run, the flags' rules" {
	mgr create --name ctr --network none "$BB" sleep 1000 >/dev/null
	run mgr checkpoint create ctr c1
	[ "$status" -eq 125 ]
	[[ $output == *"container ctr is not running"* ]]
	[ "$(mgr checkpoint ls ctr)" = "CHECKPOINT NAME" ]
	run mgr start --checkpoint c1 ctr
	[ "$status" -eq 125 ]
	[[ $output == *"checkpoint c1 does not exist for container ctr"* ]]
	[ "$(state_of ctr)" = created ]
	run mgr start --checkpoint-dir /tmp ctr
	[ "$status" -eq 125 ]
	[[ $output == *"--checkpoint-dir goes with --checkpoint"* ]]
	run mgr start --checkpoint c1 ctr ctr
	[ "$status" -eq 125 ]
	[[ $output == *"one container at a time"* ]]
	run mgr checkpoint create ctr
	[ "$status" -eq 125 ]
	run mgr checkpoint ls nosuch
	[ "$status" -eq 125 ]
	# a --rm container's exit would remove it with its checkpoints
	run_detached --rm --name gone --network none "$BB" sleep 1000 >/dev/null
	run mgr checkpoint create gone c1
	[ "$status" -eq 125 ]
	[[ $output == *"container gone was started with --rm"* ]]
	[ "$(state_of gone)" = running ]
}

@test "without criu: a clear error, the container runs on, no checkpoint left" {
	run_detached --name ctr --network none "$BB" sleep 1000 >/dev/null
	mkdir -p "$BATS_TEST_TMPDIR/nobin"
	ln -s "$(command -v timeout)" "$BATS_TEST_TMPDIR/nobin/timeout"
	PATH=$BATS_TEST_TMPDIR/nobin run mgr checkpoint create ctr c1
	[ "$status" -eq 125 ]
	[[ $output == *"criu not found"* ]] || is_runc || { echo "$output"; false; }
	[ "$(state_of ctr)" = running ]
	[ "$(mgr checkpoint ls ctr)" = "CHECKPOINT NAME" ]
	# the restart policy is not held by a checkpoint that failed
	[ "$(jq -r .stoppedByUser "$R/$(mgr inspect -f '{{.Id}}' ctr)/state.json")" != true ]
}
