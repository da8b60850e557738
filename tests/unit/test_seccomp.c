/* SPDX-License-Identifier: Apache-2.0 */
/* Covers: cubo-runc/seccomp.c, cubo-runc/seccomp_cache.c, cubo-runc/seccomp_notify.c */
/* seccomp: profiles compiled, loaded in a child, and judged by real syscalls. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>

#include "cubo-runc/seccomp.h"
#include "shared/fs.h"
#include "tests/unit/helpers.h"

static struct cubo_log quiet_log = {.fd = -1};

/* Parse a linux.seccomp object through the config parser, as create does. */
static struct oci_config *config_with(const char *seccomp_json)
{
	char *json;
	struct oci_config *cfg;
	struct cubo_error *err;

	assert_true(asprintf(&json,
			     "{\"ociVersion\":\"1.2.0\",\"root\":{\"path\":\"rootfs\"},"
			     "\"linux\":{\"seccomp\":%s}}",
			     seccomp_json) > 0);
	err = oci_config_parse(json, strlen(json), "config.json", &cfg);
	free(json);
	assert_null(err);
	return cfg;
}

static struct seccomp_prog *compile_ok(struct oci_config *cfg)
{
	struct seccomp_prog *p;
	struct cubo_error *err = seccomp_prog_compile(cfg->linux_->seccomp, &quiet_log, &p);

	if (err)
		fail_msg("%s", err->msg);
	assert_non_null(p);
	return p;
}

static void compile_fails(const char *seccomp_json, const char *want)
{
	struct oci_config *cfg = config_with(seccomp_json);
	struct seccomp_prog *p = (void *)1;
	struct cubo_error *err = seccomp_prog_compile(cfg->linux_->seccomp, &quiet_log, &p);

	assert_null(p);
	th_expect_msg(err, want);
	oci_config_free(cfg);
}

/*
 * Load p in a child (with no_new_privs, so it works unprivileged too), run
 * probe there and return its wait status: probe's result is the exit code.
 */
static int in_child(const struct seccomp_prog *p, int (*probe)(void))
{
	pid_t pid = fork();
	int status;

	assert_true(pid >= 0);
	if (pid == 0) {
		struct cubo_error *err;

		prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0);
		err = seccomp_prog_load(p);
		if (err)
			_exit(200);
		/*
		 * exit_group itself, not _exit(): a sanitizer's _exit hook makes
		 * syscalls (gettid, sigaltstack, write) that a filter allowing only
		 * what the probe needs refuses.
		 */
		syscall(SYS_exit_group, probe());
		_exit(201); /* not reached */
	}
	assert_int_equal(waitpid(pid, &status, 0), pid);
	return status;
}

/*
 * Skip where filters cannot be judged: under valgrind the child's filter
 * would also judge valgrind's own syscalls.
 */
static int setup_need_seccomp(void **state)
{
	*state = th_under_valgrind() ? (void *)1 : NULL;
	return 0;
}

static int probe_mkdir(void)
{
	char dir[64];

	/* a fresh name: only the filter can make the mkdir fail */
	snprintf(dir, sizeof(dir), "/tmp/cubo-seccomp-%d", (int)getpid());
	if (mkdir(dir, 0700) == 0) {
		rmdir(dir);
		return 0;
	}
	return errno;
}

static int probe_dup_args(void)
{
	/* dup3 flags: 0 is refused by the rule on arg 2, O_CLOEXEC is not */
	/* a descriptor of our own: stdin may be closed */
	int fd = open("/dev/null", O_RDONLY);
	int a = syscall(SYS_dup3, fd, 100, 0) < 0 ? errno : 0;
	int b = syscall(SYS_dup3, fd, 101, 02000000) < 0 ? errno : 0;

	return a == 7 && b == 0 ? 0 : 1 + (a != 7);
}

static int probe_getpid(void)
{
	return getpid() > 0 ? 0 : 1;
}

static void test_errno_rule(void **state)
{
	if (*state)
		skip();
	struct oci_config *cfg = config_with(
		"{\"defaultAction\":\"SCMP_ACT_ALLOW\",\"syscalls\":[{\"names\":[\"mkdir\","
		"\"mkdirat\",\"no_such_syscall_name\"],\"action\":\"SCMP_ACT_ERRNO\",\"errnoRet\":"
		"42}]}");
	struct seccomp_prog *p = compile_ok(cfg);
	int status = in_child(p, probe_mkdir);

	(void)state;
	assert_true(WIFEXITED(status));
	assert_int_equal(WEXITSTATUS(status), 42);
	seccomp_prog_free(p);
	oci_config_free(cfg);
}

static void test_default_errno_with_allow_list(void **state)
{
	if (*state)
		skip();
	/* everything fails with EPERM but what the child needs to run and exit */
	struct oci_config *cfg = config_with(
		"{\"defaultAction\":\"SCMP_ACT_ERRNO\",\"syscalls\":[{\"names\":[\"exit_group\","
		"\"exit\",\"getpid\",\"rt_sigreturn\",\"brk\",\"mmap\",\"munmap\",\"mkdtemp\","
		"\"rmdir\"],"
		"\"action\":\"SCMP_ACT_ALLOW\"}]}");
	struct seccomp_prog *p = compile_ok(cfg);
	int status = in_child(p, probe_mkdir);

	(void)state;
	assert_true(WIFEXITED(status));
	assert_int_equal(WEXITSTATUS(status), EPERM);
	status = in_child(p, probe_getpid);
	assert_true(WIFEXITED(status));
	assert_int_equal(WEXITSTATUS(status), 0);
	seccomp_prog_free(p);
	oci_config_free(cfg);
}

/* errno of a raw syscall with no arguments that matter (0 when it worked) */
static int raw_errno(long nr)
{
	return syscall(nr, -1L, 0L, 0L, 0L) < 0 ? errno : 0;
}

static int probe_enosys(void)
{
	/* the profile names getpid and close_range (436), the highest */
	if (raw_errno(SYS_getpid))
		return 1;
	if (raw_errno(435) != EPERM) /* clone3: not named, older: the default */
		return 2;
	if (raw_errno(437) != ENOSYS) /* openat2: newer than any named */
		return 3;
	if (raw_errno(999) != ENOSYS)
		return 4;
	return 0;
}

static void test_newer_syscalls_get_enosys(void **state)
{
	/* alone, and after the blocks of other architectures (i386's numbers differ) */
	static const char *const arches[] = {"", ",\"architectures\":[\"SCMP_ARCH_X86\","
						 "\"SCMP_ARCH_X32\",\"SCMP_ARCH_X86_64\"]"};

	if (*state)
		skip();
	for (size_t i = 0; i < sizeof(arches) / sizeof(arches[0]); i++) {
		char json[512];

		snprintf(json, sizeof(json),
			 "{\"defaultAction\":\"SCMP_ACT_ERRNO\"%s,\"syscalls\":[{\"names\":["
			 "\"exit_group\",\"exit\",\"getpid\",\"rt_sigreturn\",\"brk\",\"mmap\","
			 "\"munmap\",\"close_range\"],\"action\":\"SCMP_ACT_ALLOW\"}]}",
			 arches[i]);
		struct oci_config *cfg = config_with(json);
		struct seccomp_prog *p = compile_ok(cfg);
		int status = in_child(p, probe_enosys);

		assert_true(WIFEXITED(status));
		assert_int_equal(WEXITSTATUS(status), 0);
		seccomp_prog_free(p);
		oci_config_free(cfg);
	}
}

static void test_argument_filter(void **state)
{
	if (*state)
		skip();
	struct oci_config *cfg = config_with(
		"{\"defaultAction\":\"SCMP_ACT_ALLOW\",\"syscalls\":[{\"names\":[\"dup3\"],"
		"\"action\":\"SCMP_ACT_ERRNO\",\"errnoRet\":7,\"args\":[{\"index\":2,\"value\":0,"
		"\"op\":\"SCMP_CMP_EQ\"}]}]}");
	struct seccomp_prog *p = compile_ok(cfg);
	int status = in_child(p, probe_dup_args);

	(void)state;
	assert_true(WIFEXITED(status));
	assert_int_equal(WEXITSTATUS(status), 0);
	seccomp_prog_free(p);
	oci_config_free(cfg);
}

static void test_same_index_conditions_are_ored(void **state)
{
	if (*state)
		skip();
	/* flags == 0 OR flags == O_CLOEXEC: both refused; one rule could never match both */
	struct oci_config *cfg = config_with(
		"{\"defaultAction\":\"SCMP_ACT_ALLOW\",\"syscalls\":[{\"names\":[\"dup3\"],"
		"\"action\":\"SCMP_ACT_ERRNO\",\"errnoRet\":7,\"args\":["
		"{\"index\":2,\"value\":0,\"op\":\"SCMP_CMP_EQ\"},"
		"{\"index\":2,\"value\":524288,\"op\":\"SCMP_CMP_EQ\"}]}]}");
	struct seccomp_prog *p = compile_ok(cfg);
	int status = in_child(p, probe_dup_args);

	(void)state;
	/* probe_dup_args returns 1 when the O_CLOEXEC call was refused as well */
	assert_true(WIFEXITED(status));
	assert_int_equal(WEXITSTATUS(status), 1);
	seccomp_prog_free(p);
	oci_config_free(cfg);
}

static void test_kill_process(void **state)
{
	if (*state)
		skip();
	struct oci_config *cfg = config_with(
		"{\"defaultAction\":\"SCMP_ACT_ALLOW\",\"architectures\":[\"SCMP_ARCH_X86_64\","
		"\"SCMP_ARCH_X86\",\"SCMP_ARCH_AARCH64\"],\"flags\":[\"SECCOMP_FILTER_FLAG_LOG\"],"
		"\"syscalls\":[{\"names\":[\"getpid\"],\"action\":\"SCMP_ACT_KILL_PROCESS\"}]}");
	struct seccomp_prog *p = compile_ok(cfg);
	int status = in_child(p, probe_getpid);

	(void)state;
	assert_true(WIFSIGNALED(status));
	assert_int_equal(WTERMSIG(status), SIGSYS);
	seccomp_prog_free(p);
	oci_config_free(cfg);
}

static void test_rule_with_default_action_is_dropped(void **state)
{
	if (*state)
		skip();
	struct oci_config *cfg = config_with(
		"{\"defaultAction\":\"SCMP_ACT_ALLOW\",\"syscalls\":[{\"names\":[\"getpid\"],"
		"\"action\":\"SCMP_ACT_ALLOW\"}]}");
	struct seccomp_prog *p = compile_ok(cfg);
	int status = in_child(p, probe_getpid);

	(void)state;
	assert_true(WIFEXITED(status));
	assert_int_equal(WEXITSTATUS(status), 0);
	seccomp_prog_free(p);
	oci_config_free(cfg);
}

static void test_errors_name_the_json_path(void **state)
{
	(void)state;
	compile_fails("{\"defaultAction\":\"SCMP_ACT_NOPE\"}",
		      "linux.seccomp.defaultAction: unknown action \"SCMP_ACT_NOPE\"");
	compile_fails("{\"defaultAction\":\"SCMP_ACT_ALLOW\",\"syscalls\":[{\"names\":[\"a\"],"
		      "\"action\":\"SCMP_ACT_ALLOW\"},{\"names\":[\"mkdir\"],\"action\":\"X\"}]}",
		      "linux.seccomp.syscalls[1].action: unknown action \"X\"");
	compile_fails(
		"{\"defaultAction\":\"SCMP_ACT_ALLOW\",\"flags\":[\"SECCOMP_FILTER_FLAG_X\"]}",
		"linux.seccomp.flags[0]: unknown flag");
	compile_fails(
		"{\"defaultAction\":\"SCMP_ACT_ALLOW\",\"architectures\":[\"SCMP_ARCH_VAX\"]}",
		"linux.seccomp.architectures[0]: unknown architecture \"SCMP_ARCH_VAX\"");
	compile_fails("{\"defaultAction\":\"SCMP_ACT_ALLOW\",\"architectures\":[\"x86_64\"]}",
		      "unknown architecture \"x86_64\"");
	compile_fails("{\"defaultAction\":\"SCMP_ACT_ALLOW\",\"syscalls\":[{\"names\":[\"dup3\"],"
		      "\"action\":\"SCMP_ACT_ERRNO\",\"args\":[{\"index\":2,\"value\":0,"
		      "\"op\":\"SCMP_CMP_ABOUT\"}]}]}",
		      "linux.seccomp.syscalls[0].args[0].op: unknown operator \"SCMP_CMP_ABOUT\"");
	compile_fails("{\"defaultAction\":\"SCMP_ACT_ALLOW\",\"syscalls\":[{\"names\":[\"dup3\"],"
		      "\"action\":\"SCMP_ACT_ERRNO\",\"args\":[{\"index\":6,\"value\":0,"
		      "\"op\":\"SCMP_CMP_EQ\"}]}]}",
		      "args[0].index: 6 is not an argument index");
	compile_fails("{\"defaultAction\":\"SCMP_ACT_ALLOW\",\"syscalls\":[{\"names\":[\"dup3\"],"
		      "\"action\":\"SCMP_ACT_NOTIFY\"}]}",
		      "linux.seccomp.listenerPath: required when an action is SCMP_ACT_NOTIFY");
	compile_fails("{\"defaultAction\":\"SCMP_ACT_NOTIFY\",\"listenerPath\":\"/run/x.sock\"}",
		      "linux.seccomp.defaultAction: SCMP_ACT_NOTIFY is not allowed");
}

static void test_notify(void **state)
{
	/* libseccomp asks the kernel whether it can notify, with a call valgrind lacks */
	if (*state)
		skip();
	/* a listener with nothing to notify is fine; NOTIFY with one is a notifying filter */
	struct oci_config *cfg = config_with(
		"{\"defaultAction\":\"SCMP_ACT_ALLOW\",\"listenerPath\":\"/run/x.sock\"}");
	struct seccomp_prog *p = compile_ok(cfg);
	assert_false(seccomp_prog_notifies(p));
	seccomp_prog_free(p);
	oci_config_free(cfg);
	cfg = config_with("{\"defaultAction\":\"SCMP_ACT_ALLOW\",\"listenerPath\":\"/run/x.sock\","
			  "\"listenerMetadata\":\"m\",\"syscalls\":[{\"names\":[\"mkdir\"],"
			  "\"action\":\"SCMP_ACT_NOTIFY\"}]}");
	p = compile_ok(cfg);
	assert_true(seccomp_prog_notifies(p));
	assert_false(seccomp_prog_notifies(NULL));
	seccomp_prog_free(p);
	oci_config_free(cfg);
}

static void test_notify_message(void **state)
{
	char *msg;
	size_t len;
	assert_null(seccomp_notify_message(
		"1.2.0", 4242, "meta data",
		"{\"ociVersion\":\"1.2.0\",\"id\":\"c1\",\"status\":\"creating\",\"pid\":4242,"
		"\"bundle\":\"/b\"}",
		&msg, &len));
	assert_string_equal(
		msg, "{\"ociVersion\":\"1.2.0\",\"fds\":[\"seccompFd\"],\"pid\":4242,"
		     "\"metadata\":\"meta data\",\"state\":{\"ociVersion\":\"1.2.0\","
		     "\"id\":\"c1\",\"status\":\"creating\",\"pid\":4242,\"bundle\":\"/b\"}}");
	assert_int_equal(len, strlen(msg));
	free(msg);
	/* no metadata: the member is left out */
	assert_null(seccomp_notify_message("1.2.0", 1, NULL, "{}", &msg, &len));
	assert_null(strstr(msg, "metadata"));
	free(msg);
	th_expect_failure(seccomp_notify_message("1.2.0", 1, NULL, "{", &msg, &len));
	th_expect_msg(seccomp_notify_send("/nonexistent/listener.sock", "{}", 2, 0),
		      "connect to /nonexistent/listener.sock");
}

/* The cache: a miss compiles and keeps, a hit gives the same filter, nothing else is trusted. */
static void test_cache(void **state)
{
	bool judge = !*state; /* filters run in children only outside valgrind */
	char *dir = th_tmpdir("seccomp-cache");
	char *cache = cubo_path_join(dir, "cache");
	struct oci_config *cfg = config_with("{\"defaultAction\":\"SCMP_ACT_ALLOW\",\"syscalls\":[{"
					     "\"names\":[\"mkdir\",\"mkdirat\"],"
					     "\"action\":\"SCMP_ACT_ERRNO\",\"errnoRet\":28}]}");
	struct seccomp_prog *a, *b;
	assert_null(seccomp_prog_compile_cached(cfg->linux_->seccomp, &quiet_log, cache, &a));
	DIR *d = opendir(cache);
	assert_non_null(d);
	struct dirent *e;
	char name[256] = "";
	while ((e = readdir(d)))
		if (e->d_name[0] != '.')
			snprintf(name, sizeof(name), "%s", e->d_name);
	closedir(d);
	assert_true(name[0]);
	char *entry = cubo_path_join(cache, name);
	assert_null(seccomp_prog_compile_cached(cfg->linux_->seccomp, &quiet_log, cache, &b));
	void *ba, *bb;
	size_t la, lb;
	assert_null(seccomp_prog_export(a, &ba, &la));
	assert_null(seccomp_prog_export(b, &bb, &lb));
	assert_int_equal(la, lb);
	assert_memory_equal(ba, bb, la);
	free(bb);
	if (judge)
		assert_int_equal(WEXITSTATUS(in_child(b, probe_mkdir)), 28);
	seccomp_prog_free(b);
	/* a damaged entry is compiled again and replaced */
	assert_null(cubo_write_file_atomic(entry, "junk", 4, 0600));
	assert_null(seccomp_prog_compile_cached(cfg->linux_->seccomp, &quiet_log, cache, &b));
	assert_null(seccomp_prog_export(b, &bb, &lb));
	assert_memory_equal(ba, bb, la);
	free(bb);
	seccomp_prog_free(b);
	/*
	 * Another profile's filter under this profile's name (a hash collision,
	 * or a planted file) is not used: the whole profile must match.
	 */
	struct oci_config *allow = config_with("{\"defaultAction\":\"SCMP_ACT_ALLOW\"}");
	char *other = cubo_path_join(dir, "other");
	assert_null(seccomp_prog_compile_cached(allow->linux_->seccomp, &quiet_log, other, &b));
	seccomp_prog_free(b);
	d = opendir(other);
	while ((e = readdir(d)))
		if (e->d_name[0] != '.') {
			char *src = cubo_path_join(other, e->d_name);
			assert_int_equal(rename(src, entry), 0);
			free(src);
		}
	closedir(d);
	assert_null(seccomp_prog_compile_cached(cfg->linux_->seccomp, &quiet_log, cache, &b));
	if (judge)
		assert_int_equal(WEXITSTATUS(in_child(b, probe_mkdir)), 28);
	seccomp_prog_free(b);
	free(ba);
	seccomp_prog_free(a);
	oci_config_free(allow);
	oci_config_free(cfg);
	free(other);
	free(entry);
	free(cache);
	th_tmpdir_free(dir);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup(test_newer_syscalls_get_enosys, setup_need_seccomp),
		cmocka_unit_test_setup(test_errno_rule, setup_need_seccomp),
		cmocka_unit_test_setup(test_default_errno_with_allow_list, setup_need_seccomp),
		cmocka_unit_test_setup(test_argument_filter, setup_need_seccomp),
		cmocka_unit_test_setup(test_same_index_conditions_are_ored, setup_need_seccomp),
		cmocka_unit_test_setup(test_kill_process, setup_need_seccomp),
		cmocka_unit_test_setup(test_rule_with_default_action_is_dropped,
				       setup_need_seccomp),
		cmocka_unit_test(test_errors_name_the_json_path),
		cmocka_unit_test_setup(test_notify, setup_need_seccomp),
		cmocka_unit_test(test_notify_message),
		cmocka_unit_test_setup(test_cache, setup_need_seccomp),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
