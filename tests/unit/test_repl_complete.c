/* SPDX-License-Identifier: Apache-2.0 */
/* Covers: cubo-mgr/repl/complete.c */
#include "helpers.h"

#include "cubo-mgr/repl/complete.h"
#include "shared/strv.h"

/* run's --help as cli_print_help prints it (a few lines of it) */
static const char run_help[] =
	"Usage: cubo-mgr run [OPTIONS] IMAGE [COMMAND [ARG...]]\n\n"
	"Make a container from an image and start it.\n\n"
	"Options:\n"
	"      --name NAME              name the container\n"
	"  -d, --detach                 run in the background and print the container ID\n"
	"  -e, --env KEY=VALUE          set an environment variable\n"
	"  -v, --volume SRC:DEST[:ro]   bind a host directory or a named volume\n"
	"  -p, --publish [IP:][HOST:]CTR[/PROTO] publish a container's port on the host\n"
	"      --cpus N                 CPU limit (e.g. 1.5)\n"
	"      --network NETWORK        connect to a network\n"
	"      --very-long-flag-without-value a flag\n"
	"  -h, --help                   show this help\n";

static const char group_help[] = "Usage: cubo-mgr volume COMMAND\n\n"
				 "Manage named volumes.\n\n"
				 "Commands:\n"
				 "  create      create a volume\n"
				 "  ls          list volumes\n"
				 "  rm          remove volumes\n";

static void test_help_flags(void **state)
{
	(void)state;
	char **flags, **values;
	repl_help_flags(run_help, &flags, &values);
	th_assert_strv(flags, "--name", "-d", "--detach", "-e", "--env", "-v", "--volume", "-p",
		       "--publish", "--cpus", "--network", "--very-long-flag-without-value", "-h",
		       "--help");
	/* a placeholder after one blank; help text after several is not one */
	th_assert_strv(values, "--name", "-e", "--env", "-v", "--volume", "-p", "--publish",
		       "--cpus", "--network");
	cubo_strv_free(flags);
	cubo_strv_free(values);
	/* no Options section: nothing */
	repl_help_flags("Usage: x\n", &flags, &values);
	assert_null(flags[0]);
	assert_null(values[0]);
	cubo_strv_free(flags);
	cubo_strv_free(values);
}

static void test_help_verbs(void **state)
{
	(void)state;
	char **v = repl_help_verbs(group_help);
	th_assert_strv(v, "create", "ls", "rm");
	cubo_strv_free(v);
	v = repl_help_verbs(run_help);
	assert_null(v[0]);
	cubo_strv_free(v);
}

/* the kind for a line of words (split on blanks) and a partial word */
static unsigned kind_of(const char *line, const char *partial)
{
	char **flags, **values;
	repl_help_flags(run_help, &flags, &values);
	char **w = line[0] ? cubo_strv_split(line, ' ') : xcalloc(1, sizeof(char *));
	unsigned k = repl_complete_kind(w, (int)cubo_strv_len(w), partial, values);
	cubo_strv_free(w);
	cubo_strv_free(flags);
	cubo_strv_free(values);
	return k;
}

static void test_kind(void **state)
{
	(void)state;
	assert_int_equal(kind_of("", "r"), REPL_COMMAND);
	assert_int_equal(kind_of("", NULL), REPL_COMMAND);
	assert_int_equal(kind_of("rm", "-"), REPL_FLAG);
	assert_int_equal(kind_of("rm", "a"), REPL_CONTAINER);
	assert_int_equal(kind_of("rm a", NULL), REPL_CONTAINER);
	assert_int_equal(kind_of("inspect", NULL), REPL_CONTAINER | REPL_IMAGE);
	assert_int_equal(kind_of("rmi", "bu"), REPL_IMAGE);
	/* run: the image first, then the command (a flag's value is not an argument) */
	assert_int_equal(kind_of("run", NULL), REPL_IMAGE);
	assert_int_equal(kind_of("run -d -e A=1 --name x", NULL), REPL_IMAGE);
	assert_int_equal(kind_of("run --env=A=1", NULL), REPL_IMAGE);
	assert_int_equal(kind_of("run -d bb", NULL), 0);
	assert_int_equal(kind_of("run -- bb", NULL), 0);
	/* the values of some flags */
	assert_int_equal(kind_of("run --network", NULL), REPL_NETWORK);
	assert_int_equal(kind_of("run -v", "da"), REPL_VOLUME);
	assert_int_equal(kind_of("run --name", NULL), 0);
	/* exec CTR CMD: only the first */
	assert_int_equal(kind_of("exec", NULL), REPL_CONTAINER);
	assert_int_equal(kind_of("exec c1", NULL), 0);
	/* commit CTR REPO, rename CTR NEW: the new name or image is not a container's */
	assert_int_equal(kind_of("commit", NULL), REPL_CONTAINER);
	assert_int_equal(kind_of("commit c1", NULL), 0);
	assert_int_equal(kind_of("container rename", NULL), REPL_CONTAINER);
	assert_int_equal(kind_of("diff", "c"), REPL_CONTAINER);
	/* groups: the verb, then what the verb takes */
	assert_int_equal(kind_of("volume", NULL), REPL_VERB);
	assert_int_equal(kind_of("volume", "-"), REPL_FLAG);
	assert_int_equal(kind_of("volume rm", NULL), REPL_VOLUME);
	assert_int_equal(kind_of("volume create", NULL), 0);
	assert_int_equal(kind_of("network inspect", NULL), REPL_NETWORK);
	assert_int_equal(kind_of("network connect", NULL), REPL_NETWORK);
	assert_int_equal(kind_of("network connect n1", NULL), REPL_CONTAINER);
	assert_int_equal(kind_of("image rm", NULL), REPL_IMAGE);
	assert_int_equal(kind_of("container stop", NULL), REPL_CONTAINER);
	assert_int_equal(kind_of("container inspect", NULL), REPL_CONTAINER);
	assert_int_equal(kind_of("container run", NULL), REPL_IMAGE);
	assert_int_equal(kind_of("healthcheck", NULL), REPL_VERB);
	assert_int_equal(kind_of("healthcheck run", NULL), REPL_CONTAINER);
	assert_int_equal(kind_of("healthcheck run --ignore-result", NULL), REPL_CONTAINER);
	assert_int_equal(kind_of("healthcheck run c1", NULL), 0);
	assert_int_equal(kind_of("version", NULL), 0);
}

static void test_matches_and_common_prefix(void **state)
{
	(void)state;
	char *cands[] = {"stop", "start", "stats", "start", "rm", "st", NULL};
	char **m = repl_matches(cands, "sta");
	th_assert_strv(m, "start", "stats");
	assert_int_equal(repl_common_prefix(m), 3);
	cubo_strv_free(m);
	m = repl_matches(cands, "");
	th_assert_strv(m, "rm", "st", "start", "stats", "stop");
	assert_int_equal(repl_common_prefix(m), 0);
	cubo_strv_free(m);
	m = repl_matches(cands, "x");
	assert_null(m[0]);
	assert_int_equal(repl_common_prefix(m), 0);
	cubo_strv_free(m);
	m = repl_matches(NULL, "");
	assert_null(m[0]);
	cubo_strv_free(m);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_help_flags),
		cmocka_unit_test(test_help_verbs),
		cmocka_unit_test(test_kind),
		cmocka_unit_test(test_matches_and_common_prefix),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
