/* SPDX-License-Identifier: Apache-2.0 */
/* Covers: cubo-mgr/container/seccomp_default.c */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "cubo-mgr/container/bundle.h"
#include "cubo-mgr/container/seccomp_default.h"
#include "shared/strv.h"
#include "spec/features.h"

/* The first rule naming call, or NULL. */
static const struct oci_seccomp_syscall *rule_for(const struct oci_seccomp *s, const char *call,
						  size_t skip)
{
	for (size_t i = 0; i < s->n_syscalls; i++)
		if (cubo_strv_contains(s->syscalls[i].names.v, call) && skip-- == 0)
			return &s->syscalls[i];
	return NULL;
}

/* Allowed with no condition on its arguments. */
static bool allowed(const struct oci_seccomp *s, const char *call)
{
	for (size_t i = 0; i < s->n_syscalls; i++)
		if (cubo_strv_contains(s->syscalls[i].names.v, call) &&
		    !strcmp(s->syscalls[i].action, "SCMP_ACT_ALLOW") && s->syscalls[i].n_args == 0)
			return true;
	return false;
}

static void test_default_caps(void **state)
{
	struct oci_seccomp *s = ctr_seccomp_default((char *const *)bundle_default_caps);
	assert_string_equal(s->default_action, "SCMP_ACT_ERRNO");
	assert_true(s->has_default_errno_ret);
	assert_int_equal(s->default_errno_ret, 1);
#if defined(__x86_64__)
	assert_true(cubo_strv_contains(s->architectures.v, "SCMP_ARCH_X86_64"));
	assert_true(cubo_strv_contains(s->architectures.v, "SCMP_ARCH_X86"));
	assert_true(allowed(s, "arch_prctl"));
#endif
	const char *ok[] = {"read", "write", "openat", "execve", "exit_group", "futex", "chroot"};
	for (size_t i = 0; i < sizeof(ok) / sizeof(*ok); i++)
		if (!allowed(s, ok[i]))
			fail_msg("%s is not allowed", ok[i]);
	const char *denied[] = {"mount",  "umount2",	  "unshare",	 "setns",
				"reboot", "kexec_load",	  "init_module", "open_by_handle_at",
				"bpf",	  "kcmp",	  "add_key",	 "keyctl",
				"swapon", "clock_settime"};
	for (size_t i = 0; i < sizeof(denied) / sizeof(*denied); i++)
		if (allowed(s, denied[i]))
			fail_msg("%s is allowed without its capability", denied[i]);
	/* clone without namespace flags only; clone3 says ENOSYS */
	const struct oci_seccomp_syscall *r = rule_for(s, "clone", 0);
	assert_non_null(r);
	assert_int_equal(r->n_args, 1);
	assert_int_equal(r->args[0].index, 0);
	assert_int_equal(r->args[0].value, 0x7E020000);
	assert_string_equal(r->args[0].op, "SCMP_CMP_MASKED_EQ");
	r = rule_for(s, "clone3", 0);
	assert_non_null(r);
	assert_string_equal(r->action, "SCMP_ACT_ERRNO");
	assert_int_equal(r->errno_ret, 38);
	/* socket: every family but AF_VSOCK */
	r = rule_for(s, "socket", 0);
	assert_int_equal(r->args[0].value, 40);
	assert_string_equal(r->args[0].op, "SCMP_CMP_NE");
	/* personality: five allowed values, nothing else */
	for (size_t k = 0; k < 5; k++) {
		r = rule_for(s, "personality", k);
		assert_non_null(r);
		assert_string_equal(r->args[0].op, "SCMP_CMP_EQ");
	}
	assert_null(rule_for(s, "personality", 5));
	assert_false(allowed(s, "personality"));
	/* it is runtime config: the runtime's own parser takes it */
	struct oci_config *cfg;
	assert_null(oci_config_default(false, 0, 0, &cfg));
	cfg->linux_->seccomp = s;
	char *json;
	size_t len;
	assert_null(oci_config_to_json(cfg, false, &json, &len));
	struct oci_config *again;
	assert_null(oci_config_parse(json, len, "config.json", &again));
	assert_int_equal(again->linux_->seccomp->n_syscalls, s->n_syscalls);
	oci_config_free(again);
	oci_config_free(cfg);
	free(json);
}

static void test_capabilities_open_calls(void **state)
{
	char *caps[] = {"CAP_SYS_ADMIN", "CAP_SYS_PTRACE", "CAP_SYS_TIME", "CAP_DAC_READ_SEARCH",
			NULL};
	struct oci_seccomp *s = ctr_seccomp_default(caps);
	const char *now_ok[] = {"mount",	 "umount2",	     "unshare", "setns",
				"clone",	 "clone3",	     "kcmp",	"ptrace",
				"clock_settime", "open_by_handle_at"};
	for (size_t i = 0; i < sizeof(now_ok) / sizeof(*now_ok); i++)
		if (!allowed(s, now_ok[i]))
			fail_msg("%s is not allowed with its capability", now_ok[i]);
	/* CAP_SYS_ADMIN lifts the clone argument rule and the clone3 refusal */
	for (size_t i = 0; i < s->n_syscalls; i++) {
		if (cubo_strv_contains(s->syscalls[i].names.v, "clone"))
			assert_int_equal(s->syscalls[i].n_args, 0);
		if (cubo_strv_contains(s->syscalls[i].names.v, "clone3"))
			assert_string_equal(s->syscalls[i].action, "SCMP_ACT_ALLOW");
	}
	assert_false(allowed(s, "reboot"));
	assert_false(allowed(s, "init_module"));
	struct oci_config *cfg;
	assert_null(oci_config_default(false, 0, 0, &cfg));
	cfg->linux_->seccomp = s;
	oci_config_free(cfg);
	/* no capabilities at all is fine too */
	s = ctr_seccomp_default(NULL);
	assert_false(allowed(s, "chroot"));
	assert_null(oci_config_default(false, 0, 0, &cfg));
	cfg->linux_->seccomp = s;
	oci_config_free(cfg);
}

/* No rule at all may let io_uring through: not by name, not with an argument, not with a cap. */
static bool io_uring_in_some_rule(const struct oci_seccomp *s)
{
	static const char *const calls[] = {"io_uring_setup", "io_uring_enter",
					    "io_uring_register"};
	for (size_t c = 0; c < sizeof(calls) / sizeof(*calls); c++)
		if (rule_for(s, calls[c], 0))
			return true;
	return false;
}

/*
 * docker's profile dropped io_uring (moby#46762): its operations reach
 * around seccomp, and it is a large kernel attack surface.
 */
static void test_io_uring_refused(void **state)
{
	struct oci_seccomp *s = ctr_seccomp_default((char *const *)bundle_default_caps);
	assert_false(io_uring_in_some_rule(s));
	/* so the default action answers: EPERM, as docker's */
	assert_string_equal(s->default_action, "SCMP_ACT_ERRNO");
	assert_int_equal(s->default_errno_ret, 1);
	struct oci_config *cfg;
	assert_null(oci_config_default(false, 0, 0, &cfg));
	cfg->linux_->seccomp = s;
	oci_config_free(cfg);
	/* every capability there is (--cap-add ALL) opens nothing of it either */
	s = ctr_seccomp_default((char *const *)oci_capability_names);
	assert_true(allowed(s, "mount")); /* the capabilities did open their calls */
	assert_false(io_uring_in_some_rule(s));
	assert_null(oci_config_default(false, 0, 0, &cfg));
	cfg->linux_->seccomp = s;
	oci_config_free(cfg);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_default_caps),
		cmocka_unit_test(test_capabilities_open_calls),
		cmocka_unit_test(test_io_uring_refused),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
