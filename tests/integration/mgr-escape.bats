#!/usr/bin/env bats
# The escape suite's attacks as an image and a Cubofile carry them, through
# cubo-mgr (escape.bats tries them from a config): an ENTRYPOINT, a PATH, a
# WorkingDir or a RUN step that walks out through /proc/self/fd/N, a
# VOLUME over /proc, a /proc or /sys that is a symlink. Each shows the host
# untouched.

load helpers
load mgr-helpers

setup_file() {
	ESC_DIR=$(mktemp -d "${TMPDIR:-/tmp}/cubo-mgr-escape.XXXXXX")
	export ESC_DIR
	busybox_tar "$ESC_DIR"
}

teardown_file() {
	[ -n "${ESC_DIR:-}" ] && rm -rf --one-file-system "$ESC_DIR"
}

setup() {
	[ "$(id -u)" = 0 ] || skip "needs root"
	R=$BATS_TEST_TMPDIR/root
	C=$BATS_TEST_TMPDIR/ctx
	mkdir -p "$C"
	export CUBO_RUNTIME=$RUNTIME
	mgr import "$ESC_DIR/busybox.tar" busybox:latest >/dev/null
	HOST=$BATS_TEST_TMPDIR/host
	mkdir -p "$HOST"
	cp "$ESC_DIR/bundle/rootfs/bin/busybox" "$HOST/sh"
	echo "host sentinel" >"$HOST/sentinel"
	host_sums=$(cd "$HOST" && sha256sum sh sentinel)
}

teardown() {
	[ -n "${R:-}" ] && [ -d "$R" ] || return 0
	kill_root_leftovers
	local d
	for d in $(find /sys/fs/cgroup -maxdepth 8 -type d -name 'cubo-cubo-build-*' 2>/dev/null); do
		xargs -r kill -9 <"$d/cgroup.procs" 2>/dev/null || true
	done
	remove_root
}

host_untouched() {
	[ "$(cd "$HOST" && sha256sum sh sentinel)" = "$host_sums" ]
	[ "$(ls -A "$HOST" | tr '\n' ' ')" = "sentinel sh " ]
}

through_fd() {
	echo "/proc/self/fd/$1/../../../../../../../../../../../..$2"
}

# build TAG LINES...: an image from busybox with these Cubofile lines.
build() {
	local tag=$1
	shift
	printf '%s\n' "FROM busybox" "$@" >"$C/Cubofile"
	mgr build -q -t "$tag" "$C" >/dev/null
}

FDS=$(seq 3 12)

@test "an image's ENTRYPOINT through /proc/self/fd/N cannot run a host binary" {
	local fd
	for fd in $FDS; do
		build "ep$fd" "ENTRYPOINT [\"$(through_fd "$fd" "$HOST/sh")\", \"-c\", \"echo ESC''APED\"]"
		# not found inside the container: 127, as docker says it
		run -127 mgr run --rm -i --network none "ep$fd" </dev/null
		echo "fd $fd: $status $output"
		[[ $output != *ESCAPED* ]]
	done
	host_untouched
}

@test "an image's PATH through /proc/self/fd/N cannot run a host binary" {
	local fd
	for fd in $FDS; do
		build "path$fd" "ENV PATH=$(through_fd "$fd" "$HOST")" "CMD [\"sh\", \"-c\", \"echo ESC''APED\"]"
		# not found: 127, as docker says it
		run -127 mgr run --rm -i --network none "path$fd" </dev/null
		echo "fd $fd: $status $output"
		[[ $output != *ESCAPED* ]]
	done
	host_untouched
}

@test "an image's WORKDIR and run -w through /proc/self/fd/N create nothing on the host" {
	local fd
	for fd in $FDS; do
		build "wd$fd" "WORKDIR /nx/..$(through_fd "$fd" "$BATS_TEST_TMPDIR/made-$fd")"
		run mgr run --rm -i --network none "wd$fd" pwd </dev/null
		echo "fd $fd: $status $output"
		run mgr run --rm -i --network none -w "/nx/..$(through_fd "$fd" "$BATS_TEST_TMPDIR/w-$fd")" \
			busybox pwd </dev/null
		echo "fd $fd -w: $status $output"
		[ ! -e "$BATS_TEST_TMPDIR/made-$fd" ]
		[ ! -e "$BATS_TEST_TMPDIR/w-$fd" ]
	done
	host_untouched
}

@test "a Cubofile RUN and WORKDIR through /proc/self/fd/N stay inside the build" {
	local fd
	for fd in $FDS; do
		printf '%s\n' "FROM busybox" \
			"RUN [\"$(through_fd "$fd" "$HOST/sh")\", \"-c\", \"echo ESC''APED\"]" >"$C/Cubofile"
		run mgr build --network none -t "run$fd" "$C"
		echo "fd $fd: $status $output"
		[[ $output != *ESCAPED* ]]
		[ "$status" -ne 0 ]
		printf '%s\n' "FROM busybox" \
			"WORKDIR /nx/..$(through_fd "$fd" "$BATS_TEST_TMPDIR/built-$fd")" "RUN pwd" >"$C/Cubofile"
		run mgr build --network none -t "wdrun$fd" "$C"
		echo "fd $fd: $status $output"
		[ ! -e "$BATS_TEST_TMPDIR/built-$fd" ]
	done
	host_untouched
}

@test "an image's VOLUME /proc is refused, not mounted over the kernel's files" {
	build volproc "VOLUME /proc"
	run mgr run --rm -i --network none volproc cat /proc/self/attr/current </dev/null
	echo "$output"
	[ "$status" -ne 0 ]
	[[ $output == *"/proc"* ]]
}

@test "an image whose /proc or /sys is a symlink does not get procfs or sysfs elsewhere" {
	local d
	for d in proc sys; do
		rm -rf "$C/root"
		mkdir -p "$C/root"
		tar -C "$C/root" -xf "$ESC_DIR/busybox.tar"
		rm -rf "${C:?}/root/$d"
		ln -s /tmp "$C/root/$d"
		tar -C "$C/root" -cf "$C/img.tar" .
		mgr import "$C/img.tar" "link$d:latest" >/dev/null
		run mgr run --rm -i --network none "link$d" ls /tmp </dev/null
		echo "$d: $status $output"
		[ "$status" -ne 0 ]
		[[ $output == *"ordinary directory"* ]]
	done
}
