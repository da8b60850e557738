/* SPDX-License-Identifier: Apache-2.0 */
/* Covers: shared/xalloc (the allocators that abort with a message). */
#include <errno.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>

#include "shared/xalloc.h"

static void test_xmalloc_and_xcalloc(void **state)
{
	char *p = xmalloc(16);
	unsigned char *z = xcalloc(8, 4);

	memset(p, 'x', 16);
	for (size_t i = 0; i < 32; i++)
		assert_int_equal(z[i], 0);
	free(p);
	free(z);
	/* zero sizes still give a pointer to free, never NULL */
	p = xmalloc(0);
	assert_non_null(p);
	free(p);
	p = xcalloc(0, 0);
	assert_non_null(p);
	free(p);
}

static void test_xrealloc_keeps_contents(void **state)
{
	char *p = xstrdup("abc");
	int *v = NULL;

	p = xrealloc(p, 100);
	assert_string_equal(p, "abc");
	free(p);
	for (int i = 0; i < 100; i++) {
		v = xreallocarray(v, (size_t)i + 1, sizeof(*v));
		v[i] = i;
	}
	for (int i = 0; i < 100; i++)
		assert_int_equal(v[i], i);
	free(v);
}

static void test_strings(void **state)
{
	char *s = xstrdup("hello");
	char *n = xstrndup("hello", 3);
	char *whole = xstrndup("hi", 10);
	char *f = xasprintf("%s-%d", "a", 42);
	char bytes[] = {1, 0, 2};
	char *m = xmemdup(bytes, sizeof(bytes));

	assert_string_equal(s, "hello");
	assert_string_equal(n, "hel");
	assert_string_equal(whole, "hi");
	assert_string_equal(f, "a-42");
	assert_memory_equal(m, bytes, sizeof(bytes));
	assert_ptr_not_equal(m, bytes);
	/* optional strings copy without a test */
	assert_null(xstrdup(NULL));
	free(s);
	free(n);
	free(whole);
	free(f);
	free(m);
}

enum request { MALLOC_MAX, CALLOC_OVERFLOW, REALLOCARRAY_OVERFLOW };

/* Run one impossible request in a child: it must die of SIGABRT saying why. */
static void assert_dies_out_of_memory(enum request r)
{
	char expected[256], got[256] = {0};
	int fds[2], status;
	size_t n = 0;
	pid_t pid;

	snprintf(expected, sizeof(expected), "%s: out of memory\n", program_invocation_short_name);
	assert_int_equal(pipe(fds), 0);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		void *volatile p = NULL;
		volatile size_t huge = SIZE_MAX; /* hidden from the compiler's size checks */

		/* no core file for the expected abort */
		signal(SIGABRT, SIG_DFL);
		dup2(fds[1], STDERR_FILENO);
		close(fds[0]);
		switch (r) {
		case MALLOC_MAX:
			p = xmalloc(huge);
			break;
		case CALLOC_OVERFLOW:
			p = xcalloc(huge, 2);
			break;
		case REALLOCARRAY_OVERFLOW:
			p = xreallocarray(NULL, huge, 2);
			break;
		}
		(void)p;
		_exit(0); /* the allocator returned: the test fails below */
	}
	close(fds[1]);
	for (;;) {
		ssize_t k = read(fds[0], got + n, sizeof(got) - 1 - n);

		if (k < 0 && errno == EINTR)
			continue;
		if (k <= 0)
			break;
		n += (size_t)k;
	}
	close(fds[0]);
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFSIGNALED(status));
	assert_int_equal(WTERMSIG(status), SIGABRT);
	assert_string_equal(got, expected);
}

/*
 * AddressSanitizer's allocator refuses an impossible size itself, with a
 * report of its own (which the test run counts as a failure), before our
 * allocator could see NULL: the check is for builds without it.
 */
#if defined(__SANITIZE_ADDRESS__)
#define UNDER_ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define UNDER_ASAN 1
#endif
#endif

static void test_impossible_requests_abort_with_a_message(void **state)
{
	(void)state;
#ifdef UNDER_ASAN
	skip();
#endif
	assert_dies_out_of_memory(MALLOC_MAX);
	assert_dies_out_of_memory(CALLOC_OVERFLOW);
	assert_dies_out_of_memory(REALLOCARRAY_OVERFLOW);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_xmalloc_and_xcalloc),
		cmocka_unit_test(test_xrealloc_keeps_contents),
		cmocka_unit_test(test_strings),
		cmocka_unit_test(test_impossible_requests_abort_with_a_message),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
