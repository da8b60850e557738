#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
#
# Build every libFuzzer target in tests/fuzz/ and run each for a while, or
# merge what earlier runs found into the seed corpora.
#
#   tests/fuzz/run.sh [BUILD_DIR]           (default BUILD_DIR: /tmp/cubo-fuzz)
#   tests/fuzz/run.sh --merge [BUILD_DIR]
#
# Needs clang with its fuzzer and sanitizer runtimes. On Debian 12:
#
#   apt-get install clang libclang-rt-14-dev     (libFuzzer is in the second)
#
# and a configured tree (./autogen.sh && ./configure at the top, for config.h).
# Not part of `make check`; scripts/test.sh runs it (FUZZ_SECONDS=15 by default).
#
# Environment:
#   FUZZ_SECONDS   how long to run each target (default 30)
#   FUZZ_TARGETS   space-separated subset, e.g. "config state" (default: all)
#   FUZZ_JOBS      how many targets build and run at once (default 1); each
#                  uses one core
#   CC             the compiler (default clang)
#
# The seed corpus in tests/fuzz/corpus/<target>/ is only read; new inputs go
# to BUILD_DIR/corpus/<target>/ and crashing ones to BUILD_DIR/artifacts/<target>/.
# Reproduce one with: BUILD_DIR/fuzz_<target> BUILD_DIR/artifacts/<target>/crash-...
# Exits non-zero when any target crashed, leaked, timed out, hit undefined
# behaviour or broke one of its properties.
#
# --merge runs nothing new: it adds to tests/fuzz/corpus/<target>/ the inputs
# of BUILD_DIR/corpus/<target>/ that reach code the seeds do not (libFuzzer's
# -merge=1), to be reviewed and committed.
set -eu

top=$(cd "$(dirname "$0")/../.." && pwd)
merge=false
if [ "${1:-}" = --merge ]; then
	merge=true
	shift
fi
build=${1:-/tmp/cubo-fuzz}
seconds=${FUZZ_SECONDS:-30}
jobs=${FUZZ_JOBS:-1}
cc=${CC:-clang}
all_targets="config state json mountinfo mount_options signal_opts image reference container toml cubofile net dbus gotmpl repl events compose"
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
libs="-lyajl -lyaml -lcrypto -lseccomp -lcap -lm"

json_src="shared/error.c shared/xalloc.c shared/json.c"
spec_src="$json_src shared/strv.c shared/fs.c shared/digest.c spec/spec_json.c spec/config_parse.c
	spec/config_gen.c spec/config_free.c spec/config_default.c spec/state.c"
image_src="$spec_src spec/image_parse.c spec/image_gen.c spec/image_free.c spec/image_platform.c
	spec/image_health.c"
reference_src="$image_src shared/rootdir.c cubo-mgr/image/reference.c cubo-mgr/image/auth.c
	cubo-mgr/image/registries_conf.c"
container_src="$spec_src shared/lock.c shared/path_in_root.c shared/timeutil.c
	cubo-mgr/container/record.c cubo-mgr/container/logfile.c cubo-mgr/container/logset.c
	cubo-mgr/container/logconf.c cubo-mgr/container/run_opts.c
	cubo-mgr/container/mount_opt.c cubo-mgr/container/device_opt.c cubo-mgr/container/cdi.c
	cubo-mgr/container/cgroup_opt.c
	cubo-mgr/container/cdi_spec.c cubo-mgr/container/cdi_yaml.c shared/strbuf.c
	cubo-mgr/container/passwd.c spec/features.c shared/size.c cubo-mgr/container/limits.c
	shared/filter.c spec/image_health.c cubo-mgr/container/health.c"
# HEALTHCHECK: the image config's Healthcheck and docker's durations
health_src="spec/image_health.c spec/spec_json.c cubo-mgr/container/health.c shared/timeutil.c shared/fs.c"
cubofile_src="$json_src shared/strv.c shared/strbuf.c cubo-mgr/builder/instr.c cubo-mgr/builder/cubofile.c
	cubo-mgr/builder/expand.c cubo-mgr/builder/ignore.c $health_src"
net_src="$json_src shared/strv.c shared/strbuf.c shared/fs.c shared/size.c cubo-mgr/container/run_opts.c spec/features.c
	cubo-mgr/container/mount_opt.c cubo-mgr/container/device_opt.c cubo-mgr/container/cgroup_opt.c
	cubo-mgr/net/cidr.c cubo-mgr/net/netconf.c cubo-mgr/net/ports.c cubo-mgr/net/hosts.c
	cubo-mgr/net/endpoint.c cubo-mgr/net/ipam.c cubo-mgr/net/link.c cubo-mgr/net/nl.c
	cubo-mgr/net/addr_route.c shared/lock.c
	spec/image_health.c cubo-mgr/container/health.c spec/spec_json.c shared/timeutil.c"
mounts_src="$spec_src shared/strbuf.c shared/log.c shared/timeutil.c shared/path_in_root.c shared/sanitizer.c cubo-runc/mounts.c cubo-runc/mount_opts.c
	cubo-runc/mountinfo.c cubo-runc/mount_cgroup.c
	cubo-runc/devices.c cubo-runc/rootfs.c cubo-runc/proc_guard.c cubo-runc/procfd.c"

sources() {
	case $1 in
	config | state) echo "$spec_src" ;;
	json) echo "$json_src" ;;
	mountinfo | mount_options) echo "$mounts_src" ;;
	signal_opts) echo "shared/error.c shared/xalloc.c cubo-runc/signals.c cubo-runc/opts.c" ;;
	image) echo "$image_src" ;;
	reference) echo "$reference_src" ;;
	container) echo "$container_src" ;;
	toml) echo "$cubofile_src shared/toml.c cubo-mgr/builder/cubofile_toml.c" ;;
	cubofile) echo "$cubofile_src" ;;
	net) echo "$net_src" ;;
	dbus) echo "shared/error.c shared/xalloc.c cubo-runc/dbus_msg.c" ;;
	repl) echo "shared/error.c shared/xalloc.c shared/strv.c cubo-mgr/repl/split.c cubo-mgr/repl/complete.c" ;;
	events) echo "$json_src shared/strv.c shared/strbuf.c shared/timeutil.c cubo-mgr/events/event.c
		cubo-mgr/events/filter.c" ;;
	compose) echo "$net_src cubo-mgr/compose/ctree.c cubo-mgr/compose/interp.c cubo-mgr/compose/model.c" ;;
	gotmpl) echo "$json_src shared/strbuf.c shared/gotmpl_parse.c shared/gotmpl_exec.c shared/gotmpl_value.c
		shared/gotmpl_funcs.c shared/gotmpl_printf.c shared/gotmpl_format.c shared/tabwriter.c" ;;
	*)
		echo "run.sh: unknown target $1 (targets: $all_targets)" >&2
		exit 2
		;;
	esac
}

# A dictionary helps the parsers of its format only.
dict() {
	case $1 in
	config | state | json | image | net | events) echo "-dict=$top/tests/fuzz/json.dict" ;;
	toml) echo "-dict=$top/tests/fuzz/toml.dict" ;;
	cubofile) echo "-dict=$top/tests/fuzz/cubofile.dict" ;;
	gotmpl) echo "-dict=$top/tests/fuzz/gotmpl.dict" ;;
	esac
}

# each_target FUNCTION: FUNCTION TARGET for every target, $jobs at a time.
# Runs of one target last the same time, so batches waste little.
each_target() {
	n=0
	for t in $targets; do
		"$1" "$t" &
		n=$((n + 1))
		[ $((n % jobs)) -ne 0 ] || wait
	done
	wait
}

build_target() {
	# shellcheck disable=SC2046,SC2086 # flag and source lists are split on purpose
	if $cc $cflags -o "$build/fuzz_$1" "tests/fuzz/fuzz_$1.c" $(sources "$1") $libs \
		>"$build/build_$1.log" 2>&1; then
		rm -f "$build/build_$1.failed"
	else
		touch "$build/build_$1.failed"
	fi
}

# Writes "TARGET: ok, ..." or "TARGET: FAILED ..." to BUILD_DIR/fuzz_TARGET.result.
run_target() {
	t=$1
	log="$build/fuzz_$t.log"
	mkdir -p "$build/corpus/$t" "$build/artifacts/$t"
	status=0
	# shellcheck disable=SC2046 # dict() gives zero or one argument
	"$build/fuzz_$t" -max_total_time="$seconds" -timeout=10 -print_final_stats=1 \
		-artifact_prefix="$build/artifacts/$t/" $(dict "$t") \
		"$build/corpus/$t" "$top/tests/fuzz/corpus/$t" >"$log" 2>&1 || status=$?
	execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -n 1)
	if [ "$status" -ne 0 ]; then
		echo "$t: FAILED (exit $status) after ${execs:-?} executions (log: $log)"
	else
		echo "$t: ok, ${execs:-?} executions in ${seconds}s"
	fi >"$build/fuzz_$t.result"
}

merge_target() {
	mkdir -p "$build/corpus/$1"
	before=$(find "$top/tests/fuzz/corpus/$1" -type f | wc -l)
	"$build/fuzz_$1" -merge=1 "$top/tests/fuzz/corpus/$1" "$build/corpus/$1" \
		>"$build/merge_$1.log" 2>&1 || echo "$1: merge failed (log: $build/merge_$1.log)"
	after=$(find "$top/tests/fuzz/corpus/$1" -type f | wc -l)
	echo "$1: $((after - before)) new inputs in tests/fuzz/corpus/$1"
}

mkdir -p "$build"
build=$(cd "$build" && pwd) # the targets are built from $top
cd "$top"
echo "== build $(echo "$targets" | wc -w) targets in $build, $jobs at a time"
each_target build_target
failed=""
for t in $targets; do
	if [ -e "$build/build_$t.failed" ]; then
		cat "$build/build_$t.log" >&2
		failed="$failed $t"
	fi
done
if [ -n "$failed" ]; then
	echo "run.sh: could not build:$failed" >&2
	exit 1
fi

if $merge; then
	each_target merge_target
	exit 0
fi

echo "== run each target for ${seconds}s, $jobs at a time (logs: $build/fuzz_TARGET.log)"
rm -f "$build"/fuzz_*.result
each_target run_target
failed=""
echo
for t in $targets; do
	if [ ! -s "$build/fuzz_$t.result" ]; then
		echo "$t: FAILED (no result)"
	else
		cat "$build/fuzz_$t.result"
	fi
	if ! grep -q ': ok,' "$build/fuzz_$t.result" 2>/dev/null; then
		failed="$failed $t"
		tail -n 40 "$build/fuzz_$t.log" >&2
	fi
done
if [ -n "$failed" ]; then
	echo "run.sh: failing targets:$failed (inputs in $build/artifacts/)" >&2
	exit 1
fi
