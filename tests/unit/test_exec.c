/* SPDX-License-Identifier: Apache-2.0 */
/* Covers: cubo-runc/exec.c */
/*
 * `exec` without a container: its command line and how the flags change the
 * container's process (or a --process object) into the one that is run.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>

#include <cmocka.h>

#include "cubo-runc/exec.h"
#include "shared/strv.h"
#include "tests/unit/helpers.h"

#define ARGV(...) ((char *[]){"exec", __VA_ARGS__, NULL})
#define ARGC(...) ((int)(sizeof((char *[]){"exec", __VA_ARGS__}) / sizeof(char *)))
#define PARSE(f, help, ...) exec_flags_parse(ARGC(__VA_ARGS__), ARGV(__VA_ARGS__), (f), (help))

/* The process part of a runc-style config.json. */
static const char config_process[] =
	"{\"terminal\": true, \"user\": {\"uid\": 0, \"gid\": 0, \"additionalGids\": [10]},"
	" \"args\": [\"sh\"], \"env\": [\"PATH=/bin\", \"TERM=xterm\"], \"cwd\": \"/srv\","
	" \"capabilities\": {\"bounding\": [\"CAP_KILL\"], \"effective\": [\"CAP_KILL\"],"
	" \"permitted\": [\"CAP_KILL\"]},"
	" \"rlimits\": [{\"type\": \"RLIMIT_NOFILE\", \"soft\": 1024, \"hard\": 1024}],"
	" \"noNewPrivileges\": true, \"apparmorProfile\": \"ctr-default\","
	" \"oomScoreAdj\": 100}";

static struct oci_process *proc_from(const char *json)
{
	struct oci_process *p;

	th_assert_ok(oci_process_parse(json, strlen(json), "test", &p));
	return p;
}

/* Parse the flags and build the process on top of config_process. */
static struct cubo_error *build(int argc, char **argv, const char *file_json,
				struct oci_process **out)
{
	struct exec_flags f;
	bool help;
	struct cubo_error *err = exec_flags_parse(argc, argv, &f, &help);

	if (!err)
		err = exec_process_build(&f, file_json ? proc_from(file_json) : NULL,
					 proc_from(config_process), out);
	exec_flags_free(&f);
	return err;
}

#define BUILD(out, ...) build(ARGC(__VA_ARGS__), ARGV(__VA_ARGS__), NULL, (out))
#define BUILD_FILE(json, out, ...) build(ARGC(__VA_ARGS__), ARGV(__VA_ARGS__), (json), (out))

static bool has(const struct oci_strlist *l, const char *s)
{
	return l->v && cubo_strv_contains(l->v, s);
}

/* --- the command line --- */

static void test_flags_basic(void **state)
{
	struct exec_flags f;
	bool help;

	(void)state;
	th_assert_ok(PARSE(&f, &help, "--cwd", "/tmp", "-u", "5:6", "--detach", "--pid-file=/p",
			   "--preserve-fds", "2", "c1", "ls", "-l", "/"));
	assert_false(help);
	assert_string_equal(f.id, "c1");
	assert_string_equal(f.cwd, "/tmp");
	assert_string_equal(f.user, "5:6");
	assert_string_equal(f.pid_file, "/p");
	assert_true(f.detach);
	assert_int_equal(f.preserve_fds, 2);
	assert_int_equal(f.n_args, 3);
	assert_string_equal(f.args[0], "ls");
	assert_string_equal(f.args[1], "-l");
	assert_false(f.tty_set);
	exec_flags_free(&f);
}

static void test_flags_repeatable(void **state)
{
	struct exec_flags f;
	bool help;

	(void)state;
	th_assert_ok(PARSE(&f, &help, "-e", "A=1", "--env=B=2", "--env", "A=3", "-c",
			   "CAP_SYS_ADMIN", "--cap", "CAP_NET_ADMIN", "-g", "5",
			   "--additional-gids=6", "--cgroup", "sub", "-t", "c1", "sh"));
	assert_int_equal(f.env.n, 3);
	assert_string_equal(f.env.v[0], "A=1");
	assert_string_equal(f.env.v[1], "B=2");
	assert_string_equal(f.env.v[2], "A=3");
	assert_int_equal(f.caps.n, 2);
	assert_string_equal(f.caps.v[1], "CAP_NET_ADMIN");
	assert_int_equal(f.gids.n, 2);
	assert_string_equal(f.gids.v[1], "6");
	assert_int_equal(f.cgroups.n, 1);
	assert_true(f.tty && f.tty_set);
	exec_flags_free(&f);
}

static void test_flags_stop_at_command(void **state)
{
	struct exec_flags f;
	bool help;

	(void)state;
	/* flags after the command belong to it */
	th_assert_ok(PARSE(&f, &help, "c1", "ls", "-e", "--tty"));
	assert_false(f.tty_set);
	assert_int_equal(f.env.n, 0);
	assert_int_equal(f.n_args, 3);
	exec_flags_free(&f);
	th_assert_ok(PARSE(&f, &help, "--tty=false", "--", "c1", "sh"));
	assert_true(f.tty_set);
	assert_false(f.tty);
	assert_string_equal(f.id, "c1");
	exec_flags_free(&f);
}

static void test_flags_help(void **state)
{
	struct exec_flags f;
	bool help;

	(void)state;
	th_assert_ok(PARSE(&f, &help, "--help"));
	assert_true(help);
	exec_flags_free(&f);
}

static void test_flags_errors(void **state)
{
	struct exec_flags f;
	bool help;

	(void)state;
	th_expect_text(PARSE(&f, &help, "--bogus", "c1", "sh"), "flag provided but not defined",
		       "--bogus");
	exec_flags_free(&f);
	th_expect_text(PARSE(&f, &help, "--env"), "flag needs an argument", "--env");
	exec_flags_free(&f);
	th_expect_text(PARSE(&f, &help, "--tty=maybe", "c1", "sh"), "invalid boolean");
	exec_flags_free(&f);
	th_expect_text(PARSE(&f, &help, "--preserve-fds", "x", "c1", "sh"), "invalid number");
	exec_flags_free(&f);
	th_expect_text(PARSE(&f, &help, "--preserve-fds", "-1", "c1", "sh"),
		       "must not be negative");
	exec_flags_free(&f);
	th_expect_text(PARSE(&f, &help, "c1"), "process args cannot be empty");
	exec_flags_free(&f);
	th_expect_text(PARSE(&f, &help, "--detach"), "expected a container id");
	exec_flags_free(&f);
	th_expect_text(PARSE(&f, &help, "-p", "proc.json", "c1", "ls"), "cannot be given with",
		       "proc.json");
	exec_flags_free(&f);
	th_assert_ok(PARSE(&f, &help, "-p", "proc.json", "c1"));
	assert_string_equal(f.process_file, "proc.json");
	exec_flags_free(&f);
}

static void test_parse_user(void **state)
{
	uint32_t uid = 7, gid = 7;
	bool has_gid;

	(void)state;
	th_assert_ok(exec_parse_user("1000", &uid, &gid, &has_gid));
	assert_int_equal(uid, 1000);
	assert_false(has_gid);
	th_assert_ok(exec_parse_user("1000:1001", &uid, &gid, &has_gid));
	assert_int_equal(uid, 1000);
	assert_int_equal(gid, 1001);
	assert_true(has_gid);
	th_assert_ok(exec_parse_user("0:0", &uid, &gid, &has_gid));
	assert_int_equal(uid, 0);
	th_expect_text(exec_parse_user("root", &uid, &gid, &has_gid), "--user \"root\"",
		       "not a number");
	th_expect_text(exec_parse_user("1000:", &uid, &gid, &has_gid), "gid");
	th_expect_text(exec_parse_user(":5", &uid, &gid, &has_gid), "uid");
	th_expect_text(exec_parse_user("-1", &uid, &gid, &has_gid), "uid");
	th_expect_text(exec_parse_user("1:2:3", &uid, &gid, &has_gid), "gid");
	th_expect_text(exec_parse_user("4294967295", &uid, &gid, &has_gid), "uid");
	th_expect_text(exec_parse_user("", &uid, &gid, &has_gid), "uid");
}

/* --- flags on top of the config's process --- */

static void test_build_defaults_from_config(void **state)
{
	struct oci_process *p;

	(void)state;
	th_assert_ok(BUILD(&p, "c1", "ls", "-l"));
	assert_int_equal(p->args.n, 2);
	assert_string_equal(p->args.v[0], "ls");
	assert_string_equal(p->args.v[1], "-l");
	assert_null(p->args.v[2]);
	assert_string_equal(p->cwd, "/srv");
	assert_int_equal(p->env.n, 2);
	/* runc: a terminal only with --tty, whatever config.json says */
	assert_false(p->terminal);
	assert_true(p->no_new_privileges);
	assert_string_equal(p->apparmor_profile, "ctr-default");
	assert_int_equal(p->n_rlimits, 1);
	assert_int_equal(p->user.n_additional_gids, 1);
	assert_true(has(&p->capabilities->bounding, "CAP_KILL"));
	oci_process_free(p);
}

static void test_build_env_override_and_append(void **state)
{
	struct oci_process *p;

	(void)state;
	th_assert_ok(BUILD(&p, "-e", "TERM=dumb", "-e", "NEW=1", "-e", "EMPTY=", "-e", "NEW=2",
			   "c1", "env"));
	assert_int_equal(p->env.n, 4);
	assert_string_equal(p->env.v[0], "PATH=/bin");
	assert_string_equal(p->env.v[1], "TERM=dumb"); /* replaced where it was */
	assert_string_equal(p->env.v[2], "NEW=2");     /* the last one wins */
	assert_string_equal(p->env.v[3], "EMPTY=");
	assert_null(p->env.v[4]);
	oci_process_free(p);

	th_expect_text(BUILD(&p, "-e", "NOEQUALS", "c1", "env"), "--env \"NOEQUALS\"", "KEY=VALUE");
	th_expect_text(BUILD(&p, "-e", "=x", "c1", "env"), "name is empty");
}

static void test_build_user_and_gids(void **state)
{
	struct oci_process *p;

	(void)state;
	th_assert_ok(
		BUILD(&p, "-u", "1000:1000", "-g", "20", "--additional-gids", "30", "c1", "id"));
	assert_int_equal(p->user.uid, 1000);
	assert_int_equal(p->user.gid, 1000);
	assert_int_equal(p->user.n_additional_gids, 3);
	assert_int_equal(p->user.additional_gids[0], 10);
	assert_int_equal(p->user.additional_gids[1], 20);
	assert_int_equal(p->user.additional_gids[2], 30);
	oci_process_free(p);

	/* a uid alone keeps the config's gid */
	th_assert_ok(BUILD(&p, "-u", "7", "c1", "id"));
	assert_int_equal(p->user.uid, 7);
	assert_int_equal(p->user.gid, 0);
	oci_process_free(p);

	th_expect_text(BUILD(&p, "-u", "nobody", "c1", "id"), "--user \"nobody\"");
	th_expect_text(BUILD(&p, "-u", "1:x", "c1", "id"), "gid \"x\"");
	th_expect_text(BUILD(&p, "-g", "-3", "c1", "id"), "--additional-gids \"-3\"");
}

static void test_build_caps(void **state)
{
	struct oci_process *p;
	struct oci_capabilities *c;

	(void)state;
	th_assert_ok(BUILD(&p, "--cap", "CAP_SYS_ADMIN", "-c", "CAP_KILL", "c1", "sh"));
	c = p->capabilities;
	assert_true(has(&c->bounding, "CAP_SYS_ADMIN"));
	assert_true(has(&c->effective, "CAP_SYS_ADMIN"));
	assert_true(has(&c->permitted, "CAP_SYS_ADMIN"));
	/* no inheritable set in the config: nothing ambient (runc's rule) */
	assert_null(c->ambient.v);
	assert_null(c->inheritable.v);
	/* not added twice */
	assert_int_equal(c->bounding.n, 2);
	oci_process_free(p);

	th_expect_text(BUILD(&p, "--cap", "CAP_MADE_UP", "c1", "sh"), "--cap \"CAP_MADE_UP\"",
		       "unknown capability");
	th_expect_text(BUILD(&p, "--cap", "chown", "c1", "sh"), "unknown capability");
}

static void test_build_caps_ambient_with_inheritable(void **state)
{
	struct oci_process *p;

	(void)state;
	/* a --process object with an inheritable set: --cap also goes to ambient */
	th_assert_ok(BUILD_FILE("{\"args\": [\"sh\"], \"cwd\": \"/\", \"capabilities\": "
				"{\"inheritable\": [], \"bounding\": [\"CAP_CHOWN\"]}}",
				&p, "-p", "x.json", "--cap", "CAP_NET_RAW", "c1"));
	assert_true(has(&p->capabilities->ambient, "CAP_NET_RAW"));
	assert_true(has(&p->capabilities->bounding, "CAP_CHOWN"));
	assert_true(has(&p->capabilities->bounding, "CAP_NET_RAW"));
	/* the file's caps, not the config's */
	assert_false(has(&p->capabilities->bounding, "CAP_KILL"));
	oci_process_free(p);
}

static void test_build_cwd(void **state)
{
	struct oci_process *p;

	(void)state;
	th_assert_ok(BUILD(&p, "--cwd", "/tmp", "c1", "pwd"));
	assert_string_equal(p->cwd, "/tmp");
	oci_process_free(p);
	th_expect_text(BUILD(&p, "--cwd", "tmp", "c1", "pwd"), "--cwd \"tmp\"", "absolute");
	th_expect_text(BUILD(&p, "--cwd", "", "c1", "pwd"), "absolute");
}

static void test_build_tty_and_privs(void **state)
{
	struct oci_process *p;

	(void)state;
	th_assert_ok(BUILD(&p, "-t", "--no-new-privs=false", "--apparmor", "other",
			   "--process-label", "system_u:system_r:x:s0", "c1", "sh"));
	assert_true(p->terminal);
	assert_false(p->no_new_privileges);
	assert_string_equal(p->apparmor_profile, "other");
	assert_string_equal(p->selinux_label, "system_u:system_r:x:s0");
	oci_process_free(p);
}

static void test_build_from_process_file(void **state)
{
	struct oci_process *p;

	(void)state;
	th_assert_ok(
		BUILD_FILE("{\"terminal\": true, \"args\": [\"top\", \"-b\"], \"cwd\": \"/var\","
			   " \"env\": [\"A=1\"], \"user\": {\"uid\": 5, \"gid\": 6}}",
			   &p, "-p", "proc.json", "-e", "B=2", "c1"));
	assert_string_equal(p->args.v[0], "top");
	assert_int_equal(p->args.n, 2);
	assert_string_equal(p->cwd, "/var");
	assert_true(p->terminal); /* from the file */
	assert_int_equal(p->env.n, 2);
	assert_string_equal(p->env.v[1], "B=2");
	assert_int_equal(p->user.uid, 5);
	assert_int_equal(p->user.n_additional_gids, 0);
	/* what the file leaves out comes from the config */
	assert_non_null(p->capabilities);
	assert_true(has(&p->capabilities->permitted, "CAP_KILL"));
	assert_int_equal(p->n_rlimits, 1);
	assert_string_equal(p->apparmor_profile, "ctr-default");
	assert_true(p->has_oom_score_adj);
	assert_int_equal(p->oom_score_adj, 100);
	/* noNewPrivileges is the file's (runc) */
	assert_false(p->no_new_privileges);
	oci_process_free(p);

	th_assert_ok(BUILD_FILE("{\"terminal\": true, \"args\": [\"sh\"], \"cwd\": \"/\"}", &p,
				"-p", "proc.json", "--tty=false", "c1"));
	assert_false(p->terminal);
	oci_process_free(p);
}

static void test_build_without_config_process(void **state)
{
	struct exec_flags f;
	struct oci_process *p;
	bool help;

	(void)state;
	th_assert_ok(PARSE(&f, &help, "c1", "true"));
	th_assert_ok(exec_process_build(&f, NULL, NULL, &p));
	assert_string_equal(p->cwd, "/");
	assert_string_equal(p->args.v[0], "true");
	assert_null(p->capabilities);
	oci_process_free(p);
	exec_flags_free(&f);
}

/* --- --cgroup --- */

static void test_cgroup_subs(void **state)
{
	struct oci_strlist values = {0};
	struct exec_cgroup_sub *subs;
	size_t n;

	(void)state;
	cubo_strv_push(&values.v, &values.n, "all/sub");
	cubo_strv_push(&values.v, &values.n, "cpu,memory:/fast");
	th_assert_ok(exec_cgroup_subs_parse(&values, &subs, &n));
	assert_int_equal(n, 3);
	assert_string_equal(exec_cgroup_sub_for(subs, n, "memory"), "fast");
	assert_string_equal(exec_cgroup_sub_for(subs, n, "cpu,cpuacct"), "fast");
	assert_string_equal(exec_cgroup_sub_for(subs, n, "pids"), "all/sub");
	assert_string_equal(exec_cgroup_sub_for(subs, n, ""), "all/sub");
	exec_cgroup_subs_free(subs, n);
	cubo_strv_free(values.v);

	/* without a path for all, other hierarchies keep the container's cgroup */
	values = (struct oci_strlist){0};
	cubo_strv_push(&values.v, &values.n, "pids:p");
	th_assert_ok(exec_cgroup_subs_parse(&values, &subs, &n));
	assert_null(exec_cgroup_sub_for(subs, n, "memory"));
	assert_null(exec_cgroup_sub_for(subs, n, "cpuset"));
	assert_string_equal(exec_cgroup_sub_for(subs, n, "pids"), "p");
	exec_cgroup_subs_free(subs, n);
	cubo_strv_free(values.v);

	/* "/" is the container's own cgroup (an empty sub-path), as in runc */
	values = (struct oci_strlist){0};
	cubo_strv_push(&values.v, &values.n, "/");
	cubo_strv_push(&values.v, &values.n, "memory:/");
	th_assert_ok(exec_cgroup_subs_parse(&values, &subs, &n));
	assert_string_equal(exec_cgroup_sub_for(subs, n, "memory"), "");
	assert_string_equal(exec_cgroup_sub_for(subs, n, "pids"), "");
	exec_cgroup_subs_free(subs, n);
	cubo_strv_free(values.v);
}

static void test_cgroup_subs_errors(void **state)
{
	const char *bad[][2] = {{"../escape", NULL}, {"memory:a/../../b", NULL}, {"memory:", NULL},
				{"", NULL},	     {"memory:a", "memory:b"},	 {"a", "b"},
				{",memory:a", NULL}};

	(void)state;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		struct oci_strlist values = {0};
		struct exec_cgroup_sub *subs = (void *)1;
		size_t n = 1;

		for (int j = 0; j < 2 && bad[i][j]; j++)
			cubo_strv_push(&values.v, &values.n, bad[i][j]);
		th_expect_text(exec_cgroup_subs_parse(&values, &subs, &n), "--cgroup");
		assert_null(subs);
		assert_int_equal(n, 0);
		cubo_strv_free(values.v);
	}
}

static void test_passwd_home(void **state)
{
	const char *passwd = "root:x:0:0:root:/root:/bin/sh\n"
			     "user:x:1000:1000:A User, Room 1:/home/user:/bin/sh\n"
			     "broken line\n"
			     "nohome:x:7:7::\n"
			     "noshell:x:8:8::/var/empty\n"
			     "last:x:9:9::/last:/bin/false";
	char *home;

	(void)state;
	home = exec_passwd_home(passwd, 0);
	assert_string_equal(home, "/root");
	free(home);
	home = exec_passwd_home(passwd, 1000);
	assert_string_equal(home, "/home/user");
	free(home);
	home = exec_passwd_home(passwd, 8);
	assert_string_equal(home, "/var/empty");
	free(home);
	home = exec_passwd_home(passwd, 9);
	assert_string_equal(home, "/last");
	free(home);
	assert_null(exec_passwd_home(passwd, 7)); /* empty home */
	assert_null(exec_passwd_home(passwd, 100));
	assert_null(exec_passwd_home("", 0));
	/* "10" is not "1" followed by more */
	assert_null(exec_passwd_home("a:x:10:10::/ten:/bin/sh\n", 1));
}

static void test_exit_code(void **state)
{
	(void)state;
	assert_int_equal(exec_exit_code(CLD_EXITED, 0), 0);
	assert_int_equal(exec_exit_code(CLD_EXITED, 127), 127);
	assert_int_equal(exec_exit_code(CLD_KILLED, 9), 137);
	assert_int_equal(exec_exit_code(CLD_DUMPED, 11), 139);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_flags_basic),
		cmocka_unit_test(test_flags_repeatable),
		cmocka_unit_test(test_flags_stop_at_command),
		cmocka_unit_test(test_flags_help),
		cmocka_unit_test(test_flags_errors),
		cmocka_unit_test(test_parse_user),
		cmocka_unit_test(test_build_defaults_from_config),
		cmocka_unit_test(test_build_env_override_and_append),
		cmocka_unit_test(test_build_user_and_gids),
		cmocka_unit_test(test_build_caps),
		cmocka_unit_test(test_build_caps_ambient_with_inheritable),
		cmocka_unit_test(test_build_cwd),
		cmocka_unit_test(test_build_tty_and_privs),
		cmocka_unit_test(test_build_from_process_file),
		cmocka_unit_test(test_build_without_config_process),
		cmocka_unit_test(test_cgroup_subs),
		cmocka_unit_test(test_cgroup_subs_errors),
		cmocka_unit_test(test_passwd_home),
		cmocka_unit_test(test_exit_code),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
