/* SPDX-License-Identifier: Apache-2.0 */
/* Covers: cubo-mgr/container/logconf.c */
#include "tests/unit/helpers.h"

#include "cubo-mgr/container/logconf.h"

static void test_defaults(void **state)
{
	struct log_config c;
	th_assert_ok(log_config_parse(NULL, NULL, &c));
	assert_int_equal(c.driver, LOG_DRIVER_K8S_FILE);
	assert_int_equal(c.max_size, LOG_DEFAULT_MAX_SIZE);
	assert_int_equal(c.max_file, LOG_DEFAULT_MAX_FILE);
	log_config_free(&c);
	const char *names[] = {"k8s-file", "json-file", "journald", "none"};
	for (int i = 0; i < 4; i++) {
		th_assert_ok(log_config_parse(names[i], NULL, &c));
		assert_int_equal(c.driver, i);
		assert_string_equal(log_driver_name(c.driver), names[i]);
		log_config_free(&c);
	}
}

static void test_options(void **state)
{
	struct log_config c;
	char *opts[] = {"max-size=10k", "max-file=3", NULL};
	th_assert_ok(log_config_parse("json-file", opts, &c));
	assert_int_equal(c.max_size, 10240);
	assert_int_equal(c.max_file, 3);
	log_config_free(&c);
	char *units[] = {"max-size=2m", NULL};
	th_assert_ok(log_config_parse(NULL, units, &c));
	assert_int_equal(c.max_size, 2 * 1024 * 1024);
	log_config_free(&c);
	char *unlimited[] = {"max-size=-1", NULL};
	th_assert_ok(log_config_parse(NULL, unlimited, &c));
	assert_int_equal(c.max_size, -1);
	log_config_free(&c);
	char *tag[] = {"tag=web", NULL};
	th_assert_ok(log_config_parse("journald", tag, &c));
	assert_string_equal(c.tag, "web");
	log_config_free(&c);
}

static void test_errors(void **state)
{
	struct log_config c;
	th_expect_text(log_config_parse("syslog", NULL, &c), "--log-driver", "syslog");
	char *bad_size[] = {"max-size=abc", NULL};
	th_expect_text(log_config_parse(NULL, bad_size, &c), "max-size", "abc");
	char *zero[] = {"max-size=0", NULL};
	th_expect_text(log_config_parse(NULL, zero, &c), "max-size", "0");
	char *bad_file[] = {"max-file=0", NULL};
	th_expect_text(log_config_parse(NULL, bad_file, &c), "max-file", "0");
	char *many[] = {"max-file=100000", NULL};
	th_expect_text(log_config_parse(NULL, many, &c), "max-file");
	char *junk[] = {"max-file=3x", NULL};
	th_expect_text(log_config_parse(NULL, junk, &c), "max-file", "3x");
	char *unknown[] = {"colour=red", NULL};
	th_expect_text(log_config_parse(NULL, unknown, &c), "colour", "k8s-file");
	char *noeq[] = {"max-size", NULL};
	th_expect_text(log_config_parse(NULL, noeq, &c), "max-size", "KEY=VALUE");
	/* options of another driver */
	char *size[] = {"max-size=1m", NULL};
	th_expect_text(log_config_parse("none", size, &c), "max-size", "none");
	th_expect_text(log_config_parse("journald", size, &c), "max-size", "journald");
	char *tag[] = {"tag=a\nb", NULL};
	th_expect_text(log_config_parse("journald", tag, &c), "tag");
	char *nolimit[] = {"max-size=-1", "max-file=3", NULL};
	th_expect_text(log_config_parse(NULL, nolimit, &c), "max-file");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_defaults),
		cmocka_unit_test(test_options),
		cmocka_unit_test(test_errors),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
