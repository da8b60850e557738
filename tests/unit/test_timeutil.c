/* SPDX-License-Identifier: Apache-2.0 */
/* Covers: shared/timeutil.c */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cmocka.h>

#include "shared/timeutil.h"

static void assert_stamp(time_t sec, long nsec, const char *want)
{
	struct timespec ts = {.tv_sec = sec, .tv_nsec = nsec};
	char buf[CUBO_RFC3339_LEN];

	cubo_time_rfc3339(&ts, buf);
	assert_string_equal(buf, want);
}

static void test_epoch(void **state)
{
	assert_stamp(0, 0, "1970-01-01T00:00:00.000000000Z");
}

static void test_known_instant(void **state)
{
	/* date -u -d @1795465976 +%FT%T */
	assert_stamp(1795465976, 123456789, "2026-11-23T20:32:56.123456789Z");
}

static void test_nanoseconds_are_zero_padded(void **state)
{
	assert_stamp(1795465976, 7, "2026-11-23T20:32:56.000000007Z");
	assert_stamp(1795465976, 999999999, "2026-11-23T20:32:56.999999999Z");
}

static void test_leap_day(void **state)
{
	/* 2024-02-29T23:59:59Z */
	assert_stamp(1709251199, 500000000, "2024-02-29T23:59:59.500000000Z");
}

static void test_unnormalized_nanoseconds(void **state)
{
	assert_stamp(0, 1500000000, "1970-01-01T00:00:01.500000000Z");
	assert_stamp(10, -1, "1970-01-01T00:00:09.999999999Z");
}

static void test_now_is_well_formed(void **state)
{
	char buf[CUBO_RFC3339_LEN];
	struct tm tm = {0};
	char *rest;
	time_t before = time(NULL), parsed;

	cubo_time_now_rfc3339(buf);
	assert_int_equal(strlen(buf), 30);
	assert_int_equal(buf[19], '.');
	assert_int_equal(buf[29], 'Z');
	for (int i = 20; i < 29; i++)
		assert_true(buf[i] >= '0' && buf[i] <= '9');
	rest = strptime(buf, "%Y-%m-%dT%H:%M:%S", &tm);
	assert_non_null(rest);
	assert_int_equal(*rest, '.');
	parsed = timegm(&tm);
	assert_true(parsed >= before && parsed <= time(NULL));
}

/* a monotonic clock: never goes back, and a 2 ms sleep shows as at least 2 ms */
static void test_monotonic_ns(void **state)
{
	(void)state;
	int64_t a = cubo_monotonic_ns();
	struct timespec two_ms = {.tv_nsec = 2000000};
	nanosleep(&two_ms, NULL);
	int64_t b = cubo_monotonic_ns();
	assert_true(a > 0);
	assert_true(b - a >= 2000000);
}

static void test_duration_parse(void **state)
{
	int64_t ns;

	assert_true(cubo_duration_parse("30s", &ns));
	assert_int_equal(ns, 30000000000LL);
	assert_true(cubo_duration_parse("1h30m", &ns));
	assert_int_equal(ns, 5400000000000LL);
	assert_true(cubo_duration_parse("1.5s", &ns));
	assert_int_equal(ns, 1500000000LL);
	assert_true(cubo_duration_parse("300ms", &ns));
	assert_int_equal(ns, 300000000LL);
	assert_true(cubo_duration_parse("0", &ns));
	assert_int_equal(ns, 0);
	assert_true(cubo_duration_parse("-2s", &ns));
	assert_int_equal(ns, -2000000000LL);
	assert_false(cubo_duration_parse("", &ns));
	assert_false(cubo_duration_parse("5", &ns)); /* a unit is needed, as in Go */
	assert_false(cubo_duration_parse("5x", &ns));
	assert_false(cubo_duration_parse("s", &ns));
	assert_false(cubo_duration_parse("99999999999h", &ns)); /* beyond int64 ns */
}

static void assert_duration(int64_t ns, const char *want)
{
	char buf[CUBO_DURATION_LEN];

	cubo_duration_format(ns, buf);
	assert_string_equal(buf, want);
}

static void test_duration_format(void **state)
{
	assert_duration(0, "0s");
	assert_duration(30000000000LL, "30s");
	assert_duration(1500000000LL, "1.5s");
	assert_duration(90000000000LL, "1m30s");
	assert_duration(3600000000000LL, "1h0m0s");
	assert_duration(300000000LL, "300ms");
	assert_duration(1500, "1.5\xc2\xb5s");
	assert_duration(-1000000000LL, "-1s");
	assert_duration(INT64_MIN, "-2562047h47m16.854775808s");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_epoch),
		cmocka_unit_test(test_monotonic_ns),
		cmocka_unit_test(test_known_instant),
		cmocka_unit_test(test_nanoseconds_are_zero_padded),
		cmocka_unit_test(test_leap_day),
		cmocka_unit_test(test_unnormalized_nanoseconds),
		cmocka_unit_test(test_now_is_well_formed),
		cmocka_unit_test(test_duration_parse),
		cmocka_unit_test(test_duration_format),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
