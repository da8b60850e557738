/* SPDX-License-Identifier: Apache-2.0 */
/* Covers: cubo-runc/hooks.c */
/* hooks: real /bin/sh hooks get the state on stdin, exactly their env and args, a timeout. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "cubo-runc/hooks.h"
#include "tests/unit/helpers.h"

static int setup(void **state)
{
	*state = th_dir_new("hooks", "out");
	return 0;
}

/* One /bin/sh hook running script, with env as given. */
static struct cubo_error *run_sh(const char *script, char **env, int timeout)
{
	char *args[] = {"sh-named-hook", "-c", (char *)script, NULL};
	size_t n_env = 0;

	while (env && env[n_env])
		n_env++;
	struct oci_hook hk = {.path = "/bin/sh",
			      .args = {args, 3},
			      .env = {env, n_env},
			      .has_timeout = timeout > 0,
			      .timeout = timeout};
	struct oci_hook_list list = {&hk, 1};

	return hooks_run(&list, HOOK_CREATE_RUNTIME, "{\"id\":\"c1\",\"status\":\"created\"}",
			 NULL);
}

static void test_stdin_env_args(void **state)
{
	struct th_dir *fx = *state;
	char script[256], *env[] = {"ONLY=this", NULL}, *text;

	snprintf(script, sizeof(script),
		 "{ cat; echo; env | grep -v '^PWD=\\|^SHLVL=\\|^_='; echo $0; } > %s", fx->path);
	assert_null(run_sh(script, env, 0));
	text = th_read_file(fx->path, NULL);
	assert_string_equal(text,
			    "{\"id\":\"c1\",\"status\":\"created\"}\nONLY=this\nsh-named-hook\n");
	free(text);
}

static void test_failure_names_hook_and_status(void **state)
{
	struct cubo_error *err = run_sh("echo something broke >&2; exit 3", NULL, 0);

	(void)state;
	assert_non_null(err);
	assert_string_equal(
		err->msg, "createRuntime hook 0 (/bin/sh): exited with status 3: something broke");
	cubo_error_free(err);
	th_expect_msg(run_sh("kill -TERM $$", NULL, 0), "killed by signal 15");
}

static void test_timeout_kills_the_hook(void **state)
{
	time_t start = time(NULL);
	struct cubo_error *err = run_sh("sleep 30", NULL, 1);

	(void)state;
	assert_non_null(err);
	assert_non_null(strstr(err->msg, "timed out after 1 s"));
	assert_true(time(NULL) - start < 5);
	cubo_error_free(err);
}

static void test_missing_path_and_no_fd_leak(void **state)
{
	struct th_dir *fx = *state;
	struct oci_hook hk = {.path = "/nonexistent/hook"};
	struct oci_hook_list list = {&hk, 1};
	struct cubo_error *err = hooks_run(&list, HOOK_POSTSTOP, "{}", NULL);
	char script[200], *text;

	assert_non_null(err);
	assert_non_null(
		strstr(err->msg, "poststop hook 0 (/nonexistent/hook): exited with status 127"));
	cubo_error_free(err);
	/* only stdin, stdout and stderr reach a hook */
	snprintf(script, sizeof(script), "ls /proc/self/fd > %s", fx->path);
	assert_null(run_sh(script, NULL, 0));
	text = th_read_file(fx->path, NULL);
	/* 0 1 2, and 3: the fd ls itself opened for the directory */
	assert_string_equal(text, "0\n1\n2\n3\n");
	free(text);
}

static void test_runs_in_cwd(void **state)
{
	struct th_dir *fx = *state;
	char *args[] = {"sh", "-c", "pwd > out", NULL}, missing[128], *text;
	struct oci_hook hk = {.path = "/bin/sh", .args = {args, 3}};
	struct oci_hook_list list = {&hk, 1};

	/* "out" is relative: it lands in the directory the hook runs in */
	assert_null(hooks_run(&list, HOOK_CREATE_CONTAINER, "{}", fx->dir));
	text = th_read_file(fx->path, NULL);
	assert_int_equal(strlen(text), strlen(fx->dir) + 1);
	assert_memory_equal(text, fx->dir, strlen(fx->dir));
	assert_int_equal(text[strlen(fx->dir)], '\n');
	free(text);
	/* a directory that is not there fails the hook, naming it */
	snprintf(missing, sizeof(missing), "%s/gone", fx->dir);
	th_expect_msg(hooks_run(&list, HOOK_CREATE_CONTAINER, "{}", missing),
		      "exited with status 126: chdir ", "/gone");
}

static void test_lists_stop_at_first_failure(void **state)
{
	struct th_dir *fx = *state;
	char ok[200], *args_ok[] = {"sh", "-c", ok, NULL},
		      *args_bad[] = {"sh", "-c", "exit 1", NULL};
	struct oci_hook hks[3] = {{.path = "/bin/sh", .args = {args_ok, 3}},
				  {.path = "/bin/sh", .args = {args_bad, 3}},
				  {.path = "/bin/sh", .args = {args_ok, 3}}};
	struct oci_hook_list list = {hks, 3};
	char *text;

	snprintf(ok, sizeof(ok), "echo ran >> %s", fx->path);
	th_expect_msg(hooks_run(&list, HOOK_PRESTART, "{}", NULL), "prestart hook 1 (/bin/sh)");
	text = th_read_file(fx->path, NULL);
	assert_string_equal(text, "ran\n");
	free(text);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_stdin_env_args, setup, th_dir_teardown),
		cmocka_unit_test(test_failure_names_hook_and_status),
		cmocka_unit_test(test_timeout_kills_the_hook),
		cmocka_unit_test_setup_teardown(test_missing_path_and_no_fd_leak, setup,
						th_dir_teardown),
		cmocka_unit_test_setup_teardown(test_lists_stop_at_first_failure, setup,
						th_dir_teardown),
		cmocka_unit_test_setup_teardown(test_runs_in_cwd, setup, th_dir_teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
