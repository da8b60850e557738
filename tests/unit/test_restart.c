/* SPDX-License-Identifier: Apache-2.0 */
/* Covers: cubo-mgr/container/restart.c */
#include "tests/unit/helpers.h"

#include "cubo-mgr/container/restart.h"

static void test_parse(void **state)
{
	struct restart_policy p;
	const char *names[] = {"no", "on-failure", "always", "unless-stopped"};
	for (int i = 0; i < 4; i++) {
		th_assert_ok(restart_policy_parse(names[i], &p));
		assert_int_equal(p.kind, i);
		assert_int_equal(p.max, 0);
		assert_string_equal(restart_kind_name(p.kind), names[i]);
	}
	th_assert_ok(restart_policy_parse("on-failure:3", &p));
	assert_int_equal(p.kind, RESTART_ON_FAILURE);
	assert_int_equal(p.max, 3);
	th_assert_ok(restart_policy_parse("on-failure:0", &p));
	assert_int_equal(p.max, 0);
}

static void test_parse_errors(void **state)
{
	struct restart_policy p;
	const char *bad[] = {"",
			     "bogus",
			     "Always",
			     "no:1",
			     "always:3",
			     "unless-stopped:1",
			     "on-failure:",
			     "on-failure:x",
			     "on-failure:-1",
			     "on-failure:+1",
			     "on-failure:1x",
			     "on-failure:99999999999",
			     "on-failure:3:4",
			     "on-failures",
			     "alway"};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		struct cubo_error *err = restart_policy_parse(bad[i], &p);
		if (!err)
			fail_msg("\"%s\" was accepted", bad[i]);
		th_expect_msg(err, "restart policy", bad[i]);
		assert_int_equal(p.kind, RESTART_NO);
	}
}

static void test_record_round_trip(void **state)
{
	struct ctr_record r = {0};
	struct restart_policy p = {RESTART_ON_FAILURE, 5};
	restart_policy_set(&r, &p);
	struct restart_policy got = restart_policy_of(&r);
	assert_int_equal(got.kind, RESTART_ON_FAILURE);
	assert_int_equal(got.max, 5);
	p = (struct restart_policy){RESTART_ALWAYS, 0};
	restart_policy_set(&r, &p);
	assert_string_equal(r.restart_policy, "always");
	assert_int_equal(r.restart_max, 0);
	p = (struct restart_policy){RESTART_NO, 0};
	restart_policy_set(&r, &p);
	assert_null(r.restart_policy);
	/* a record's unknown name (a newer version wrote it) means no restarts */
	r.restart_policy = xstrdup("sometimes");
	assert_int_equal(restart_policy_of(&r).kind, RESTART_NO);
	ctr_record_free(&r);
}

static void test_wanted(void **state)
{
	struct restart_policy no = {RESTART_NO, 0}, always = {RESTART_ALWAYS, 0},
			      unless = {RESTART_UNLESS_STOPPED, 0}, fail3 = {RESTART_ON_FAILURE, 3},
			      fail = {RESTART_ON_FAILURE, 0};
	assert_false(restart_wanted(&no, 1, 0, false));
	assert_true(restart_wanted(&always, 0, 100, false));
	assert_true(restart_wanted(&unless, 0, 0, false));
	assert_false(restart_wanted(&always, 1, 0, true));
	assert_false(restart_wanted(&unless, 1, 0, true));
	assert_false(restart_wanted(&fail3, 0, 0, false));
	assert_true(restart_wanted(&fail3, 1, 0, false));
	assert_true(restart_wanted(&fail3, 137, 2, false));
	assert_false(restart_wanted(&fail3, 1, 3, false));
	assert_true(restart_wanted(&fail, 1, 1000, false));
	assert_false(restart_wanted(&fail, 1, 0, true));
}

static void test_backoff(void **state)
{
	unsigned d = restart_next_delay_ms(0, 0);
	assert_int_equal(d, 100);
	unsigned want[] = {200, 400, 800, 1600, 3200, 6400, 12800, 25600, 51200, 60000, 60000};
	for (size_t i = 0; i < sizeof(want) / sizeof(want[0]); i++) {
		d = restart_next_delay_ms(d, 50);
		assert_int_equal(d, want[i]);
	}
	/* ten seconds up start it over */
	assert_int_equal(restart_next_delay_ms(60000, 10000), 100);
	assert_int_equal(restart_next_delay_ms(800, 9999), 1600);
}

static void test_restore(void **state)
{
	struct ctr_record r = {0};
	assert_false(restart_restore_wanted(&r));
	r.restart_policy = xstrdup("always");
	assert_true(restart_restore_wanted(&r));
	r.stopped_by_user = true;
	assert_true(restart_restore_wanted(&r)); /* docker: always comes back at boot */
	free(r.restart_policy);
	r.restart_policy = xstrdup("unless-stopped");
	assert_false(restart_restore_wanted(&r));
	r.stopped_by_user = false;
	assert_true(restart_restore_wanted(&r));
	free(r.restart_policy);
	r.restart_policy = xstrdup("on-failure");
	assert_false(restart_restore_wanted(&r));
	ctr_record_free(&r);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_parse),
		cmocka_unit_test(test_parse_errors),
		cmocka_unit_test(test_record_round_trip),
		cmocka_unit_test(test_wanted),
		cmocka_unit_test(test_backoff),
		cmocka_unit_test(test_restore),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
