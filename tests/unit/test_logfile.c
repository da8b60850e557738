/* SPDX-License-Identifier: Apache-2.0 */
/* Covers: cubo-mgr/container/logfile.c */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "cubo-mgr/container/logfile.h"
#include "shared/fs.h"

static char *read_fd(int fd, size_t *len)
{
	off_t end = lseek(fd, 0, SEEK_END);
	char *buf = calloc(1, (size_t)end + 1);
	assert_int_equal(pread(fd, buf, (size_t)end, 0), end);
	*len = (size_t)end;
	return buf;
}

static int memfile(void)
{
	char path[] = "/tmp/test-logfile-XXXXXX";
	int fd = mkstemp(path);
	assert_true(fd >= 0);
	unlink(path);
	return fd;
}

static void test_write_records(void **state)
{
	int fd = memfile();
	struct log_writer w;
	log_writer_init(&w, fd);
	assert_null(log_writer_write(&w, LOG_STDOUT, "one\ntwo\nthr", 11));
	assert_null(log_writer_write(&w, LOG_STDERR, "oops\n", 5));
	assert_null(log_writer_write(&w, LOG_STDOUT, "ee\n\n", 4));
	log_writer_free(&w);
	size_t len;
	char *text = read_fd(fd, &len);
	/* six records: one, two, thr (P), oops, ee, and an empty line */
	struct log_record r;
	const char *p = text;
	const char *want_text[] = {"one", "two", "thr", "oops", "ee", ""};
	const bool want_partial[] = {false, false, true, false, false, false};
	const enum log_stream want_stream[] = {LOG_STDOUT, LOG_STDOUT, LOG_STDOUT,
					       LOG_STDERR, LOG_STDOUT, LOG_STDOUT};
	for (int i = 0; i < 6; i++) {
		long n = log_record_parse(p, len - (size_t)(p - text), &r);
		assert_true(n > 0);
		assert_int_equal(r.text_len, strlen(want_text[i]));
		assert_memory_equal(r.text, want_text[i], r.text_len);
		assert_int_equal(r.partial, want_partial[i]);
		assert_int_equal(r.stream, want_stream[i]);
		assert_int_equal(r.time_len, strlen("2026-11-24T09:35:00.123456789Z"));
		assert_int_equal(r.time[r.time_len - 1], 'Z');
		p += n;
	}
	assert_int_equal(p - text, len);
	free(text);
	close(fd);
}

static void test_parse_edges(void **state)
{
	struct log_record r;
	assert_int_equal(log_record_parse("2026 stdout F no newline", 24, &r), 0);
	assert_true(log_record_parse("garbage\n", 8, &r) < 0);
	assert_true(log_record_parse("2026-01-01T00:00:00Z stdin F x\n", 31, &r) < 0);
	assert_true(log_record_parse("2026-01-01T00:00:00Z stdout X x\n", 32, &r) < 0);
	/* an empty line is "F" with nothing after it */
	long n = log_record_parse("2026-01-01T00:00:00Z stdout F\n", 30, &r);
	assert_int_equal(n, 30);
	assert_int_equal(r.text_len, 0);
}

static void print_all(const char *log, size_t len, bool ts, long tail, char **out, char **err)
{
	int o = memfile(), e = memfile();
	struct log_print_opts po = {.timestamps = ts, .tail = tail, .out_fd = o, .err_fd = e};
	struct log_printer pr;
	log_printer_init(&pr, &po);
	size_t start = log_tail_offset(log, len, tail), used;
	/* feed in two pieces, cutting a record: the printer keeps it for the next */
	size_t cut = start + (len - start) / 2;
	assert_null(log_printer_feed(&pr, log + start, cut - start, &used));
	size_t rest = start + used;
	assert_null(log_printer_feed(&pr, log + rest, len - rest, &used));
	assert_int_equal(rest + used, len);
	size_t n;
	*out = read_fd(o, &n);
	*err = read_fd(e, &n);
	close(o);
	close(e);
}

static void test_print_and_tail(void **state)
{
	const char log[] = "2026-01-01T00:00:01Z stdout F a\n"
			   "2026-01-01T00:00:02Z stderr F err\n"
			   "2026-01-01T00:00:03Z stdout P b1\n"
			   "2026-01-01T00:00:04Z stdout F b2\n"
			   "junk line\n"
			   "2026-01-01T00:00:05Z stdout F c\n";
	size_t len = sizeof(log) - 1;
	char *out, *err;
	print_all(log, len, false, -1, &out, &err);
	assert_string_equal(out, "a\nb1b2\nc\n");
	assert_string_equal(err, "err\n");
	free(out);
	free(err);
	print_all(log, len, true, -1, &out, &err);
	assert_string_equal(out, "2026-01-01T00:00:01Z a\n2026-01-01T00:00:03Z b1b2\n"
				 "2026-01-01T00:00:05Z c\n");
	free(out);
	free(err);
	/* the last two lines: b1b2 (both its records) and c */
	print_all(log, len, false, 2, &out, &err);
	assert_string_equal(out, "b1b2\nc\n");
	assert_string_equal(err, "");
	free(out);
	free(err);
	print_all(log, len, false, 0, &out, &err);
	assert_string_equal(out, "");
	free(out);
	free(err);
	print_all(log, len, false, 100, &out, &err);
	assert_string_equal(out, "a\nb1b2\nc\n");
	free(out);
	free(err);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_write_records),
		cmocka_unit_test(test_parse_edges),
		cmocka_unit_test(test_print_and_tail),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
