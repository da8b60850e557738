/* SPDX-License-Identifier: Apache-2.0 */
/* Covers: shared/log.c */
#include <errno.h>
#include <fcntl.h>
#include <regex.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>

#include "shared/log.h"
#include "tests/unit/helpers.h"

#define STAMP_SECONDS "[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}Z"
#define STAMP_NANOS "[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}\\.[0-9]{9}Z"

static int setup(void **state)
{
	*state = th_dir_new("log", "log");
	return 0;
}

static void assert_matches(const char *text, const char *pattern)
{
	regex_t re;

	assert_int_equal(regcomp(&re, pattern, REG_EXTENDED | REG_NOSUB), 0);
	if (regexec(&re, text, 0, NULL, 0) != 0)
		fail_msg("\"%s\" does not match /%s/", text, pattern);
	regfree(&re);
}

static void test_format_parse(void **state)
{
	enum cubo_log_format f = CUBO_LOG_JSON;
	struct cubo_error *err;
	char *text;

	assert_null(cubo_log_format_parse("text", &f));
	assert_int_equal(f, CUBO_LOG_TEXT);
	assert_null(cubo_log_format_parse("json", &f));
	assert_int_equal(f, CUBO_LOG_JSON);
	err = cubo_log_format_parse("xml", &f);
	assert_non_null(err);
	text = cubo_error_text(err);
	assert_string_equal(text, "invalid log format \"xml\": expected text or json");
	free(text);
	cubo_error_free(err);
	th_expect_failure(cubo_log_format_parse("", &f));
}

static void test_log_file_never_takes_stdio(void **state)
{
	struct th_dir *fx = *state;
	struct cubo_log log;
	/* -1 when the runner already closed stdin (as CI does) */
	int saved = fcntl(STDIN_FILENO, F_DUPFD_CLOEXEC, 3);

	/* a caller with stdin closed: the log file must not become fd 0 */
	if (saved >= 0)
		close(STDIN_FILENO);
	struct cubo_error *err =
		cubo_log_open(&log, "cubo-runc", fx->path, CUBO_LOG_TEXT, CUBO_LOG_INFO);
	assert_int_equal(fcntl(STDIN_FILENO, F_GETFD), -1);
	if (saved >= 0) {
		dup2(saved, STDIN_FILENO);
		close(saved);
	}
	assert_null(err);
	assert_true(log.fd > 2);
	assert_true(fcntl(log.fd, F_GETFD) & FD_CLOEXEC);
	cubo_log_close(&log);
}

static void test_text_file_line(void **state)
{
	struct th_dir *fx = *state;
	struct cubo_log log;
	struct stat st;
	char *out;

	assert_null(cubo_log_open(&log, "cubo-runc", fx->path, CUBO_LOG_TEXT, CUBO_LOG_INFO));
	assert_true(log.fd > 2);
	assert_true(log.own_fd);
	assert_true(fcntl(log.fd, F_GETFD) & FD_CLOEXEC);
	assert_true(fcntl(log.fd, F_GETFL) & O_APPEND);
	cubo_log_write(&log, CUBO_LOG_ERROR, "container %s: \"quoted\" back\\slash\nnext", "c1");
	cubo_warn(&log, "careful");
	cubo_info(&log, "plain");
	cubo_log_close(&log);
	assert_int_equal(log.fd, -1);

	assert_int_equal(stat(fx->path, &st), 0);
	assert_int_equal(st.st_mode & 0777, 0640 & ~022);
	out = th_read_file(fx->path, NULL);
	assert_matches(out, "^time=\"" STAMP_SECONDS "\" level=error "
			    "msg=\"container c1: \\\\\"quoted\\\\\" back\\\\\\\\slash\\\\nnext\"\n"
			    "time=\"" STAMP_SECONDS "\" level=warning msg=\"careful\"\n"
			    "time=\"" STAMP_SECONDS "\" level=info msg=\"plain\"\n$");
	free(out);
}

static void test_text_control_characters(void **state)
{
	struct th_dir *fx = *state;
	struct cubo_log log;
	char *out;

	assert_null(cubo_log_open(&log, "cubo-runc", fx->path, CUBO_LOG_TEXT, CUBO_LOG_ERROR));
	cubo_log_write(&log, CUBO_LOG_ERROR,
		       "a\tb\rc\001d\x7f"
		       "e");
	cubo_log_close(&log);
	out = th_read_file(fx->path, NULL);
	assert_non_null(strstr(out, " msg=\"a\\tb\\rc\\x01d\\x7fe\"\n"));
	free(out);
}

static void test_json_line(void **state)
{
	struct th_dir *fx = *state;
	struct cubo_log log;
	char *out;

	assert_null(cubo_log_open(&log, "cubo-runc", fx->path, CUBO_LOG_JSON, CUBO_LOG_DEBUG));
	cubo_log_write(&log, CUBO_LOG_ERROR, "a\"b\\c\nd\te\001f/g");
	cubo_debug(&log, "dbg %d", 7);
	cubo_log_close(&log);
	out = th_read_file(fx->path, NULL);
	assert_matches(out, "^\\{\"level\":\"error\",\"msg\":\"a\\\\\"b\\\\\\\\c\\\\nd\\\\te"
			    "\\\\u0001f/g\",\"time\":\"" STAMP_NANOS "\"\\}\n"
			    "\\{\"level\":\"debug\",\"msg\":\"dbg 7\",\"time\":\"" STAMP_NANOS
			    "\"\\}\n$");
	free(out);
}

static void test_json_utf8(void **state)
{
	struct th_dir *fx = *state;
	struct cubo_log log;
	char *out;

	assert_null(cubo_log_open(&log, "cubo-runc", fx->path, CUBO_LOG_JSON, CUBO_LOG_ERROR));
	/* Valid UTF-8 is kept as is; a stray byte and an overlong '/' become U+FFFD. */
	cubo_log_write(&log, CUBO_LOG_ERROR, "caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x90\xb3");
	cubo_log_write(&log, CUBO_LOG_ERROR, "bad\xff byte \xc0\xaf end\xe2\x82");
	cubo_log_close(&log);
	out = th_read_file(fx->path, NULL);
	assert_non_null(strstr(out, "\"msg\":\"caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x90\xb3\""));
	assert_non_null(
		strstr(out, "\"msg\":\"bad\\ufffd byte \\ufffd\\ufffd end\\ufffd\\ufffd\""));
	free(out);
}

static void test_level_filter(void **state)
{
	struct th_dir *fx = *state;
	struct cubo_log log;
	char *out;

	assert_null(cubo_log_open(&log, "cubo-runc", fx->path, CUBO_LOG_JSON, CUBO_LOG_WARN));
	cubo_debug(&log, "hidden debug");
	cubo_info(&log, "hidden info");
	cubo_warn(&log, "shown warning");
	cubo_log_write(&log, CUBO_LOG_ERROR, "shown error");
	cubo_log_close(&log);
	out = th_read_file(fx->path, NULL);
	assert_null(strstr(out, "hidden"));
	assert_non_null(strstr(out, "\"level\":\"warning\",\"msg\":\"shown warning\""));
	assert_non_null(strstr(out, "\"level\":\"error\",\"msg\":\"shown error\""));
	free(out);
}

static void test_appends_to_existing(void **state)
{
	struct th_dir *fx = *state;
	struct cubo_log log;
	FILE *f = fopen(fx->path, "w");
	char *out;

	assert_non_null(f);
	fputs("earlier line\n", f);
	fclose(f);
	assert_null(cubo_log_open(&log, "cubo-runc", fx->path, CUBO_LOG_JSON, CUBO_LOG_ERROR));
	cubo_log_write(&log, CUBO_LOG_ERROR, "later");
	cubo_log_close(&log);
	out = th_read_file(fx->path, NULL);
	assert_ptr_equal(strstr(out, "earlier line\n{\"level\":\"error\",\"msg\":\"later\""), out);
	free(out);
}

static void test_log_error_full_text(void **state)
{
	struct th_dir *fx = *state;
	struct cubo_log log;
	struct cubo_error *err =
		cubo_error_wrap(cubo_error_new_errno(ENOENT, "open config.json"), "create c1");
	char *out;

	assert_null(cubo_log_open(&log, "cubo-runc", fx->path, CUBO_LOG_JSON, CUBO_LOG_ERROR));
	cubo_log_error(&log, err);
	cubo_log_close(&log);
	cubo_error_free(err);
	out = th_read_file(fx->path, NULL);
	assert_non_null(strstr(
		out, "{\"level\":\"error\",\"msg\":\"create c1: open config.json: No such file or "
		     "directory\",\"time\":\""));
	free(out);
}

/* Run fn with fd 2 pointing at path, then put stderr back. */
static void with_stderr_to(const char *path, void (*fn)(void))
{
	int saved = dup(STDERR_FILENO);
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600);

	assert_true(saved >= 0 && fd >= 0);
	assert_int_equal(dup2(fd, STDERR_FILENO), STDERR_FILENO);
	close(fd);
	fn();
	assert_int_equal(dup2(saved, STDERR_FILENO), STDERR_FILENO);
	close(saved);
}

static void log_to_stderr_text(void)
{
	struct cubo_log log;

	assert_null(cubo_log_open(&log, "cubo-runc", NULL, CUBO_LOG_TEXT, CUBO_LOG_WARN));
	assert_int_equal(log.fd, STDERR_FILENO);
	assert_false(log.own_fd);
	cubo_log_write(&log, CUBO_LOG_ERROR, "container \"c1\" does not exist");
	cubo_warn(&log, "heads up");
	cubo_log_close(&log);
	/* Closing a stderr logger leaves fd 2 open. */
	assert_true(fcntl(STDERR_FILENO, F_GETFD) >= 0);
}

static void log_to_stderr_json(void)
{
	struct cubo_log log;

	assert_null(cubo_log_open(&log, "cubo-runc", "", CUBO_LOG_JSON, CUBO_LOG_ERROR));
	cubo_log_write(&log, CUBO_LOG_ERROR, "boom");
	cubo_log_close(&log);
}

static void test_stderr_text_is_plain(void **state)
{
	struct th_dir *fx = *state;
	char *out;

	with_stderr_to(fx->path, log_to_stderr_text);
	out = th_read_file(fx->path, NULL);
	assert_string_equal(out, "cubo-runc: container \"c1\" does not exist\n"
				 "cubo-runc: heads up\n");
	free(out);
}

static void log_to_stderr_logrus(void)
{
	struct cubo_log log;

	assert_null(cubo_log_open(&log, "cubo-runc", NULL, CUBO_LOG_TEXT, CUBO_LOG_WARN));
	log.logrus_stderr = true;
	cubo_log_write(&log, CUBO_LOG_ERROR, "container \"c1\" does not exist");
	cubo_warn(&log, "heads up");
	cubo_debug(&log, "dropped");
	log.level = CUBO_LOG_DEBUG;
	cubo_debug(&log, "nsexec[1]: => nsexec container setup");
	cubo_log_write(&log, CUBO_LOG_ERROR, "boom");
	cubo_log_close(&log);
}

/* runc's shape on stderr: logrus lines, but a plain error for a person unless debugging. */
static void test_stderr_logrus(void **state)
{
	struct th_dir *fx = *state;
	char *out;

	with_stderr_to(fx->path, log_to_stderr_logrus);
	out = th_read_file(fx->path, NULL);
	assert_matches(out, "^cubo-runc: container \"c1\" does not exist\n"
			    "time=\"" STAMP_SECONDS "\" level=warning msg=\"heads up\"\n"
			    "time=\"" STAMP_SECONDS "\" level=debug "
			    "msg=\"nsexec\\[1\\]: => nsexec container setup\"\n"
			    "time=\"" STAMP_SECONDS "\" level=error msg=\"boom\"\n$");
	free(out);
}

static void test_stderr_json(void **state)
{
	struct th_dir *fx = *state;
	char *out;

	with_stderr_to(fx->path, log_to_stderr_json);
	out = th_read_file(fx->path, NULL);
	assert_matches(out, "^\\{\"level\":\"error\",\"msg\":\"boom\",\"time\":\"" STAMP_NANOS
			    "\"\\}\n$");
	free(out);
}

static void test_disabled_logger(void **state)
{
	struct cubo_log log = {.fd = -1, .level = CUBO_LOG_DEBUG};

	cubo_log_write(&log, CUBO_LOG_ERROR, "nowhere");
	cubo_log_close(&log);
}

static void test_open_failure_names_path(void **state)
{
	struct cubo_log log;
	struct cubo_error *err = cubo_log_open(&log, "cubo-runc", "/nonexistent/cubo/log",
					       CUBO_LOG_TEXT, CUBO_LOG_ERROR);
	char *text;

	assert_non_null(err);
	assert_int_equal(log.fd, -1);
	text = cubo_error_text(err);
	assert_string_equal(text, "open log file /nonexistent/cubo/log: No such file or directory");
	free(text);
	cubo_error_free(err);
	cubo_log_close(&log);
}

static void test_errno_preserved(void **state)
{
	struct th_dir *fx = *state;
	struct cubo_log log;

	assert_null(cubo_log_open(&log, "cubo-runc", fx->path, CUBO_LOG_TEXT, CUBO_LOG_DEBUG));
	errno = EXDEV;
	cubo_debug(&log, "something");
	assert_int_equal(errno, EXDEV);
	cubo_log_close(&log);
}

#define WRITERS 4
#define LINES_PER_WRITER 300

/* Lines from several processes sharing one log file must never interleave. */
static void test_concurrent_writers_do_not_interleave(void **state)
{
	struct th_dir *fx = *state;
	char filler[700];
	pid_t pids[WRITERS];
	int counts[WRITERS] = {0}, total = 0;
	char *out, *line, *save = NULL;

	memset(filler, 'x', sizeof(filler) - 1);
	filler[sizeof(filler) - 1] = '\0';
	for (int w = 0; w < WRITERS; w++) {
		pids[w] = fork();
		assert_true(pids[w] >= 0);
		if (pids[w] == 0) {
			struct cubo_log log;

			if (cubo_log_open(&log, "cubo-runc", fx->path, CUBO_LOG_JSON,
					  CUBO_LOG_ERROR))
				_exit(1);
			for (int i = 0; i < LINES_PER_WRITER; i++)
				cubo_log_write(&log, CUBO_LOG_ERROR, "w%d %s end", w, filler);
			cubo_log_close(&log);
			_exit(0);
		}
	}
	for (int w = 0; w < WRITERS; w++) {
		int status;

		assert_int_equal(waitpid(pids[w], &status, 0), pids[w]);
		assert_true(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	}
	out = th_read_file(fx->path, NULL);
	for (line = strtok_r(out, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		int w = -1;

		assert_int_equal(strncmp(line, "{\"level\":\"error\",\"msg\":\"w", 25), 0);
		w = line[25] - '0';
		assert_true(w >= 0 && w < WRITERS);
		assert_int_equal(line[26], ' ');
		assert_int_equal(strncmp(line + 27, filler, sizeof(filler) - 1), 0);
		assert_non_null(strstr(line, " end\",\"time\":\""));
		assert_int_equal(line[strlen(line) - 1], '}');
		counts[w]++;
		total++;
	}
	assert_int_equal(total, WRITERS * LINES_PER_WRITER);
	for (int w = 0; w < WRITERS; w++)
		assert_int_equal(counts[w], LINES_PER_WRITER);
	free(out);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_format_parse),
		cmocka_unit_test_setup_teardown(test_log_file_never_takes_stdio, setup,
						th_dir_teardown),
		cmocka_unit_test_setup_teardown(test_text_file_line, setup, th_dir_teardown),
		cmocka_unit_test_setup_teardown(test_text_control_characters, setup,
						th_dir_teardown),
		cmocka_unit_test_setup_teardown(test_json_line, setup, th_dir_teardown),
		cmocka_unit_test_setup_teardown(test_json_utf8, setup, th_dir_teardown),
		cmocka_unit_test_setup_teardown(test_level_filter, setup, th_dir_teardown),
		cmocka_unit_test_setup_teardown(test_appends_to_existing, setup, th_dir_teardown),
		cmocka_unit_test_setup_teardown(test_log_error_full_text, setup, th_dir_teardown),
		cmocka_unit_test_setup_teardown(test_stderr_text_is_plain, setup, th_dir_teardown),
		cmocka_unit_test_setup_teardown(test_stderr_logrus, setup, th_dir_teardown),
		cmocka_unit_test_setup_teardown(test_stderr_json, setup, th_dir_teardown),
		cmocka_unit_test(test_disabled_logger),
		cmocka_unit_test(test_open_failure_names_path),
		cmocka_unit_test_setup_teardown(test_errno_preserved, setup, th_dir_teardown),
		cmocka_unit_test_setup_teardown(test_concurrent_writers_do_not_interleave, setup,
						th_dir_teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
