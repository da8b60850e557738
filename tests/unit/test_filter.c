/* SPDX-License-Identifier: Apache-2.0 */
/* Covers: shared/filter.c (docker's --filter lists) */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <string.h>

#include <cmocka.h>

#include "shared/filter.h"
#include "tests/unit/helpers.h"

static const char *const keys[] = {"name", "label", "dangling", NULL};

static void test_check(void **state)
{
	(void)state;
	char *ok[] = {"name=a", "label=x=y", "dangling=true", NULL};
	assert_null(cubo_filter_check(ok, keys));
	assert_null(cubo_filter_check(NULL, keys));
	char *unknown[] = {"name=a", "color=red", NULL};
	th_expect_msg(cubo_filter_check(unknown, keys), "invalid filter 'color'");
	char *bare[] = {"dangling", NULL};
	th_expect_msg(cubo_filter_check(bare, keys), "bad format of filter \"dangling\"");
	char *empty_key[] = {"=x", NULL};
	th_expect_msg(cubo_filter_check(empty_key, keys), "bad format");
	/* a key that only starts like a known one */
	char *prefix[] = {"names=a", NULL};
	th_expect_msg(cubo_filter_check(prefix, keys), "invalid filter 'names'");
	assert_true(cubo_filter_has(ok, "label"));
	assert_false(cubo_filter_has(ok, "lab"));
	bool b;
	assert_null(cubo_filter_bool("dangling", "1", &b));
	assert_true(b);
	assert_null(cubo_filter_bool("dangling", "false", &b));
	assert_false(b);
	th_expect_msg(cubo_filter_bool("dangling", "yes", &b), "invalid filter 'dangling=yes'");
}

/* an item is a name and its labels */
struct item {
	const char *name;
	char **labels;
};

static bool match(const char *key, const char *value, void *p)
{
	const struct item *it = p;
	if (!strcmp(key, "name"))
		return !strcmp(it->name, value);
	return cubo_filter_label(it->labels, value);
}

static void test_match(void **state)
{
	(void)state;
	char *la[] = {"env=prod", "tier=web", NULL};
	char *lb[] = {"env=dev", "flag=", NULL};
	struct item a = {"a", la}, b = {"b", lb}, c = {"c", NULL};
	assert_true(cubo_filter_match(NULL, match, &a));
	/* one key twice: either value */
	char *either[] = {"name=a", "name=b", NULL};
	assert_true(cubo_filter_match(either, match, &a));
	assert_true(cubo_filter_match(either, match, &b));
	assert_false(cubo_filter_match(either, match, &c));
	/* two keys: both, whatever their order; labels: every one given */
	char *both[] = {"label=env", "name=a", "label=tier", NULL};
	assert_true(cubo_filter_match(both, match, &a));
	char *env_tier[] = {"label=env", "name=b", "label=tier", NULL};
	assert_false(cubo_filter_match(env_tier, match, &b)); /* b has no tier label */
	char *no_tier[] = {"label=tier", "name=b", NULL};
	assert_false(cubo_filter_match(no_tier, match, &b));
	char *two_envs[] = {"label=env=prod", "label=env=dev", NULL};
	assert_false(cubo_filter_match(two_envs, match, &a));
	char *both2[] = {"label=env=dev", "name=a", "name=b", NULL};
	assert_true(cubo_filter_match(both2, match, &b));
	assert_false(cubo_filter_match(both2, match, &a));
	/* labels: a key alone, a key and value, an empty value */
	assert_true(cubo_filter_label(la, "tier"));
	assert_true(cubo_filter_label(la, "tier=web"));
	assert_false(cubo_filter_label(la, "tier=db"));
	assert_false(cubo_filter_label(la, "tie"));
	assert_true(cubo_filter_label(lb, "flag="));
	assert_false(cubo_filter_label(lb, "flag=x"));
	assert_false(cubo_filter_label(NULL, "env"));
}

static void test_reference(void **state)
{
	(void)state;
	assert_true(cubo_filter_reference("busybox", "busybox", "latest"));
	assert_true(cubo_filter_reference("busybox:latest", "busybox", "latest"));
	assert_true(cubo_filter_reference("busy*", "busybox", "latest"));
	assert_true(cubo_filter_reference("*:1.?", "app", "1.2"));
	assert_false(cubo_filter_reference("busybox:1", "busybox", "latest"));
	/* '*' stops at '/' as in docker's path.Match */
	assert_false(cubo_filter_reference("*", "127.0.0.1:5000/x", "latest"));
	assert_true(cubo_filter_reference("127.0.0.1:5000/*", "127.0.0.1:5000/x", "latest"));
	assert_true(cubo_filter_reference("*/*", "library/x", "1"));
	/* an unnamed image matches no reference */
	assert_false(cubo_filter_reference("*", "<none>", "<none>"));
	assert_true(cubo_filter_reference("app", "app", "<none>"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_check),
		cmocka_unit_test(test_match),
		cmocka_unit_test(test_reference),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
