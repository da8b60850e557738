#!/usr/bin/env bats
# The crash matrix: cubo-mgr, a container's monitor and cubo-runc killed
# with SIGKILL at every step of pull, run/create, start, stop, rm, build,
# volume create/rm and network connect/disconnect/rm. The kill is
# deterministic: CUBO_TEST_CRASH_AT=KIND:POINT makes the process of that
# kind kill itself at that test point (shared/testpoint.h lists them), and
# CUBO_TEST_CRASH_DIR receives the proof that it did.
#
# After each crash: ps -a, images, volume ls and network ls work and show
# only whole things; the same command, run again without the crash,
# succeeds; and once what the command made is removed, nothing is left:
# no mount under the root, cgroup, namespace, veth on the test's bridge,
# iptables rule, address allocation, runtime state, held lock, temp
# directory or dangling name. docs/reliability.md ("The crash matrix")
# has the table and what repairs each point.
#
# Traffic: none beyond 127.0.0.1 (the local registry). Every wait is bounded.

load helpers
load mgr-helpers

setup_file() {
	export CRASH_SKIP=
	if [ ! -x /usr/lib/cni/bridge ] && [ -z "${CUBO_CNI_PATH:-}" ]; then
		CRASH_SKIP="the CNI plugins are needed (containernetworking-plugins)"
		return 0
	fi
	mgr_registry_start crash iptables-save flock || { CRASH_SKIP=$MGR_FILE_SKIP; return 0; }
	export CRASH_DIR=$MGR_FILE_DIR
	mgr_push_images busybox
	# a /24 of 10.213-10.242 per run, so parallel runs do not meet
	export NET_BASE="10.$((213 + RANDOM % 30)).$((RANDOM % 250))"
}

teardown_file() {
	mgr_registry_teardown "${CRASH_DIR:-}"
}

setup() {
	[ -z "${CRASH_SKIP:-}" ] || skip "$CRASH_SKIP"
	[ "$(id -u)" = 0 ] || skip "needs root"
	R=$BATS_TEST_TMPDIR/root
	export CUBO_RUNTIME=$RUNTIME
	BB=$REG/busybox
	N1=cr$$a$BATS_TEST_NUMBER
	N2=cr$$b$BATS_TEST_NUMBER
	IDS=$BATS_TEST_TMPDIR/ids
	: >"$IDS"
}

teardown() {
	[ -n "${R:-}" ] && [ -d "$R" ] || return 0
	kill_root_leftovers
	# shellcheck disable=SC2046 # one ID a word
	release_root_networks "$N1|$N2" $(sort -u "$IDS" 2>/dev/null)
	remove_root
}

# ---- injecting the crash ----

# crash SPEC CMD...: run the manager's CMD with the crash at SPEC
# (KIND:POINT[#N]); what it printed is in $CD/out.
crash() {
	local spec=$1
	shift
	CD=$(mktemp -d "$BATS_TEST_TMPDIR/crash.XXXXXX")
	# (the shell's "Killed" notice goes nowhere)
	(CUBO_TEST_CRASH_AT=$spec CUBO_TEST_CRASH_DIR=$CD \
		timeout --kill-after=5 60 "$MGR" --root-dir "$R" "$@" </dev/null >"$CD/out" 2>&1 || true) 2>/dev/null
	note_ids
}

# assert_crashed SPEC: the process of that kind reached the point and died
# there (a monitor may reach it after the command returned: bounded wait).
assert_crashed() {
	local kind=${1%%:*} point=${1#*:} i
	point=${point%%#*}
	for ((i = 0; i < 100; i++)); do
		[ -s "$CD/$point.crashed" ] && break
		sleep 0.05
	done
	if ! grep -q "^$kind " "$CD/$point.crashed" 2>/dev/null; then
		echo "$1: the point was never reached; the command said:" >&2
		cat "$CD/out" >&2
		return 1
	fi
	local pid
	pid=$(awk '{print $2}' "$CD/$point.crashed" | tail -n1)
	for ((i = 0; i < 100; i++)); do
		kill -0 "$pid" 2>/dev/null || return 0
		sleep 0.05
	done
	echo "$1: process $pid still lives" >&2
	return 1
}

# The containers' IDs this root ever showed, in its directories and the runtime's.
note_ids() {
	{
		ls -A "$R" 2>/dev/null | grep -oE '[0-9a-f]{64}'
		ls "$R/runc" 2>/dev/null
		cat "$R"/build/*/step-*/container-id 2>/dev/null && echo
	} >>"$IDS" || true
}

# ---- what must hold after a crash ----

# Every listing works, and every container listed can be inspected.
assert_consistent() {
	local id
	mgr ps -a --format json >/dev/null
	for id in $(mgr ps -aq --no-trunc); do
		mgr inspect --type container "$id" >/dev/null
	done
	mgr images >/dev/null
	mgr volume ls >/dev/null
	mgr network ls >/dev/null
	note_ids
}

# $1: the test's user network's bridge (may be empty).
assert_nothing_left() {
	local br=${1:-} id cgs rules f
	# a --rm container's monitor finishes its removal just after the exit (bounded: 5 s)
	for f in $(seq 50); do
		[ -z "$(monitors)" ] && break
		sleep 0.1
	done
	[ -z "$(monitors)" ] || {
		echo "monitors still run: $(monitors)" >&2
		return 1
	}
	! awk '{print $5}' /proc/self/mountinfo | grep -q "^$R/" || {
		echo "mounts left: $(awk '{print $5}' /proc/self/mountinfo | grep "^$R/")" >&2
		return 1
	}
	cgs=$(find /sys/fs/cgroup -maxdepth 8 -type d -name 'cubo-*' 2>/dev/null || true)
	rules=$(iptables-save)
	for id in $(sort -u "$IDS"); do
		! grep -qF "$id" <<<"$cgs" || {
			echo "cgroup left: $(grep -F "$id" <<<"$cgs")" >&2
			return 1
		}
		[ ! -e "/run/netns/cubo-$id" ] || {
			echo "namespace left: /run/netns/cubo-$id" >&2
			return 1
		}
		[ ! -e "$R/runc/$id" ] || {
			echo "runtime state left: $R/runc/$id" >&2
			return 1
		}
		! grep -qF "$id" <<<"$rules" || {
			echo "iptables rules left: $(grep -F "$id" <<<"$rules")" >&2
			return 1
		}
		! grep -rlsF "$id" "$R/networks/ipam" >/dev/null || {
			echo "address left: $(grep -rlsF "$id" "$R/networks/ipam")" >&2
			return 1
		}
	done
	if [ -n "$br" ] && ip link show dev "$br" >/dev/null 2>&1; then
		[ -z "$(ip -o link show master "$br")" ] || {
			echo "veths left on $br: $(ip -o link show master "$br")" >&2
			return 1
		}
	fi
	# nobody holds a lock of this root for good (the background sync of a
	# pull or build holds gc.lock until the disk has the layers)
	while read -r f; do
		flock -w 30 -x "$f" true || {
			echo "lock still held: $f" >&2
			return 1
		}
	done < <(find "$R" -xdev \( -name '*.lock' -o -name lock \) -type f 2>/dev/null)
	# no half-made directory, no name without its container
	[ -z "$(ls -A "$R" | grep -E '^\.tmp-ctr-')" ] || {
		echo "temp container directories left: $(ls -A "$R" | grep -E '^\.tmp-ctr-')" >&2
		return 1
	}
	for f in "$R"/names/*; do
		[ -L "$f" ] || continue
		[ -e "$R/$(readlink "$f")/state.json" ] || {
			echo "dangling name: $f" >&2
			return 1
		}
	done
	[ -z "$(ls -A "$R/volumes" 2>/dev/null | grep -E '^\.(tmp|rm)-')" ] || {
		echo "volume temp directories left: $(ls -A "$R/volumes")" >&2
		return 1
	}
}

# The rules of this test's networks as iptables has them (what they hold legitimately).
net_rules() {
	iptables-save | grep -E -- '^-A ' | grep -E -- "cubo network ($N1|$N2)\"" | sort || true
}

# The root's user network N1 and its bridge in $BR.
make_network() {
	mgr network create --subnet "$NET_BASE.0/25" "$N1" >/dev/null
	BR=$(jq -r '.plugins[0].bridge' "$R/networks/$N1.conflist")
}

RUN_ARGS=()
# The container every run test makes: a user network, a published port, a named volume.
set_run_args() {
	RUN_ARGS=(run -d --name c1 --network "$N1" -p 127.0.0.1::80 -v vol1:/data "$BB" sleep 100)
}

# After a crash of run, create or start: c1, if it exists, starts and is
# removed; then the same run succeeds and its container and volume go.
repair_run() {
	if mgr inspect --type container c1 >/dev/null 2>&1; then
		mgr start c1 >/dev/null
		wait_state c1 running
		mgr rm -f c1 >/dev/null
	fi
	mgr "${RUN_ARGS[@]}" >/dev/null
	wait_state c1 running
	mgr exec c1 true
	note_ids
	mgr rm -f c1 >/dev/null
	mgr volume rm vol1 >/dev/null
}

# A run to warm up: the network's rules exist after it; they are the baseline.
baseline() {
	mgr pull -q "$BB" >/dev/null
	make_network
	set_run_args
	mgr "${RUN_ARGS[@]}" >/dev/null
	note_ids
	mgr rm -f c1 >/dev/null
	mgr volume rm vol1 >/dev/null
	RULES=$(net_rules)
	assert_nothing_left "$BR"
}

# c1 and its volume go, and nothing of them is left.
remove_c1() {
	mgr rm -f c1 >/dev/null
	mgr volume rm vol1 >/dev/null
	assert_nothing_left "$BR"
}

assert_rules_unchanged() {
	[ "$(net_rules)" = "$RULES" ] || {
		echo "the network's iptables rules changed:" >&2
		diff <(echo "$RULES") <(net_rules) >&2
		return 1
	}
}

# ---- the matrix ----

@test "crash matrix: pull (mgr at each step; the index written or not)" {
	local spec
	for spec in mgr:pull-blob-fetched mgr:layer-before-rename mgr:pull-before-index \
		mgr:pull-after-index mgr:layer-sync-before-unmark; do
		echo "point: $spec" >&2
		crash "$spec" pull -q "$BB"
		assert_crashed "$spec"
		assert_consistent
		mgr pull -q "$BB" >/dev/null
		[ -z "$(ls -A "$R/layers" | grep '^\.tmp')" ]
		run mgr run --rm -i --network none "$BB" echo pulled
		[ "$status" -eq 0 ] && [ "$output" = pulled ]
		assert_nothing_left
		remove_root
	done
}

# run_matrix SPEC...: RUN_ARGS crashed at each point, checked, repaired.
run_matrix() {
	local spec
	for spec in "$@"; do
		echo "point: $spec" >&2
		crash "$spec" "${RUN_ARGS[@]}"
		assert_crashed "$spec"
		assert_consistent
		repair_run
		assert_nothing_left "$BR"
		assert_rules_unchanged
	done
}

@test "crash matrix: run (mgr, monitor and runc at each step)" {
	baseline
	run_matrix mgr:create-after-volumes mgr:create-after-bundle mgr:create-before-commit \
		mgr:create-after-name mgr:create-after-commit mgr:start-after-fork \
		monitor:monitor-after-claim monitor:monitor-after-netns monitor:monitor-after-rootfs \
		monitor:monitor-after-create monitor:monitor-after-net-attach \
		monitor:monitor-after-start monitor:monitor-after-running \
		runc:runc-after-state-dir runc:runc-after-cgroup runc:runc-after-clone \
		runc:runc-before-state
}

# With no network to attach, the monitor creates and starts in one `run
# --detach` of the runtime, the attach client taken before it.
@test "crash matrix: run with no network, one runtime process (monitor and runc at each step)" {
	baseline
	RUN_ARGS=(run -d --name c1 --network none -v vol1:/data "$BB" sleep 100)
	run_matrix monitor:monitor-after-claim monitor:monitor-after-netns \
		monitor:monitor-after-rootfs monitor:monitor-after-create \
		monitor:monitor-after-start monitor:monitor-after-running \
		runc:runc-after-state-dir runc:runc-after-cgroup runc:runc-after-clone \
		runc:runc-before-state
	# attached: the client sees all the output of a process that starts at once
	run mgr run --rm -i --network none "$BB" sh -c 'echo first; echo second >&2; exit 3'
	[ "$status" -eq 3 ]
	[ "${lines[0]}" = first ] && [ "${lines[1]}" = second ]
	assert_nothing_left
}

@test "crash matrix: start of a created container (mgr, monitor and runc)" {
	baseline
	local spec
	for spec in mgr:start-after-fork monitor:monitor-after-claim monitor:monitor-after-rootfs \
		monitor:monitor-after-create monitor:monitor-after-start runc:runc-after-clone \
		runc:runc-before-state runc:runc-start-before-go runc:runc-start-after-go; do
		echo "point: $spec" >&2
		mgr create --name c1 --network "$N1" -p 127.0.0.1::80 -v vol1:/data "$BB" sleep 100 >/dev/null
		note_ids
		crash "$spec" start c1
		assert_crashed "$spec"
		assert_consistent
		# the same start again
		mgr start c1 >/dev/null
		wait_state c1 running
		remove_c1
		assert_rules_unchanged
	done
}

@test "crash matrix: stop (mgr, runc's kill; the monitor and runc's delete at each step of its cleanup)" {
	baseline
	local spec
	for spec in mgr:stop-after-signal runc:runc-kill-before-signal runc:runc-kill-after-signal \
		monitor:monitor-exit-before-delete monitor:monitor-exit-after-delete \
		monitor:monitor-exit-after-net-release monitor:monitor-exit-after-report \
		monitor:monitor-exit-after-net-down runc:runc-delete-after-cgroup#1; do
		echo "point: $spec" >&2
		if [[ $spec == monitor:* || $spec == runc:runc-delete-* ]]; then
			# the monitor is the run's: it carries the crash to the stop
			# (and to the runtime's delete it runs once the container exited)
			crash "$spec" "${RUN_ARGS[@]}"
			wait_state c1 running
			timeout 60 "$MGR" --root-dir "$R" stop -t 1 c1 >"$CD/out" 2>&1 || true
		else
			mgr "${RUN_ARGS[@]}" >/dev/null
			crash "$spec" stop -t 1 c1
		fi
		assert_crashed "$spec"
		assert_consistent
		mgr stop -t 1 c1 >/dev/null
		wait_state c1 exited
		# it starts again, and goes
		mgr start c1 >/dev/null
		wait_state c1 running
		remove_c1
		assert_rules_unchanged
	done
}

@test "crash matrix: rm -f of a running container, and --rm (mgr and monitor)" {
	baseline
	local spec
	for spec in mgr:rm-after-stop mgr:rm-after-record mgr:rm-after-name \
		monitor:monitor-rm-after-unmount monitor:rm-after-record monitor:rm-after-name \
		monitor:monitor-exit-after-report; do
		echo "point: $spec" >&2
		if [ "${spec%%:*}" = monitor ]; then
			# --rm: the monitor removes the container once it exits
			crash "$spec" run -d --rm --name c1 --network "$N1" -p 127.0.0.1::80 -v vol1:/data "$BB" sleep 100
			wait_state c1 running
			timeout 60 "$MGR" --root-dir "$R" stop -t 1 c1 >"$CD/out" 2>&1 || true
		else
			mgr "${RUN_ARGS[@]}" >/dev/null
			note_ids
			crash "$spec" rm -f c1
		fi
		assert_crashed "$spec"
		assert_consistent
		# the same rm again, if there is still something to remove
		if mgr inspect --type container c1 >/dev/null 2>&1; then
			mgr rm -f c1 >/dev/null
		fi
		run mgr inspect --type container c1
		[ "$status" -ne 0 ]
		# the name is free
		mgr "${RUN_ARGS[@]}" >/dev/null
		note_ids
		remove_c1
		assert_rules_unchanged
	done
}

@test "crash matrix: cubo-runc killed in the delete --force of a reconciliation" {
	baseline
	local spec=runc:runc-delete-after-kill#1 p
	# a running container whose monitor died: the next command that reads
	# its record kills it through the runtime, which dies after the kill
	mgr "${RUN_ARGS[@]}" >/dev/null
	wait_state c1 running
	note_ids
	for p in $(monitors); do
		kill -9 "$p"
		wait_dead "$p"
	done
	crash "$spec" ps -a
	assert_crashed "$spec"
	assert_consistent
	wait_state c1 exited
	mgr start c1 >/dev/null
	wait_state c1 running
	remove_c1
	assert_rules_unchanged
}

@test "crash matrix: build (mgr at each step, runc in a RUN step)" {
	busybox_tar "$BATS_TEST_TMPDIR"
	mgr import "$BATS_TEST_TMPDIR/busybox.tar" busybox:latest >/dev/null
	C=$BATS_TEST_TMPDIR/ctx
	mkdir -p "$C"
	cat >"$C/Cubofile" <<-'X'
		BASE busybox:latest
		RUN echo one > /one
		RUN echo two > /two
		CMD cat /one /two
	X
	local spec
	for spec in mgr:build-after-run mgr:build-after-run#2 mgr:build-before-layer-commit \
		mgr:layer-before-rename mgr:build-before-image-commit runc:runc-after-clone \
		runc:runc-before-state; do
		echo "point: $spec" >&2
		crash "$spec" build --no-cache -t built "$C"
		assert_crashed "$spec"
		assert_consistent
		# an image that exists is whole: it runs
		if mgr inspect --type image built >/dev/null 2>&1; then
			run mgr run --rm -i --network none built
			[ "$status" -eq 0 ] && [ "$output" = "one
two" ]
		fi
		mgr build --no-cache -q -t built "$C" >/dev/null
		run mgr run --rm -i --network none built
		[ "$status" -eq 0 ] && [ "$output" = "one
two" ]
		builds_settled
		[ -z "$(ls "$R/runc" 2>/dev/null)" ]
		assert_nothing_left
		mgr rmi built >/dev/null
	done
}

@test "crash matrix: volume create and rm (mgr)" {
	crash mgr:volume-create-before-rename volume create v1
	assert_crashed mgr:volume-create-before-rename
	assert_consistent
	refute mgr volume inspect v1 >/dev/null 2>&1
	mgr volume create v1 >/dev/null
	[ "$(mgr volume ls -q)" = v1 ]
	assert_nothing_left
	crash mgr:volume-rm-after-rename volume rm v1
	assert_crashed mgr:volume-rm-after-rename
	assert_consistent
	[ -z "$(mgr volume ls -q)" ]
	# the same rm: the volume is gone already, and says so; a new one can be made and removed
	run mgr volume rm v1
	[ "$status" -ne 0 ] && [[ "$output" == *"no such volume"* ]]
	mgr volume create v1 >/dev/null
	mgr volume rm v1 >/dev/null
	assert_nothing_left
}

@test "crash matrix: network connect, disconnect and rm (mgr)" {
	baseline
	mgr network create --subnet "$NET_BASE.128/25" "$N2" >/dev/null
	local spec
	for spec in mgr:net-connect-before-add mgr:net-connect-before-hosts \
		mgr:net-connect-before-record; do
		echo "point: $spec" >&2
		mgr "${RUN_ARGS[@]}" >/dev/null
		note_ids
		crash "$spec" network connect "$N2" c1
		assert_crashed "$spec"
		assert_consistent
		mgr network connect "$N2" c1
		[ "$(mgr exec c1 ls /sys/class/net | tr '\n' ' ')" = "eth0 eth1 lo " ]
		remove_c1
	done
	for spec in mgr:net-disconnect-after-del mgr:net-disconnect-before-record; do
		echo "point: $spec" >&2
		mgr "${RUN_ARGS[@]}" >/dev/null
		note_ids
		mgr network connect "$N2" c1
		crash "$spec" network disconnect "$N2" c1
		assert_crashed "$spec"
		assert_consistent
		mgr network disconnect "$N2" c1
		[ "$(mgr exec c1 ls /sys/class/net | tr '\n' ' ')" = "eth0 lo " ]
		remove_c1
	done
	# rm: its bridge and rules go before its definition
	local br2
	br2=$(jq -r '.plugins[0].bridge' "$R/networks/$N2.conflist")
	crash mgr:net-rm-before-def network rm "$N2"
	assert_crashed mgr:net-rm-before-def
	assert_consistent
	mgr network rm "$N2" >/dev/null
	refute ip link show dev "$br2" >/dev/null 2>&1
	[ -z "$(iptables-save | grep -F "cubo network $N2\"")" ]
	[ "$(mgr network ls -q | grep -c "^$N2\$")" -eq 0 ]
}
