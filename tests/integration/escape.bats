#!/usr/bin/env bats
# The escape suite: every way a config, an image or a process in a
# container has been seen to reach the host through an OCI runtime, tried
# as an attacker would, each variant of a class (every fd number, every
# entry point: args[0], PATH, cwd, exec, mounts, /proc, the console).
# Each test shows the host untouched: a sentinel's hash, no new host
# directory, the mask in place, the process still waiting for `start`.
#
# The same file runs against runc (RUNTIME=/usr/sbin/runc): what it lets
# through is recorded in docs/security.md.  CVE-2019-5736 and
# CVE-2021-30465 are in security.bats; the image and Cubofile forms of
# these attacks, through cubo-mgr, are in mgr-escape.bats.

load helpers

setup() {
	setup_common
	# The host side: a directory outside the rootfs holding a static shell
	# and a file whose hash must never change.
	HOST=$TEST_TMP/host
	mkdir -p "$HOST"
	cp "$BUNDLE/rootfs/bin/busybox" "$HOST/sh"
	echo "host sentinel" >"$HOST/sentinel"
	host_sums=$(cd "$HOST" && sha256sum sh sentinel)
	NETNS=
}

teardown() {
	[ -z "$NETNS" ] || ip netns delete "$NETNS" 2>/dev/null || true
	teardown_common
}

host_untouched() {
	[ "$(cd "$HOST" && sha256sum sh sentinel)" = "$host_sums" ] || {
		echo "a host file changed" >&2
		return 1
	}
	[ "$(ls -A "$HOST" | tr '\n' ' ')" = "sentinel sh " ] || {
		echo "the host directory changed: $(ls -A "$HOST")" >&2
		return 1
	}
}

# The fd numbers a runtime may hold while it sets a process up.
FDS=$(seq 3 15)

# A path that walks out of the container through /proc/self/fd/N.
through_fd() {
	echo "/proc/self/fd/$1/../../../../../../../../../../../..$2"
}

# --- CVE-2024-21626 and its class: names through the runtime's fds ----------

@test "args[0] through /proc/self/fd/N cannot run a host binary (CVE-2024-21626 attack 2)" {
	local fd ran=0
	update_config '.root.readonly = false'
	for fd in $FDS; do
		# Run, it would print ESCAPED and append to the host binary through
		# /proc/self/exe, as the reported attack did.
		set_args "$(through_fd "$fd" "$HOST/sh")" -c \
			'echo ESCAPED; exec 5</proc/self/exe; echo PWNED >>/proc/self/fd/5'
		run rt run --bundle "$BUNDLE" "$CID-$fd" 7</ 8<"$TEST_TMP" 9<"$HOST"
		echo "fd $fd: $status $output"
		[[ $output != *ESCAPED* ]] || ran=1
		rt delete --force "$CID-$fd" >/dev/null 2>&1 || true
	done
	[ "$ran" -eq 0 ]
	host_untouched
}

@test "a PATH entry through /proc/self/fd/N cannot run a host binary" {
	local fd ran=0
	for fd in $FDS; do
		update_config --arg p "PATH=$(through_fd "$fd" "$HOST")" \
			'.process.env = [$p]'
		set_args sh -c 'echo ESCAPED'
		run rt run --bundle "$BUNDLE" "$CID-$fd" 7</ 9<"$HOST"
		echo "fd $fd: $status $output"
		[[ $output != *ESCAPED* ]] || ran=1
		rt delete --force "$CID-$fd" >/dev/null 2>&1 || true
	done
	[ "$ran" -eq 0 ]
	host_untouched
}

@test "a cwd through /proc/self/fd/N creates nothing on the host" {
	local fd
	for fd in $FDS; do
		# "/nx" is missing, so the runtime goes on to create the path
		rm -rf "$BUNDLE/rootfs/nx"
		update_config --arg c "/nx/..$(through_fd "$fd" "$TEST_TMP/made-$fd")" \
			'.root.readonly = false | .process.cwd = $c'
		set_args sh -c 'pwd; cd ../../../../../..; ls'
		run rt run --bundle "$BUNDLE" "$CID-$fd" 7</ 8<"$TEST_TMP"
		echo "fd $fd: $status $output"
		[ ! -e "$TEST_TMP/made-$fd" ]
		[[ $output != *host* ]]
		rt delete --force "$CID-$fd" >/dev/null 2>&1 || true
	done
	host_untouched
}

@test "exec: args[0] and --cwd through /proc/self/fd/N stay inside (CVE-2024-21626 exec)" {
	local fd out
	start_sleeper
	for fd in $FDS; do
		out=$(rt exec "$CID" "$(through_fd "$fd" "$HOST/sh")" -c 'echo ESCAPED' \
			7</ 9<"$HOST" 2>&1) || true
		[[ $out != *ESCAPED* ]]
		out=$(rt exec --cwd "/proc/self/fd/$fd" "$CID" sh -c \
			'cd ../../../../../../..; ls -a; [ -e "$0" ] && echo ESCAPED' "$HOST/sentinel" \
			7</ 9<"$HOST" 2>&1) || true
		echo "fd $fd: $out"
		[[ $out != *ESCAPED* ]]
		[[ $out != *sentinel* ]]
	done
	host_untouched
}

# rt_only_fd3 ARG...: the runtime with fd 3 passed and every other fd above 2
# closed, so whatever else the process gets is the runtime's own.
rt_only_fd3() {
	timeout --kill-after=5 "$RT_TIMEOUT" bash -c '
		for fd in $(ls /proc/$$/fd); do
			[ "$fd" -gt 3 ] && eval "exec $fd>&-"
		done
		exec "$@"' _ "$RUNTIME" --root "$ROOT" --log "$TEST_TMP/log" "$@" 3<"$TEST_TMP/f3"
}

listed_fds() {
	awk '$(NF-1) == "->" { print $(NF-2) }' <<<"$output" | sort -n | tr '\n' ' '
}

@test "--preserve-fds passes only the caller's fds, never the runtime's own" {
	# fd 3 is passed; 4..12 are free in the caller, so the runtime's own
	# files (state directory, cgroup files, the log) land there.
	echo passed >"$TEST_TMP/f3"
	set_args sh -c 'ls -l /proc/$$/fd; cat <&3'
	run rt_only_fd3 run --preserve-fds 10 --bundle "$BUNDLE" "$CID"
	echo "$output"
	[ "$status" -eq 0 ]
	[ "$(listed_fds)" = "0 1 2 3 " ]
	[ "${lines[-1]}" = passed ]
}

@test "exec --preserve-fds passes only the caller's fds, never the runtime's own" {
	echo passed >"$TEST_TMP/f3"
	start_sleeper
	run rt_only_fd3 exec --preserve-fds 10 "$CID" sh -c 'ls -l /proc/$$/fd; cat <&3'
	echo "$output"
	[ "$status" -eq 0 ]
	[ "$(listed_fds)" = "0 1 2 3 " ]
	[ "${lines[-1]}" = passed ]
}

# --- /proc the runtime must not trust (CVE-2019-16884, CVE-2023-27561,
#     CVE-2025-52881) ---------------------------------------------------------

@test "nothing but a procfs may be mounted on /proc (CVE-2019-16884)" {
	mkdir -p "$TEST_TMP/fakeproc/self/attr"
	echo fake >"$TEST_TMP/fakeproc/self/attr/exec"
	update_config --arg s "$TEST_TMP/fakeproc" \
		'.mounts += [{destination: "/proc", type: "bind", source: $s, options: ["rbind"]}]'
	rt_detached create --bundle "$BUNDLE" "$CID"
	assert_error_mentions "only a procfs may be mounted on /proc"
	assert_no_leftovers
}

@test "a symlink to /proc does not let a volume over it (CVE-2023-27561)" {
	mkdir -p "$TEST_TMP/fakeproc"
	ln -s /proc "$BUNDLE/rootfs/evil"
	update_config --arg s "$TEST_TMP/fakeproc" \
		'.mounts += [{destination: "/evil", type: "bind", source: $s, options: ["rbind"]}]'
	rt_detached create --bundle "$BUNDLE" "$CID"
	assert_error_mentions "only a procfs may be mounted on /proc"
	assert_no_leftovers
}

@test "nothing is mounted beneath /proc but the files lxcfs provides" {
	local dest
	for dest in /proc/self/attr /proc/sys /proc/sys/kernel /proc/1; do
		update_config --arg d "$dest" \
			'.mounts = [.mounts[] | select(.destination | startswith("/proc/") | not)] |
			 .mounts += [{destination: $d, type: "tmpfs", source: "tmpfs"}]'
		rt_detached create --bundle "$BUNDLE" "$CID"
		echo "$dest: $output"
		assert_error_mentions "is inside /proc"
		update_config '.mounts |= .[:-1]'
	done
	assert_no_leftovers
	# What lxcfs does is allowed.
	echo "fake cpuinfo" >"$TEST_TMP/cpuinfo"
	update_config --arg s "$TEST_TMP/cpuinfo" \
		'.mounts += [{destination: "/proc/cpuinfo", type: "bind", source: $s, options: ["bind", "ro"]}]'
	run_container cat /proc/cpuinfo
	[ "$status" -eq 0 ]
	[ "$output" = "fake cpuinfo" ]
}

@test "a fake /proc cannot start the process early or catch the runtime's writes (CVE-2025-52881)" {
	# No procfs in the config: /proc is the image's directory, laid out
	# as the runtime would find its own files, with FIFOs where it reopens
	# the exec fifo and plain files where it writes labels and sysctls.
	local p=$BUNDLE/rootfs/proc fd
	mkdir -p "$p/self/fd" "$p/thread-self/attr" "$p/self/attr" "$p/sys/net/ipv4" "$p/sys/kernel"
	for fd in $FDS; do mkfifo "$p/self/fd/$fd"; done
	echo 0 >"$p/sys/net/ipv4/ip_forward"
	echo 1 >"$p/sys/kernel/cap_last_cap"
	echo fake >"$p/self/attr/exec"
	update_config '.root.readonly = false |
		.mounts = [.mounts[] | select(.destination != "/proc")] |
		.linux.maskedPaths = [] | .linux.readonlyPaths = [] |
		.linux.sysctl = {"net.ipv4.ip_forward": "1"}'
	set_args sh -c 'touch /tmp/ran; grep CapBnd /proc/1/status 2>/dev/null; true'
	rt_detached create --bundle "$BUNDLE" "$CID"
	[ "$status" -eq 0 ]
	sleep 0.3
	# Still waiting for start: nothing opened one of the fake FIFOs.
	[ "$(container_status "$CID")" = created ]
	[ ! -e "$BUNDLE/rootfs/tmp/ran" ]
	rt start "$CID"
	wait_for_file "$BUNDLE/rootfs/tmp/ran"
	# The runtime's writes went to the kernel, not to the image's files.
	[ "$(cat "$p/sys/net/ipv4/ip_forward")" = 0 ]
	[ "$(cat "$p/self/attr/exec")" = fake ]
	for fd in $FDS; do [ -p "$p/self/fd/$fd" ]; done
}

@test "a fake cap_last_cap does not keep capabilities in the bounding set" {
	# With /proc a directory of the image, a runtime that asks
	# /proc/sys/kernel/cap_last_cap how far to drop would keep the rest.
	mkdir -p "$BUNDLE/rootfs/proc/sys/kernel"
	echo 1 >"$BUNDLE/rootfs/proc/sys/kernel/cap_last_cap"
	update_config '.mounts = [.mounts[] | select(.destination != "/proc")] |
		.linux.maskedPaths = [] | .linux.readonlyPaths = [] |
		.mounts += [{destination: "/hostproc", type: "proc", source: "proc"}]'
	mkdir -p "$BUNDLE/rootfs/hostproc"
	run_container sh -c 'grep CapBnd /hostproc/self/status'
	[ "$status" -eq 0 ]
	[ "$(awk '{print $2}' <<<"$output")" = "$(cap_mask CAP_AUDIT_WRITE CAP_KILL CAP_NET_BIND_SERVICE)" ]
}

@test "/proc and /sys are mounted only on ordinary directories" {
	local d
	for d in proc sys; do
		rm -rf "${BUNDLE:?}/rootfs/$d"
		mkdir -p "$TEST_TMP/elsewhere-$d"
		ln -s "$TEST_TMP/elsewhere-$d" "$BUNDLE/rootfs/$d"
		rt_detached create --bundle "$BUNDLE" "$CID"
		echo "$d: $output"
		assert_error_mentions "must be mounted on an ordinary directory"
		[ -z "$(ls -A "$TEST_TMP/elsewhere-$d")" ]
		refute grep -q " $TEST_TMP/elsewhere-$d " /proc/self/mountinfo
		rm "$BUNDLE/rootfs/$d"
		mkdir "$BUNDLE/rootfs/$d"
	done
	assert_no_leftovers
}

@test "--no-pivot: a user namespace in the container cannot mount an unmasked procfs" {
	mkdir -p "$BUNDLE/rootfs/tmp/p"
	# An ordinary user: unshare -r maps it to root in its own namespace.
	update_config '.root.readonly = false | .process.user = {uid: 1000, gid: 1000}'
	# Control: the container may make a user and mount namespace and mount
	# there, so a refused procfs is the kernel's visibility rule at work.
	set_args sh -c 'unshare -Urm sh -c "mount -t tmpfs t /tmp/p && echo TMPFS-OK";
		unshare -Urmpf sh -c "mount -t proc proc /tmp/p && echo PROC-MOUNTED"; true'
	run rt run --no-pivot --bundle "$BUNDLE" "$CID"
	echo "$output"
	[[ $output == *TMPFS-OK* ]]
	[[ $output != *PROC-MOUNTED* ]]
	run rt run --bundle "$BUNDLE" "$CID-pivot"
	echo "$output"
	[[ $output == *TMPFS-OK* ]]
	[[ $output != *PROC-MOUNTED* ]]
}

# --- masks and the console (CVE-2025-31133, CVE-2025-52565) -----------------

@test "a /dev/null symlink does not turn a mask into a host file (CVE-2025-31133)" {
	# No /dev tmpfs: the image's /dev is used, with /dev/null a link to a
	# kernel setting the mask would then expose read-write. The attack
	# used core_pattern; the test uses a setting of the container's own
	# UTS namespace, so a runtime that falls for it harms nothing.
	update_config '.root.readonly = false |
		.mounts = [.mounts[] | select(.destination != "/dev")] |
		.linux.maskedPaths = ["/proc/timer_list"]'
	mkdir -p "$BUNDLE/rootfs/dev/pts" "$BUNDLE/rootfs/dev/shm" "$BUNDLE/rootfs/dev/mqueue"
	ln -sf /proc/sys/kernel/domainname "$BUNDLE/rootfs/dev/null"
	set_args sh -c 'stat -c "%t:%T" /proc/timer_list'
	run rt run --bundle "$BUNDLE" "$CID"
	echo "$output"
	if [ "$status" -eq 0 ]; then
		[ "$output" = "1:3" ]
	else
		assert_error_mentions "null"
	fi
}

@test "/dev/console is the pty, and a /dev/console symlink is refused (CVE-2025-52565)" {
	update_config '.process.terminal = true'
	set_args sh -c 'stat -c "%i %t:%T" /dev/console; stat -L -c "%i %t:%T" /proc/self/fd/0'
	local sock=$TEST_TMP/console.sock
	python3 "$INTEGRATION_DIR/console-receiver.py" "$sock" "$TEST_TMP/console.out" \
		--timeout 20 3>&- &
	local receiver=$!
	wait_for_file "$sock"
	rt create --console-socket "$sock" --bundle "$BUNDLE" "$CID" </dev/null >/dev/null
	wait_for_file "$TEST_TMP/console.out.ready"
	rt start "$CID"
	wait "$receiver"
	cat "$TEST_TMP/console.out"
	mapfile -t con < <(tr -d '\r' <"$TEST_TMP/console.out")
	[ "${#con[@]}" -ge 2 ]
	[ "${con[0]}" = "${con[1]}" ]
	# the first pty of the container's own devpts
	[[ ${con[0]} == *":0" ]]
	rt delete --force "$CID"

	# The image's own /dev (no tmpfs over it), with a link to a host file.
	echo "host console" >"$HOST/console"
	update_config '.mounts = [.mounts[] | select(.destination != "/dev")]'
	mkdir -p "$BUNDLE/rootfs/dev/pts" "$BUNDLE/rootfs/dev/shm" "$BUNDLE/rootfs/dev/mqueue"
	ln -s "$HOST/console" "$BUNDLE/rootfs/dev/console"
	python3 "$INTEGRATION_DIR/console-receiver.py" "$sock.2" "$TEST_TMP/console2.out" \
		--timeout 20 3>&- &
	receiver=$!
	wait_for_file "$sock.2"
	rt_detached create --console-socket "$sock.2" --bundle "$BUNDLE" "$CID-2"
	assert_error_mentions "/dev/console in the container is a symlink"
	[ "$(cat "$HOST/console")" = "host console" ]
	refute grep -q " $HOST/console " /proc/self/mountinfo
	kill "$receiver" 2>/dev/null || true
}

@test "a process exec'd into a created container cannot reach its init" {
	set_args true
	rt create --bundle "$BUNDLE" "$CID" </dev/null >/dev/null 2>&1
	[ "$(container_status "$CID")" = created ]
	run rt exec "$CID" sh -c 'readlink /proc/1/exe || echo DENIED; ls /proc/1/fd >/dev/null 2>&1; readlink /proc/1/fd/* 2>&1 | grep -v denied; true'
	echo "$output"
	[[ $output == *DENIED* ]]
	[[ $output != *"$ROOT"* ]]
	[[ $output != *cgroup* ]]
}

# --- hooks -------------------------------------------------------------------

@test "prestart and createRuntime hooks run in the runtime's namespaces, whatever the config joins" {
	NETNS=cubo-esc-$$-${BATS_TEST_NUMBER}
	ip netns add "$NETNS"
	start_sleeper "$CID-owner"
	local owner
	owner=$(container_pid "$CID-owner")
	local hook='readlink /proc/self/ns/net /proc/self/ns/pid /proc/self/ns/uts > "$0.$1"'
	update_config --arg n "/run/netns/$NETNS" --arg p "/proc/$owner/ns/pid" \
		--arg u "/proc/$owner/ns/uts" --arg h "$hook" --arg o "$TEST_TMP/hook" '
		.linux.namespaces |= map(
			if .type == "network" then .path = $n
			elif .type == "pid" then .path = $p
			elif .type == "uts" then .path = $u else . end) |
		.hooks = {
			prestart: [{path: "/bin/sh", args: ["sh", "-c", $h, $o, "prestart"]}],
			createRuntime: [{path: "/bin/sh", args: ["sh", "-c", $h, $o, "createRuntime"]}]}'
	set_args true
	rt create --bundle "$BUNDLE" "$CID" </dev/null >/dev/null
	readlink /proc/self/ns/net /proc/self/ns/pid /proc/self/ns/uts >"$TEST_TMP/host-ns"
	cat "$TEST_TMP/hook.prestart" "$TEST_TMP/host-ns"
	diff "$TEST_TMP/hook.prestart" "$TEST_TMP/host-ns"
	diff "$TEST_TMP/hook.createRuntime" "$TEST_TMP/host-ns"
}

@test "startContainer hooks run under the container's seccomp filter" {
	update_config '.root.readonly = false |
		.linux.seccomp = {defaultAction: "SCMP_ACT_ALLOW",
			syscalls: [{names: ["mkdir", "mkdirat"], action: "SCMP_ACT_ERRNO"}]} |
		.hooks = {startContainer: [{path: "/bin/mkdir", args: ["mkdir", "/hookdir"]}]}'
	set_args touch /ran
	rt create --bundle "$BUNDLE" "$CID" </dev/null >/dev/null 2>&1
	rt start "$CID" || true
	wait_for_status "$CID" stopped || true
	[ ! -e "$BUNDLE/rootfs/hookdir" ]
	[ ! -e "$BUNDLE/rootfs/ran" ]
	rt delete --force "$CID"
	# Control: without the filter the same hook makes its directory.
	update_config 'del(.linux.seccomp)'
	rt create --bundle "$BUNDLE" "$CID-2" </dev/null >/dev/null 2>&1
	rt start "$CID-2"
	wait_for_status "$CID-2" stopped
	[ -d "$BUNDLE/rootfs/hookdir" ]
}
