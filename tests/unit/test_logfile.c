/* SPDX-License-Identifier: Apache-2.0 */
/* Covers: cubo-mgr/container/logfile.c cubo-mgr/container/logset.c */
#include "tests/unit/helpers.h"

#include <sys/stat.h>

#include "cubo-mgr/container/logfile.h"
#include "cubo-mgr/container/logset.h"
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

/* Write chunks to DIR/ctr.log with the writer; the file's text, to free. */
static char *write_log(const char *dir, enum log_format fmt, const char *const *chunks,
		       const enum log_stream *streams, size_t n, size_t *len)
{
	char *path = th_path(dir, LOG_FILE_NAME);
	struct log_writer w;
	th_assert_ok(log_writer_open(&w, path, fmt, -1, 1));
	for (size_t i = 0; i < n; i++)
		th_assert_ok(log_writer_write(&w, streams[i], chunks[i], strlen(chunks[i])));
	log_writer_close(&w);
	char *text = th_read_file(path, len);
	free(path);
	return text;
}

static void check_records(enum log_format fmt)
{
	char *dir = th_tmpdir("logfile");
	const char *chunks[] = {"one\ntwo\nthr", "oops\n", "ee\n\n"};
	const enum log_stream streams[] = {LOG_STDOUT, LOG_STDERR, LOG_STDOUT};
	size_t len;
	char *text = write_log(dir, fmt, chunks, streams, 3, &len);
	/* six records: one, two, thr (P), oops, ee, and an empty line */
	struct log_parser ps;
	log_parser_init(&ps, fmt);
	struct log_record r;
	const char *p = text;
	const char *want_text[] = {"one", "two", "thr", "oops", "ee", ""};
	const bool want_partial[] = {false, false, true, false, false, false};
	const enum log_stream want_stream[] = {LOG_STDOUT, LOG_STDOUT, LOG_STDOUT,
					       LOG_STDERR, LOG_STDOUT, LOG_STDOUT};
	for (int i = 0; i < 6; i++) {
		long n = log_record_parse(&ps, p, len - (size_t)(p - text), &r);
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
	log_parser_free(&ps);
	free(text);
	th_tmpdir_free(dir);
}

static void test_write_records_k8s(void **state)
{
	check_records(LOG_FORMAT_K8S);
}

static void test_write_records_json(void **state)
{
	check_records(LOG_FORMAT_JSON);
}

/* docker's shape, escaped: quotes, backslashes, control bytes, HTML, bad UTF-8 */
static void test_json_escaping(void **state)
{
	char *dir = th_tmpdir("logfile");
	const char *chunks[] = {"a\"b\\c\td\x01<&>\xc3\xa9\xff\xc3\n"};
	const enum log_stream streams[] = {LOG_STDERR};
	size_t len;
	char *text = write_log(dir, LOG_FORMAT_JSON, chunks, streams, 1, &len);
	assert_non_null(strstr(text,
			       "{\"log\":\"a\\\"b\\\\c\\td\\u0001\\u003c\\u0026\\u003e"
			       "\xc3\xa9\\ufffd\\ufffd\\n\",\"stream\":\"stderr\",\"time\":\""));
	assert_memory_equal(text + len - 3, "\"}\n", 3);
	struct log_parser ps;
	log_parser_init(&ps, LOG_FORMAT_JSON);
	struct log_record r;
	assert_int_equal(log_record_parse(&ps, text, len, &r), (long)len);
	const char want[] = "a\"b\\c\td\x01<&>\xc3\xa9\xef\xbf\xbd\xef\xbf\xbd";
	assert_int_equal(r.text_len, sizeof(want) - 1);
	assert_memory_equal(r.text, want, r.text_len);
	assert_false(r.partial);
	log_parser_free(&ps);
	free(text);
	th_tmpdir_free(dir);
}

static void test_parse_edges(void **state)
{
	struct log_parser ps;
	log_parser_init(&ps, LOG_FORMAT_K8S);
	struct log_record r;
	assert_int_equal(log_record_parse(&ps, "2026 stdout F no newline", 24, &r), 0);
	assert_true(log_record_parse(&ps, "garbage\n", 8, &r) < 0);
	assert_true(log_record_parse(&ps, "2026-01-01T00:00:00Z stdin F x\n", 31, &r) < 0);
	assert_true(log_record_parse(&ps, "2026-01-01T00:00:00Z stdout X x\n", 32, &r) < 0);
	/* an empty line is "F" with nothing after it */
	long n = log_record_parse(&ps, "2026-01-01T00:00:00Z stdout F\n", 30, &r);
	assert_int_equal(n, 30);
	assert_int_equal(r.text_len, 0);
	log_parser_free(&ps);

	log_parser_init(&ps, LOG_FORMAT_JSON);
	const char *bad[] = {
		"{\"log\":\"x\\n\",\"stream\":\"stdout\"}\n",		    /* no time */
		"{\"log\":\"x\\n\",\"stream\":\"stdin\",\"time\":\"t\"}\n", /* bad stream */
		"{\"log\":[\"x\"],\"stream\":\"stdout\",\"time\":\"t\"}\n", /* not a string */
		"[1]\n",
		"{\"log\":\"x\n",
		"{\"log\":\"x\\n\",\"stream\":\"stdout\",\"time\":\"t\"} {}\n",
		"not json\n",
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(*bad); i++)
		assert_int_equal(log_record_parse(&ps, bad[i], strlen(bad[i]), &r),
				 -(long)strlen(bad[i]));
	/* fields in any order, an unknown one skipped; \u0000 kept */
	const char good[] =
		"{\"time\":\"t\",\"x\":{},\"stream\":\"stdout\",\"log\":\"a\\u0000b\"}\n";
	const char good2[] =
		"{\"time\":\"t\",\"x\":1,\"stream\":\"stdout\",\"log\":\"a\\u0000b\"}\n";
	assert_true(log_record_parse(&ps, good, sizeof(good) - 1, &r) < 0);
	assert_int_equal(log_record_parse(&ps, good2, sizeof(good2) - 1, &r), sizeof(good2) - 1);
	assert_int_equal(r.text_len, 3);
	assert_memory_equal(r.text, "a\0b", 3);
	assert_true(r.partial);
	log_parser_free(&ps);
}

static void print_all(enum log_format fmt, const char *log, size_t len, bool ts, long tail,
		      int64_t since, int64_t until, char **out, char **err)
{
	int o = memfile(), e = memfile();
	struct log_print_opts po = {.fmt = fmt,
				    .timestamps = ts,
				    .tail = tail,
				    .since = since,
				    .until = until,
				    .out_fd = o,
				    .err_fd = e};
	struct log_printer pr;
	log_printer_init(&pr, &po);
	long found;
	size_t start = log_tail_offset(&pr.ps, log, len, tail, &found), used;
	/* feed in two pieces, cutting a record: the printer keeps it for the next */
	size_t cut = start + (len - start) / 2;
	assert_null(log_printer_feed(&pr, log + start, cut - start, &used));
	size_t rest = start + used;
	assert_null(log_printer_feed(&pr, log + rest, len - rest, &used));
	assert_int_equal(rest + used, len);
	log_printer_free(&pr);
	size_t n;
	*out = read_fd(o, &n);
	*err = read_fd(e, &n);
	close(o);
	close(e);
}

static const char k8s_log[] = "2026-01-01T00:00:01Z stdout F a\n"
			      "2026-01-01T00:00:02Z stderr F err\n"
			      "2026-01-01T00:00:03Z stdout P b1\n"
			      "2026-01-01T00:00:04Z stdout F b2\n"
			      "junk line\n"
			      "2026-01-01T00:00:05Z stdout F c\n";
static const char json_log[] =
	"{\"log\":\"a\\n\",\"stream\":\"stdout\",\"time\":\"2026-01-01T00:00:01Z\"}\n"
	"{\"log\":\"err\\n\",\"stream\":\"stderr\",\"time\":\"2026-01-01T00:00:02Z\"}\n"
	"{\"log\":\"b1\",\"stream\":\"stdout\",\"time\":\"2026-01-01T00:00:03Z\"}\n"
	"{\"log\":\"b2\\n\",\"stream\":\"stdout\",\"time\":\"2026-01-01T00:00:04Z\"}\n"
	"junk line\n"
	"{\"log\":\"c\\n\",\"stream\":\"stdout\",\"time\":\"2026-01-01T00:00:05Z\"}\n";

static void check_print_and_tail(enum log_format fmt, const char *log, size_t len)
{
	char *out, *err;
	print_all(fmt, log, len, false, -1, 0, 0, &out, &err);
	assert_string_equal(out, "a\nb1b2\nc\n");
	assert_string_equal(err, "err\n");
	free(out);
	free(err);
	print_all(fmt, log, len, true, -1, 0, 0, &out, &err);
	assert_string_equal(out, "2026-01-01T00:00:01Z a\n2026-01-01T00:00:03Z b1b2\n"
				 "2026-01-01T00:00:05Z c\n");
	free(out);
	free(err);
	/* the last two lines: b1b2 (both its records) and c */
	print_all(fmt, log, len, false, 2, 0, 0, &out, &err);
	assert_string_equal(out, "b1b2\nc\n");
	assert_string_equal(err, "");
	free(out);
	free(err);
	print_all(fmt, log, len, false, 0, 0, 0, &out, &err);
	assert_string_equal(out, "");
	free(out);
	free(err);
	print_all(fmt, log, len, false, 100, 0, 0, &out, &err);
	assert_string_equal(out, "a\nb1b2\nc\n");
	free(out);
	free(err);
	/* --since 00:00:02 --until 00:00:04, both ends included */
	int64_t t0;
	assert_true(log_time_parse_rfc3339("2026-01-01T00:00:00Z", 20, &t0));
	print_all(fmt, log, len, false, -1, t0 + 2000000000, t0 + 4000000000, &out, &err);
	assert_string_equal(out, "b1b2\n");
	assert_string_equal(err, "err\n");
	free(out);
	free(err);
}

static void test_print_and_tail(void **state)
{
	check_print_and_tail(LOG_FORMAT_K8S, k8s_log, sizeof(k8s_log) - 1);
	check_print_and_tail(LOG_FORMAT_JSON, json_log, sizeof(json_log) - 1);
}

static void test_tail_found(void **state)
{
	struct log_parser ps;
	log_parser_init(&ps, LOG_FORMAT_K8S);
	long found;
	/* four whole lines: a, err, b1b2, c */
	assert_int_equal(log_tail_offset(&ps, k8s_log, sizeof(k8s_log) - 1, 5, &found), 0);
	assert_int_equal(found, 4);
	size_t off = log_tail_offset(&ps, k8s_log, sizeof(k8s_log) - 1, 1, &found);
	assert_int_equal(found, 1);
	/* a line that is no record is skipped by printers, not cut out here */
	assert_string_equal(k8s_log + off, "junk line\n2026-01-01T00:00:05Z stdout F c\n");
	log_parser_free(&ps);
}

static void test_times(void **state)
{
	int64_t ns;
	assert_true(log_time_parse_rfc3339("1970-01-01T00:00:01.5Z", 22, &ns));
	assert_int_equal(ns, 1500000000);
	assert_true(log_time_parse_rfc3339("1970-01-01T01:00:00+01:00", 25, &ns));
	assert_int_equal(ns, 0);
	assert_true(log_time_parse_rfc3339("2026-11-24T09:35:00.123456789Z", 30, &ns));
	assert_int_equal(ns % 1000000000, 123456789);
	assert_false(log_time_parse_rfc3339("2026-11-24 09:35:00Z", 20, &ns));
	assert_false(log_time_parse_rfc3339("2026-13-24T09:35:00Z", 20, &ns));
	assert_false(log_time_parse_rfc3339("2026-11-24T09:35:00", 19, &ns));
	assert_false(log_time_parse_rfc3339("2026-11-24T09:35:00.Z", 21, &ns));
	/* past what int64 nanoseconds hold */
	assert_false(log_time_parse_rfc3339("8948-11-24T09:35:00Z", 20, &ns));
	assert_false(log_time_arg("99999999999", 0, &ns));

	const int64_t now = 1000000LL * 1000000000;
	assert_true(log_time_arg("10m", now, &ns));
	assert_int_equal(ns, now - 600LL * 1000000000);
	assert_true(log_time_arg("1h30m", now, &ns));
	assert_int_equal(ns, now - 5400LL * 1000000000);
	assert_true(log_time_arg("1.5h", now, &ns));
	assert_int_equal(ns, now - 5400LL * 1000000000);
	assert_true(log_time_arg("300ms", now, &ns));
	assert_int_equal(ns, now - 300000000);
	assert_true(log_time_arg("1700000000", now, &ns));
	assert_int_equal(ns, 1700000000LL * 1000000000);
	assert_true(log_time_arg("1700000000.25", now, &ns));
	assert_int_equal(ns, 1700000000LL * 1000000000 + 250000000);
	assert_true(log_time_arg("2026-11-24T09:35:00Z", now, &ns));
	assert_true(log_time_arg("2026-11-24T09:35:00", now, &ns));
	assert_true(log_time_arg("2026-11-24", now, &ns));
	const char *bad[] = {"", "abc", "10", "10x", "m", "1h-5m", "2026-11-24T", "1.2.3", "-5m"};
	for (size_t i = 0; i < sizeof(bad) / sizeof(*bad); i++)
		if (strcmp(bad[i], "10"))
			assert_false(log_time_arg(bad[i], now, &ns));
}

/* Every line of the files, oldest first, as one text. */
static char *read_set(const char *path, size_t *files)
{
	struct log_file *v;
	size_t n;
	th_assert_ok(log_set_open(path, &v, &n));
	char *all = xstrdup("");
	for (size_t i = 0; i < n; i++) {
		size_t len;
		char *t = th_read_fd(v[i].fd, path, &len);
		char *joined = xasprintf("%s%s", all, t);
		free(all);
		free(t);
		all = joined;
	}
	log_set_close(v, n);
	*files = n;
	return all;
}

static void test_rotation(void **state)
{
	char *dir = th_tmpdir("logfile");
	char *path = th_path(dir, LOG_FILE_NAME);
	struct log_writer w;
	/* a record is ~50 bytes: a file takes a few of them, never a piece of one */
	th_assert_ok(log_writer_open(&w, path, LOG_FORMAT_K8S, 200, 3));
	char want[8192] = "";
	for (int i = 0; i < 100; i++) {
		char line[32];
		snprintf(line, sizeof(line), "line %03d\n", i);
		th_assert_ok(
			log_writer_write(&w, i % 2 ? LOG_STDERR : LOG_STDOUT, line, strlen(line)));
		strcat(want, line);
	}
	/* a record bigger than max-size goes alone into a file */
	char big[400];
	memset(big, 'x', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	th_assert_ok(log_writer_write(&w, LOG_STDOUT, big, strlen(big)));
	th_assert_ok(log_writer_write(&w, LOG_STDOUT, "\nend\n", 5));
	log_writer_close(&w);
	for (unsigned i = 1; i <= 3; i++) {
		char *name = xasprintf("%s.%u", path, i);
		assert_int_equal(access(name, F_OK) == 0, i < 3);
		free(name);
	}
	size_t files;
	char *all = read_set(path, &files);
	assert_int_equal(files, 3);
	/* every file holds whole records; the last ones are the big line and "end" */
	struct log_parser ps;
	log_parser_init(&ps, LOG_FORMAT_K8S);
	struct log_record r;
	size_t off = 0, len = strlen(all);
	char *texts = xstrdup("");
	while (off < len) {
		long n = log_record_parse(&ps, all + off, len - off, &r);
		assert_true(n > 0);
		off += (size_t)n;
		char *t = xasprintf("%s%.*s%s", texts, (int)r.text_len, r.text,
				    r.partial ? "" : "\n");
		free(texts);
		texts = t;
	}
	char *tail = xasprintf("%s\nend\n", big);
	assert_true(strlen(texts) > strlen(tail));
	assert_string_equal(texts + strlen(texts) - strlen(tail), tail);
	free(tail);
	free(texts);
	free(all);
	log_parser_free(&ps);
	for (unsigned i = 0; i <= 2; i++) { /* within max-size, or one record alone */
		char *name = i ? xasprintf("%s.%u", path, i) : xstrdup(path);
		size_t flen;
		char *t = th_read_file(name, &flen);
		size_t lines = 0;
		for (size_t k = 0; k < flen; k++)
			lines += t[k] == '\n';
		assert_true(flen <= 200 || lines == 1);
		free(t);
		free(name);
	}

	/* with room for all of it, rotation keeps everything, in order */
	th_rm_tree(dir);
	assert_int_equal(mkdir(dir, 0700), 0);
	th_assert_ok(log_writer_open(&w, path, LOG_FORMAT_JSON, 300, 1000));
	for (int i = 0; i < 100; i++) {
		char line[32];
		snprintf(line, sizeof(line), "line %03d\n", i);
		th_assert_ok(log_writer_write(&w, LOG_STDOUT, line, strlen(line)));
	}
	log_writer_close(&w);
	all = read_set(path, &files);
	assert_true(files > 10);
	int o = memfile(), e = memfile();
	struct log_print_opts po = {.fmt = LOG_FORMAT_JSON, .tail = -1, .out_fd = o, .err_fd = e};
	struct log_printer pr;
	log_printer_init(&pr, &po);
	size_t used;
	th_assert_ok(log_printer_feed(&pr, all, strlen(all), &used));
	assert_int_equal(used, strlen(all));
	log_printer_free(&pr);
	size_t n;
	char *printed = read_fd(o, &n);
	assert_string_equal(printed, want);
	free(printed);
	free(all);
	close(o);
	close(e);
	free(path);
	th_tmpdir_free(dir);
}

/* max-file=1: the file is replaced, nothing kept beside it */
static void test_rotation_one_file(void **state)
{
	char *dir = th_tmpdir("logfile");
	char *path = th_path(dir, LOG_FILE_NAME);
	struct log_writer w;
	th_assert_ok(log_writer_open(&w, path, LOG_FORMAT_K8S, 100, 1));
	for (int i = 0; i < 20; i++)
		th_assert_ok(log_writer_write(&w, LOG_STDOUT, "0123456789\n", 11));
	log_writer_close(&w);
	char *one = xasprintf("%s.1", path);
	assert_int_not_equal(access(one, F_OK), 0);
	free(one);
	struct stat st;
	assert_int_equal(stat(path, &st), 0);
	assert_true(st.st_size > 0 && st.st_size <= 100);
	free(path);
	th_tmpdir_free(dir);
}

static void test_set_missing(void **state)
{
	char *dir = th_tmpdir("logfile");
	char *path = th_path(dir, LOG_FILE_NAME);
	struct log_file *v;
	size_t n;
	th_assert_ok(log_set_open(path, &v, &n));
	assert_int_equal(n, 0);
	log_set_close(v, n);
	free(path);
	th_tmpdir_free(dir);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_write_records_k8s),
		cmocka_unit_test(test_write_records_json),
		cmocka_unit_test(test_json_escaping),
		cmocka_unit_test(test_parse_edges),
		cmocka_unit_test(test_print_and_tail),
		cmocka_unit_test(test_tail_found),
		cmocka_unit_test(test_times),
		cmocka_unit_test(test_rotation),
		cmocka_unit_test(test_rotation_one_file),
		cmocka_unit_test(test_set_missing),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
