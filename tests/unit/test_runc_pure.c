/* SPDX-License-Identifier: Apache-2.0 */
/* Covers: cubo-runc/opts.c, cubo-runc/signals.c, cubo-runc/validate.c */
/*
 * The parts of cubo-runc that touch no kernel state: container id and config
 * validation, signal names and the runc-compatible flag parser. Configs are
 * built by hand so each check is exercised on its own.
 */
#include <errno.h>
#include <limits.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "cubo-runc/opts.h"
#include "cubo-runc/signals.h"
#include "cubo-runc/validate.h"
#include "tests/unit/helpers.h"

/* --- validate_container_id --- */

static void test_id_accepts(void **state)
{
	char max[CONTAINER_ID_MAX + 1];

	(void)state;
	th_assert_ok(validate_container_id("abc"));
	th_assert_ok(validate_container_id("a.b-c_d+e"));
	th_assert_ok(validate_container_id("ABC123"));
	th_assert_ok(validate_container_id("..."));
	th_assert_ok(validate_container_id(".hidden"));
	memset(max, 'x', CONTAINER_ID_MAX);
	max[CONTAINER_ID_MAX] = '\0';
	th_assert_ok(validate_container_id(max));
}

static void test_id_rejects(void **state)
{
	char *long_id = malloc(CONTAINER_ID_MAX + 2);

	(void)state;
	th_expect_text(validate_container_id(""), "empty");
	th_expect_text(validate_container_id(NULL), "empty");
	th_expect_text(validate_container_id("."), "\".\"");
	th_expect_text(validate_container_id(".."), "\"..\"");
	th_expect_text(validate_container_id("a/b"), "\"a/b\"", "'/'");
	th_expect_text(validate_container_id("a b"), "\"a b\"", "' '");
	th_expect_text(validate_container_id("../etc"), "\"../etc\"", "'/'");
	th_expect_text(validate_container_id("a:b"), "\"a:b\"", "':'");
	th_expect_text(validate_container_id("a\xc3\xa9"), "invalid container id");

	memset(long_id, 'x', CONTAINER_ID_MAX + 1);
	long_id[CONTAINER_ID_MAX + 1] = '\0';
	th_expect_text(validate_container_id(long_id), "invalid container id", "1024");
	free(long_id);
}

/* --- rlimit_resource --- */

static void test_rlimit_resource(void **state)
{
	(void)state;
	assert_int_equal(rlimit_resource("RLIMIT_NOFILE"), RLIMIT_NOFILE);
	assert_int_equal(rlimit_resource("RLIMIT_NPROC"), RLIMIT_NPROC);
	assert_int_equal(rlimit_resource("RLIMIT_AS"), RLIMIT_AS);
	assert_int_equal(rlimit_resource("RLIMIT_CORE"), RLIMIT_CORE);
	assert_int_equal(rlimit_resource("RLIMIT_STACK"), RLIMIT_STACK);
	assert_int_equal(rlimit_resource("RLIMIT_RTTIME"), RLIMIT_RTTIME);
	assert_int_equal(rlimit_resource("RLIMIT_SIGPENDING"), RLIMIT_SIGPENDING);
	/* The spec spells them in upper case with the prefix; nothing else. */
	assert_int_equal(rlimit_resource("NOFILE"), -1);
	assert_int_equal(rlimit_resource("rlimit_nofile"), -1);
	assert_int_equal(rlimit_resource("RLIMIT_NOFILES"), -1);
	assert_int_equal(rlimit_resource(""), -1);
}

/* --- validate_config --- */

struct cfg_fixture {
	char *base;	 /* temp dir */
	char rootfs[96]; /* base/rootfs, a directory */
	char file[96];	 /* base/file, a regular file */
	char *args[2];
	struct oci_root root;
	struct oci_process proc;
	struct oci_rlimit rlimits[2];
	struct oci_namespace namespaces[4];
	struct oci_id_mapping mapping;
	struct oci_time_offsets offsets;
	struct oci_kv sysctl;
	struct oci_linux lnx;
	struct oci_config cfg;
	struct rlimit current[RLIM_NLIMITS];
};

static int cfg_setup(void **state)
{
	struct cfg_fixture *fx = calloc(1, sizeof(*fx));
	FILE *f;

	assert_non_null(fx);
	fx->base = th_tmpdir("validate");
	snprintf(fx->rootfs, sizeof(fx->rootfs), "%s/rootfs", fx->base);
	snprintf(fx->file, sizeof(fx->file), "%s/file", fx->base);
	assert_int_equal(mkdir(fx->rootfs, 0755), 0);
	f = fopen(fx->file, "w");
	assert_non_null(f);
	fclose(f);

	/* The smallest config that passes: a rootfs, one argument, cwd "/". */
	fx->root.path = "rootfs";
	fx->args[0] = "sh";
	fx->proc.args.v = fx->args;
	fx->proc.args.n = 1;
	fx->proc.cwd = "/";
	fx->cfg.oci_version = "1.2.0";
	fx->cfg.root = &fx->root;
	fx->cfg.process = &fx->proc;
	fx->mapping = (struct oci_id_mapping){.container_id = 0, .host_id = 100000, .size = 65536};

	/* Like this host: no CAP_SYS_RESOURCE, nofile 1024/20000. */
	for (int i = 0; i < RLIM_NLIMITS; i++)
		fx->current[i] = (struct rlimit){.rlim_cur = 1024, .rlim_max = 4096};
	fx->current[RLIMIT_NOFILE] = (struct rlimit){.rlim_cur = 1024, .rlim_max = 20000};
	fx->current[RLIMIT_CORE] = (struct rlimit){.rlim_cur = 0, .rlim_max = RLIM_INFINITY};
	*state = fx;
	return 0;
}

static int cfg_teardown(void **state)
{
	struct cfg_fixture *fx = *state;

	th_tmpdir_free(fx->base);
	free(fx);
	return 0;
}

static struct cubo_error *validate(struct cfg_fixture *fx, bool can_raise_hard)
{
	return validate_config(&fx->cfg, fx->rootfs, fx->current, can_raise_hard);
}

static void add_namespace(struct cfg_fixture *fx, const char *type, const char *path)
{
	fx->cfg.linux_ = &fx->lnx;
	fx->lnx.namespaces = fx->namespaces;
	fx->namespaces[fx->lnx.n_namespaces++] =
		(struct oci_namespace){.type = (char *)type, .path = (char *)path};
}

static void set_rlimit(struct cfg_fixture *fx, size_t i, const char *type, uint64_t soft,
		       uint64_t hard)
{
	fx->rlimits[i] = (struct oci_rlimit){.type = (char *)type, .soft = soft, .hard = hard};
	fx->proc.rlimits = fx->rlimits;
	if (fx->proc.n_rlimits < i + 1)
		fx->proc.n_rlimits = i + 1;
}

static void test_config_minimal_ok(void **state)
{
	struct cfg_fixture *fx = *state;

	th_assert_ok(validate(fx, false));
	/* Empty linux section and an empty hostname need no namespaces. */
	fx->cfg.linux_ = &fx->lnx;
	fx->cfg.hostname = "";
	th_assert_ok(validate(fx, false));
}

static void test_config_root(void **state)
{
	struct cfg_fixture *fx = *state;
	struct cubo_error *err;
	char missing[128];

	fx->cfg.root = NULL;
	th_expect_text(validate(fx, false), "root.path: required");
	fx->cfg.root = &fx->root;
	fx->root.path = NULL;
	th_expect_text(validate(fx, false), "root.path: required");
	fx->root.path = "rootfs";

	snprintf(missing, sizeof(missing), "%s/missing", fx->base);
	err = validate_config(&fx->cfg, missing, fx->current, false);
	assert_non_null(err);
	assert_int_equal(err->errnum, ENOENT);
	th_expect_text(err, "root.path", missing, "No such file or directory");

	th_expect_text(validate_config(&fx->cfg, fx->file, fx->current, false), "root.path",
		       fx->file, "not a directory");
}

static void test_config_process(void **state)
{
	struct cfg_fixture *fx = *state;

	/* process is optional: a container without one is set up and exits on start */
	fx->cfg.process = NULL;
	th_assert_ok(validate(fx, false));
	fx->cfg.process = &fx->proc;

	fx->proc.args.n = 0;
	fx->args[0] = NULL;
	th_expect_text(validate(fx, false), "process.args");
	fx->args[0] = "sh";
	fx->proc.args.n = 1;

	fx->proc.cwd = "tmp";
	th_expect_text(validate(fx, false), "process.cwd", "absolute");
	fx->proc.cwd = "";
	th_expect_text(validate(fx, false), "process.cwd");
	fx->proc.cwd = NULL;
	th_expect_text(validate(fx, false), "process.cwd");
	fx->proc.cwd = "/tmp";
	th_assert_ok(validate(fx, false));
}

static void test_config_rlimit_unknown(void **state)
{
	struct cfg_fixture *fx = *state;

	set_rlimit(fx, 0, "RLIMIT_NOFILE", 10, 10);
	set_rlimit(fx, 1, "RLIMIT_BOGUS", 1, 1);
	th_expect_text(validate(fx, false), "process.rlimits[1].type", "RLIMIT_BOGUS");
}

static void test_config_rlimit_soft_above_hard(void **state)
{
	struct cfg_fixture *fx = *state;

	set_rlimit(fx, 0, "RLIMIT_NOFILE", 2048, 1024);
	th_expect_text(validate(fx, false), "process.rlimits[0]", "RLIMIT_NOFILE",
		       "soft limit 2048", "hard limit 1024");
	/* Even a process that may raise hard limits cannot have soft > hard. */
	th_expect_text(validate(fx, true), "process.rlimits[0]", "soft limit 2048");
}

static void test_config_rlimit_above_current_hard(void **state)
{
	struct cfg_fixture *fx = *state;

	set_rlimit(fx, 0, "RLIMIT_NOFILE", 1024, 1048576);
	th_expect_text(validate(fx, false), "process.rlimits[0]", "RLIMIT_NOFILE", "1048576",
		       "20000", "CAP_SYS_RESOURCE");
	/* With CAP_SYS_RESOURCE the kernel will allow it. */
	th_assert_ok(validate(fx, true));

	/* Equal to the current hard limit, or lowering it, needs nothing. */
	set_rlimit(fx, 0, "RLIMIT_NOFILE", 20000, 20000);
	th_assert_ok(validate(fx, false));
	set_rlimit(fx, 0, "RLIMIT_NOFILE", 100, 200);
	th_assert_ok(validate(fx, false));

	/* An unlimited current hard limit allows anything, including unlimited. */
	set_rlimit(fx, 0, "RLIMIT_CORE", RLIM_INFINITY, RLIM_INFINITY);
	th_assert_ok(validate(fx, false));

	/* Asking for unlimited where the current limit is finite fails. */
	set_rlimit(fx, 0, "RLIMIT_NPROC", 10, 10);
	set_rlimit(fx, 1, "RLIMIT_NOFILE", 10, RLIM_INFINITY);
	th_expect_text(validate(fx, false), "process.rlimits[1]", "RLIMIT_NOFILE");
}

static void test_config_user_namespace(void **state)
{
	struct cfg_fixture *fx = *state;

	add_namespace(fx, "user", NULL);
	th_expect_text(validate(fx, false), "linux.uidMappings/gidMappings", "user namespace");

	fx->lnx.uid_mappings = &fx->mapping;
	fx->lnx.n_uid_mappings = 1;
	th_expect_text(validate(fx, false), "gidMappings");

	fx->lnx.gid_mappings = &fx->mapping;
	fx->lnx.n_gid_mappings = 1;
	th_assert_ok(validate(fx, false));
}

static void test_config_user_namespace_joined(void **state)
{
	struct cfg_fixture *fx = *state;

	/* Joining an existing user namespace: its mappings are already set. */
	add_namespace(fx, "user", "/proc/1/ns/user");
	th_assert_ok(validate(fx, false));
}

static void test_config_mappings_without_user_namespace(void **state)
{
	struct cfg_fixture *fx = *state;

	add_namespace(fx, "mount", NULL);
	fx->lnx.uid_mappings = &fx->mapping;
	fx->lnx.n_uid_mappings = 1;
	th_expect_text(validate(fx, false), "linux.uidMappings", "without a user namespace");
}

static void test_config_time_offsets(void **state)
{
	struct cfg_fixture *fx = *state;

	fx->cfg.linux_ = &fx->lnx;
	fx->offsets.has_monotonic = true;
	fx->offsets.monotonic.secs = 100;
	fx->lnx.time_offsets = &fx->offsets;
	th_expect_text(validate(fx, false), "linux.timeOffsets", "without a time namespace");

	add_namespace(fx, "time", NULL);
	th_assert_ok(validate(fx, false));

	fx->namespaces[0].path = "/proc/1/ns/time";
	th_expect_text(validate(fx, false), "linux.timeOffsets", "existing time namespace");
}

static void test_config_hostname(void **state)
{
	struct cfg_fixture *fx = *state;

	fx->cfg.hostname = "box";
	th_expect_text(validate(fx, false), "hostname", "uts namespace");
	add_namespace(fx, "pid", NULL);
	th_expect_text(validate(fx, false), "hostname", "uts namespace");
	add_namespace(fx, "uts", NULL);
	th_assert_ok(validate(fx, false));
}

static void test_config_sysctl(void **state)
{
	struct cfg_fixture *fx = *state;

	fx->cfg.linux_ = &fx->lnx;
	fx->lnx.sysctl.v = &fx->sysctl;
	fx->lnx.sysctl.n = 1;
	fx->sysctl = (struct oci_kv){.key = "net.ipv4.ip_forward", .value = "1"};
	/* a network sysctl needs the container's own network namespace */
	th_expect_text(validate(fx, false), "linux.sysctl", "net.ipv4.ip_forward", "network");
	fx->lnx.namespaces = fx->namespaces;
	fx->lnx.n_namespaces = 1;
	fx->namespaces[0] = (struct oci_namespace){.type = "network"};
	th_assert_ok(validate(fx, false));
	/* ipc sysctls need an ipc namespace, others are refused outright */
	fx->sysctl.key = "kernel.shmmax";
	th_expect_text(validate(fx, false), "linux.sysctl", "kernel.shmmax", "ipc");
	fx->namespaces[1] = (struct oci_namespace){.type = "ipc"};
	fx->lnx.n_namespaces = 2;
	th_assert_ok(validate(fx, false));
	fx->sysctl.key = "fs.mqueue.msg_max";
	th_assert_ok(validate(fx, false));
	fx->sysctl.key = "vm.swappiness";
	th_expect_text(validate(fx, false), "linux.sysctl", "vm.swappiness", "not namespaced");
	fx->sysctl.key = "net/../../kernel/x";
	th_expect_text(validate(fx, false), "linux.sysctl", "net/../../kernel/x");
	fx->sysctl.key = "/proc/sys/kernel/x";
	th_expect_text(validate(fx, false), "linux.sysctl", "/proc/sys/kernel/x");
}

static void test_config_oom_score_adj(void **state)
{
	struct cfg_fixture *fx = *state;

	fx->proc.has_oom_score_adj = true;
	fx->proc.oom_score_adj = 1000;
	th_assert_ok(validate(fx, false));
	fx->proc.oom_score_adj = -1000;
	th_assert_ok(validate(fx, false));
	fx->proc.oom_score_adj = 1001;
	th_expect_text(validate(fx, false), "process.oomScoreAdj", "1001");
	fx->proc.oom_score_adj = -1001;
	th_expect_text(validate(fx, false), "process.oomScoreAdj", "-1001");
	/* Without has_oom_score_adj the value is not looked at. */
	fx->proc.has_oom_score_adj = false;
	th_assert_ok(validate(fx, false));
}

/* --- signals --- */

static int parse_signal_ok(const char *s)
{
	int sig = -1;
	th_assert_ok(signal_parse(s, &sig));
	return sig;
}

static void test_signal_parse_names(void **state)
{
	(void)state;
	assert_int_equal(parse_signal_ok("KILL"), SIGKILL);
	assert_int_equal(parse_signal_ok("SIGKILL"), SIGKILL);
	assert_int_equal(parse_signal_ok("sigkill"), SIGKILL);
	assert_int_equal(parse_signal_ok("Term"), SIGTERM);
	assert_int_equal(parse_signal_ok("SIGHUP"), SIGHUP);
	assert_int_equal(parse_signal_ok("CLD"), SIGCHLD);
	assert_int_equal(parse_signal_ok("SIGIOT"), SIGABRT);
	assert_int_equal(parse_signal_ok("WINCH"), SIGWINCH);
	assert_int_equal(parse_signal_ok("STKFLT"), SIGSTKFLT);
}

static void test_signal_parse_numbers(void **state)
{
	(void)state;
	assert_int_equal(parse_signal_ok("9"), 9);
	assert_int_equal(parse_signal_ok("1"), 1);
	assert_int_equal(parse_signal_ok("15"), SIGTERM);
	assert_int_equal(parse_signal_ok("64"), SIGRTMAX);
}

static void test_signal_parse_realtime(void **state)
{
	(void)state;
	assert_int_equal(parse_signal_ok("SIGRTMIN+3"), SIGRTMIN + 3);
	assert_int_equal(parse_signal_ok("RTMIN+3"), SIGRTMIN + 3);
	assert_int_equal(parse_signal_ok("RTMAX-1"), SIGRTMAX - 1);
	assert_int_equal(parse_signal_ok("sigrtmax-1"), SIGRTMAX - 1);
	assert_int_equal(parse_signal_ok("RTMIN"), SIGRTMIN);
	assert_int_equal(parse_signal_ok("SIGRTMAX"), SIGRTMAX);
	assert_int_equal(parse_signal_ok("RTMIN+0"), SIGRTMIN);
	assert_int_equal(parse_signal_ok("RTMAX-0"), SIGRTMAX);
}

static void test_signal_parse_errors(void **state)
{
	int sig = 12345;

	(void)state;
	th_expect_text(signal_parse("", &sig), "empty signal");
	th_expect_text(signal_parse(NULL, &sig), "empty signal");
	th_expect_text(signal_parse("FOO", &sig), "unknown signal", "\"FOO\"");
	th_expect_text(signal_parse("SIGFOO", &sig), "unknown signal", "\"SIGFOO\"");
	th_expect_text(signal_parse("SIG", &sig), "unknown signal");
	th_expect_text(signal_parse("0", &sig), "invalid signal number 0");
	th_expect_text(signal_parse("65", &sig), "invalid signal number 65");
	th_expect_text(signal_parse("99999", &sig), "99999");
	th_expect_text(signal_parse("-9", &sig), "\"-9\"");
	th_expect_text(signal_parse("9x", &sig), "\"9x\"");
	th_expect_text(signal_parse(" 9", &sig), "\" 9\"");
	/* A failed parse leaves the output alone. */
	assert_int_equal(sig, 12345);
	/* Realtime offsets must stay within SIGRTMIN..SIGRTMAX. */
	th_expect_text(signal_parse("RTMIN+", &sig), "\"RTMIN+\"");
	th_expect_text(signal_parse("RTMIN-1", &sig), "\"RTMIN-1\"");
	th_expect_text(signal_parse("RTMAX+1", &sig), "\"RTMAX+1\"");
	th_expect_text(signal_parse("RTMIN+100", &sig), "\"RTMIN+100\"");
	th_expect_text(signal_parse("RTMAX-100", &sig), "\"RTMAX-100\"");
	th_expect_text(signal_parse("RTMINX", &sig), "\"RTMINX\"");
	/* ... and a realtime parse that failed its range check too */
	assert_int_equal(sig, 12345);
}

static void test_signal_name(void **state)
{
	(void)state;
	assert_string_equal(signal_name(SIGKILL), "SIGKILL");
	assert_string_equal(signal_name(SIGTERM), "SIGTERM");
	assert_string_equal(signal_name(SIGHUP), "SIGHUP");
	assert_string_equal(signal_name(SIGSYS), "SIGSYS");
	assert_string_equal(signal_name(SIGSTKFLT), "SIGSTKFLT");
	assert_null(signal_name(0));
	assert_null(signal_name(-1));
	assert_null(signal_name(SIGRTMIN));
	assert_null(signal_name(1000));
	assert_null(signal_name(INT_MAX));
	/* Every name given out parses back to its number. */
	for (int sig = 1; sig < SIGRTMIN; sig++) {
		const char *name = signal_name(sig);
		if (name)
			assert_int_equal(parse_signal_ok(name), sig);
	}
}

/* --- opts_parse --- */

struct opt_targets {
	bool detach;
	bool no_pivot;
	const char *name;
	const char *bundle;
	int fds;
	bool help;
	int first;
};

#define OPT_TABLE(t)                                                                               \
	const struct runc_opt table[] = {                                                          \
		{"detach", 'd', OPT_BOOL, &(t)->detach, NULL, "detach"},                           \
		{"no-pivot", 0, OPT_BOOL, &(t)->no_pivot, NULL, "no pivot"},                       \
		{"name", 'n', OPT_STRING, &(t)->name, "NAME", "a name"},                           \
		{"bundle", 'b', OPT_STRING, &(t)->bundle, "PATH", "bundle dir"},                   \
		{"preserve-fds", 0, OPT_INT, &(t)->fds, "N", "extra fds"},                         \
	}

#define ARGV(...) ((char *[]){"prog", __VA_ARGS__, NULL})
#define ARGC(...) ((int)(sizeof((char *[]){"prog", __VA_ARGS__}) / sizeof(char *)))

/* Parse argv against the standard table; targets start from fresh values. */
static struct cubo_error *parse(struct opt_targets *t, int argc, char **argv)
{
	OPT_TABLE(t);
	t->first = -1;
	return opts_parse(argc, argv, table, OPTS_N(table), &t->help, &t->first);
}

#define PARSE(t, ...) parse((t), ARGC(__VA_ARGS__), ARGV(__VA_ARGS__))

static void test_opts_string_forms(void **state)
{
	struct opt_targets t = {0};

	(void)state;
	th_assert_ok(PARSE(&t, "--name", "value", "id"));
	assert_string_equal(t.name, "value");
	assert_int_equal(t.first, 3);

	t = (struct opt_targets){0};
	th_assert_ok(PARSE(&t, "--name=value", "id"));
	assert_string_equal(t.name, "value");
	assert_int_equal(t.first, 2);

	t = (struct opt_targets){0};
	th_assert_ok(PARSE(&t, "-name", "value"));
	assert_string_equal(t.name, "value");
	assert_int_equal(t.first, 3);

	t = (struct opt_targets){0};
	th_assert_ok(PARSE(&t, "-n", "value", "id"));
	assert_string_equal(t.name, "value");
	assert_int_equal(t.first, 3);

	t = (struct opt_targets){0};
	th_assert_ok(PARSE(&t, "-n=v2"));
	assert_string_equal(t.name, "v2");

	/* "=" keeps the rest verbatim, including further '=' and empty values. */
	t = (struct opt_targets){0};
	th_assert_ok(PARSE(&t, "--name=a=b", "--bundle="));
	assert_string_equal(t.name, "a=b");
	assert_string_equal(t.bundle, "");

	/* A separate value is taken even when it looks like a flag. */
	t = (struct opt_targets){0};
	th_assert_ok(PARSE(&t, "--name", "--detach"));
	assert_string_equal(t.name, "--detach");
	assert_false(t.detach);
	assert_int_equal(t.first, 3);

	/* The last occurrence wins. */
	t = (struct opt_targets){0};
	th_assert_ok(PARSE(&t, "-b", "/one", "--bundle", "/two"));
	assert_string_equal(t.bundle, "/two");
}

static void test_opts_bool(void **state)
{
	struct opt_targets t = {0};

	(void)state;
	th_assert_ok(PARSE(&t, "--detach", "id"));
	assert_true(t.detach);
	assert_int_equal(t.first, 2);

	t = (struct opt_targets){0};
	th_assert_ok(PARSE(&t, "-d"));
	assert_true(t.detach);

	t = (struct opt_targets){0};
	th_assert_ok(PARSE(&t, "-detach", "--no-pivot"));
	assert_true(t.detach);
	assert_true(t.no_pivot);

	t = (struct opt_targets){.detach = true};
	th_assert_ok(PARSE(&t, "--detach=false"));
	assert_false(t.detach);
	t = (struct opt_targets){.detach = true};
	th_assert_ok(PARSE(&t, "--detach=0"));
	assert_false(t.detach);
	t = (struct opt_targets){0};
	th_assert_ok(PARSE(&t, "--detach=true"));
	assert_true(t.detach);
	t = (struct opt_targets){0};
	th_assert_ok(PARSE(&t, "-d=1"));
	assert_true(t.detach);

	/* every spelling Go's ParseBool (and so runc) takes */
	const char *const yes[] = {"t", "T", "TRUE", "True", "true", "1"};
	const char *const no[] = {"f", "F", "FALSE", "False", "false", "0"};
	for (size_t i = 0; i < 6; i++) {
		char arg[32];
		t = (struct opt_targets){0};
		snprintf(arg, sizeof(arg), "--detach=%s", yes[i]);
		th_assert_ok(PARSE(&t, arg));
		assert_true(t.detach);
		t = (struct opt_targets){.detach = true};
		snprintf(arg, sizeof(arg), "--detach=%s", no[i]);
		th_assert_ok(PARSE(&t, arg));
		assert_false(t.detach);
	}

	/* A boolean never consumes the next argument: "false" is the first argument. */
	t = (struct opt_targets){0};
	th_assert_ok(PARSE(&t, "--detach", "false"));
	assert_true(t.detach);
	assert_int_equal(t.first, 2);
}

static void test_opts_bool_invalid(void **state)
{
	struct opt_targets t = {0};

	(void)state;
	th_expect_text(PARSE(&t, "--detach=yes"), "--detach: invalid boolean \"yes\"");
	th_expect_text(PARSE(&t, "-d="), "--detach: invalid boolean \"\"");
}

static void test_opts_unknown_flag(void **state)
{
	struct opt_targets t = {0};
	struct cubo_error *err;
	char *text;

	(void)state;
	err = PARSE(&t, "--x");
	assert_non_null(err);
	text = cubo_error_text(err);
	assert_string_equal(text, "flag provided but not defined: --x");
	free(text);
	cubo_error_free(err);

	th_expect_text(PARSE(&t, "-x"), "flag provided but not defined: -x");
	th_expect_text(PARSE(&t, "--detach", "--nam", "v"), "flag provided but not defined: --nam");
	/* Long names are not abbreviations of each other, and short ones need one dash-letter. */
	th_expect_text(PARSE(&t, "--det"), "flag provided but not defined: --det");
	th_expect_text(PARSE(&t, "-dn"), "flag provided but not defined: -dn");
	th_expect_text(PARSE(&t, "---detach"), "flag provided but not defined: ---detach");
}

static void test_opts_missing_argument(void **state)
{
	struct opt_targets t = {0};

	(void)state;
	th_expect_text(PARSE(&t, "--name"), "flag needs an argument: --name");
	th_expect_text(PARSE(&t, "-d", "-b"), "flag needs an argument: -b");
	th_expect_text(PARSE(&t, "--preserve-fds"), "flag needs an argument: --preserve-fds");
}

static void test_opts_help(void **state)
{
	struct opt_targets t = {0};

	(void)state;
	th_assert_ok(PARSE(&t, "-h"));
	assert_true(t.help);
	assert_int_equal(t.first, 2);

	t = (struct opt_targets){0};
	th_assert_ok(PARSE(&t, "--detach", "--help", "id"));
	assert_true(t.help);
	assert_true(t.detach);
	assert_int_equal(t.first, 3);

	/* help is reset on every call. */
	t = (struct opt_targets){.help = true};
	th_assert_ok(PARSE(&t, "id"));
	assert_false(t.help);
}

static void test_opts_terminator_and_first_arg(void **state)
{
	struct opt_targets t = {0};

	(void)state;
	th_assert_ok(PARSE(&t, "--detach", "--", "--name", "x"));
	assert_true(t.detach);
	assert_null(t.name);
	assert_int_equal(t.first, 3);

	/* Parsing stops at the first argument that is not a flag. */
	t = (struct opt_targets){0};
	th_assert_ok(PARSE(&t, "id", "--detach"));
	assert_false(t.detach);
	assert_int_equal(t.first, 1);

	t = (struct opt_targets){0};
	th_assert_ok(PARSE(&t, "-d", "id", "--name", "x"));
	assert_true(t.detach);
	assert_null(t.name);
	assert_int_equal(t.first, 2);

	/* A lone "-" is an argument (stdin by convention), not a flag. */
	t = (struct opt_targets){0};
	th_assert_ok(PARSE(&t, "-", "-d"));
	assert_false(t.detach);
	assert_int_equal(t.first, 1);

	/* No arguments at all: first points past the end. */
	t = (struct opt_targets){0};
	{
		char *argv[] = {"prog", NULL};
		th_assert_ok(parse(&t, 1, argv));
	}
	assert_int_equal(t.first, 1);

	t = (struct opt_targets){0};
	th_assert_ok(PARSE(&t, "-d", "--"));
	assert_int_equal(t.first, 3);
}

/* Reorder argv the way every command but exec and ps does; returns the words joined by spaces. */
static char *reordered(char out[static 256], struct opt_targets *t, int argc, char **argv)
{
	OPT_TABLE(t);

	opts_reorder(argc, argv, table, OPTS_N(table));
	out[0] = '\0';
	for (int i = 1; i < argc; i++) {
		strcat(out, argv[i]);
		if (i + 1 < argc)
			strcat(out, " ");
	}
	return out;
}

#define REORDER(t, ...) reordered(buf, (t), ARGC(__VA_ARGS__), ARGV(__VA_ARGS__))

static void test_opts_reorder(void **state)
{
	struct opt_targets t = {0};
	char buf[256];

	(void)state;
	/* Flags after the arguments move in front, values with them, order kept. */
	assert_string_equal(REORDER(&t, "id", "--name", "x", "-d", "SIG"), "--name x -d id SIG");
	assert_string_equal(REORDER(&t, "id", "--name=x", "y"), "--name=x id y");
	/* A boolean takes no value: the word after it stays an argument. */
	assert_string_equal(REORDER(&t, "-d", "id", "--no-pivot", "b"), "-d --no-pivot id b");
	/* Help counts as a flag, wherever it is. */
	assert_string_equal(REORDER(&t, "id", "--help"), "--help id");
	/* Unknown words stay arguments in place: the command reports them. */
	assert_string_equal(REORDER(&t, "id", "-9", "--bogus"), "id -9 --bogus");
	/* Nothing after "--" moves, nor "--" itself. */
	assert_string_equal(REORDER(&t, "id", "--", "-d", "x"), "id -- -d x");
	assert_string_equal(REORDER(&t, "id", "-b", "B", "--", "-d"), "-b B id -- -d");
	/* A value-taking flag at the very end keeps its error for opts_parse. */
	assert_string_equal(REORDER(&t, "id", "--name"), "--name id");
	assert_string_equal(REORDER(&t, "-"), "-");

	/* And parsing the result sees every flag. */
	{
		char **argv = ARGV("c1", "--preserve-fds", "2", "--detach");
		OPT_TABLE(&t);
		t.first = -1;
		th_assert_ok(opts_parse_anywhere(5, argv, table, OPTS_N(table), &t.help, &t.first));
		assert_true(t.detach);
		assert_int_equal(t.fds, 2);
		assert_int_equal(t.first, 4);
		assert_string_equal(argv[t.first], "c1");
	}
}

static void test_opts_int(void **state)
{
	struct opt_targets t = {0};

	(void)state;
	th_assert_ok(PARSE(&t, "--preserve-fds", "3"));
	assert_int_equal(t.fds, 3);
	th_assert_ok(PARSE(&t, "--preserve-fds=0"));
	assert_int_equal(t.fds, 0);
	th_assert_ok(PARSE(&t, "-preserve-fds", "-2"));
	assert_int_equal(t.fds, -2);
	th_assert_ok(PARSE(&t, "--preserve-fds=2147483647"));
	assert_int_equal(t.fds, INT_MAX);

	t.fds = 7;
	th_expect_text(PARSE(&t, "--preserve-fds", "abc"),
		       "--preserve-fds: invalid number \"abc\"");
	th_expect_text(PARSE(&t, "--preserve-fds="), "--preserve-fds: invalid number \"\"");
	th_expect_text(PARSE(&t, "--preserve-fds=3x"), "--preserve-fds: invalid number \"3x\"");
	th_expect_text(PARSE(&t, "--preserve-fds=2147483648"), "invalid number \"2147483648\"");
	th_expect_text(PARSE(&t, "--preserve-fds=99999999999999999999"), "invalid number");
	assert_int_equal(t.fds, 7);
}

static void test_opts_print_help(void **state)
{
	struct opt_targets t = {0};
	char *buf = NULL;
	size_t len = 0;
	FILE *out = open_memstream(&buf, &len);
	OPT_TABLE(&t);

	(void)state;
	assert_non_null(out);
	opts_print_help(out, "create and run a container", "prog run [options] <id>",
			"Run a container.", table, OPTS_N(table));
	fclose(out);
	/* runc's layout, with its "[command options]" */
	assert_non_null(strstr(buf, "NAME:\n   prog run - create and run a container\n\n"
				    "USAGE:\n   prog run [command options] <id>\n\n"
				    "Run a container.\n\nOPTIONS:\n"));
	assert_non_null(strstr(buf, "--name, -n NAME"));
	assert_non_null(strstr(buf, "--detach, -d"));
	assert_non_null(strstr(buf, "--preserve-fds N"));
	assert_non_null(strstr(buf, "--help, -h"));
	free(buf);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_id_accepts),
		cmocka_unit_test(test_id_rejects),
		cmocka_unit_test(test_rlimit_resource),
		cmocka_unit_test_setup_teardown(test_config_minimal_ok, cfg_setup, cfg_teardown),
		cmocka_unit_test_setup_teardown(test_config_root, cfg_setup, cfg_teardown),
		cmocka_unit_test_setup_teardown(test_config_process, cfg_setup, cfg_teardown),
		cmocka_unit_test_setup_teardown(test_config_rlimit_unknown, cfg_setup,
						cfg_teardown),
		cmocka_unit_test_setup_teardown(test_config_rlimit_soft_above_hard, cfg_setup,
						cfg_teardown),
		cmocka_unit_test_setup_teardown(test_config_rlimit_above_current_hard, cfg_setup,
						cfg_teardown),
		cmocka_unit_test_setup_teardown(test_config_user_namespace, cfg_setup,
						cfg_teardown),
		cmocka_unit_test_setup_teardown(test_config_user_namespace_joined, cfg_setup,
						cfg_teardown),
		cmocka_unit_test_setup_teardown(test_config_mappings_without_user_namespace,
						cfg_setup, cfg_teardown),
		cmocka_unit_test_setup_teardown(test_config_time_offsets, cfg_setup, cfg_teardown),
		cmocka_unit_test_setup_teardown(test_config_hostname, cfg_setup, cfg_teardown),
		cmocka_unit_test_setup_teardown(test_config_sysctl, cfg_setup, cfg_teardown),
		cmocka_unit_test_setup_teardown(test_config_oom_score_adj, cfg_setup, cfg_teardown),
		cmocka_unit_test(test_signal_parse_names),
		cmocka_unit_test(test_signal_parse_numbers),
		cmocka_unit_test(test_signal_parse_realtime),
		cmocka_unit_test(test_signal_parse_errors),
		cmocka_unit_test(test_signal_name),
		cmocka_unit_test(test_opts_string_forms),
		cmocka_unit_test(test_opts_bool),
		cmocka_unit_test(test_opts_bool_invalid),
		cmocka_unit_test(test_opts_unknown_flag),
		cmocka_unit_test(test_opts_missing_argument),
		cmocka_unit_test(test_opts_help),
		cmocka_unit_test(test_opts_terminator_and_first_arg),
		cmocka_unit_test(test_opts_reorder),
		cmocka_unit_test(test_opts_int),
		cmocka_unit_test(test_opts_print_help),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
