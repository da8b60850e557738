/* SPDX-License-Identifier: Apache-2.0 */
/* Covers: shared/lock.c */
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>

#include "shared/lock.h"
#include "tests/unit/helpers.h"

static int setup(void **state)
{
	*state = th_dir_new("lock", "lock");
	return 0;
}

/* Would a separate open file description get this lock right now? */
static bool can_lock(const char *path, int op)
{
	int fd = open(path, O_RDWR | O_CLOEXEC);
	bool ok;

	assert_true(fd >= 0);
	ok = flock(fd, op | LOCK_NB) == 0;
	if (!ok)
		assert_int_equal(errno, EWOULDBLOCK);
	close(fd);
	return ok;
}

static void test_exclusive_blocks_others(void **state)
{
	struct th_dir *fx = *state;
	struct stat st;
	int fd = -1;

	assert_null(cubo_lock_path(fx->path, true, &fd));
	assert_true(fd >= 0);
	assert_int_equal(stat(fx->path, &st), 0);
	assert_int_equal(st.st_mode & 0777, 0600);
	assert_true(fcntl(fd, F_GETFD) & FD_CLOEXEC);
	assert_false(can_lock(fx->path, LOCK_EX));
	assert_false(can_lock(fx->path, LOCK_SH));
	cubo_unlock(fd);
	assert_true(can_lock(fx->path, LOCK_EX));
}

static void test_shared_allows_shared(void **state)
{
	struct th_dir *fx = *state;
	int a = -1, b = -1;

	assert_null(cubo_lock_path(fx->path, false, &a));
	assert_null(cubo_lock_path(fx->path, false, &b));
	assert_true(can_lock(fx->path, LOCK_SH));
	assert_false(can_lock(fx->path, LOCK_EX));
	cubo_unlock(a);
	assert_false(can_lock(fx->path, LOCK_EX));
	cubo_unlock(b);
	assert_true(can_lock(fx->path, LOCK_EX));
}

/*
 * A child blocks in cubo_lock_path until the parent lets go. The child also
 * inherits the parent's locked fd, so this checks that cubo_unlock releases
 * the lock even while another process still shares the open file.
 */
static void test_waits_for_holder(void **state)
{
	struct th_dir *fx = *state;
	int fd = -1, status, pipefd[2];
	char byte;
	pid_t pid;

	assert_null(cubo_lock_path(fx->path, true, &fd));
	assert_int_equal(pipe(pipefd), 0);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		struct cubo_error *err;
		int cfd = -1;

		close(pipefd[0]);
		/* Contended: the parent holds it. */
		if (flock(open(fx->path, O_RDWR), LOCK_EX | LOCK_NB) == 0)
			_exit(2);
		if (write(pipefd[1], "w", 1) != 1)
			_exit(3);
		err = cubo_lock_path(fx->path, true, &cfd);
		if (err)
			_exit(4);
		if (write(pipefd[1], "g", 1) != 1)
			_exit(5);
		_exit(0);
	}
	close(pipefd[1]);
	assert_int_equal(read(pipefd[0], &byte, 1), 1);
	assert_int_equal(byte, 'w');
	cubo_unlock(fd);
	assert_int_equal(read(pipefd[0], &byte, 1), 1);
	assert_int_equal(byte, 'g');
	close(pipefd[0]);
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFEXITED(status));
	assert_int_equal(WEXITSTATUS(status), 0);
}

static void test_lock_at(void **state)
{
	struct th_dir *fx = *state;
	int dfd = open(fx->dir, O_RDONLY | O_DIRECTORY);
	int fd = -1;

	assert_true(dfd >= 0);
	assert_null(cubo_lock_at(dfd, "lock", true, &fd));
	assert_false(can_lock(fx->path, LOCK_SH));
	cubo_unlock(fd);
	close(dfd);
}

static void test_missing_directory(void **state)
{
	int fd = 123;
	struct cubo_error *err = cubo_lock_path("/nonexistent/cubo/lock", true, &fd);
	char *text;

	assert_non_null(err);
	assert_int_equal(fd, -1);
	assert_int_equal(err->errnum, ENOENT);
	text = cubo_error_text(err);
	assert_string_equal(text, "lock /nonexistent/cubo/lock: open: No such file or directory");
	free(text);
	cubo_error_free(err);
}

static void test_unlock_negative_fd(void **state)
{
	cubo_unlock(-1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_exclusive_blocks_others, setup,
						th_dir_teardown),
		cmocka_unit_test_setup_teardown(test_shared_allows_shared, setup, th_dir_teardown),
		cmocka_unit_test_setup_teardown(test_waits_for_holder, setup, th_dir_teardown),
		cmocka_unit_test_setup_teardown(test_lock_at, setup, th_dir_teardown),
		cmocka_unit_test(test_missing_directory),
		cmocka_unit_test(test_unlock_negative_fd),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
