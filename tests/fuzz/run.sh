#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
#
# Build every libFuzzer target in tests/fuzz/ and run each for a while.
#
#   tests/fuzz/run.sh [BUILD_DIR]        (default BUILD_DIR: /tmp/cubo-fuzz)
#
# Needs clang with its fuzzer and sanitizer runtimes. On Debian 12:
#
#   apt-get install clang          (pulls in libclang-rt-14-dev, which holds libFuzzer)
#
# and a configured tree (./autogen.sh && ./configure at the top, for config.h).
# Not part of `make check`: it needs clang and takes minutes.
#
# Environment:
#   FUZZ_SECONDS   how long to run each target (default 30)
#   FUZZ_TARGETS   space-separated subset, e.g. "config state" (default: all)
#   CC             the compiler (default clang)
#
# The seed corpus in tests/fuzz/corpus/<target>/ is only read; new inputs go
# to BUILD_DIR/corpus/<target>/ and crashing ones to BUILD_DIR/artifacts/<target>/.
# Reproduce one with: BUILD_DIR/fuzz_<target> BUILD_DIR/artifacts/<target>/crash-...
# Exits non-zero when any target crashed, leaked, hit undefined behaviour or
# broke one of its properties.
set -eu

top=$(cd "$(dirname "$0")/../.." && pwd)
build=${1:-/tmp/cubo-fuzz}
seconds=${FUZZ_SECONDS:-30}
cc=${CC:-clang}
all_targets="config state json mountinfo mount_options signal_opts image reference container toml cubofile net"
targets=${FUZZ_TARGETS:-$all_targets}

if [ ! -f "$top/config.h" ]; then
	echo "run.sh: $top/config.h is missing: run ./autogen.sh && ./configure in $top first" >&2
	exit 2
fi
if ! command -v "$cc" >/dev/null 2>&1; then
	echo "run.sh: $cc not found: apt-get install clang" >&2
	exit 2
fi

cflags="-fsanitize=fuzzer,address,undefined -fno-sanitize-recover=undefined -g -O1 -std=gnu11"
cflags="$cflags -D_GNU_SOURCE -I. -include config.h"
libs="-lyajl -lcrypto -lseccomp -lcap -lm"

json_src="shared/error.c shared/json.c"
spec_src="$json_src shared/strv.c shared/fs.c shared/digest.c spec/spec_json.c spec/config_parse.c
	spec/config_gen.c spec/config_free.c spec/config_default.c spec/state.c"
image_src="$spec_src spec/image_parse.c spec/image_gen.c spec/image_free.c spec/image_platform.c"
reference_src="$image_src shared/rootdir.c cubo-mgr/image/reference.c cubo-mgr/image/auth.c
	cubo-mgr/image/registries_conf.c"
container_src="$spec_src shared/lock.c shared/path_in_root.c shared/timeutil.c
	cubo-mgr/container/record.c cubo-mgr/container/logfile.c cubo-mgr/container/run_opts.c
	cubo-mgr/container/passwd.c spec/features.c"
cubofile_src="$json_src shared/strv.c shared/strbuf.c cubo-mgr/build/instr.c cubo-mgr/build/cubofile.c
	cubo-mgr/build/expand.c cubo-mgr/build/ignore.c"
net_src="$json_src shared/strv.c shared/strbuf.c shared/fs.c cubo-mgr/container/run_opts.c spec/features.c
	cubo-mgr/net/cidr.c cubo-mgr/net/netconf.c cubo-mgr/net/ports.c cubo-mgr/net/hosts.c"
mounts_src="$spec_src shared/log.c shared/timeutil.c shared/path_in_root.c shared/sanitizer.c cubo-runc/mounts.c
	cubo-runc/devices.c cubo-runc/rootfs.c"

sources() {
	case $1 in
	config | state) echo "$spec_src" ;;
	json) echo "$json_src" ;;
	mountinfo | mount_options) echo "$mounts_src" ;;
	signal_opts) echo "shared/error.c cubo-runc/signals.c cubo-runc/opts.c" ;;
	image) echo "$image_src" ;;
	reference) echo "$reference_src" ;;
	container) echo "$container_src" ;;
	toml) echo "shared/error.c shared/strv.c cubo-mgr/build/toml.c cubo-mgr/build/instr.c
		cubo-mgr/build/cubofile_toml.c" ;;
	cubofile) echo "$cubofile_src" ;;
	net) echo "$net_src" ;;
	*)
		echo "run.sh: unknown target $1 (targets: $all_targets)" >&2
		exit 2
		;;
	esac
}

# A dictionary helps the parsers of its format only.
dict() {
	case $1 in
	config | state | json | image | net) echo "-dict=$top/tests/fuzz/json.dict" ;;
	toml) echo "-dict=$top/tests/fuzz/toml.dict" ;;
	cubofile) echo "-dict=$top/tests/fuzz/cubofile.dict" ;;
	esac
}

mkdir -p "$build"
cd "$top"
for t in $targets; do
	echo "== build fuzz_$t"
	# shellcheck disable=SC2046,SC2086 # flag and source lists are split on purpose
	$cc $cflags -o "$build/fuzz_$t" "tests/fuzz/fuzz_$t.c" $(sources "$t") $libs
done

failed=""
summary=""
for t in $targets; do
	mkdir -p "$build/corpus/$t" "$build/artifacts/$t"
	log="$build/fuzz_$t.log"
	echo "== run fuzz_$t for ${seconds}s (log: $log)"
	status=0
	# shellcheck disable=SC2046 # dict() gives zero or one argument
	"$build/fuzz_$t" -max_total_time="$seconds" -timeout=10 -print_final_stats=1 \
		-artifact_prefix="$build/artifacts/$t/" $(dict "$t") \
		"$build/corpus/$t" "$top/tests/fuzz/corpus/$t" >"$log" 2>&1 || status=$?
	execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -n 1)
	if [ "$status" -ne 0 ]; then
		failed="$failed $t"
		tail -n 40 "$log" >&2
		summary="$summary$t: FAILED (exit $status) after ${execs:-?} executions\n"
	else
		summary="$summary$t: ok, ${execs:-?} executions in ${seconds}s\n"
	fi
done

printf '\n%b' "$summary"
if [ -n "$failed" ]; then
	echo "run.sh: failing targets:$failed (inputs in $build/artifacts/)" >&2
	exit 1
fi
