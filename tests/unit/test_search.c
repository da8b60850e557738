/* SPDX-License-Identifier: Apache-2.0 */
/* Covers: cubo-mgr/image/search.c */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "cubo-mgr/image/search.h"

static void test_query(void **state)
{
	struct search_query q;
	assert_null(search_query_parse("127.0.0.1:5000/busy", NULL, &q));
	assert_string_equal(q.domain, "127.0.0.1:5000");
	assert_string_equal(q.term, "busy");
	search_query_free(&q);
	assert_null(search_query_parse("localhost/", NULL, &q));
	assert_string_equal(q.domain, "localhost");
	assert_string_equal(q.term, "");
	search_query_free(&q);
	/* no registry before the slash: all of it is the term, on the default domain */
	assert_null(search_query_parse("owner/app", "reg.example:5000", &q));
	assert_string_equal(q.domain, "reg.example:5000");
	assert_string_equal(q.term, "owner/app");
	search_query_free(&q);
	assert_null(search_query_parse("alpine", NULL, &q));
	assert_string_equal(q.domain, "docker.io");
	assert_true(search_domain_is_hub(q.domain));
	search_query_free(&q);
	assert_false(search_domain_is_hub("ghcr.io"));

	static const char *const bad[] = {"", "a\nb", "h.x\x01/y", "h@x.y/z", "evil.host?x=/y"};
	for (size_t i = 0; i < sizeof(bad) / sizeof(*bad); i++) {
		struct cubo_error *err = search_query_parse(bad[i], NULL, &q);
		if (!err)
			fail_msg("accepted \"%s\"", bad[i]);
		assert_null(q.domain);
		cubo_error_free(err);
	}
	char big[300];
	memset(big, 'a', sizeof(big) - 1);
	big[sizeof(big) - 1] = 0;
	struct cubo_error *err = search_query_parse(big, NULL, &q);
	assert_non_null(err);
	assert_non_null(strstr(err->msg, "longer than 255"));
	cubo_error_free(err);
}

static void test_filters(void **state)
{
	struct search_filters f;
	assert_null(search_filters_parse(NULL, &f));
	assert_int_equal(f.stars, 0);
	assert_int_equal(f.official, -1);
	assert_true(search_matches("lib/busybox", "busy", &f));
	assert_true(search_matches("lib/busybox", "", &f));
	assert_false(search_matches("lib/alpine", "busy", &f));

	char *official[] = {"is-official=false", NULL};
	assert_null(search_filters_parse(official, &f));
	assert_true(search_matches("busybox", "busy", &f));
	/* a catalog's entries have no stars and are not official */
	char *stars[] = {"stars=3", "is-official=true", NULL};
	assert_null(search_filters_parse(stars, &f));
	assert_int_equal(f.stars, 3);
	assert_int_equal(f.official, 1);
	assert_false(search_matches("busybox", "busy", &f));

	static const struct {
		const char *filter, *msg;
	} bad[] = {
		{"stars=x", "invalid filter 'stars=x'"},
		{"stars=-1", "invalid filter 'stars=-1'"},
		{"stars=", "invalid filter 'stars='"},
		{"is-official=yes", "invalid filter 'is-official=yes'"},
		{"is-automated=true", "automated builds"},
		{"name=x", "invalid filter 'name'"},
		{"stars", "bad format of filter"},
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(*bad); i++) {
		char *v[] = {(char *)bad[i].filter, NULL};
		struct cubo_error *err = search_filters_parse(v, &f);
		assert_non_null(err);
		if (!strstr(err->msg, bad[i].msg))
			fail_msg("%s: %s", bad[i].filter, err->msg);
		cubo_error_free(err);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_query),
		cmocka_unit_test(test_filters),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
