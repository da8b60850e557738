/* SPDX-License-Identifier: Apache-2.0 */
/* Covers: cubo-runc/spawn.c, cubo-runc/caps.c, cubo-runc/proc_guard.c, cubo-runc/procfd.c */
/*
 * The spawn path's rules, without a container: which fds survive, how
 * args[0] is found (and that a magic link is never followed), what /proc is
 * trusted for, which mount destinations on and beneath /proc are refused.
 */
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <linux/openat2.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>

#include "cubo-runc/caps.h"
#include "cubo-runc/proc_guard.h"
#include "cubo-runc/procfd.h"
#include "cubo-runc/spawn.h"
#include "tests/unit/helpers.h"

static int setup(void **state)
{
	struct th_dir *fx = th_dir_new("spawn", NULL);
	char path[256];

	snprintf(path, sizeof(path), "%s/bin", fx->dir);
	assert_int_equal(mkdir(path, 0755), 0);
	snprintf(path, sizeof(path), "%s/bin/tool", fx->dir);
	int fd = open(path, O_CREAT | O_WRONLY, 0755);
	assert_true(fd >= 0);
	close(fd);
	snprintf(path, sizeof(path), "%s/bin/data", fx->dir);
	fd = open(path, O_CREAT | O_WRONLY, 0644);
	assert_true(fd >= 0);
	close(fd);
	*state = fx;
	return 0;
}

static struct oci_process *process(const char *arg0, const char *path_env)
{
	struct oci_process *p = calloc(1, sizeof(*p));
	p->args.v = calloc(2, sizeof(char *));
	p->args.v[0] = strdup(arg0);
	p->args.n = 1;
	if (path_env) {
		p->env.v = calloc(2, sizeof(char *));
		if (asprintf(&p->env.v[0], "PATH=%s", path_env) < 0)
			abort();
		p->env.n = 1;
	}
	return p;
}

static void find(const char *arg0, const char *path_env, int want_errcode, const char *want_name)
{
	struct oci_process *p = process(arg0, path_env);
	struct spawn_exe exe;
	int code = 0;
	struct cubo_error *err = spawn_find_executable(p, &exe, &code);

	if (want_errcode) {
		assert_non_null(err);
		assert_int_equal(code, want_errcode);
		cubo_error_free(err);
	} else {
		assert_null(err);
		assert_true(exe.dirfd >= 0);
		assert_string_equal(exe.name, want_name);
		spawn_exe_close(&exe);
	}
	oci_process_free(p);
}

static void test_find_executable(void **state)
{
	struct th_dir *fx = *state;
	char path[256], bin[128];

	snprintf(bin, sizeof(bin), "%s/bin", fx->dir);
	snprintf(path, sizeof(path), "%s/bin/tool", fx->dir);
	find(path, NULL, 0, "tool");
	/* PATH: the first runnable entry; empty entries are the cwd */
	snprintf(path, sizeof(path), "/nonexistent:%s", bin);
	find("tool", path, 0, "tool");
	find("missing", path, 127, NULL);
	/* found but not runnable: 126, also when only a PATH entry has it */
	find("data", path, 126, NULL);
	snprintf(path, sizeof(path), "%s/bin/data", fx->dir);
	find(path, NULL, 126, NULL);
	snprintf(path, sizeof(path), "%s/bin", fx->dir);
	find(path, NULL, 126, NULL); /* a directory */
}

static bool have_openat2(void)
{
	struct open_how how = {.flags = O_PATH | O_CLOEXEC};
	int fd = (int)syscall(SYS_openat2, AT_FDCWD, "/", &how, sizeof(how));

	if (fd < 0)
		return false;
	close(fd);
	return true;
}

/*
 * The attack: args[0] or a PATH entry through one of our own fds. (Without
 * openat2 the walker reads the link's text as a path inside the root,
 * which here is the host's own: nothing to show outside a container.)
 */
static void test_find_refuses_magic_links(void **state)
{
	struct th_dir *fx = *state;
	char path[256];

	if (!have_openat2())
		skip();
	int dirfd = open(fx->dir, O_PATH | O_DIRECTORY | O_CLOEXEC);

	assert_true(dirfd >= 0);
	snprintf(path, sizeof(path), "/proc/self/fd/%d/bin/tool", dirfd);
	assert_int_equal(access(path, X_OK), 0); /* execve would follow it */
	find(path, NULL, 127, NULL);
	snprintf(path, sizeof(path), "/proc/self/fd/%d/../%s/bin/tool", dirfd, fx->dir + 5);
	find(path, NULL, 127, NULL);
	snprintf(path, sizeof(path), "/proc/self/fd/%d/bin", dirfd);
	find("tool", path, 127, NULL);
	close(dirfd);
}

static void test_fds_record(void **state)
{
	(void)state;
	struct spawn_fds f;
	int a = open("/dev/null", O_RDONLY); /* inherited-like: no close-on-exec */

	spawn_fds_record(&f);
	assert_true(spawn_fds_has(&f, a));
	assert_false(spawn_fds_has(&f, 0));
	assert_false(spawn_fds_has(&f, 1000));
	for (size_t i = 1; i < f.n; i++)
		assert_true(f.fds[i - 1] < f.fds[i]);
	spawn_fds_free(&f);
	close(a);
}

/*
 * In a child: fds 3 and 5 are "the caller's", 4 and 6 the runtime's (in
 * the preserved range), 20 is kept, 21 is not. Only 3, 5 and 20 survive;
 * 3 and 5 lose close-on-exec, 20 keeps it.
 */
static void test_close_fds(void **state)
{
	(void)state;
	/* valgrind runs the test's children too, and counts their close_range as errors */
	if (th_under_valgrind())
		skip();
	pid_t pid = fork();

	assert_true(pid >= 0);
	if (pid == 0) {
		for (int fd = 3; fd < 64; fd++)
			close(fd);
		for (int fd = 3; fd <= 6; fd++)
			if (open("/dev/null", O_RDONLY | O_CLOEXEC) != fd)
				_exit(10);
		if (dup3(3, 20, O_CLOEXEC) != 20 || dup3(3, 21, O_CLOEXEC) != 21)
			_exit(11);
		int inherited[] = {3, 5};
		struct spawn_fds f = {.fds = inherited, .n = 2};
		int keep[] = {20, -1};
		spawn_close_fds(&f, 5, keep, 2);
		if (fcntl(3, F_GETFD) != 0 || fcntl(5, F_GETFD) != 0)
			_exit(12);
		if (fcntl(4, F_GETFD) >= 0 || fcntl(6, F_GETFD) >= 0 || fcntl(7, F_GETFD) >= 0)
			_exit(13);
		if (fcntl(20, F_GETFD) != FD_CLOEXEC || fcntl(21, F_GETFD) >= 0)
			_exit(14);
		_exit(0);
	}
	int st;
	assert_int_equal(waitpid(pid, &st, 0), pid);
	assert_true(WIFEXITED(st));
	assert_int_equal(WEXITSTATUS(st), 0);
}

static void test_procfd(void **state)
{
	(void)state;
	int proc, fd;

	assert_null(procfd_open(&proc));
	assert_null(procfd_openat(proc, "self/status", O_RDONLY, &fd));
	close(fd);
	assert_null(procfd_openat(proc, "sys/kernel/ostype", O_RDONLY, &fd));
	close(fd);
	/* not out of it, not through a magic link */
	th_expect_failure(procfd_openat(proc, "../etc/passwd", O_RDONLY, &fd));
	th_expect_failure(procfd_openat(proc, "self/root/etc/passwd", O_RDONLY, &fd));
	th_expect_failure(procfd_openat(proc, "self/cwd", O_RDONLY, &fd));
	/* our own fd, reopened */
	int path_fd = open("/dev/null", O_PATH | O_CLOEXEC);
	assert_null(procfd_reopen(proc, path_fd, O_WRONLY, &fd));
	assert_int_equal(write(fd, "x", 1), 1);
	close(fd);
	close(path_fd);
	/* without a procfs: an error naming the file, never a crash */
	th_expect_msg(procfd_openat(-1, "self/status", O_RDONLY, &fd), "self/status");
	close(proc);
}

static void test_caps_last_cap(void **state)
{
	(void)state;
	FILE *f = fopen("/proc/sys/kernel/cap_last_cap", "r");
	int last;

	assert_non_null(f);
	assert_int_equal(fscanf(f, "%d", &last), 1);
	fclose(f);
	assert_int_equal(caps_last_cap(), last);
}

static void test_proc_files_allowed(void **state)
{
	(void)state;
	assert_true(proc_guard_file_allowed("/proc/cpuinfo"));
	assert_true(proc_guard_file_allowed("/proc/net/dev"));
	assert_true(proc_guard_file_allowed("/proc/sys/kernel/ns_last_pid"));
	assert_false(proc_guard_file_allowed("/proc"));
	assert_false(proc_guard_file_allowed("/proc/self/attr/exec"));
	assert_false(proc_guard_file_allowed("/proc/sys"));
	assert_false(proc_guard_file_allowed("/proc/cpuinfo/x"));
	assert_false(proc_guard_file_allowed("/proc/cpuinfox"));
}

/* A rootfs with /proc a directory and /evil a link to it; no mount needed. */
static void test_proc_guard_target(void **state)
{
	struct th_dir *fx = *state;
	char path[256];
	int rootfd, target;

	snprintf(path, sizeof(path), "%s/proc", fx->dir);
	assert_int_equal(mkdir(path, 0755), 0);
	snprintf(path, sizeof(path), "%s/evil", fx->dir);
	assert_int_equal(symlink("/proc", path), 0);
	snprintf(path, sizeof(path), "%s/sys", fx->dir);
	assert_int_equal(symlink("/tmp", path), 0);
	rootfd = open(fx->dir, O_PATH | O_DIRECTORY | O_CLOEXEC);
	assert_true(rootfd >= 0);
	snprintf(path, sizeof(path), "%s/proc", fx->dir);
	target = open(path, O_PATH | O_DIRECTORY | O_CLOEXEC);

	/* on /proc: a fresh procfs only, whatever name led there */
	assert_null(proc_guard_target(rootfd, "/proc", target, -1, true, "m"));
	th_expect_failure(proc_guard_target(rootfd, "/proc", target, -1, false, "m"));
	th_expect_failure(proc_guard_target(rootfd, "/evil", target, -1, false, "m"));
	/* a bind of a real procfs root is fine; of anything else not */
	int procroot = open("/proc", O_PATH | O_DIRECTORY | O_CLOEXEC);
	assert_null(proc_guard_target(rootfd, "/proc", target, procroot, false, "m"));
	th_expect_failure(proc_guard_target(rootfd, "/proc", target, rootfd, false, "m"));
	close(procroot);
	close(target);

	/* beneath /proc: only lxcfs' files */
	snprintf(path, sizeof(path), "%s/bin", fx->dir);
	target = open(path, O_PATH | O_DIRECTORY | O_CLOEXEC);
	th_expect_msg(proc_guard_target(rootfd, "/proc/sys", target, -1, false, "m"),
		      "inside /proc");
	assert_null(proc_guard_target(rootfd, "/proc/cpuinfo", target, -1, false, "m"));
	assert_null(proc_guard_target(rootfd, "/bin", target, -1, false, "m"));
	close(target);

	/* proc and sysfs on ordinary directories only */
	assert_null(proc_guard_plain_dir(rootfd, "/proc", "m"));
	assert_null(proc_guard_plain_dir(rootfd, "/missing", "m"));
	th_expect_msg(proc_guard_plain_dir(rootfd, "/sys", "m"), "symlink");
	th_expect_failure(proc_guard_plain_dir(rootfd, "/bin/tool", "m"));
	close(rootfd);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_find_executable, setup, th_dir_teardown),
		cmocka_unit_test_setup_teardown(test_find_refuses_magic_links, setup,
						th_dir_teardown),
		cmocka_unit_test(test_fds_record),
		cmocka_unit_test(test_close_fds),
		cmocka_unit_test(test_procfd),
		cmocka_unit_test(test_caps_last_cap),
		cmocka_unit_test(test_proc_files_allowed),
		cmocka_unit_test_setup_teardown(test_proc_guard_target, setup, th_dir_teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
