# shellcheck shell=bash disable=SC2034  # sets variables for its caller
# Counting test results, shared by scripts/test.sh and scripts/test-vm.sh so
# that both print the same "tests: N passed, N failed" from the same rules.
# Source it from bash.

# count_unit LOG LABEL RC TREE: print each test program's result and the
# output of the failed ones (TREE/tests/unit/*.log); set unit_p and unit_f.
# LOG holds automake's "PASS: prog" / "FAIL: prog" lines; a non-zero RC with
# no FAIL line (the run itself broke) counts as one failure.
count_unit() {
	local log=$1 label=$2 rc=$3 tree=$4 t
	sed -n "s/^\(PASS\|FAIL\|ERROR\|XPASS\):/$label&/p" "$log"
	unit_p=$(grep -c '^PASS:' "$log")
	unit_f=$(grep -cE '^(FAIL|ERROR|XPASS):' "$log")
	if [ "$rc" -ne 0 ] && [ "$unit_f" -eq 0 ]; then
		cat "$log"
		unit_f=1
	fi
	for t in "$tree"/tests/unit/*.log; do
		case $t in *test-suite.log) continue ;; esac
		grep -q -E '^\[  (FAILED|ERROR) ' "$t" 2>/dev/null && cat "$t"
	done
}

# count_integ LOG: prove's summary ("Files=8, Tests=96, ..." and "Failed
# 2/18 subtests" per file) into integ_p and integ_f. A log without prove's
# "Result: PASS" (a failed file, or a run that never finished) has at least
# one failure.
count_integ() {
	local total
	total=$(grep -oE '^Files=[0-9]+, Tests=[0-9]+' "$1" | tail -n 1 | sed 's/.*Tests=//')
	integ_f=$(grep -oE 'Failed [0-9]+/[0-9]+ subtests' "$1" |
		awk '{split($2, a, "/"); s += a[1]} END {print s + 0}')
	integ_p=$((${total:-0} - integ_f))
	if ! grep -q '^Result: PASS' "$1"; then
		[ "$integ_f" -gt 0 ] || integ_f=1
	fi
}
