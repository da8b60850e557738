#!/bin/sh
# Run the OCI runtime-tools validation suite against one runtime and print
# one line per test file.  The suite is built outside this repository (see
# docs/conformance.md); this script only runs an already-built copy.
#
# This is a conformance report, not a pass/fail gate: it is not part of
# `make check` and its summary line is deliberately not in the
# "N passed, M failed" form that CI parses.

set -u

usage() {
	cat <<EOF
usage: RUNTIME=/path/to/runtime $0 [options] [SUITE_DIR] [TEST...]

Runs each validation/NAME/NAME.t of the runtime-tools suite against \$RUNTIME
and prints PASS/FAIL/TIMEOUT per test file, then
"conformance: N of M test files pass (K of them with a 1..0 plan)"; a test whose
only plan is 1..0 checked nothing and is shown as such.

SUITE_DIR   built runtime-tools checkout (default: \$RUNTIME_TOOLS_DIR)
TEST        test names to run (e.g. default hostname); default: all

options:
  -t SECONDS      per-test time limit (default 60)
  -o DIR          keep each test's TAP output in DIR/NAME.tap and NAME.err
  --hide-cgroup2  unmount the cgroup2 hierarchy for the run (crun refuses
                  hybrid cgroup hosts)
  --no-cgroupns   do not re-root the cgroup mounts at the caller's cgroup
                  (absolute cgroupsPath tests then create cgroups at the
                  top of each hierarchy)
  -g FLAG         one more global option for every runtime command, after
                  --root (e.g. -g --systemd-cgroup); may be repeated
  -h              this help
EOF
}

die() {
	echo "run.sh: $*" >&2
	exit 2
}

timeout_s=60
logdir=
hide_cgroup2=0
cgroupns=1
global_flags=
while [ $# -gt 0 ]; do
	case "$1" in
	-t) [ $# -ge 2 ] || die "-t needs a value"; timeout_s=$2; shift 2 ;;
	-o) [ $# -ge 2 ] || die "-o needs a value"; logdir=$2; shift 2 ;;
	--hide-cgroup2) hide_cgroup2=1; shift ;;
	--no-cgroupns) cgroupns=0; shift ;;
	-g)
		[ $# -ge 2 ] || die "-g needs a value"
		case "$2" in -*) ;; *) die "-g $2: expected an option such as --systemd-cgroup" ;; esac
		case "$2" in *[!A-Za-z0-9=_./:-]*) die "-g $2: unexpected characters" ;; esac
		global_flags="$global_flags $2"; shift 2 ;;
	-h|--help) usage; exit 0 ;;
	--) shift; break ;;
	-*) usage >&2; exit 2 ;;
	*) break ;;
	esac
done

suite=${RUNTIME_TOOLS_DIR:-}
missing_suite_later=
if [ $# -gt 0 ]; then
	case "$1" in
	*.t) ;;
	*/*) [ -d "$1" ] || missing_suite_later="$1 is not a directory"; suite=$1; shift ;;
	*) [ -d "$1" ] && { suite=$1; shift; } ;;
	esac
fi

missing_suite() {
	cat >&2 <<EOF
run.sh: $1
The OCI runtime-tools suite must be built outside this repository, e.g.:
  git clone https://github.com/opencontainers/runtime-tools /opt/runtime-tools
  cd /opt/runtime-tools && git checkout 260e151b8552afa2678ef6d41820ea0f31cd8be1
  GOFLAGS=-mod=vendor make runtimetest validation-executables
then pass /opt/runtime-tools as SUITE_DIR or set RUNTIME_TOOLS_DIR.
See docs/conformance.md.
EOF
	exit 2
}

[ -z "${missing_suite_later:-}" ] || missing_suite "$missing_suite_later"
[ -n "$suite" ] || missing_suite "no suite directory given"
suite=$(cd "$suite" 2>/dev/null && pwd) || missing_suite "cannot enter suite directory"
[ -x "$suite/runtimetest" ] || missing_suite "$suite/runtimetest is missing (not built?)"
rootfs="$suite/rootfs-$(uname -m | sed 's/x86_64/amd64/;s/aarch64/arm64/;s/i.86/386/').tar.gz"
[ -f "$rootfs" ] || missing_suite "$rootfs is missing"

[ -n "${RUNTIME:-}" ] || die "set RUNTIME to the runtime binary (e.g. RUNTIME=/usr/sbin/runc)"
runtime=$(command -v "$RUNTIME") || die "RUNTIME=$RUNTIME not found"
case "$runtime" in /*) ;; *) runtime="$(pwd)/$runtime" ;; esac
[ "$(id -u)" = 0 ] || die "must run as root"
[ -z "$logdir" ] || mkdir -p "$logdir" || die "cannot create $logdir"
case "$logdir" in ""|/*) ;; *) logdir="$(pwd)/$logdir" ;; esac

# Run inside a private mount and cgroup namespace.  The cgroup
# hierarchies are remounted there so that their root is the caller's own
# cgroup: the suite's absolute cgroupsPath ("/cgrouptest") then lands
# beneath the caller's cgroup instead of at the top of the host
# hierarchy.  Root mount propagation is left unchanged so that mount
# behaviour matches a plain run; only /sys/fs/cgroup is made private.
if [ -z "${CONFORMANCE_IN_NS:-}" ] && { [ $cgroupns = 1 ] || [ $hide_cgroup2 = 1 ]; }; then
	nsflags=--mount
	[ $cgroupns = 1 ] && nsflags="$nsflags --cgroup"
	# shellcheck disable=SC2086,SC2046 # the flag lists are split on purpose
	CONFORMANCE_IN_NS=1 RUNTIME_TOOLS_DIR=$suite RUNTIME=$runtime \
		exec unshare $nsflags --propagation unchanged \
		"$0" -t "$timeout_s" ${logdir:+-o "$logdir"} \
		$(for f in $global_flags; do printf -- '-g %s ' "$f"; done) \
		$([ $hide_cgroup2 = 1 ] && echo --hide-cgroup2) \
		$([ $cgroupns = 0 ] && echo --no-cgroupns) -- "$suite" "$@"
fi

if [ -n "${CONFORMANCE_IN_NS:-}" ]; then
	mount --make-rprivate /sys/fs/cgroup || die "cannot make /sys/fs/cgroup private"
	findmnt -rn -t cgroup,cgroup2 -o TARGET,FSTYPE,FS-OPTIONS |
		while read -r target fstype opts; do
			if [ $hide_cgroup2 = 1 ] && [ "$fstype" = cgroup2 ]; then
				umount "$target" || die "cannot unmount $target"
				continue
			fi
			[ $cgroupns = 1 ] || continue
			opts=$(echo "$opts" | tr , '\n' | grep -v '^r[ow]$' | paste -sd, -)
			umount "$target" &&
				mount -t "$fstype" -o "${opts:-defaults}" cgroup "$target" ||
				die "cannot remount $target inside the cgroup namespace"
		done || exit 2
fi

for name in "$@"; do
	case "$name" in -*) die "options go before SUITE_DIR and test names" ;; esac
done
if [ $# -gt 0 ]; then
	tests="$*"
else
	tests=$(cd "$suite/validation" && for t in */*.t; do dirname "$t"; done)
fi
[ -n "$tests" ] || missing_suite "no validation/*/*.t executables in $suite"

# Containers left behind live in a per-test state directory; remove them
# with the runtime itself, then drop any mount left beneath the test dir.
cleanup_test() {
	dir=$1
	if [ -d "$dir/state" ]; then
		# shellcheck disable=SC2086 # the global flags are split on purpose
		for id in $("$runtime" --root "$dir/state" $global_flags list -q 2>/dev/null); do
			"$runtime" --root "$dir/state" $global_flags kill "$id" KILL >/dev/null 2>&1
			"$runtime" --root "$dir/state" $global_flags delete -f "$id" >/dev/null 2>&1
		done
	fi
	findmnt -rn -o TARGET | grep "^$dir/" | sort -r |
		while read -r m; do umount -l "$m" 2>/dev/null; done
	# The suite's cgroups are named cgrouptest and testdir, and runtimes
	# remove only the leaf they created.  rmdir only removes empty
	# cgroups, so live cgroups of others are untouched.
	own_cgroup_dirs | while read -r h; do
		for c in "$h/cgrouptest" "$h/testdir"; do
			[ -d "$c" ] || continue
			find "$c" -depth -type d -exec rmdir {} \; 2>/dev/null
		done
	done
	rm -rf --one-file-system "$dir"
}

# Our own cgroup in every mounted hierarchy, where relative cgroupsPath
# values (and, inside the cgroup namespace, absolute ones) end up.  The
# hierarchy roots are listed too: some runtimes (crun on cgroup v1) resolve
# a relative cgroupsPath from the root.
own_cgroup_dirs() {
	findmnt -rn -t cgroup,cgroup2 -o TARGET,FSTYPE,FS-OPTIONS |
		while read -r target fstype opts; do
			key=
			[ "$fstype" = cgroup2 ] ||
				key=$(echo "$opts" | tr , '\n' |
					grep -v -e '^r[ow]$' -e '^release_agent=' -e '^xattr$' -e '^noprefix$' -e '^clone_children$' |
					paste -sd, -)
			path=$(awk -F: -v k="$key" '$2 == k { print $3; exit }' /proc/self/cgroup)
			echo "$target"
			[ -z "${path%/}" ] || echo "$target${path%/}"
		done
}

# First "not ok" line of a TAP stream, or the last stderr line when the
# test died before reporting.
# When the runtime itself failed, its own error line (runc/crun print
# msg="..." or "Error: ...") says more than Go's "exit status 1".
runtime_error() {
	grep -v -e '^[[:space:]]*$' -e '^exit status [0-9]*$' -e '^Refer to: ' "$1" | tail -n 1 |
		sed 's/.*msg="\(.*\)"$/\1/; s/\\"/"/g'
}

# First "not ok" line of a TAP stream, or the runtime's error when the
# test died before reporting.
first_failure() {
	msg=$(grep -m1 '^not ok' "$1" | sed 's/^not ok [0-9]* *-* *//')
	err=$(runtime_error "$2")
	case "$msg" in
	"") msg=$err ;;
	*"exit status"*) [ -z "$err" ] || msg="$msg: $err" ;;
	esac
	[ -n "$msg" ] || msg="exit status $3"
	echo "$msg" | cut -c1-200
}

total=0
passed=0
empty=0
for name in $tests; do
	name=$(basename -- "$name" .t)
	exe="$suite/validation/$name/$name.t"
	total=$((total + 1))
	if [ ! -x "$exe" ]; then
		echo "FAIL $name (not built: $exe)"
		continue
	fi

	dir=$(mktemp -d /tmp/conformance.XXXXXX) || die "mktemp failed"
	mkdir "$dir/cwd" "$dir/tmp" "$dir/state"
	# Like /tmp itself: a container in a user namespace must still be
	# able to reach its bundle beneath these directories.
	chmod 755 "$dir" "$dir/cwd"
	chmod 1777 "$dir/tmp"
	# The suite copies ./runtimetest into each bundle (a symlink would be
	# copied as a dangling link) and untars ./rootfs-ARCH.tar.gz.
	cp "$suite/runtimetest" "$dir/cwd/runtimetest"
	ln -s "$rootfs" "$dir/cwd/$(basename "$rootfs")"
	cat >"$dir/runtime" <<EOF
#!/bin/sh
exec "$runtime" --root "$dir/state"$global_flags "\$@"
EOF
	chmod 755 "$dir/runtime"

	(cd "$dir/cwd" && RUNTIME="$dir/runtime" TMPDIR="$dir/tmp" \
		timeout -k 5 "$timeout_s" "$exe" </dev/null \
		>"$dir/out.tap" 2>"$dir/err.txt")
	rc=$?

	# Some tests print several TAP streams (one per container they run):
	# their plans add up.
	plan=$(sed -n 's/^1\.\.\([0-9][0-9]*\).*/\1/p' "$dir/out.tap" |
		awk '{ s += $1; n++ } END { if (n) print s }')
	ok=$(grep -c '^ok' "$dir/out.tap")
	notok=$(grep -c '^not ok' "$dir/out.tap")
	n=${plan:-$((ok + notok))}
	if [ $rc = 124 ] || [ $rc = 137 ]; then
		echo "TIMEOUT $name (after ${timeout_s}s, $ok ok so far)"
	elif [ $rc = 0 ] && [ "$plan" = 0 ] && [ $((ok + notok)) = 0 ]; then
		# A plan of 1..0 and no failure: the suite counts this as a pass,
		# and so do we, but it is reported apart since nothing was checked.
		echo "PASS $name (plan 1..0: the test checks nothing)"
		passed=$((passed + 1))
		empty=$((empty + 1))
	elif [ $rc = 0 ] && [ -n "$plan" ] && [ "$ok" = "$plan" ] && [ "$notok" = 0 ]; then
		echo "PASS $name"
		passed=$((passed + 1))
	elif [ $rc = 0 ] && [ -z "$plan" ] && [ $((ok + notok)) = 0 ] &&
		[ "${name%_fail}" != "$name" ]; then
		# The *_fail tests print nothing and exit 0 when the runtime
		# rejected the bad config as it must; any other test that prints
		# nothing has checked nothing.
		echo "PASS $name (runtime rejected the config as required)"
		passed=$((passed + 1))
	elif [ "$notok" = 0 ] && [ -n "$plan" ] && [ "$ok" = "$plan" ] && [ "$plan" != 0 ]; then
		# Every check passed but the test then failed on its own, e.g.
		# the runtime accepted a config it had to reject.
		echo "FAIL $name (exit status $rc after $ok of $plan ok: $(runtime_error "$dir/err.txt" | cut -c1-200))"
	else
		failed=$notok
		[ "$n" -gt $((ok + notok)) ] && failed=$((n - ok))
		[ "$failed" -gt 0 ] || { failed=1; [ "$n" -gt 0 ] || n=1; }
		echo "FAIL $name ($failed of $n failed: $(first_failure "$dir/out.tap" "$dir/err.txt" $rc))"
	fi

	if [ -n "$logdir" ]; then
		cp "$dir/out.tap" "$logdir/$name.tap"
		cp "$dir/err.txt" "$logdir/$name.err"
	fi
	cleanup_test "$dir"
done

echo "conformance: $passed of $total test files pass ($empty of them with a 1..0 plan)"
