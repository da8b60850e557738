/* SPDX-License-Identifier: Apache-2.0 */
/* Covers: cubo-mgr/container/health.c, run_opt_health of cubo-mgr/container/run_opts.c */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "cubo-mgr/container/health.h"
#include "cubo-mgr/container/health_store.h"
#include "cubo-mgr/container/record.h"
#include "cubo-mgr/container/run_opts.h"
#include "shared/fs.h"
#include "shared/strv.h"
#include "shared/timeutil.h"
#include "tests/unit/helpers.h"

#define S HEALTH_NS_PER_S
#define MS HEALTH_NS_PER_MS

static struct oci_healthcheck *check(const char *kind, const char *cmd)
{
	struct oci_healthcheck *h = calloc(1, sizeof(*h));
	oci_healthcheck_test_push(h, kind);
	if (cmd)
		oci_healthcheck_test_push(h, cmd);
	return h;
}

static void test_durations(void **state)
{
	int64_t ns;
	int r;

	assert_null(health_duration_parse("--x", "1ms", &ns));
	assert_int_equal(ns, MS);
	assert_null(health_duration_parse("--x", "0s", &ns));
	assert_int_equal(ns, 0);
	th_expect_msg(health_duration_parse("--x", "999us", &ns),
		      "--x \"999us\": cannot be less than 1ms");
	th_expect_msg(health_duration_parse("--x", "-5s", &ns), "cannot be less than 1ms");
	th_expect_msg(health_duration_parse("--x", "10", &ns), "--x \"10\": not a duration");
	th_expect_msg(health_duration_parse("--x", "1e400h", &ns), "not a duration");
	assert_null(health_retries_parse("--r", "7", &r));
	assert_int_equal(r, 7);
	th_expect_msg(health_retries_parse("--r", "-1", &r), "--r cannot be negative (-1)");
	th_expect_msg(health_retries_parse("--r", "99999999999", &r), "not an integer");
	th_expect_msg(health_retries_parse("--r", "", &r), "not an integer");
}

static void test_merge_and_timing(void **state)
{
	struct oci_healthcheck *img = check("CMD", "/check");
	img->interval = 2 * S;
	img->retries = 5;
	struct oci_healthcheck flags = {.timeout = 3 * S};
	struct oci_healthcheck *h = health_merge(img, &flags);
	assert_string_equal(h->test.v[1], "/check");
	assert_int_equal(h->interval, 2 * S);
	assert_int_equal(h->timeout, 3 * S);
	assert_int_equal(h->retries, 5);
	assert_true(health_enabled(h));

	struct health_timing t;
	health_timing_of(&flags, &t); /* zeros: docker's defaults */
	assert_int_equal(t.interval, 30 * S);
	assert_int_equal(t.timeout, 3 * S);
	assert_int_equal(t.start_period, 0);
	assert_int_equal(t.start_interval, 5 * S);
	assert_int_equal(t.retries, 3);
	/* a hostile image's longest durations do not overflow a clock */
	struct oci_healthcheck huge = {.interval = INT64_MAX, .timeout = INT64_MAX};
	struct health_timing th;
	health_timing_of(&huge, &th);
	assert_int_equal(th.interval, HEALTH_MAX_DURATION);
	assert_int_equal(th.timeout, HEALTH_MAX_DURATION);
	assert_true(cubo_monotonic_ns() + th.interval > 0);
	/* the start interval only while starting within the start period */
	t.start_period = 10 * S;
	assert_int_equal(health_next_wait(&t, 1 * S, true), 5 * S);
	assert_int_equal(health_next_wait(&t, 1 * S, false), 30 * S);
	assert_int_equal(health_next_wait(&t, 11 * S, true), 30 * S);
	oci_healthcheck_free(h);

	/* the flags' NONE wins over the image's check */
	struct oci_healthcheck *none = check("NONE", NULL);
	h = health_merge(img, none);
	assert_false(health_enabled(h));
	oci_healthcheck_free(h);
	assert_null(health_merge(NULL, NULL));
	h = health_merge(NULL, none);
	assert_string_equal(h->test.v[0], "NONE");
	oci_healthcheck_free(h);
	oci_healthcheck_free(none);
	oci_healthcheck_free(img);
	assert_false(health_enabled(NULL));
	struct oci_healthcheck *bare = check("CMD", NULL);
	assert_false(health_enabled(bare));
	oci_healthcheck_free(bare);
}

static void test_argv(void **state)
{
	struct oci_healthcheck *h = check("CMD-SHELL", "curl -f x || exit 1");
	char **v = health_argv(h);
	assert_int_equal(cubo_strv_len(v), 3);
	assert_string_equal(v[0], "/bin/sh");
	assert_string_equal(v[2], "curl -f x || exit 1");
	cubo_strv_free(v);
	oci_healthcheck_free(h);
	h = check("CMD", "/bin/true");
	oci_healthcheck_test_push(h, "a b");
	v = health_argv(h);
	assert_int_equal(cubo_strv_len(v), 2);
	assert_string_equal(v[1], "a b");
	cubo_strv_free(v);
	oci_healthcheck_free(h);
}

static void result(struct health_state *s, const struct health_timing *t, int code, int64_t since)
{
	struct health_result r = {.exit_code = code, .output = strdup("out")};
	strcpy(r.start, "2026-12-07T00:00:00Z");
	health_record(s, t, &r, since);
	assert_null(r.output); /* taken */
}

static void test_state_machine(void **state)
{
	struct health_timing t = {.interval = S,
				  .timeout = S,
				  .start_period = 10 * S,
				  .start_interval = S,
				  .retries = 3};
	struct health_state s = {0};

	health_state_reset(&s);
	assert_int_equal(s.status, HEALTH_STARTING);
	/* failures within the start period do not count */
	result(&s, &t, 1, 2 * S);
	result(&s, &t, 1, 3 * S);
	assert_int_equal(s.status, HEALTH_STARTING);
	assert_int_equal(s.failing_streak, 0);
	result(&s, &t, 0, 4 * S);
	assert_int_equal(s.status, HEALTH_HEALTHY);
	/* healthy: each failure counts, the third in a row makes it unhealthy */
	result(&s, &t, 1, 5 * S);
	result(&s, &t, -1, 6 * S);
	assert_int_equal(s.status, HEALTH_HEALTHY);
	assert_int_equal(s.failing_streak, 2);
	result(&s, &t, 2, 7 * S);
	assert_int_equal(s.status, HEALTH_UNHEALTHY);
	assert_int_equal(s.failing_streak, 3);
	result(&s, &t, 0, 8 * S);
	assert_int_equal(s.status, HEALTH_HEALTHY);
	assert_int_equal(s.failing_streak, 0);
	/* the last five results */
	assert_int_equal(s.n_log, HEALTH_LOG_MAX);
	assert_int_equal(s.log[0].exit_code, 0);
	assert_int_equal(s.log[1].exit_code, 1);
	assert_int_equal(s.log[4].exit_code, 0);
	/* starting after the start period: failures count */
	health_state_reset(&s);
	for (int i = 0; i < 3; i++)
		result(&s, &t, 1, 20 * S);
	assert_int_equal(s.status, HEALTH_UNHEALTHY);
	assert_false(health_set_status(&s, HEALTH_UNHEALTHY));
	assert_true(health_set_status(&s, HEALTH_HEALTHY));
	health_state_free(&s);
}

static void test_state_json(void **state)
{
	struct health_timing t = {.interval = S, .timeout = S, .start_interval = S, .retries = 1};
	struct health_state s = {0}, back;
	char *js;
	size_t len;

	health_state_reset(&s);
	struct health_result r = {.exit_code = -1, .output = strdup("a \"q\"\n\xe2\x9c\x93")};
	strcpy(r.start, "2026-12-07T00:00:00.1Z");
	strcpy(r.end, "2026-12-07T00:00:01.2Z");
	health_record(&s, &t, &r, 0);
	assert_null(health_state_to_json(&s, &js, &len));
	assert_string_equal(js, "{\"Status\":\"unhealthy\",\"FailingStreak\":1,\"Log\":[{\"Start\":"
				"\"2026-12-07T00:00:00.1Z\",\"End\":\"2026-12-07T00:00:01.2Z\","
				"\"ExitCode\":-1,\"Output\":\"a \\\"q\\\"\\n\xe2\x9c\x93\"}]}");
	assert_null(health_state_parse(js, len, "h", &back));
	assert_int_equal(back.status, HEALTH_UNHEALTHY);
	assert_int_equal(back.failing_streak, 1);
	assert_int_equal(back.n_log, 1);
	assert_string_equal(back.log[0].output, s.log[0].output);
	assert_string_equal(back.log[0].end, "2026-12-07T00:00:01.2Z");
	health_state_free(&back);
	free(js);
	health_state_free(&s);

	th_expect_msg(health_state_parse("{\"Status\":\"sick\"}", 17, "h", &back),
		      "h: Status: unknown status \"sick\"");
	th_expect_msg(health_state_parse("{}", 2, "h", &back), "Status");
	/* a hostile log longer than ours: its last five kept */
	const char *many = "{\"Status\":\"healthy\",\"Log\":[{\"ExitCode\":1},{},{},{},{},{},"
			   "{\"ExitCode\":7}]}";
	assert_null(health_state_parse(many, strlen(many), "h", &back));
	assert_int_equal(back.n_log, HEALTH_LOG_MAX);
	assert_int_equal(back.log[4].exit_code, 7);
	health_state_free(&back);
}

static void to_healthy(struct health_state *s, void *ctx)
{
	health_set_status(s, *(enum health_status *)ctx);
}

static void test_state_file(void **state)
{
	char *dir = th_tmpdir("health");
	struct health_state s;
	enum health_status want = HEALTH_HEALTHY;

	assert_null(health_state_load(dir, &s)); /* none yet */
	assert_int_equal(s.status, HEALTH_NONE);
	assert_null(health_state_update(dir, to_healthy, &want));
	assert_null(health_state_load(dir, &s));
	assert_int_equal(s.status, HEALTH_HEALTHY);
	health_state_free(&s);
	/* a damaged file is rebuilt by the next update */
	char *path = cubo_path_join(dir, HEALTH_STATE_FILE);
	assert_null(cubo_write_file_replace(path, "{", 1, 0644));
	struct cubo_error *err = health_state_load(dir, &s);
	assert_non_null(err);
	cubo_error_free(err);
	want = HEALTH_UNHEALTHY;
	assert_null(health_state_update(dir, to_healthy, &want));
	assert_null(health_state_load(dir, &s));
	assert_int_equal(s.status, HEALTH_UNHEALTHY);
	health_state_free(&s);
	free(path);
	th_tmpdir_free(dir);
}

static void test_run_flags(void **state)
{
	struct oci_healthcheck *h;

	assert_null(run_opt_health(&(struct run_health_flags){0}, &h));
	assert_null(h);
	assert_null(run_opt_health(&(struct run_health_flags){.cmd = "curl x",
							      .interval = "2s",
							      .retries = "4",
							      .start_interval = "100ms"},
				   &h));
	assert_int_equal(h->test.n, 2);
	assert_string_equal(h->test.v[0], "CMD-SHELL");
	assert_string_equal(h->test.v[1], "curl x");
	assert_int_equal(h->interval, 2 * S);
	assert_int_equal(h->start_interval, 100 * MS);
	assert_int_equal(h->retries, 4);
	oci_healthcheck_free(h);
	/* a duration alone: the image's test is kept (merged at create) */
	assert_null(run_opt_health(&(struct run_health_flags){.timeout = "1s"}, &h));
	assert_int_equal(h->test.n, 0);
	assert_int_equal(h->timeout, S);
	oci_healthcheck_free(h);
	assert_null(run_opt_health(&(struct run_health_flags){.none = true}, &h));
	assert_string_equal(h->test.v[0], "NONE");
	oci_healthcheck_free(h);
	th_expect_msg(run_opt_health(&(struct run_health_flags){.none = true, .cmd = "x"}, &h),
		      "--no-healthcheck conflicts with --health-* options");
	th_expect_msg(run_opt_health(&(struct run_health_flags){.none = true, .timeout = "1s"}, &h),
		      "--no-healthcheck conflicts");
	th_expect_msg(run_opt_health(&(struct run_health_flags){.cmd = ""}, &h),
		      "--health-cmd: the command is empty");
	th_expect_msg(run_opt_health(&(struct run_health_flags){.start_period = "1us"}, &h),
		      "--health-start-period \"1us\": cannot be less than 1ms");
	th_expect_msg(run_opt_health(&(struct run_health_flags){.retries = "-3"}, &h),
		      "--health-retries cannot be negative (-3)");
	assert_null(h);
}

static void test_record_round_trip(void **state)
{
	struct ctr_record r = {.stop_timeout = -1}, back;
	char *js;
	size_t len;

	memset(r.id, 'a', CTR_ID_LEN);
	r.name = strdup("n");
	r.healthcheck = check("CMD-SHELL", "true");
	r.healthcheck->timeout = 7 * S;
	assert_null(ctr_record_to_json(&r, false, &js, &len));
	assert_non_null(strstr(js, "\"healthcheck\":{\"Test\":[\"CMD-SHELL\",\"true\"],"
				   "\"Timeout\":7000000000}"));
	assert_null(ctr_record_parse(js, len, "state.json", &back));
	assert_int_equal(back.healthcheck->timeout, 7 * S);
	assert_string_equal(back.healthcheck->test.v[1], "true");
	ctr_record_free(&back);
	free(js);
	ctr_record_free(&r);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_durations),  cmocka_unit_test(test_merge_and_timing),
		cmocka_unit_test(test_argv),	   cmocka_unit_test(test_state_machine),
		cmocka_unit_test(test_state_json), cmocka_unit_test(test_state_file),
		cmocka_unit_test(test_run_flags),  cmocka_unit_test(test_record_round_trip),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
