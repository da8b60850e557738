#!/bin/bash
# guest-tests.sh OUT: runs inside the test VM that scripts/test-vm.sh boots
# (from cubo-vm-tests.service), on the built tree this script sits in.
# Writes to OUT:
#   env.log                 where it ran: kernel, PID 1, the cgroup layout
#   unit.log                one automake-style "PASS: prog" / "FAIL: prog"
#                           line per unit test program
#   tests/unit/PROG.log     each program's output
#   integ-FILE.log          tests/integration/run.sh FILE's output (prove)
#   results                 key=value lines, written last (atomically): its
#                           absence means the run did not finish
# What runs is set by /etc/cubo-vm-tests.conf (written by test-vm.sh):
#   UNIT_TESTS      program names in tests/unit, "all" or "none"
#   INTEG_FILES     .bats files in tests/integration; FILE=REGEX runs only
#                   the tests of FILE whose names match REGEX
#   FILE_TIMEOUT    seconds one .bats file may take
#   BYHAND          a bash command run after the tests, from the tree, with
#                   CUBO_VM_OUT=OUT: its output goes to OUT/byhand.log
set -uo pipefail
out=${1:?usage: guest-tests.sh OUT}
tree=$(cd "$(dirname "$0")/../.." && pwd)
UNIT_TESTS=all INTEG_FILES='' FILE_TIMEOUT=900 BYHAND=''
# shellcheck source=/dev/null
. /etc/cubo-vm-tests.conf

rm -rf "$out"
mkdir -p "$out/tests/unit"
res=$out/results.tmp
: >"$res"
say() { echo "cubo-vm: $*"; }
t0=$SECONDS

own=$(sed -n 's/^0:://p' /proc/self/cgroup)
{
	echo "kernel: $(uname -r)"
	echo "pid 1: $(cat /proc/1/comm) ($(readlink /proc/1/exe))"
	echo "/sys/fs/cgroup: $(stat -f -c %T /sys/fs/cgroup)"
	echo "/sys/fs/cgroup/cgroup.controllers: $(cat /sys/fs/cgroup/cgroup.controllers)"
	echo "/sys/fs/cgroup/cgroup.subtree_control: $(cat /sys/fs/cgroup/cgroup.subtree_control)"
	echo "own cgroup: $own"
	echo "own cgroup.controllers: $(cat "/sys/fs/cgroup$own/cgroup.controllers" 2>&1)"
	echo "cgroup mounts:"
	grep cgroup /proc/self/mounts
	echo "cpus: $(nproc), $(grep MemTotal /proc/meminfo)"
	echo "runtime: $("$tree/cubo-runc/cubo-runc" --version 2>&1 | head -n 1)"
} >"$out/env.log" 2>&1
cat "$out/env.log"
{
	echo "pid1=$(cat /proc/1/comm)"
	echo "cgroupfs=$(stat -f -c %T /sys/fs/cgroup)"
	echo "boot_seconds=$(cut -d' ' -f1 /proc/uptime)"
} >>"$res"

# The unit test programs, run as `make check` would (from the top of the
# tree, srcdir set, 77 = skipped, 99 = hard error).
if [ "$UNIT_TESTS" = none ]; then
	UNIT_TESTS=
	: >"$out/unit.log"
elif [ "$UNIT_TESTS" = all ]; then
	UNIT_TESTS=$(cd "$tree/tests/unit" && find . -maxdepth 1 -name 'test_*' -type f -perm -u+x -printf '%f\n' | sort)
fi
t=$SECONDS
# none found is a failure: a tree built without cmocka proves nothing
[ -n "$UNIT_TESTS" ] || [ -f "$out/unit.log" ] || echo "ERROR: no unit test programs in $tree/tests/unit" >"$out/unit.log"
for prog in $UNIT_TESTS; do
	(cd "$tree" && srcdir=. timeout -k 5 300 "./tests/unit/$prog") >"$out/tests/unit/$prog.log" 2>&1
	case $? in
	0) echo "PASS: tests/unit/$prog" ;;
	77) echo "SKIP: tests/unit/$prog" ;;
	99) echo "ERROR: tests/unit/$prog" ;;
	*) echo "FAIL: tests/unit/$prog" ;;
	esac
done >>"$out/unit.log"
echo "unit_seconds=$((SECONDS - t))" >>"$res"
say "unit tests: $(grep -c '^PASS:' "$out/unit.log") passed, $(grep -cE '^(FAIL|ERROR):' "$out/unit.log") failed ($((SECONDS - t)) s)"
sync

for entry in $INTEG_FILES; do
	f=${entry%%=*} filter=
	[ "$f" = "$entry" ] || filter=${entry#*=}
	t=$SECONDS
	BATS_FILTER=$filter timeout -k 10 "$FILE_TIMEOUT" "$tree/tests/integration/run.sh" "$f" \
		>"$out/integ-$f.log" 2>&1 </dev/null
	rc=$?
	echo "integ $f rc=$rc seconds=$((SECONDS - t))" >>"$res"
	say "$f: $(grep -E '^Result:' "$out/integ-$f.log" || echo "no result, rc $rc") ($((SECONDS - t)) s)"
	sync
done

echo "total_seconds=$((SECONDS - t0))" >>"$res"

# Measurements by hand (never counted as tests): after the tests, so that
# their times above stay what CI sees.
if [ -n "$BYHAND" ]; then
	t=$SECONDS
	say "by hand: $BYHAND"
	(cd "$tree" && CUBO_VM_OUT=$out bash -c "$BYHAND") >"$out/byhand.log" 2>&1 </dev/null
	rc=$?
	{
		echo "byhand_rc=$rc"
		echo "byhand_seconds=$((SECONDS - t))"
	} >>"$res"
	say "by hand: exit status $rc ($((SECONDS - t)) s)"
fi
mv "$res" "$out/results"
sync
say "done"
