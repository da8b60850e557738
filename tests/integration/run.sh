#!/bin/bash
# Runs the integration suite through prove, so the last lines are prove's
# summary.
#
#   tests/integration/run.sh                 # against the built cubo-runc
#   RUNTIME=/usr/sbin/runc tests/integration/run.sh
#   tests/integration/run.sh lifecycle.bats  # only some files
#
# Needs root.  RT_TIMEOUT bounds one runtime command (default 30 s) and
# BATS_TEST_TIMEOUT one test (default 120 s).  BATS_FILTER=REGEX runs only
# the tests whose names match REGEX (bats --filter; no spaces in REGEX).
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/../.." && pwd)

if [ "$(id -u)" != 0 ]; then
	echo "$0: the integration tests need root" >&2
	exit 1
fi
for tool in bats prove jq; do
	command -v "$tool" >/dev/null || {
		echo "$0: $tool is required" >&2
		exit 1
	}
done

export RUNTIME=${RUNTIME:-$repo/cubo-runc/cubo-runc}
if [ ! -x "$RUNTIME" ]; then
	echo "$0: runtime $RUNTIME not found: run make, or set RUNTIME" >&2
	exit 1
fi
export BATS_TEST_TIMEOUT=${BATS_TEST_TIMEOUT:-120}
echo "# runtime: $RUNTIME ($("$RUNTIME" --version 2>/dev/null | head -n1))"

cd "$here"
if [ $# -gt 0 ]; then
	files=("$@")
else
	files=(*.bats)
fi
bats_cmd='bats --tap'
if [ -n "${BATS_FILTER:-}" ]; then
	# prove splits --exec on white space
	case $BATS_FILTER in *[[:space:]]*)
		echo "$0: BATS_FILTER may not hold spaces (write . for one)" >&2
		exit 1
		;;
	esac
	bats_cmd="$bats_cmd --filter $BATS_FILTER"
	echo "# only the tests matching: $BATS_FILTER"
fi
# --failures --comments: a failing test's diagnostics reach the log (CI keeps only the log)
exec prove --failures --comments --exec "$bats_cmd" "${files[@]}"
