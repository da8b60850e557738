/* SPDX-License-Identifier: Apache-2.0 */
/* Covers: cubo-mgr/container/attach.c */
#include <errno.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>

#include "cubo-mgr/container/attach.h"
#include "tests/unit/helpers.h"

static void test_frames(void **state)
{
	int sv[2];
	assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM, 0, sv), 0);
	assert_null(attach_send(sv[0], ATTACH_STDOUT, "hello", 5));
	assert_null(attach_send(sv[0], ATTACH_STDIN_EOF, NULL, 0));
	unsigned char code[4] = {0, 0, 0, 137};
	assert_null(attach_send(sv[0], ATTACH_EXIT, code, 4));
	char buf[16];
	uint8_t type;
	uint32_t len;
	bool eof;
	assert_null(attach_recv(sv[1], &type, buf, sizeof(buf), &len, &eof));
	assert_false(eof);
	assert_int_equal(type, ATTACH_STDOUT);
	assert_int_equal(len, 5);
	assert_memory_equal(buf, "hello", 5);
	assert_null(attach_recv(sv[1], &type, buf, sizeof(buf), &len, &eof));
	assert_int_equal(type, ATTACH_STDIN_EOF);
	assert_int_equal(len, 0);
	assert_null(attach_recv(sv[1], &type, buf, sizeof(buf), &len, &eof));
	assert_int_equal(type, ATTACH_EXIT);
	assert_int_equal((unsigned char)buf[3], 137);
	/* a frame larger than the reader's buffer is an error, not an overflow */
	char big[64] = {0};
	assert_null(attach_send(sv[0], ATTACH_STDERR, big, sizeof(big)));
	struct cubo_error *err = attach_recv(sv[1], &type, buf, sizeof(buf), &len, &eof);
	assert_non_null(err);
	assert_non_null(strstr(err->msg, "larger than"));
	cubo_error_free(err);
	close(sv[0]);
	/* the peer's close before a frame is EOF; in the middle of one it is an error */
	int sp[2];
	assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM, 0, sp), 0);
	assert_int_equal(write(sp[0], "\1\0\0", 3), 3);
	close(sp[0]);
	th_expect_failure(attach_recv(sp[1], &type, buf, sizeof(buf), &len, &eof));
	close(sp[1]);
	close(sv[1]);
	assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM, 0, sp), 0);
	close(sp[0]);
	assert_null(attach_recv(sp[1], &type, buf, sizeof(buf), &len, &eof));
	assert_true(eof);
	close(sp[1]);
}

/* Scan in (n bytes) with k: whether it detached, and what went on (want_n bytes). */
static void expect_scan(struct detach_keys *k, const char *in, size_t n, bool detach,
			const char *want, size_t want_n)
{
	char out[16 + ATTACH_DETACH_KEYS_MAX];
	size_t got;
	assert_true(n <= 16);
	assert_int_equal(attach_detach_scan(k, in, n, out, &got), detach);
	assert_int_equal(got, want_n);
	assert_memory_equal(out, want, want_n);
}

static void test_detach_keys(void **state)
{
	(void)state;
	struct detach_keys k;
	assert_null(attach_detach_keys_parse(NULL, &k));
	expect_scan(&k, "ls\n", 3, false, "ls\n", 3);
	/* ctrl-p then ctrl-q in one chunk: detach, keeping what came before */
	expect_scan(&k, "ab\x10\x11zz", 6, true, "ab", 2);
	/* split across reads */
	expect_scan(&k, "x\x10", 2, false, "x", 1);
	assert_int_equal(k.held, 1);
	expect_scan(&k, "\x11", 1, true, "", 0);
	/* ctrl-p followed by something else is passed on whole */
	expect_scan(&k, "\x10", 1, false, "", 0);
	expect_scan(&k, "a", 1, false,
		    "\x10"
		    "a",
		    2);
	/* two ctrl-p: the first goes on, the second waits */
	expect_scan(&k, "\x10\x10", 2, false, "\x10", 1);
	assert_int_equal(k.held, 1);
}

/* --detach-keys as docker spells them, and what it refuses */
static void test_detach_keys_parse(void **state)
{
	(void)state;
	struct detach_keys k;
	assert_null(attach_detach_keys_parse("", &k));
	assert_int_equal(k.len, 2);
	assert_memory_equal(k.seq, "\x10\x11", 2);
	assert_null(attach_detach_keys_parse("ctrl-a,x,ctrl-@,ctrl-_,ctrl-\\", &k));
	assert_int_equal(k.len, 5);
	assert_memory_equal(k.seq, "\x01x\x00\x1f\x1c", 5);
	/* one key: detach at once; held bytes of a longer one come back on a mismatch */
	assert_null(attach_detach_keys_parse("ctrl-x", &k));
	expect_scan(&k, "ab\x18", 3, true, "ab", 2);
	assert_null(attach_detach_keys_parse("a,b,c", &k));
	expect_scan(&k, "xab", 3, false, "x", 1);
	expect_scan(&k, "ad", 2, false, "abad", 4);
	expect_scan(&k, "aabc", 4, true, "a", 1);
	const char *bad[] = {"ctrl-", "ctrl-1",	 "ctrl-A",
			     "ctrlp", "a,,b",	 ",",
			     "a,",    "ctrl-pp", "a,a,a,a,a,a,a,a,a,a,a,a,a,a,a,a,a"};
	for (size_t i = 0; i < sizeof(bad) / sizeof(*bad); i++) {
		struct cubo_error *err = attach_detach_keys_parse(bad[i], &k);
		assert_non_null(err);
		assert_non_null(strstr(err->msg, "--detach-keys"));
		cubo_error_free(err);
	}
}

/* --sig-proxy: what a user sends on to the container, and what stays ours */
static void test_signal_proxied(void **state)
{
	(void)state;
	const int passed[] = {SIGINT,  SIGTERM, SIGHUP,	 SIGQUIT,  SIGUSR1, SIGUSR2,
			      SIGALRM, SIGTSTP, SIGCONT, SIGRTMIN, SIGRTMAX};
	const int kept[] = {0,	      SIGKILL, SIGSTOP, SIGCHLD, SIGPIPE, SIGURG,
			    SIGWINCH, SIGTTIN, SIGTTOU, SIGSEGV, SIGBUS,  SIGFPE,
			    SIGILL,   SIGABRT, 32,	33,	 -1,	  SIGRTMAX + 1};
	for (size_t i = 0; i < sizeof(passed) / sizeof(*passed); i++)
		assert_true(attach_signal_proxied(passed[i]));
	for (size_t i = 0; i < sizeof(kept) / sizeof(*kept); i++)
		assert_false(attach_signal_proxied(kept[i]));
}

/* A frame larger than the socket's buffer arrives whole while the peer reads. */
static void test_big_frame(void **state)
{
	(void)state;
	int sv[2];
	assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM, 0, sv), 0);
	int small = 4096;
	setsockopt(sv[0], SOL_SOCKET, SO_SNDBUF, &small, sizeof(small));
	size_t n = 512 * 1024;
	char *big = malloc(n), *got = malloc(n);
	for (size_t i = 0; i < n; i++)
		big[i] = (char)(i * 7);
	pid_t pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		close(sv[1]);
		struct cubo_error *err = attach_send(sv[0], ATTACH_STDOUT, big, (uint32_t)n);
		int rc = err ? 1 : 0;
		cubo_error_free(err);
		free(big);
		free(got);
		_exit(rc);
	}
	close(sv[0]);
	uint8_t type;
	uint32_t len;
	bool eof;
	assert_null(attach_recv(sv[1], &type, got, (uint32_t)n, &len, &eof));
	assert_int_equal(len, n);
	assert_memory_equal(got, big, n);
	int ws;
	assert_int_equal(waitpid(pid, &ws, 0), pid);
	assert_true(WIFEXITED(ws) && WEXITSTATUS(ws) == 0);
	close(sv[1]);
	free(big);
	free(got);
}

/* A peer that is gone is an EPIPE error, not a SIGPIPE that ends the sender. */
static void test_send_to_closed_peer(void **state)
{
	(void)state;
	int sv[2];
	assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM, 0, sv), 0);
	close(sv[1]);
	signal(SIGPIPE, SIG_DFL);
	struct cubo_error *err = attach_send(sv[0], ATTACH_STDIN, "x", 1);
	assert_non_null(err);
	assert_int_equal(err->errnum, EPIPE);
	cubo_error_free(err);
	close(sv[0]);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_frames),
		cmocka_unit_test(test_detach_keys),
		cmocka_unit_test(test_detach_keys_parse),
		cmocka_unit_test(test_signal_proxied),
		cmocka_unit_test(test_big_frame),
		cmocka_unit_test(test_send_to_closed_peer),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
