/* SPDX-License-Identifier: Apache-2.0 */
/* Covers: cubo-mgr/cli.c */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "cubo-mgr/cli.h"
#include "shared/strv.h"

struct flags {
	bool quiet, all, interactive, tty, tls;
	const char *format, *name;
	long tail;
	char **env;
};

#define OPTS(f)                                                                                    \
	const struct cli_opt opts[] = {                                                            \
		{"quiet", 'q', CLI_BOOL, &(f).quiet, NULL, "only IDs"},                            \
		{"all", 'a', CLI_BOOL, &(f).all, NULL, "all"},                                     \
		{"interactive", 'i', CLI_BOOL, &(f).interactive, NULL, "stdin"},                   \
		{"tty", 't', CLI_BOOL, &(f).tty, NULL, "terminal"},                                \
		{"tls-verify", 0, CLI_BOOL, &(f).tls, NULL, "verify"},                             \
		{"format", 0, CLI_STRING, &(f).format, "FMT", "format"},                           \
		{"name", 0, CLI_STRING, &(f).name, "NAME", "name"},                                \
		{"tail", 'n', CLI_INT, &(f).tail, "N", "lines"},                                   \
		{"env", 'e', CLI_LIST, &(f).env, "K=V", "env"},                                    \
	}

static struct cubo_error *run(struct flags *f, bool stop, struct cli_args *a, int argc, char **argv)
{
	OPTS(*f);
	return cli_parse(argc, argv, opts, CLI_N(opts), stop, a);
}

static void test_long_and_short_forms(void **state)
{
	struct flags f = {.tls = true};
	char *argv[] = {"images", "--format=json",
			"-aq",	  "--tls-verify=false",
			"x",	  "--name",
			"n1",	  "-n5",
			"-e",	  "A=1",
			"--env",  "B=2",
			"y",	  NULL};
	struct cli_args a;
	assert_null(run(&f, false, &a, 13, argv));
	assert_true(f.quiet);
	assert_true(f.all);
	assert_false(f.tls);
	assert_string_equal(f.format, "json");
	assert_string_equal(f.name, "n1");
	assert_int_equal(f.tail, 5);
	assert_int_equal(cubo_strv_len(f.env), 2);
	assert_string_equal(f.env[0], "A=1");
	assert_string_equal(f.env[1], "B=2");
	assert_int_equal(a.n, 2);
	assert_string_equal(a.v[0], "x");
	assert_string_equal(a.v[1], "y");
	assert_null(a.v[2]);
	assert_false(a.help);
	cubo_strv_free(f.env);
}

static void test_stop_at_first_argument(void **state)
{
	struct flags f = {0};
	char *argv[] = {"run", "-it", "busybox", "ls", "-l", "--all", NULL};
	struct cli_args a;
	assert_null(run(&f, true, &a, 6, argv));
	assert_true(f.interactive);
	assert_true(f.tty);
	assert_false(f.all);
	assert_int_equal(a.n, 4);
	assert_string_equal(a.v[2], "-l");
	assert_string_equal(a.v[3], "--all");
}

static void test_double_dash_and_dash(void **state)
{
	struct flags f = {0};
	char *argv[] = {"load", "-", "--", "-q", NULL};
	struct cli_args a;
	assert_null(run(&f, false, &a, 4, argv));
	assert_false(f.quiet);
	assert_int_equal(a.n, 2);
	assert_string_equal(a.v[0], "-");
	assert_string_equal(a.v[1], "-q");
}

static void test_arguments_move_last(void **state)
{
	struct flags f = {0};
	char *argv[] = {"rmi", "a", "--name", "x", "b", "-q", "--", "-c", NULL};
	struct cli_args a;
	assert_null(run(&f, false, &a, 8, argv));
	assert_int_equal(a.n, 3);
	assert_ptr_equal(a.v, argv + 5);
	assert_string_equal(a.v[0], "a");
	assert_string_equal(a.v[1], "b");
	assert_string_equal(a.v[2], "-c");
	assert_null(a.v[3]);
	assert_string_equal(argv[1], "--name");
	assert_string_equal(argv[2], "x");
	assert_string_equal(argv[3], "-q");
	assert_string_equal(argv[4], "--");
	/* the reordered command line means what the original meant */
	struct flags g = {0};
	struct cli_args b;
	assert_null(run(&g, false, &b, 8, argv));
	assert_int_equal(b.n, 3);
	assert_string_equal(b.v[0], "a");
	assert_string_equal(b.v[2], "-c");
	assert_string_equal(g.name, "x");
	assert_true(g.quiet);
}

static void test_help(void **state)
{
	struct flags f = {0};
	char *argv1[] = {"pull", "--help", NULL};
	char *argv2[] = {"pull", "-qh", NULL};
	struct cli_args a;
	assert_null(run(&f, false, &a, 2, argv1));
	assert_true(a.help);
	assert_null(run(&f, false, &a, 2, argv2));
	assert_true(a.help);
	assert_true(f.quiet);
}

static void expect_error(char **argv, int argc, const char *fragment)
{
	struct flags f = {0};
	struct cli_args a;
	struct cubo_error *err = run(&f, false, &a, argc, argv);
	assert_non_null(err);
	assert_non_null(strstr(err->msg, fragment));
	assert_null(a.v);
	cubo_error_free(err);
	cubo_strv_free(f.env);
}

static void test_errors(void **state)
{
	char *unknown[] = {"images", "--bogus", NULL};
	expect_error(unknown, 2, "unknown flag \"--bogus\"");
	char *unknown_short[] = {"images", "-qz", NULL};
	expect_error(unknown_short, 2, "unknown flag \"-z\" in \"-qz\"");
	char *missing[] = {"images", "--format", NULL};
	expect_error(missing, 2, "flag \"--format\" needs a value");
	char *missing_short[] = {"logs", "-n", NULL};
	expect_error(missing_short, 2, "flag \"-n\" needs a value");
	char *not_int[] = {"logs", "--tail=x", NULL};
	expect_error(not_int, 2, "flag \"--tail\": \"x\" is not an integer");
	char *bad_bool[] = {"pull", "--tls-verify=maybe", NULL};
	expect_error(bad_bool, 2, "\"maybe\" is not true or false");
	char *env_then_bad[] = {"run", "-e", "A=1", "--nope", NULL};
	expect_error(env_then_bad, 4, "unknown flag \"--nope\"");
}

static void test_help_text_lists_flags(void **state)
{
	struct flags f = {0};
	OPTS(f);
	char *buf = NULL;
	size_t len = 0;
	FILE *out = open_memstream(&buf, &len);
	cli_print_help(out, "cubo-mgr", "images [OPTIONS]", "List images.", opts, CLI_N(opts));
	fclose(out);
	assert_non_null(strstr(buf, "Usage: cubo-mgr images [OPTIONS]"));
	assert_non_null(strstr(buf, "-q, --quiet"));
	assert_non_null(strstr(buf, "--format FMT"));
	assert_non_null(strstr(buf, "-h, --help"));
	free(buf);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_long_and_short_forms),
		cmocka_unit_test(test_stop_at_first_argument),
		cmocka_unit_test(test_double_dash_and_dash),
		cmocka_unit_test(test_arguments_move_last),
		cmocka_unit_test(test_help),
		cmocka_unit_test(test_errors),
		cmocka_unit_test(test_help_text_lists_flags),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
