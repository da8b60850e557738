#!/usr/bin/env bats
# linux.seccomp: the profile is compiled at create and loaded last, with or
# without noNewPrivileges.

load helpers

setup() {
	setup_common
}

teardown() {
	teardown_common
}

# deny_mkdir ERRNO_RET: allow everything but mkdir/mkdirat, which fail with ERRNO_RET.
deny_mkdir() {
	update_config --argjson e "$1" '.linux.seccomp = {defaultAction: "SCMP_ACT_ALLOW",
		architectures: ["SCMP_ARCH_X86_64", "SCMP_ARCH_X86", "SCMP_ARCH_AARCH64"],
		syscalls: [{names: ["mkdir", "mkdirat"], action: "SCMP_ACT_ERRNO", errnoRet: $e}]}'
}

@test "seccomp: a denied syscall fails with EPERM by default" {
	update_config '.linux.seccomp = {defaultAction: "SCMP_ACT_ALLOW",
		syscalls: [{names: ["mkdir", "mkdirat"], action: "SCMP_ACT_ERRNO"}]}'
	run_container sh -c 'mkdir /dev/shm/x 2>&1; echo rc=$?; touch /dev/shm/y && echo touched'
	[ "$status" -eq 0 ]
	[[ "$output" == *"Operation not permitted"* ]]
	[[ "$output" == *"rc=1"* ]]
	[[ "$output" == *touched* ]]
}

@test "seccomp: errnoRet is the errno, with and without noNewPrivileges" {
	deny_mkdir 38
	update_config '.process.noNewPrivileges = true'
	run_container sh -c 'mkdir /tmp/x'
	[ "$status" -ne 0 ]
	[[ "$output" == *"Function not implemented"* ]]
	update_config '.process.noNewPrivileges = false'
	run_container sh -c 'mkdir /tmp/x'
	[ "$status" -ne 0 ]
	[[ "$output" == *"Function not implemented"* ]]
	# the process itself did not get no_new_privs from the filter
	run_container sh -c 'grep NoNewPrivs /proc/self/status'
	[[ "$output" == *"NoNewPrivs:"*0* ]]
}

@test "seccomp: SCMP_ACT_KILL_PROCESS ends the process with SIGSYS" {
	update_config '.linux.seccomp = {defaultAction: "SCMP_ACT_ALLOW",
		syscalls: [{names: ["getppid"], action: "SCMP_ACT_KILL_PROCESS"}]}'
	# busybox sh's `echo $PPID` calls getppid at start-up
	run_container sh -c 'echo $PPID'
	[ "$status" -eq $((128 + 31)) ]
}

@test "seccomp: an argument filter matches only its value" {
	# chmod to mode 0700 (448) is refused, to any other mode it is not
	update_config '.linux.seccomp = {defaultAction: "SCMP_ACT_ALLOW",
		syscalls: [{names: ["chmod"], action: "SCMP_ACT_ERRNO", errnoRet: 38,
				args: [{index: 1, value: 448, op: "SCMP_CMP_EQ"}]},
			   {names: ["fchmodat"], action: "SCMP_ACT_ERRNO", errnoRet: 38,
				args: [{index: 2, value: 448, op: "SCMP_CMP_EQ"}]}]}'
	run_container sh -c 'touch /dev/shm/f; chmod 700 /dev/shm/f 2>&1; chmod 755 /dev/shm/f && echo chmod-755'
	[ "$status" -eq 0 ]
	[[ "$output" == *"Function not implemented"* ]]
	[[ "$output" == *chmod-755* ]]
}

@test "seccomp: a bad profile fails create with its JSON path and leaves nothing" {
	update_config '.linux.seccomp = {defaultAction: "SCMP_ACT_ALLOW",
		syscalls: [{names: ["mkdir"], action: "SCMP_ACT_ERRNO"},
			   {names: ["rmdir"], action: "SCMP_ACT_MAYBE"}]}'
	rt_detached create --bundle "$BUNDLE" "$CID"
	assert_error_mentions 'linux.seccomp.syscalls[1].action: unknown action "SCMP_ACT_MAYBE"'
	assert_no_leftovers
}

@test "seccomp: exec'd processes get the container's filter" {
	deny_mkdir 38
	set_args sleep 1000
	rt create --bundle "$BUNDLE" "$CID" </dev/null >/dev/null 2>&1
	rt start "$CID"
	run rt exec "$CID" mkdir /dev/shm/x
	[ "$status" -ne 0 ]
	[[ "$output" == *"Function not implemented"* ]]
	run rt exec "$CID" touch /dev/shm/y
	[ "$status" -eq 0 ]
}

@test "seccomp: a profile without close_range still runs the process" {
	# profiles written for runc need not allow it: the runtime's own fd
	# sealing happens before the filter is loaded
	update_config '.linux.seccomp = {defaultAction: "SCMP_ACT_ALLOW",
		syscalls: [{names: ["close_range"], action: "SCMP_ACT_ERRNO"}]}'
	update_config '.process.noNewPrivileges = false'
	run_container echo still-runs
	[ "$status" -eq 0 ]
	[ "$output" = still-runs ]
	update_config '.process.noNewPrivileges = true'
	run_container echo still-runs
	[ "$status" -eq 0 ]
	[ "$output" = still-runs ]
}

# notify_mkdir SOCKET: mkdir/mkdirat notify the supervisor at SOCKET.
notify_mkdir() {
	update_config --arg p "$1" '.linux.seccomp = {defaultAction: "SCMP_ACT_ALLOW",
		listenerPath: $p, listenerMetadata: "cubo-test",
		syscalls: [{names: ["mkdir", "mkdirat"], action: "SCMP_ACT_NOTIFY"}]}'
}

@test "seccomp: SCMP_ACT_NOTIFY hands the listener fd to the supervisor, for the init and exec" {
	sock=$TEST_TMP/listener.sock
	# the supervisor answers every notified call with ENOSPC (28)
	python3 "$INTEGRATION_DIR/seccomp-listener.py" "$sock" "$TEST_TMP/msg.json" 28 2 \
		</dev/null >"$TEST_TMP/listener.log" 2>&1 3>&- &
	lpid=$!
	for ((i = 0; i < 50; i++)); do
		[ -S "$sock" ] && break
		sleep 0.1
	done
	notify_mkdir "$sock"
	set_args sleep 1000
	rt create --bundle "$BUNDLE" "$CID" </dev/null >/dev/null 2>&1
	# the containerProcessState of the runtime spec, sent at create
	jq -e --argjson pid "$(container_pid "$CID")" '.fds == ["seccompFd"] and
		.metadata == "cubo-test" and .pid == $pid and .state.status == "creating" and
		.state.pid == $pid and .state.id == "'"$CID"'"' "$TEST_TMP/msg.json"
	rt start "$CID"
	# the init's process and an exec'd one both meet the supervisor's answer
	run rt exec "$CID" sh -c 'mkdir /dev/shm/x 2>&1; echo rc=$?; touch /dev/shm/y && echo touched'
	[[ "$output" == *"No space left on device"* ]]
	[[ "$output" == *touched* ]]
	jq -e '.state.status == "running"' "$TEST_TMP/msg.json"
	rt delete --force "$CID"
	kill "$lpid" 2>/dev/null || true
	wait "$lpid" 2>/dev/null || true
}

@test "seccomp: SCMP_ACT_NOTIFY needs a listenerPath, and a dead supervisor fails create cleanly" {
	update_config '.linux.seccomp = {defaultAction: "SCMP_ACT_ALLOW",
		syscalls: [{names: ["mkdir"], action: "SCMP_ACT_NOTIFY"}]}'
	rt_detached create --bundle "$BUNDLE" "$CID"
	[ "$status" -ne 0 ]
	! is_cubo ||
		[[ "$output" == *"linux.seccomp.listenerPath: required when an action is SCMP_ACT_NOTIFY"* ]]
	notify_mkdir "$TEST_TMP/nobody.sock"
	rt_detached create --bundle "$BUNDLE" "$CID"
	[ "$status" -ne 0 ]
	! is_cubo || [[ "$output" == *"connect to $TEST_TMP/nobody.sock"* ]]
	[ ! -e "$ROOT/$CID" ]
}

@test "seccomp: syscalls newer than any the profile names get ENOSYS, older ones the default" {
	runc_gets_wrong "runc 1.1.5 answers clone3 and syscall 999 with the default EPERM here"
	command -v gcc >/dev/null || skip "gcc is needed to build the probe"
	cat >"$TEST_TMP/newer.c" <<-'EOF'
		#define _GNU_SOURCE
		#include <errno.h>
		#include <stdio.h>
		#include <unistd.h>
		#include <sys/syscall.h>
		static const char *e(long nr)
		{
			if (syscall(nr, 0L, 0L, 0L) >= 0)
				return "ok";
			return errno == ENOSYS ? "ENOSYS" : errno == EPERM ? "EPERM" : "other";
		}
		int main(void)
		{
			/* getppid: allowed; getuid: older than rseq (the newest named),
			 * not named; clone3 and 999: newer than every syscall named */
			printf("getppid=%s getuid=%s clone3=%s 999=%s\n", e(SYS_getppid),
			       e(SYS_getuid), e(435), e(999));
			return 0;
		}
	EOF
	gcc -static -O2 -Wall -Werror -o "$BUNDLE/rootfs/newer" "$TEST_TMP/newer.c"
	# what the probe, a static glibc program, and either runtime's last steps need;
	# the newest of them is rseq
	allow=$(jq -cn '$ARGS.positional' --args \
		execve execveat brk mmap munmap mprotect madvise arch_prctl set_tid_address \
		set_robust_list rseq prlimit64 uname getrandom readlink readlinkat newfstatat \
		fstat ioctl read write writev openat close fcntl dup3 exit exit_group \
		rt_sigaction rt_sigprocmask rt_sigreturn sigaltstack futex sched_yield nanosleep \
		clock_nanosleep clock_gettime gettid tgkill getpid getppid epoll_pwait epoll_ctl \
		pipe2 capget capset prctl setuid setgid setgroups setresuid setresgid chdir fchdir \
		fstatfs statfs getdents64)
	update_config --argjson a "$allow" '.linux.seccomp = {defaultAction: "SCMP_ACT_ERRNO",
		syscalls: [{names: $a, action: "SCMP_ACT_ALLOW"}]}'
	run_container /newer
	[ "$status" -eq 0 ]
	[ "$output" = "getppid=ok getuid=EPERM clone3=ENOSYS 999=ENOSYS" ]
}
