#!/bin/bash
# Run every test: install the test dependencies, build, run the C unit tests
# (cmocka, `make check`, then again under valgrind) and the integration
# tests that run real containers
# (bats through prove; needs root). Ends with one "tests: N passed, N failed" line.
set -uo pipefail
cd "$(dirname "$0")/.."

./scripts/install-deps.sh --test || exit 1
{ ./autogen.sh && ./configure >/dev/null && make -j"$(nproc)" >/dev/null; } || {
	echo "build failed" >&2
	exit 1
}

unit_pass=0 unit_fail=0
make -j"$(nproc)" check >/tmp/cubo-unit.log 2>&1
unit_rc=$?
grep -E '^(PASS|FAIL|ERROR|XFAIL|XPASS|SKIP):' /tmp/cubo-unit.log
unit_pass=$(grep -c '^PASS:' /tmp/cubo-unit.log)
unit_fail=$(grep -cE '^(FAIL|ERROR|XPASS):' /tmp/cubo-unit.log)
if [ "$unit_rc" -ne 0 ] && [ "$unit_fail" -eq 0 ]; then
	cat /tmp/cubo-unit.log
	unit_fail=1
fi
# The same unit tests once more under valgrind: leaks and bad reads fail them.
make check LOG_COMPILER=valgrind AM_LOG_FLAGS="-q --leak-check=full \
	--errors-for-leak-kinds=definite,indirect --error-exitcode=99 --child-silent-after-fork=yes" \
	>/tmp/cubo-unit-valgrind.log 2>&1
vg_rc=$?
sed -n 's/^\(PASS\|FAIL\|ERROR\):/valgrind &/p' /tmp/cubo-unit-valgrind.log
unit_pass=$((unit_pass + $(grep -c '^PASS:' /tmp/cubo-unit-valgrind.log)))
vg_fail=$(grep -cE '^(FAIL|ERROR|XPASS):' /tmp/cubo-unit-valgrind.log)
[ "$vg_rc" -eq 0 ] || [ "$vg_fail" -gt 0 ] || vg_fail=1
unit_fail=$((unit_fail + vg_fail))
for log in tests/unit/*.log; do
	case $log in *test-suite.log) continue ;; esac
	grep -q -E '^\[  (FAILED|ERROR) ' "$log" 2>/dev/null && cat "$log"
done

RUNTIME=$PWD/cubo-runc/cubo-runc tests/integration/run.sh 2>&1 | tee /tmp/cubo-integration.log
# prove's summary: "Files=8, Tests=96, ..." and "Failed 2/18 subtests" per file
integ_total=$(grep -oE '^Files=[0-9]+, Tests=[0-9]+' /tmp/cubo-integration.log | sed 's/.*Tests=//')
integ_fail=$(grep -oE 'Failed [0-9]+/[0-9]+ subtests' /tmp/cubo-integration.log |
	awk '{split($2, a, "/"); s += a[1]} END {print s + 0}')
integ_pass=$((${integ_total:-0} - integ_fail))
if ! grep -q '^Result: PASS' /tmp/cubo-integration.log; then
	[ "$integ_fail" -gt 0 ] || integ_fail=1
fi

echo "unit test programs (plain, then valgrind): $unit_pass passed, $unit_fail failed"
echo "integration tests: $integ_pass passed, $integ_fail failed"
echo "tests: $((unit_pass + integ_pass)) passed, $((unit_fail + integ_fail)) failed"
[ $((unit_fail + integ_fail)) -eq 0 ]
