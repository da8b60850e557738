#!/usr/bin/env bats
# Known container escapes, one test per attack.  Each test mounts the
# attack and shows that it fails.

load helpers

setup() { setup_common; }
teardown() { teardown_common; }

# fd_report: a script listing the fds of the container's shell.  `ls` runs
# in a child, so the listing is the shell's own set (a glob or a command
# substitution would add the shell's own directory or pipe fds).
fd_report='ls -l /proc/$$/fd; true'

# listed_fds: the fd numbers (and targets) that fd_report printed.
listed_fds() {
	awk '$(NF-1) == "->" { print $(NF-2) }' <<<"$output" | sort -n | tr '\n' ' '
}

# --- (a) CVE-2024-21626: file descriptors leaking into the container -------

@test "fds of the caller do not reach the container (CVE-2024-21626)" {
	# fd 7: the host's root directory, fd 8: a host file, fd 9: a host
	# directory outside the rootfs.  Any of them leaked would give the
	# container a handle on the host filesystem.
	set_args sh -c "$fd_report"
	run rt run --bundle "$BUNDLE" "$CID" 7</ 8</etc/hostname 9<"$TEST_TMP"
	[ "$status" -eq 0 ]
	echo "$output"
	[ "$(listed_fds)" = "0 1 2 " ]
	# Nothing in the container points at the host's files.
	[[ $output != *"/etc/hostname"* ]]
	[[ $output != *"$TEST_TMP"* ]]
}

@test "--preserve-fds passes exactly the fds asked for" {
	echo preserved >"$TEST_TMP/f3"
	set_args sh -c "$fd_report; cat <&3"
	run timeout "$RT_TIMEOUT" "$RUNTIME" --root "$ROOT" run --preserve-fds 1 \
		--bundle "$BUNDLE" "$CID" 3<"$TEST_TMP/f3" 4</ 7</etc/hostname
	[ "$status" -eq 0 ]
	echo "$output"
	[ "$(listed_fds)" = "0 1 2 3 " ]
	[ "${lines[-1]}" = preserved ]
}

@test "LISTEN_FDS adds socket-activation fds before the preserved ones" {
	echo listen >"$TEST_TMP/f3"
	echo extra >"$TEST_TMP/f4"
	set_args sh -c "$fd_report; cat <&3; cat <&4; echo \$LISTEN_FDS \$LISTEN_PID"
	# LISTEN_PID must name the runtime process itself: exec keeps the pid.
	run timeout "$RT_TIMEOUT" bash -c 'LISTEN_PID=$$ LISTEN_FDS=1 exec "$@"' _ \
		"$RUNTIME" --root "$ROOT" run --preserve-fds 1 --bundle "$BUNDLE" "$CID" \
		3<"$TEST_TMP/f3" 4<"$TEST_TMP/f4" 5</
	[ "$status" -eq 0 ]
	echo "$output"
	[ "$(listed_fds)" = "0 1 2 3 4 " ]
	[ "${lines[-3]}" = listen ]
	[ "${lines[-2]}" = extra ]
	[ "${lines[-1]}" = "1 1" ]
}

@test "a cwd through /proc/self/fd cannot reach a runtime fd (CVE-2024-21626)" {
	# The attack: process.cwd = /proc/self/fd/N, where N is a directory fd
	# the runtime holds open while it sets the process up (runc leaked one
	# on /sys/fs/cgroup).  The process then starts with a working directory
	# outside its root and walks up to the host's /.  The runtime must
	# refuse the cwd, or the cwd must be inside the container.
	local fd escaped=0
	for fd in $(seq 3 15); do
		update_config --arg c "/proc/self/fd/$fd" '.process.cwd = $c'
		# Walk up from the cwd: inside the container, .. stops at its /.
		set_args sh -c 'cd ../../../../../../../../..;
			if [ "$(stat -c %d:%i .)" = "$(stat -c %d:%i /)" ]; then echo INSIDE; else echo ESCAPED; ls; fi'
		run rt run --bundle "$BUNDLE" "$CID-$fd" 7</ 8<"$TEST_TMP"
		if [ "$status" -eq 0 ] && [[ $output != *INSIDE* ]]; then
			echo "cwd /proc/self/fd/$fd escaped: $output" >&2
			escaped=1
		fi
	done
	[ "$escaped" -eq 0 ]
}

@test "the container's cwd and root are its own" {
	touch "$BUNDLE/rootfs/.inside-marker"
	mkdir -p "$BUNDLE/rootfs/work"
	update_config '.process.cwd = "/work"'
	set_args sh -c 'readlink /proc/self/cwd; readlink /proc/self/root; ls -a / | grep -c inside-marker;
		test -e "$0" && echo HOST-VISIBLE; true' "$TEST_TMP"
	run rt run --bundle "$BUNDLE" "$CID"
	[ "$status" -eq 0 ]
	[ "${lines[0]}" = /work ]
	[ "${lines[1]}" = / ]
	[ "${lines[2]}" = 1 ]
	[[ $output != *HOST-VISIBLE* ]]
}

# --- (b) CVE-2019-5736: overwriting the runtime binary from inside ------

# The attack: while a container is being set up, its first process is the
# runtime itself (the runtime binary, running inside the container's
# namespaces).  A process already in that pid namespace opens
# /proc/<that pid>/exe, keeps the fd, and once the runtime has stopped
# running (so the kernel no longer refuses writes with ETXTBSY) reopens it
# for writing through /proc/self/fd/N and overwrites the host's runtime.
# It also tries writing straight to /proc/<pid>/exe, and catches the
# runtime re-executed through a `#!/proc/self/exe` script.
#
# Setup: container A (the attacker) runs a script; container B joins A's
# pid namespace, so B's init, created but not started, is visible to A.
# The test drives the phases with files in a shared directory, so nothing
# depends on timing except the best-effort shebang phase.  It runs a copy
# of the runtime: a successful attack damages only the copy.  The proof is
# that the copy's checksum is unchanged and the attacker never wrote,
# while the log shows it did see the runtime's process.
write_attack_script() {
	cat >"$BUNDLE/rootfs/attack.sh" <<-'EOF'
		#!/bin/sh
		S=/shared
		log() { echo "$*" >> $S/log; }
		wait_for() { i=0; while [ ! -e $S/$1 ] && [ $i -lt 300 ]; do sleep 0.05; i=$((i+1)); done; }
		n=5
		grab() {
			for p in /proc/[0-9]*; do
				pid=${p#/proc/}
				case " $seen " in *" $pid "*) continue;; esac
				exe=$(readlink $p/exe 2>/dev/null)
				case "$exe" in /bin/busybox) continue;; esac
				[ -e $p/exe ] || [ -n "$exe" ] || [ -d $p ] || continue
				seen="$seen $pid"
				log "candidate $pid exe=$exe"
				if ( echo x >> $p/exe ) 2>>$S/log; then log "WROTE direct $pid"; fi
				# A failed `exec` redirection ends the shell (the process
				# may be gone by then): `command` keeps it going.
				if [ $n -le 9 ] && ( exec 3< $p/exe ) 2>>$S/log &&
					eval "command exec $n< $p/exe" 2>>$S/log; then
					log "held fd $n on $pid"
					n=$((n+1))
				fi
				# Each file the process maps (its binary), by the
				# name the kernel keeps for the mapping: opened for
				# writing, never written (a dynamic runtime maps the
				# host's libraries).
				for m in $p/map_files/*; do
					[ -e "$m" ] || continue
					if ( : >> $m ) 2>>$S/log; then log "WROTE (opened) map_files $m"; fi
				done
			done
		}
		seen=" 1 $$ "
		echo > $S/ready
		wait_for created
		grab
		echo > $S/grabbed
		# The started process may re-exec the runtime (shebang): keep looking
		# until the host says it is over.
		while [ ! -e $S/stopped ]; do grab; done
		wait_for stopped
		for fd in 5 6 7 8 9; do
			[ -e /proc/$$/fd/$fd ] || continue
			log "fd $fd -> $(readlink /proc/$$/fd/$fd)"
			# With CAP_SYS_ADMIN: make the file's mount writable first.
			mount -o remount,rw /proc/$$/fd/$fd 2>>$S/log && log "remounted fd $fd"
			if ( echo x >> /proc/$$/fd/$fd ) 2>>$S/log; then log "WROTE through fd $fd"; fi
		done
		echo > $S/done
		sleep 1000
	EOF
	chmod 755 "$BUNDLE/rootfs/attack.sh"
	printf '#!/proc/self/exe\n' >"$BUNDLE/rootfs/evil"
	chmod 755 "$BUNDLE/rootfs/evil"
}

run_overwrite_attack() {
	local extra_caps=$1 copy shared sum_before
	copy=$TEST_TMP/runtime-copy
	cp "$RUNTIME" "$copy"
	chmod 755 "$copy"
	sum_before=$(sha256sum <"$copy")
	local RUNTIME=$copy
	shared=$TEST_TMP/shared
	mkdir "$shared"
	write_attack_script

	update_config --argjson c "$extra_caps" --arg s "$shared" '
		.process.capabilities |= with_entries(
			if .key == "bounding" or .key == "effective" or .key == "permitted"
			then .value += $c else . end) |
		.root.readonly = false |
		.mounts += [{destination: "/shared", type: "bind", source: $s, options: ["rbind"]}]'
	cp "$BUNDLE/config.json" "$TEST_TMP/attacker.json"
	set_args /attack.sh
	rt create --bundle "$BUNDLE" "$CID-a" </dev/null >/dev/null
	rt start "$CID-a"
	wait_for_file "$shared/ready"
	apid=$(container_pid "$CID-a")

	# The victim: joins the attacker's pid namespace, runs the shebang.
	update_config --arg p "/proc/$apid/ns/pid" '
		.linux.namespaces |= map(if .type == "pid" then .path = $p else . end) |
		.process.args = ["/evil"]'
	rt create --bundle "$BUNDLE" "$CID-b" </dev/null >/dev/null 2>&1
	touch "$shared/created"
	wait_for_file "$shared/grabbed" || { cat "$shared/log"; false; }
	rt start "$CID-b" || true
	wait_for_status "$CID-b" stopped || true
	rt delete --force "$CID-b" || true
	# exec puts the runtime into A's namespaces too (best effort, as the
	# shebang: the attacker's loop may or may not catch it in time).
	for i in 1 2 3; do
		rt exec "$CID-a" /evil </dev/null >/dev/null 2>&1 || true
	done
	touch "$shared/stopped"
	wait_for_file "$shared/done" 100 || { cat "$shared/log"; false; }
	echo "attacker log:"
	cat "$shared/log"

	[ "$(sha256sum <"$copy")" = "$sum_before" ]
	refute grep -q WROTE "$shared/log"
	# Not vacuous: the attacker saw the runtime's process in its namespace.
	grep -q '^candidate ' "$shared/log"
}

@test "the runtime binary cannot be overwritten from inside (CVE-2019-5736)" {
	run_overwrite_attack '[]'
}

@test "nor by a container holding CAP_SYS_PTRACE (CVE-2019-5736)" {
	# CAP_SYS_PTRACE lifts the non-dumpable protection on /proc/PID/exe: the
	# runtime must not be reachable through its exe at all.
	run_overwrite_attack '["CAP_SYS_PTRACE"]'
}

@test "nor by one also holding CAP_SYS_ADMIN, through /proc/PID/map_files (CVE-2019-5736)" {
	# map_files opens the very files a process maps, for a holder of
	# CAP_SYS_ADMIN: the binary the runtime runs from must be no more
	# writable by that name than by its exe.
	if ldd "$RUNTIME" >/dev/null 2>&1; then
		skip "a dynamically linked runtime maps the host's shared libraries, writable through map_files to this container (the static build maps none)"
	fi
	run_overwrite_attack '["CAP_SYS_PTRACE", "CAP_SYS_ADMIN"]'
	# Not vacuous: it opened the mapped binary, and writing was refused.
	grep -Eq 'map_files/.*(Read-only file system|Operation not permitted)' "$TEST_TMP/shared/log"
}

# The runtime that a container can see runs from its binary seen through a
# private overlay with no writable layer: no host path, mounted nowhere,
# unwritable even for the host's root, and for good (an fd kept on it and
# reopened after the runtime is gone is refused the same).
@test "the runtime runs from a private read-only overlay of its binary (CVE-2019-5736)" {
	if is_runc; then
		skip "runc 1.1 runs from a detached read-only bind mount of its binary instead"
	fi
	local sum pid
	sum=$(sha256sum <"$RUNTIME")
	rt create --bundle "$BUNDLE" "$CID" </dev/null >/dev/null
	pid=$(container_pid "$CID")
	[ "$(readlink "/proc/$pid/exe")" = "/$(basename "$RUNTIME")" ]
	[ "$(stat -f -L -c %T "/proc/$pid/exe")" = overlayfs ]
	run sh -c "echo x >> /proc/$pid/exe"
	[ "$status" -ne 0 ]
	[[ $output == *"Read-only file system"* ]]
	exec 5<"/proc/$pid/exe"
	rt delete --force "$CID"
	run sh -c 'echo x >> /proc/self/fd/5' 5<&5
	exec 5<&-
	[ "$status" -ne 0 ]
	[[ $output == *"Read-only file system"* ]]
	# mounted in no namespace: neither the host's nor the container's
	refute grep -F "lowerdir=$(dirname "$RUNTIME")" /proc/self/mountinfo
	[ "$(sha256sum <"$RUNTIME")" = "$sum" ]
}

# Before Linux 6.8 (no statmount) the runtime finds whether the overlay it
# runs from is mounted anywhere by its mount id in /proc/self/mountinfo:
# its own overlay is still trusted, a mounted one still is not.
@test "without statmount, mountinfo tells the private overlay from a mounted one (CVE-2019-5736)" {
	if is_runc; then
		skip "runc 1.1 runs from a detached read-only bind mount of its binary instead"
	fi
	local t=$TEST_TMP pid
	enosys_create() {
		timeout --kill-after=5 "$RT_TIMEOUT" python3 "$INTEGRATION_DIR/enosys.py" 457 \
			"$1" --root "$ROOT" create --bundle "$BUNDLE" "$2" </dev/null >/dev/null 3>&-
	}
	enosys_create "$RUNTIME" "$CID"
	pid=$(container_pid "$CID")
	[ "$(readlink "/proc/$pid/exe")" = "/$(basename "$RUNTIME")" ]
	[ "$(stat -f -L -c %T "/proc/$pid/exe")" = overlayfs ]
	rt delete --force "$CID"

	mkdir "$t/lower" "$t/filler" "$t/merged"
	cp "$RUNTIME" "$t/lower/"
	mount -t overlay -o "ro,lowerdir=$t/lower:$t/filler" cubo-it "$t/merged"
	enosys_create "$t/merged/$(basename "$RUNTIME")" "$CID-m"
	pid=$(container_pid "$CID-m")
	[[ $(readlink "/proc/$pid/exe") == /memfd:* ]]
	rt delete --force "$CID-m"
	umount "$t/merged"
}

# exec_runs_sealed_copy: a runtime at $1 creates a container whose init
# (the runtime, until start) runs from a sealed memfd copy, not the file.
exec_runs_sealed_copy() {
	local RUNTIME=$1 pid
	if is_runc; then
		skip "runc 1.1 runs from a detached read-only bind mount of its binary instead"
	fi
	rt create --bundle "$BUNDLE" "$CID" </dev/null >/dev/null
	pid=$(container_pid "$CID")
	readlink "/proc/$pid/exe"
	[[ $(readlink "/proc/$pid/exe") == /memfd:* ]]
	run sh -c "echo x >> /proc/$pid/exe"
	[ "$status" -ne 0 ]
	rt delete --force "$CID"
}

@test "a runtime binary on a mounted read-only overlay runs from a sealed copy (CVE-2019-5736)" {
	# Read-only overlays the runtime did not make itself may have a
	# writable layer and be remounted writable later: the copy, not trust.
	local t=$TEST_TMP
	mkdir "$t/lower" "$t/filler" "$t/merged"
	cp "$RUNTIME" "$t/lower/"
	mount -t overlay -o "ro,lowerdir=$t/lower:$t/filler" cubo-it "$t/merged"
	exec_runs_sealed_copy "$t/merged/$(basename "$RUNTIME")"
	umount "$t/merged"
}

@test "a runtime binary where no overlay can be made runs from a sealed copy (CVE-2019-5736)" {
	# The kernel stacks overlays two deep at most: a binary on a writable
	# overlay of an overlay cannot be a layer of a third, and the runtime
	# falls back to the copy.
	local t=$TEST_TMP
	mkdir "$t/l1" "$t/f1" "$t/m1" "$t/up" "$t/work" "$t/m2"
	cp "$RUNTIME" "$t/l1/"
	mount -t overlay -o "ro,lowerdir=$t/l1:$t/f1" cubo-it "$t/m1"
	mount -t overlay -o "lowerdir=$t/m1,upperdir=$t/up,workdir=$t/work" cubo-it "$t/m2"
	exec_runs_sealed_copy "$t/m2/$(basename "$RUNTIME")"
	umount "$t/m2" "$t/m1"
}

# --- (c) CVE-2021-30465: mounting through a symlink in the rootfs -------

@test "a mount destination that is a symlink stays inside the rootfs (CVE-2021-30465)" {
	# The rootfs is the attacker's: it holds symlinks pointing at host
	# paths, absolute and relative.  A runtime that follows them on the
	# host mounts over the host's directories.  (The CVE itself swapped a
	# directory for such a symlink during setup; without a race, the same
	# resolution bug shows with a symlink present from the start.)
	local t=$TEST_TMP
	mkdir "$t/host-target" "$t/host-target2" "$t/bindsrc"
	echo untouched >"$t/host-target/marker"
	echo untouched >"$t/host-target2/marker"
	echo from-bind >"$t/bindsrc/file"
	ln -s "$t/host-target" "$BUNDLE/rootfs/evil"
	ln -s "../../../../../../../../..$t/host-target2" "$BUNDLE/rootfs/evil2"
	update_config --arg src "$t/bindsrc" '.root.readonly = false |
		.mounts += [
			{destination: "/evil", type: "tmpfs", source: "tmpfs"},
			{destination: "/evil2", type: "bind", source: $src, options: ["rbind"]}]'
	set_args sh -c 'echo pwned > /evil/pwned; cat /evil2/file; cat /proc/self/mountinfo; echo > /tmp/ready; sleep 1000'
	rt create --bundle "$BUNDLE" "$CID" </dev/null >"$t/out" 2>&1
	rt start "$CID"
	wait_for_file "$BUNDLE/rootfs/tmp/ready"

	# The host's directories: same content, not mounted over.
	[ "$(ls -A "$t/host-target")" = marker ]
	[ "$(ls -A "$t/host-target2")" = marker ]
	[ "$(cat "$t/host-target/marker")" = untouched ]
	refute grep -q " $t/host-target" /proc/self/mountinfo
	[ ! -e "$t/host-target/pwned" ]

	# Inside: the mounts landed where the links resolve within the rootfs.
	cat "$t/out"
	grep -q "^from-bind$" "$t/out"
	grep -Eq "^[0-9]+ [0-9]+ [0-9:]+ / $t/host-target .* - tmpfs " "$t/out"
	grep -Eq "^[0-9]+ [0-9]+ [0-9:]+ [^ ]+ $t/host-target2 " "$t/out"
	[ -e "$BUNDLE/rootfs/$t/host-target" ]
	# The symlinks themselves are still symlinks.
	[ -L "$BUNDLE/rootfs/evil" ]
	[ -L "$BUNDLE/rootfs/evil2" ]
}

@test "a bind source is taken from the host, a destination never leaves the rootfs" {
	# A destination with .. components must not climb out of the rootfs.
	mkdir "$TEST_TMP/bindsrc"
	echo inside >"$TEST_TMP/bindsrc/f"
	update_config --arg src "$TEST_TMP/bindsrc" '.root.readonly = false |
		.mounts += [{destination: "/../../../../../../../../tmp/cubo-climb", type: "bind",
			source: $src, options: ["rbind"]}]'
	run_container sh -c 'cat /tmp/cubo-climb/f'
	# Either refused, or mounted at /tmp/cubo-climb inside the container.
	if [ "$status" -eq 0 ]; then
		[ "$output" = inside ]
	fi
	refute grep -q " /tmp/cubo-climb " /proc/self/mountinfo
	[ ! -e /tmp/cubo-climb ]
}
