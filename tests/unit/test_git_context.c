/* SPDX-License-Identifier: Apache-2.0 */
/* Covers: cubo-mgr/builder/git_context.c (what is a git context, URL#REF:DIR, its name). */
#include "tests/unit/helpers.h"

#include "cubo-mgr/builder/git_context.h"

static void test_is_url(void **state)
{
	(void)state;
	assert_true(git_context_is_url("git://host/repo"));
	assert_true(git_context_is_url("git@github.com:org/repo.git"));
	assert_true(git_context_is_url("github.com/org/repo"));
	assert_true(git_context_is_url("https://host/org/repo.git"));
	assert_true(git_context_is_url("https://host/org/repo.git#main:sub"));
	assert_false(git_context_is_url("https://host/org/context.tar.gz"));
	assert_false(git_context_is_url("http://host/repo"));
	assert_false(git_context_is_url("./app"));
	assert_false(git_context_is_url("/srv/git@x"));
	assert_false(git_context_is_url("file:///srv/repo.git"));
}

static void test_parse(void **state)
{
	(void)state;
	struct git_context_ref r;
	th_assert_ok(git_context_parse("https://h/o/r.git#v1.2:app/web", &r));
	assert_string_equal(r.url, "https://h/o/r.git");
	assert_string_equal(r.ref, "v1.2");
	assert_string_equal(r.dir, "app/web");
	git_context_ref_free(&r);
	th_assert_ok(git_context_parse("github.com/o/r", &r));
	assert_string_equal(r.url, "https://github.com/o/r");
	assert_null(r.ref);
	assert_null(r.dir);
	git_context_ref_free(&r);
	/* DIR only, ref the default */
	th_assert_ok(git_context_parse("git://h/r#:sub", &r));
	assert_null(r.ref);
	assert_string_equal(r.dir, "sub");
	git_context_ref_free(&r);
	/* hostile fragments */
	th_expect_msg(git_context_parse("git://h/r#main:../../etc", &r), "climbs out");
	git_context_ref_free(&r);
	th_expect_msg(git_context_parse("git://h/r#main:/etc", &r), "must be relative");
	git_context_ref_free(&r);
	th_expect_msg(git_context_parse("git://h/r#--upload-pack=x", &r), "is not a git ref");
	git_context_ref_free(&r);
	th_expect_msg(git_context_parse("git://h/r#main:a\nb", &r), "control character");
	git_context_ref_free(&r);
}

static void test_name(void **state)
{
	(void)state;
	char *n = git_context_name("https://host/org/app.git#main:sub");
	assert_string_equal(n, "app");
	free(n);
	n = git_context_name("git@github.com:org/tool.git");
	assert_string_equal(n, "tool");
	free(n);
	n = git_context_name("github.com/org/thing/");
	assert_string_equal(n, "thing");
	free(n);
	assert_null(git_context_name("git://"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_is_url),
		cmocka_unit_test(test_parse),
		cmocka_unit_test(test_name),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
