#!/usr/bin/env bats
# cubo-mgr's housekeeping commands and the flags that change a container in
# place: update (limits live in the cgroups, kept for the next start, and
# docker's checks), stop/restart -s, exec --group-add, system df/prune/info,
# image prune -a, and the filters of images and volume ls. Images come from
# a real local registry; containers run through $RUNTIME.

load helpers
load mgr-helpers

setup_file() {
	mgr_busybox_registry system
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

# mem ID / cpu ID: the memory limit and the CFS quota+period in the container's cgroups
mem() {
	cg "$1" memory.max 2>/dev/null || cg "$1" memory.limit_in_bytes
}
cpu() {
	cg "$1" cpu.max 2>/dev/null || echo "$(cg "$1" cpu.cfs_quota_us) $(cg "$1" cpu.cfs_period_us)"
}

hostconfig() {
	mgr inspect "$1" | jq -r ".[0].HostConfig.$2"
}

@test "update: memory and CPU limits change live, and a restart keeps them" {
	id=$(mgr run -d --network none --memory 64m "$BB" sleep 1000)
	[ "$(mem "$id")" = $((64 << 20)) ]
	mgr update --memory 96m --cpus 0.5 --pids-limit 50 --cpu-shares 512 "$id"
	[ "$(mem "$id")" = $((96 << 20)) ]
	[ "$(cpu "$id")" = "50000 100000" ]
	[ "$(cg "$id" pids.max)" = 50 ]
	[ "$(hostconfig "$id" Memory)" = $((96 << 20)) ]
	[ "$(hostconfig "$id" NanoCpus)" = 500000000 ]
	[ "$(hostconfig "$id" PidsLimit)" = 50 ]
	[ "$(hostconfig "$id" CpuShares)" = 512 ]
	mgr update --cpu-quota 20000 --cpu-period 50000 "$id"
	[ "$(cpu "$id")" = "20000 50000" ]
	mgr restart -t 0 "$id"
	[ "$(mem "$id")" = $((96 << 20)) ]
	[ "$(cpu "$id")" = "20000 50000" ]
	[ "$(cg "$id" pids.max)" = 50 ]
}

@test "update: a stopped container's record changes; its next start has the limits" {
	mgr create --name c --network none "$BB" sleep 1000 >/dev/null
	mgr update -m 80m --memory-reservation 40m c
	[ "$(hostconfig c Memory)" = $((80 << 20)) ]
	[ "$(hostconfig c MemoryReservation)" = $((40 << 20)) ]
	mgr start c
	id=$(mgr inspect c | jq -r '.[0].Id')
	[ "$(mem "$id")" = $((80 << 20)) ]
}

@test "update: docker's checks, with nothing changed when one fails" {
	mgr run -d --name u --network none --memory 64m --memory-reservation 32m \
		--memory-swap 128m "$BB" sleep 1000 >/dev/null
	id=$(mgr inspect u | jq -r '.[0].Id')
	run mgr update --memory 16m u
	[ "$status" -eq 125 ]
	[[ "$output" == *"Cannot update container u: Minimum memory limit can not be less than memory reservation limit"* ]]
	run mgr update --memory 256m u
	[ "$status" -eq 125 ]
	[[ "$output" == *"Memory limit should be smaller than already set memoryswap limit"* ]]
	run mgr update --memory-swap 48m u
	[ "$status" -eq 125 ]
	[[ "$output" == *"Minimum memoryswap limit should be larger than memory limit"* ]]
	[ "$(mem "$id")" = $((64 << 20)) ]
	[ "$(hostconfig u Memory)" = $((64 << 20)) ]
	# with the swap at the same time it works
	mgr update --memory 256m --memory-swap 512m u
	[ "$(mem "$id")" = $((256 << 20)) ]
	run mgr update --memory 1m u
	[ "$status" -eq 125 ]
	[[ "$output" == *"--memory 1m: the minimum memory limit is 6MB"* ]]
	run mgr update --cpus 0.5 --cpu-quota 1000 u
	[ "$status" -eq 125 ]
	[[ "$output" == *"conflicting options"* ]]
	run mgr update --cpu-period 10 u
	[ "$status" -eq 125 ]
	[[ "$output" == *"--cpu-period 10"* ]]
	run mgr update --blkio-weight 5 u
	[ "$status" -eq 125 ]
	[[ "$output" == *"--blkio-weight 5"* ]]
	run mgr update u
	[ "$status" -eq 125 ]
	[[ "$output" == *"expected at least one setting"* ]]
	run mgr update --memory 64m nosuch
	[ "$status" -eq 125 ]
}

@test "update --runtime runc: limits change through runc's update" {
	[ -x /usr/sbin/runc ] || skip "needs /usr/sbin/runc"
	id=$(mgr run -d --runtime /usr/sbin/runc --network none --memory 64m "$BB" sleep 1000)
	mgr update --memory 100m --cpus 0.25 "$id"
	[ "$(mem "$id")" = $((100 << 20)) ]
	[ "$(cpu "$id")" = "25000 100000" ]
}

@test "stop -s / restart -s: the signal reaches the container's trap" {
	mgr run -d --name t --network none "$BB" sh -c \
		'trap "echo got-usr1; exit 3" USR1; echo ready; while :; do sleep 0.1; done' >/dev/null
	for i in $(seq 50); do mgr logs t | grep -q ready && break; sleep 0.1; done
	mgr stop -s SIGUSR1 -t 10 t
	[ "$(mgr logs t | tail -1)" = got-usr1 ]
	[ "$(mgr inspect t | jq -r '.[0].State.ExitCode')" = 3 ]
	mgr start t
	for i in $(seq 50); do [ "$(mgr logs t | grep -c ready)" = 2 ] && break; sleep 0.1; done
	mgr restart --signal USR1 t
	[ "$(mgr logs t | grep -c got-usr1)" = 2 ]
	[ "$(state_of t)" = running ]
	run mgr stop -s NOPE t
	[ "$status" -eq 125 ]
	[[ "$output" == *'--signal "NOPE": unknown signal'* ]]
	[ "$(state_of t)" = running ]
}

@test "exec --group-add: the groups in id, names from the container's /etc/group" {
	mgr run -d --name g --network none "$BB" sh -c \
		'echo "audio:x:63:" >>/etc/group; echo ready >/tmp/ready; sleep 1000' >/dev/null
	for i in $(seq 50); do mgr exec g test -e /tmp/ready && break; sleep 0.1; done
	run mgr exec --group-add audio --group-add 4321 g id -G
	[ "$status" -eq 0 ]
	[[ " $output " == *" 63 "* ]]
	[[ " $output " == *" 4321 "* ]]
	run mgr exec -u 1000:1000 --group-add audio g id
	[ "$status" -eq 0 ]
	[[ "$output" == *"uid=1000"*"63(audio)"* ]]
	run mgr exec g id -G
	[[ " $output " != *" 63 "* ]]
	run mgr exec --group-add nosuchgroup g id
	[ "$status" -eq 125 ]
	[[ "$output" == *nosuchgroup* ]]
	run mgr exec --group-add 'a:b' g id
	[ "$status" -eq 125 ]
	[[ "$output" == *'--group-add "a:b"'* ]]
}
