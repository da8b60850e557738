# Shared setup for the cubo-runc integration tests.
#
# Every test gets its own temporary directory ($TEST_TMP) holding a fresh
# busybox bundle ($BUNDLE) and its own state root ($ROOT), so tests never see
# each other's containers.  The runtime is $RUNTIME (cubo-runc by default);
# the same files run against runc with RUNTIME=/usr/sbin/runc.
#
# Use in a .bats file:
#   load helpers
#   setup() { setup_common; }
#   teardown() { teardown_common; }

bats_require_minimum_version 1.5.0

INTEGRATION_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
REPO_ROOT=$(cd "$INTEGRATION_DIR/../.." && pwd)
FIXTURES_DIR=$REPO_ROOT/tests/fixtures
RUNTIME=${RUNTIME:-$REPO_ROOT/cubo-runc/cubo-runc}
# An absolute path, so tests may change directory.
case $RUNTIME in
/*) ;;
*/*) RUNTIME=$(cd "$(dirname "$RUNTIME")" && pwd)/$(basename "$RUNTIME") ;;
*) RUNTIME=$(command -v "$RUNTIME" || echo "$RUNTIME") ;;
esac
export RUNTIME

# Upper bound for one runtime command: a hung runtime fails its test
# instead of hanging the suite.
RT_TIMEOUT=${RT_TIMEOUT:-30}

is_cubo() {
	[[ $(basename "$RUNTIME") == cubo-runc* ]]
}

is_runc() {
	[[ $(basename "$RUNTIME") == runc* ]]
}

# Skip a test that needs criu where it is missing or cannot run on this kernel, saying why.
need_criu() {
	command -v criu >/dev/null || skip "criu is not installed"
	local out
	out=$(criu check 2>&1) || skip "criu check fails on this kernel: $(echo "$out" | grep -m1 Error)"
}

setup_common() {
	[ "$(id -u)" = 0 ] || skip "needs root"
	[ -x "$RUNTIME" ] || {
		echo "runtime not found: $RUNTIME (build it, or set RUNTIME)" >&2
		return 1
	}
	TEST_TMP=$(mktemp -d "${TMPDIR:-/tmp}/cubo-it.XXXXXX")
	# Searchable by the unprivileged ids a user namespace maps to.
	chmod 755 "$TEST_TMP"
	ROOT=$TEST_TMP/root
	BUNDLE=$TEST_TMP/bundle
	# Container ids must also be unique across state roots: runc names the
	# cgroup after the id.
	CID=ct$$-${BATS_TEST_NUMBER:-0}
	mountinfo_before=$(awk '{print $5}' /proc/self/mountinfo | sort)
	"$FIXTURES_DIR/make-bundle.sh" "$BUNDLE" -- true
	start_watchdog
}

# A container process that keeps the test's output pipe open would make
# bats wait forever: bats' own timeout cannot help, since the pipe outlives
# the test.  The watchdog kills this test's container processes once the
# test has run for CONTAINER_WATCHDOG seconds, so the test fails instead.
start_watchdog() {
	local test_pid=$BASHPID limit=${CONTAINER_WATCHDOG:-${BATS_TEST_TIMEOUT:-120}}
	(
		for ((i = 0; i < limit * 5; i++)); do
			sleep 0.2
			kill -0 "$test_pid" 2>/dev/null || exit 0
			[ -e "$TEST_TMP/.done" ] && exit 0
		done
		echo "watchdog: test still running after ${limit}s, killing its containers" >&2
		kill_test_processes
	) </dev/null >/dev/null 2>&1 3>&- &
	WATCHDOG_PID=$!
}

# Kills every process whose executable is one of this test's busybox copies:
# container processes, whatever the runtime did or did not clean up.  The
# inode comparison works across mount namespaces, where paths do not.
kill_test_processes() {
	local bb p found
	local -a copies=()
	while IFS= read -r bb; do
		copies+=("$bb")
	done < <(find "$TEST_TMP" -maxdepth 5 -path '*/rootfs/bin/busybox' 2>/dev/null)
	[ ${#copies[@]} -gt 0 ] || return 0
	for p in /proc/[0-9]*; do
		for bb in "${copies[@]}"; do
			if [ "$p/exe" -ef "$bb" ]; then
				kill -9 "${p#/proc/}" 2>/dev/null
				found=1
			fi
		done
	done
	[ -z "${found:-}" ] || sleep 0.1
}

teardown_common() {
	[ -n "${TEST_TMP:-}" ] && [ -d "$TEST_TMP" ] || return 0
	local id m
	touch "$TEST_TMP/.done"
	[ -z "${WATCHDOG_PID:-}" ] || wait "$WATCHDOG_PID" 2>/dev/null || true
	if [ -d "$ROOT" ]; then
		for id in $(rt list -q 2>/dev/null) $(ls -A "$ROOT" 2>/dev/null); do
			rt delete --force "$id" >/dev/null 2>&1 || true
		done
	fi
	kill_test_processes
	# Anything still mounted beneath the test directory, deepest first.
	for m in $(awk '{print $5}' /proc/self/mountinfo | grep "^$TEST_TMP/" | sort -r); do
		umount -l "$m" 2>/dev/null || true
	done
	# Cgroups a crashed runtime left: empty once the processes are dead.
	find /sys/fs/cgroup -maxdepth 8 -depth -type d \( -name "$CID" -o -name "$CID-*" \) \
		-exec rmdir {} \; 2>/dev/null || true
	rm -rf --one-file-system "$TEST_TMP"
}

# The runtime under test with this test's state root.  fd 3 is bats' own
# output: a container holding it would stall the suite, so it is closed.
rt() {
	timeout --kill-after=5 "$RT_TIMEOUT" "$RUNTIME" --root "$ROOT" "$@" 3>&-
}

# rt_detached ARG...: `run rt ARG...` for commands that leave a container
# behind (create, run --detach).  The container inherits the runtime's
# stdio, so bats' `run`, which reads the output to its end, would wait for
# the container to exit: the output goes through a file instead.  Sets
# $status, $output and $lines like `run`.
rt_detached() {
	local out=$TEST_TMP/rt-detached.out
	status=0
	rt "$@" </dev/null >"$out" 2>&1 || status=$?
	output=$(cat "$out")
	mapfile -t lines <"$out"
}

# update_config JQ_FILTER [JQ_ARGS...]: edits $BUNDLE/config.json in place.
update_config() {
	local cfg=${CONFIG:-$BUNDLE/config.json} tmp
	tmp=$(mktemp "$cfg.XXXXXX")
	jq "$@" "$cfg" >"$tmp" && mv "$tmp" "$cfg"
}

# set_args ARG...: the container's process.args.
set_args() {
	update_config --argjson a "$(jq -cn '$ARGS.positional' --args -- "$@")" \
		'.process.args = $a'
}

# run_container ARG...: runs ARG... in a foreground container through bats'
# `run` (so $status and $output hold the result).  Extra bats `run` flags
# go in RUN_FLAGS, e.g. RUN_FLAGS=--separate-stderr.
run_container() {
	set_args "$@"
	run ${RUN_FLAGS:-} rt run --bundle "$BUNDLE" "$CID"
}

# A long-running container, created and started (not `run -d`, so tests of
# `run -d` stay separate).
start_sleeper() {
	local id=${1:-$CID}
	set_args sleep 1000
	rt create --bundle "$BUNDLE" "$id" </dev/null >/dev/null 2>&1
	rt start "$id"
}

container_status() {
	rt state "$1" | jq -r .status
}

container_pid() {
	rt state "$1" | jq -r .pid
}

# wait_for_status ID STATUS: polls (bounded, 5 s) until the state says STATUS.
wait_for_status() {
	local i
	for i in $(seq 50); do
		[ "$(container_status "$1" 2>/dev/null)" = "$2" ] && return 0
		sleep 0.1
	done
	echo "container $1 never reached $2 (now: $(container_status "$1" 2>&1))" >&2
	return 1
}

# wait_for_file FILE [TENTHS]: polls (bounded) until FILE exists.
wait_for_file() {
	local i
	for i in $(seq "${2:-50}"); do
		[ -e "$1" ] && return 0
		sleep 0.1
	done
	echo "timed out waiting for $1" >&2
	return 1
}

# Bit number of a capability, from linux/capability.h.
cap_bit() {
	local -A bits=(
		[CAP_CHOWN]=0 [CAP_DAC_OVERRIDE]=1 [CAP_DAC_READ_SEARCH]=2
		[CAP_FOWNER]=3 [CAP_FSETID]=4 [CAP_KILL]=5 [CAP_SETGID]=6
		[CAP_SETUID]=7 [CAP_SETPCAP]=8 [CAP_LINUX_IMMUTABLE]=9
		[CAP_NET_BIND_SERVICE]=10 [CAP_NET_BROADCAST]=11
		[CAP_NET_ADMIN]=12 [CAP_NET_RAW]=13 [CAP_IPC_LOCK]=14
		[CAP_IPC_OWNER]=15 [CAP_SYS_MODULE]=16 [CAP_SYS_RAWIO]=17
		[CAP_SYS_CHROOT]=18 [CAP_SYS_PTRACE]=19 [CAP_SYS_PACCT]=20
		[CAP_SYS_ADMIN]=21 [CAP_SYS_BOOT]=22 [CAP_SYS_NICE]=23
		[CAP_SYS_RESOURCE]=24 [CAP_SYS_TIME]=25
		[CAP_SYS_TTY_CONFIG]=26 [CAP_MKNOD]=27 [CAP_LEASE]=28
		[CAP_AUDIT_WRITE]=29 [CAP_AUDIT_CONTROL]=30 [CAP_SETFCAP]=31
		[CAP_MAC_OVERRIDE]=32 [CAP_MAC_ADMIN]=33 [CAP_SYSLOG]=34
		[CAP_WAKE_ALARM]=35 [CAP_BLOCK_SUSPEND]=36 [CAP_AUDIT_READ]=37
		[CAP_PERFMON]=38 [CAP_BPF]=39 [CAP_CHECKPOINT_RESTORE]=40
	)
	echo "${bits[$1]:?unknown capability $1}"
}

# cap_mask NAME...: the /proc/PID/status hex mask of those capabilities.
cap_mask() {
	local mask=0 c
	for c in "$@"; do
		mask=$((mask | (1 << $(cap_bit "$c"))))
	done
	printf '%016x\n' "$mask"
}

# config_caps SET: capability names of process.capabilities.SET.
config_caps() {
	jq -r ".process.capabilities.$1 // [] | .[]" "$BUNDLE/config.json"
}

# assert_error_mentions TEXT: the failed command's output names TEXT.  The
# message format is ours, so it is checked for cubo-runc only; for other
# runtimes a non-zero exit is all that is asked.
assert_error_mentions() {
	[ "$status" -ne 0 ] || {
		echo "expected failure, got exit 0: $output" >&2
		return 1
	}
	is_cubo || return 0
	[[ $output == *"$1"* ]] || {
		echo "error message does not mention '$1': $output" >&2
		return 1
	}
}

# A failed create/run left nothing behind: no state entry, no container
# process, no mount.
assert_no_leftovers() {
	local entries mounts cgroups p bb
	entries=$(ls -A "$ROOT" 2>/dev/null || true)
	[ -z "$entries" ] || {
		echo "state left under $ROOT: $entries" >&2
		return 1
	}
	if [ -n "$(rt list -q 2>/dev/null)" ]; then
		echo "list still shows: $(rt list -q)" >&2
		return 1
	fi
	mounts=$(comm -13 <(echo "$mountinfo_before") \
		<(awk '{print $5}' /proc/self/mountinfo | sort))
	[ -z "$mounts" ] || {
		echo "mounts left behind: $mounts" >&2
		return 1
	}
	cgroups=$(find /sys/fs/cgroup -maxdepth 8 -type d \( -name "$CID" -o -name "$CID-*" \) 2>/dev/null)
	[ -z "$cgroups" ] || {
		echo "cgroups left behind: $cgroups" >&2
		return 1
	}
	bb=$BUNDLE/rootfs/bin/busybox
	for p in /proc/[0-9]*; do
		if [ "$p/exe" -ef "$bb" ]; then
			echo "process left behind: ${p#/proc/} ($(tr '\0' ' ' <"$p/cmdline"))" >&2
			return 1
		fi
	done
}

# refute CMD...: CMD must fail. A bare `! CMD` fails a bats test only as its
# last command (set -e ignores negated commands), so checks use this.
refute() {
	if "$@"; then
		echo "expected to fail: $*" >&2
		return 1
	fi
}

# Marks a test that runc is known to fail: it is skipped for runc, with the
# reason, and runs for every other runtime.
runc_gets_wrong() {
	if is_runc; then
		skip "runc is known to get this wrong: $1"
	fi
}

# cg_dir CONTROLLER PID: the directory of PID's cgroup in the hierarchy that
# holds CONTROLLER, from /proc/PID/cgroup as we see it: its v1 hierarchy on a
# hybrid host, the cgroup2 one for a controller with no v1 hierarchy (every
# controller on a pure cgroup v2 host). CONTROLLER "" is the cgroup2 one.
cg_dir() {
	local ctl=$1 pid=$2 line="" path mnt=""
	if [ -n "$ctl" ]; then
		line=$(grep -E "^[0-9]+:([^:]*,)?$ctl(,[^:]*)?:" "/proc/$pid/cgroup")
		mnt=$(awk -v c="$ctl" '$9 == "cgroup" && $0 ~ "[ ,]" c "([ ,]|$)" {print $5; exit}' \
			/proc/self/mountinfo)
	fi
	if [ -z "$line" ] || [ -z "$mnt" ]; then
		line=$(grep '^0::' "/proc/$pid/cgroup")
		mnt=$(awk '$9 == "cgroup2" {print $5; exit}' /proc/self/mountinfo)
	fi
	[ -n "$mnt" ] && [ -n "$line" ] || {
		echo "no $ctl cgroup for $pid" >&2
		return 1
	}
	path=${line#*:*:}
	echo "${mnt}${path%/}"
}

# is_cgroup_v1 CONTROLLER: CONTROLLER has a v1 hierarchy here.
is_cgroup_v1() {
	awk -v c="$1" '$9 == "cgroup" && $0 ~ "[ ,]" c "([ ,]|$)" {f = 1} END {exit !f}' \
		/proc/self/mountinfo
}

# Marks a test of cgroup resources: cubo-runc applies linux.resources only
# from its cgroup milestone on, so until then the test is skipped for it.
needs_cubo_cgroups() {
	if is_cubo && ! "$RUNTIME" features 2>/dev/null | jq -e '.linux.cgroup.v1 == true' \
		>/dev/null; then
		skip "cubo-runc does not manage cgroups yet"
	fi
}

# Runs the test's checks only where the kernel has the namespace.
require_ns() {
	[ -e "/proc/self/ns/$1" ] || skip "kernel lacks the $1 namespace"
	# the kernel refuses new user namespaces to a chrooted caller
	if [ "$1" = user ] && ! unshare --user true 2>/dev/null; then
		skip "user namespaces cannot be created here (a chroot?)"
	fi
}

# wait_dead PID: SIGKILL is delivered asynchronously; bounded wait until the
# process is gone or a zombie (nobody may reap it here).
wait_dead() {
	local i
	for ((i = 0; i < 100; i++)); do
		[ "$(awk '{print $3}' "/proc/$1/stat" 2>/dev/null)" = Z ] || [ ! -e "/proc/$1" ] && return 0
		sleep 0.02
	done
	return 1
}
