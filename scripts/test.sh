#!/bin/bash
# Run every test: install the test dependencies, build, then
#   1. the C unit tests (cmocka, `make check`): plain, under valgrind, and
#      built with AddressSanitizer + UBSan;
#   2. the integration tests that run real containers (bats through prove;
#      needs root): against the normal build, then against the ASan build;
#   3. every libFuzzer target for FUZZ_SECONDS (default 15) each;
#   4. the runtime's cgroup tests on pure cgroup v2 with systemd as PID 1, in
#      a VM the script boots (scripts/test-vm.sh; CUBO_TEST_VM=0 skips it).
# Ends with one "tests: N passed, N failed" line; logs go to a directory of
# this run's own (CUBO_TEST_LOGS, default a new /tmp/cubo-test.XXXXXX).
#
# Time (CI: a fresh 2-core Debian 12 machine, 60 minutes at most). Each
# phase prints its time as it ends. Measured from a clean clone on a 2-core
# machine that other test runs were also using (so these are upper bounds):
#   - the normal build 0.5-1 min, the ASan build 1-2 min;
#   - unit tests: plain and under valgrind ~1 min; under ASan a few seconds.
#     valgrind stays: it checks the -O2 binaries that ship and finds reads
#     of uninitialised memory, which ASan does not; ASan finds what valgrind
#     cannot see (overflows of stack and global arrays) and UBSan undefined
#     behaviour;
#   - integration about 12 min, then 14-15 min under ASan (44 files, about
#     595 tests, since the compose, rootless, checkpoint and manifest files
#     joined; mgr-compose-apps.bats adds about 40 s a run, and about 80 s
#     the first time to make its Debian image, cached in
#     /var/cache/cubo-test). The two runs are not run at once: the
#     tests check that nothing new is mounted on the host after a failure,
#     and one run's containers would fail the other's check;
#   - fuzzing: 17 targets of FUZZ_SECONDS (15 s each by default: a smoke run
#     on every change; longer campaigns are run by hand), two at a time
#     (they share nothing and each uses one core): 2.5 min, plus ~0.5 min to
#     build.
#   - the VM: about 27 minutes (its hard limit is 30) since checkpoint.bats
#     grew to 18 tests (criu, about 8 min) beside the stats and run-flag
#     tests (the first run also builds its Debian root, about 1 minute;
#     longer on a busy machine).
# In all about 60 minutes (measured 2026-12-07, evening, on a clean clone of a
# quiet machine: 29 + 74 s builds, 133 s unit, 844 + 1171 s integration
# (the ASan run before rootless exec stopped hanging in its leak check: about
# 900 s since), 235 s fuzzing at 20 s a target, VM below).
set -uo pipefail
cd "$(dirname "$0")/.." || exit 1
top=$PWD
# count_unit, count_integ
. scripts/lib/test-count.sh

logs=${CUBO_TEST_LOGS:-$(mktemp -d /tmp/cubo-test.XXXXXX)}
mkdir -p "$logs"
echo "logs: $logs"
phase_start=$SECONDS
phase_done() {
	echo "== $1: $((SECONDS - phase_start)) s"
	phase_start=$SECONDS
}

./scripts/install-deps.sh --test || exit 1
{ ./autogen.sh && ./configure >/dev/null && make -j"$(nproc)" >/dev/null; } || {
	echo "build failed" >&2
	exit 1
}
phase_done build

# The ASan build needs a tree of its own: automake refuses a build directory
# for a source tree that is itself configured, and the in-tree build is the
# one README and the tests default to. So build-asan/ is a copy of the
# sources (the files git tracks or does not ignore; tar keeps their times, so
# a second run rebuilds only what changed). clang, not gcc: with gcc's
# separate libubsan, UBSan reports ignore log_path and would only reach
# stderr, where a container's or monitor's would be lost.
asan=$top/build-asan
asan_build() {
	git rev-parse --is-inside-work-tree >/dev/null || {
		echo "the ASan build copies the files git lists: run from a git checkout" >&2
		return 1
	}
	mkdir -p "$asan" &&
		git ls-files -z --cached --others --exclude-standard |
		tar --null -T - --ignore-failed-read -cf - 2>/dev/null | tar -xf - -C "$asan" &&
		cd "$asan" && { [ -f Makefile ] || { ./autogen.sh && CC=clang ./configure --enable-asan >/dev/null; }; } &&
		make -j"$(nproc)" >/dev/null && make -j"$(nproc)" check TESTS= >/dev/null
}
(asan_build) >"$logs/asan-build.log" 2>&1 || {
	tail -n 40 "$logs/asan-build.log"
	echo "ASan build failed (log: $logs/asan-build.log)" >&2
	exit 1
}
phase_done "ASan build"

# Every sanitized process writes its report to a file in $san (log_path):
# a report is not lost in the output of a container, a monitor or a child
# whose stderr nobody reads. Each report file counts as one failure.
san=$logs/sanitizer
mkdir -p "$san"
export_sanitizer_env() {
	export ASAN_OPTIONS="log_path=$san/asan:detect_leaks=1:abort_on_error=1"
	export UBSAN_OPTIONS="halt_on_error=1:print_stacktrace=1"
}
san_reports() {
	local f n=0
	# a process that changed root opened its file in advance (shared/sanitizer.h)
	find "$san" -type f -empty -delete
	for f in "$san"/*; do
		[ -e "$f" ] || continue
		echo "--- sanitizer report $f"
		cat "$f"
		n=$((n + 1))
	done >&2
	echo "$n"
}

make -j"$(nproc)" check >"$logs/unit.log" 2>&1
count_unit "$logs/unit.log" "" $? "$top"
unit_pass=$unit_p unit_fail=$unit_f
# The same unit tests once more under valgrind: leaks and bad reads fail them.
make check LOG_COMPILER=valgrind AM_LOG_FLAGS="-q --leak-check=full \
	--errors-for-leak-kinds=definite,indirect --error-exitcode=99 --child-silent-after-fork=yes" \
	>"$logs/unit-valgrind.log" 2>&1
count_unit "$logs/unit-valgrind.log" "valgrind " $? "$top"
unit_pass=$((unit_pass + unit_p)) unit_fail=$((unit_fail + unit_f))
phase_done "unit tests, plain and valgrind"

(export_sanitizer_env && make -C "$asan" -j"$(nproc)" check) >"$logs/unit-asan.log" 2>&1
count_unit "$logs/unit-asan.log" "asan " $? "$asan"
unit_pass=$((unit_pass + unit_p)) unit_fail=$((unit_fail + unit_f))
san_unit=$(san_reports)
phase_done "unit tests, ASan"

RUNTIME=$top/cubo-runc/cubo-runc MGR=$top/cubo-mgr/cubo-mgr tests/integration/run.sh 2>&1 |
	tee "$logs/integration.log"
count_integ "$logs/integration.log"
integ_pass=$integ_p integ_fail=$integ_f
phase_done integration

# The manager finds cubo-mgr-image beside itself and forks its monitors:
# with MGR the ASan one, they are the ASan ones too; the tests hand RUNTIME
# to it as CUBO_RUNTIME.
(export_sanitizer_env && RUNTIME=$asan/cubo-runc/cubo-runc MGR=$asan/cubo-mgr/cubo-mgr \
	tests/integration/run.sh) 2>&1 | tee "$logs/integration-asan.log"
count_integ "$logs/integration-asan.log"
asan_pass=$integ_p asan_fail=$integ_f
san_integ=$(san_reports)
phase_done "integration, ASan"

# Fuzzing: the corpora in tests/fuzz/corpus/ are only read; what a run finds
# stays in build-fuzz/ (`tests/fuzz/run.sh --merge` adds it to the corpora).
FUZZ_SECONDS=${FUZZ_SECONDS:-15} FUZZ_JOBS=${FUZZ_JOBS:-2} tests/fuzz/run.sh "$top/build-fuzz" \
	>"$logs/fuzz.log" 2>&1
fuzz_rc=$?
grep -E '^[a-z_]+: (ok|FAILED)' "$logs/fuzz.log"
fuzz_pass=$(grep -cE '^[a-z_]+: ok' "$logs/fuzz.log")
fuzz_fail=$(grep -cE '^[a-z_]+: FAILED' "$logs/fuzz.log")
if [ "$fuzz_rc" -ne 0 ] && [ "$fuzz_fail" -eq 0 ]; then
	tail -n 40 "$logs/fuzz.log"
	fuzz_fail=1
fi
phase_done fuzzing

# Pure cgroup v2 and systemd, the hosts most users run, in a VM of their own.
vm_pass=0 vm_fail=0
if [ "${CUBO_TEST_VM:-1}" != 0 ]; then
	CUBO_TEST_LOGS=$logs/vm scripts/test-vm.sh >"$logs/vm.log" 2>&1
	vm_rc=$?
	grep -E '^(unit|integration|tests):|^[a-z-]+\.bats ' "$logs/vm.log" | tail -n 20
	read -r vm_pass vm_fail < <(sed -n 's/^tests: \([0-9]*\) passed, \([0-9]*\) failed$/\1 \2/p' \
		"$logs/vm.log" | tail -n 1)
	vm_pass=${vm_pass:-0} vm_fail=${vm_fail:-0}
	# a VM that said nothing, or failed without saying what, is one failure
	if [ "$vm_rc" -ne 0 ] && [ "$vm_fail" -eq 0 ]; then
		tail -n 30 "$logs/vm.log"
		vm_fail=1
	fi
	phase_done "VM: pure cgroup v2 with systemd"
fi

echo "unit test programs (plain, valgrind, ASan): $unit_pass passed, $unit_fail failed"
echo "integration tests: $integ_pass passed, $integ_fail failed"
echo "integration tests under ASan: $asan_pass passed, $asan_fail failed"
echo "sanitizer reports: $san_unit in unit tests, $san_integ in integration tests"
echo "fuzz targets: $fuzz_pass passed, $fuzz_fail failed"
echo "VM (pure cgroup v2, systemd): $vm_pass passed, $vm_fail failed"
pass=$((unit_pass + integ_pass + asan_pass + fuzz_pass + vm_pass))
fail=$((unit_fail + integ_fail + asan_fail + san_unit + san_integ + fuzz_fail + vm_fail))
echo "tests: $pass passed, $fail failed"
[ "$fail" -eq 0 ]
