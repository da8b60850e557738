/* SPDX-License-Identifier: Apache-2.0 */
/* Covers: cubo-mgr/container/seccomp_profile.c */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "cubo-mgr/container/seccomp_profile.h"
#include "shared/strv.h"
#include "tests/unit/helpers.h"

static char *caps_default[] = {"CAP_CHOWN", "CAP_KILL", NULL};

static const struct seccomp_host host = {.arch = "SCMP_ARCH_X86_64",
					 .goarch = "amd64",
					 .kernel = "5.10.0-8-amd64",
					 .caps = caps_default};

static struct oci_seccomp *convert(const char *json, const struct seccomp_host *h)
{
	struct oci_seccomp *s = NULL;
	struct cubo_error *err = seccomp_profile_convert(json, strlen(json), "p.json", h, &s);
	if (err)
		fail_msg("%s", err->msg);
	return s;
}

static void test_rules(void **state)
{
	const char *json =
		"{\"defaultAction\":\"SCMP_ACT_ERRNO\",\"defaultErrnoRet\":1,"
		"\"archMap\":[{\"architecture\":\"SCMP_ARCH_AARCH64\",\"subArchitectures\":"
		"[\"SCMP_ARCH_ARM\"]},{\"architecture\":\"SCMP_ARCH_X86_64\","
		"\"subArchitectures\":[\"SCMP_ARCH_X86\",\"SCMP_ARCH_X32\"]}],"
		"\"syscalls\":["
		"{\"names\":[\"read\",\"write\"],\"action\":\"SCMP_ACT_ALLOW\",\"comment\":\"x\"},"
		"{\"name\":\"mkdir\",\"action\":\"SCMP_ACT_ERRNO\",\"errnoRet\":1},"
		"{\"names\":[\"mount\"],\"action\":\"SCMP_ACT_ALLOW\",\"includes\":{\"caps\":"
		"[\"CAP_SYS_ADMIN\"]}},"
		"{\"names\":[\"arch_prctl\"],\"action\":\"SCMP_ACT_ALLOW\",\"includes\":{"
		"\"arches\":"
		"[\"amd64\",\"x32\"]}},"
		"{\"names\":[\"set_tls\"],\"action\":\"SCMP_ACT_ALLOW\",\"includes\":{\"arches\":"
		"[\"arm64\"]}},"
		"{\"names\":[\"symlink\"],\"action\":\"SCMP_ACT_ERRNO\",\"excludes\":{\"caps\":"
		"[\"CAP_CHOWN\"]}},"
		"{\"names\":[\"ptrace\"],\"action\":\"SCMP_ACT_ALLOW\",\"includes\":{\"minKernel\":"
		"\"4.8\"}},"
		"{\"names\":[\"newer\"],\"action\":\"SCMP_ACT_ALLOW\",\"includes\":{\"minKernel\":"
		"\"6.2\"}},"
		"{\"names\":[\"personality\"],\"action\":\"SCMP_ACT_ALLOW\",\"args\":[{\"index\":0,"
		"\"value\":8,\"valueTwo\":0,\"op\":\"SCMP_CMP_EQ\"}]}]}";
	struct oci_seccomp *s = convert(json, &host);
	assert_string_equal(s->default_action, "SCMP_ACT_ERRNO");
	assert_true(s->has_default_errno_ret);
	assert_int_equal(s->architectures.n, 3);
	assert_string_equal(s->architectures.v[0], "SCMP_ARCH_X86_64");
	assert_string_equal(s->architectures.v[2], "SCMP_ARCH_X32");
	/* read/write, mkdir, arch_prctl, ptrace, personality: the rest do not apply */
	assert_int_equal(s->n_syscalls, 5);
	assert_string_equal(s->syscalls[1].names.v[0], "mkdir");
	assert_true(s->syscalls[1].has_errno_ret);
	assert_int_equal(s->syscalls[1].errno_ret, 1);
	assert_string_equal(s->syscalls[2].names.v[0], "arch_prctl");
	assert_string_equal(s->syscalls[3].names.v[0], "ptrace");
	assert_int_equal(s->syscalls[4].n_args, 1);
	assert_int_equal(s->syscalls[4].args[0].value, 8);
	assert_true(s->syscalls[4].args[0].has_value_two);
	oci_seccomp_free(s);

	/* another container: SYS_ADMIN, no CHOWN, on arm64 and a newer kernel */
	char *caps[] = {"CAP_SYS_ADMIN", NULL};
	struct seccomp_host h2 = {
		.arch = "SCMP_ARCH_AARCH64", .goarch = "arm64", .kernel = "6.10.1", .caps = caps};
	s = convert(json, &h2);
	assert_int_equal(s->architectures.n, 2);
	assert_string_equal(s->architectures.v[1], "SCMP_ARCH_ARM");
	/* read/write, mkdir, mount, set_tls, symlink, ptrace, newer, personality */
	assert_int_equal(s->n_syscalls, 8);
	assert_string_equal(s->syscalls[2].names.v[0], "mount");
	assert_string_equal(s->syscalls[3].names.v[0], "set_tls");
	assert_string_equal(s->syscalls[4].names.v[0], "symlink");
	oci_seccomp_free(s);
}

static void test_errors(void **state)
{
	static const struct {
		const char *json, *msg;
	} bad[] = {
		{"[]", "p.json: expected object, got array"},
		{"{\"defaultAction\":", "p.json"},
		{"{}", "defaultAction"},
		{"{\"defaultAction\":\"ALLOW\"}",
		 "p.json: defaultAction: unknown action \"ALLOW\""},
		{"{\"defaultAction\":\"SCMP_ACT_ALLOW\",\"defaultErrnoRet\":-1}",
		 "defaultErrnoRet"},
		{"{\"defaultAction\":\"SCMP_ACT_ALLOW\",\"architectures\":[\"SCMP_ARCH_VAX\"]}",
		 "architectures: unknown arch \"SCMP_ARCH_VAX\""},
		{"{\"defaultAction\":\"SCMP_ACT_ALLOW\",\"architectures\":[],\"archMap\":[]}",
		 "use either 'architectures' or 'archMap'"},
		{"{\"defaultAction\":\"SCMP_ACT_ALLOW\",\"archMap\":[{\"subArchitectures\":[]}]}",
		 "archMap[0].architecture"},
		{"{\"defaultAction\":\"SCMP_ACT_ALLOW\",\"flags\":[\"FLAG_X\"]}",
		 "flags: unknown flag \"FLAG_X\""},
		{"{\"defaultAction\":\"SCMP_ACT_ALLOW\",\"syscalls\":{}}", "syscalls"},
		{"{\"defaultAction\":\"SCMP_ACT_ALLOW\",\"syscalls\":[{\"names\":[\"a\"]}]}",
		 "syscalls[0].action"},
		{"{\"defaultAction\":\"SCMP_ACT_ALLOW\",\"syscalls\":[{\"action\":\"SCMP_ACT_"
		 "ALLOW\"}]}",
		 "syscalls[0]: names: no syscall named"},
		{"{\"defaultAction\":\"SCMP_ACT_ALLOW\",\"syscalls\":[{\"name\":\"a\",\"names\":["
		 "\"b\"],"
		 "\"action\":\"SCMP_ACT_ALLOW\"}]}",
		 "syscalls[0]: use either 'name' or 'names'"},
		{"{\"defaultAction\":\"SCMP_ACT_ALLOW\",\"syscalls\":[{\"names\":[1],"
		 "\"action\":\"SCMP_ACT_ALLOW\"}]}",
		 "syscalls[0].names[0]"},
		{"{\"defaultAction\":\"SCMP_ACT_ALLOW\",\"syscalls\":[{},{\"names\":[\"a\"],"
		 "\"action\":\"SCMP_ACT_ALLOW\",\"args\":[{\"index\":0,\"op\":\"EQ\"}]}]}",
		 "syscalls[0].action"},
		{"{\"defaultAction\":\"SCMP_ACT_ALLOW\",\"syscalls\":[{\"names\":[\"a\"],"
		 "\"action\":\"SCMP_ACT_ALLOW\",\"args\":[{\"index\":0,\"op\":\"EQ\"}]}]}",
		 "syscalls[0].args[0].op: unknown operator \"EQ\""},
		{"{\"defaultAction\":\"SCMP_ACT_ALLOW\",\"syscalls\":[{\"names\":[\"a\"],"
		 "\"action\":\"SCMP_ACT_ALLOW\",\"args\":[{\"index\":6,\"op\":\"SCMP_CMP_EQ\"}]}]}",
		 "syscalls[0].args[0].index: 6: a syscall has arguments 0 to 5"},
		{"{\"defaultAction\":\"SCMP_ACT_ALLOW\",\"syscalls\":[{\"names\":[\"a\"],"
		 "\"action\":\"SCMP_ACT_ALLOW\",\"args\":[{\"op\":\"SCMP_CMP_EQ\"}]}]}",
		 "syscalls[0].args[0].index"},
		/* a rule left out for this host is still checked */
		{"{\"defaultAction\":\"SCMP_ACT_ALLOW\",\"syscalls\":[{\"names\":[\"a\"],"
		 "\"action\":\"SCMP_ACT_BAD\",\"includes\":{\"arches\":[\"s390x\"]}}]}",
		 "syscalls[0].action: unknown action"},
		{"{\"defaultAction\":\"SCMP_ACT_ALLOW\",\"syscalls\":[{\"names\":[\"a\"],"
		 "\"action\":\"SCMP_ACT_ALLOW\",\"includes\":{\"minKernel\":\"new\"}}]}",
		 "syscalls[0].includes: minKernel \"new\": expected MAJOR.MINOR"},
		{"{\"defaultAction\":\"SCMP_ACT_ALLOW\",\"syscalls\":[{\"names\":[\"a\"],"
		 "\"action\":\"SCMP_ACT_ALLOW\",\"excludes\":{\"caps\":\"CAP_X\"}}]}",
		 "syscalls[0].excludes.caps"},
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(*bad); i++) {
		struct oci_seccomp *s = NULL;
		struct cubo_error *err = seccomp_profile_convert(bad[i].json, strlen(bad[i].json),
								 "p.json", &host, &s);
		if (!err)
			fail_msg("accepted %s", bad[i].json);
		if (!strstr(err->msg, bad[i].msg))
			fail_msg("%s: %s", bad[i].json, err->msg);
		assert_null(s);
		cubo_error_free(err);
	}
}

static void test_read(void **state)
{
	char *json;
	size_t len;
	char *p = th_tmpfile("profile", "{}", 2);
	assert_null(seccomp_profile_read(p, &json, &len));
	assert_int_equal(len, 2);
	free(json);
	unlink(p);
	free(p);
	struct cubo_error *err = seccomp_profile_read("/dev/null", &json, &len);
	assert_non_null(err);
	assert_non_null(strstr(err->msg, "/dev/null: not a regular file"));
	cubo_error_free(err);
	err = seccomp_profile_read("/nonexistent/p.json", &json, &len);
	assert_non_null(err);
	assert_non_null(strstr(err->msg, "/nonexistent/p.json"));
	cubo_error_free(err);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_rules),
		cmocka_unit_test(test_errors),
		cmocka_unit_test(test_read),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
