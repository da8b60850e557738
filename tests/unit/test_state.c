/* SPDX-License-Identifier: Apache-2.0 */
/* Covers: spec/state.c */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "spec/state.h"

static struct oci_kv annotations[] = {{(char *)"org.example.a", (char *)"1"},
				      {(char *)"b", (char *)"two"}};
static struct oci_kv extra[] = {{(char *)"console", (char *)"/dev/pts/3"}};
static char *cgroups[] = {(char *)"memory:/cubo/c1", (char *)"pids:/cubo/c1", NULL};

static struct oci_state sample(void)
{
	struct oci_state st = {0};

	st.oci_version = (char *)"1.2.0";
	st.id = (char *)"c1";
	st.status = (char *)"created";
	st.pid = 4242;
	st.bundle = (char *)"/srv/bundle";
	st.annotations = (struct oci_map){annotations, 2};
	st.pid_start_time = 18446744073709551615ULL;
	st.created = (char *)"2026-11-23T21:00:00.123456789Z";
	st.rootfs = (char *)"/srv/bundle/rootfs";
	st.owner = (char *)"";
	st.cgroup_paths = (struct oci_strlist){cgroups, 2};
	st.own_pid_ns = true;
	st.systemd_cgroup = false;
	st.extra = (struct oci_map){extra, 1};
	return st;
}

static char *to_json(const struct oci_state *st, bool internal, bool pretty)
{
	char *out = NULL;
	size_t len;
	struct cubo_error *err = oci_state_to_json(st, internal, pretty, &out, &len);

	if (err)
		fail_msg("%s", err->msg);
	assert_int_equal(strlen(out), len);
	return out;
}

static struct oci_state *parse_ok(const char *json)
{
	struct oci_state *st = NULL;
	struct cubo_error *err = oci_state_parse(json, strlen(json), "state.json", &st);

	if (err)
		fail_msg("%s\n%s", err->msg, json);
	return st;
}

static void test_public_output(void **state)
{
	struct oci_state st = sample();
	char *out = to_json(&st, false, false);

	assert_string_equal(out, "{\"ociVersion\":\"1.2.0\",\"id\":\"c1\",\"status\":\"created\","
				 "\"pid\":4242,\"bundle\":\"/srv/bundle\",\"annotations\":"
				 "{\"org.example.a\":\"1\",\"b\":\"two\"}}");
	free(out);
}

static void test_runc_output(void **state)
{
	struct oci_state st = sample();
	char *out = NULL;
	size_t len;

	(void)state;
	assert_null(oci_state_to_runc_json(&st, false, &out, &len));
	/* the OCI fields, then runc's three; nothing private */
	assert_string_equal(
		out, "{\"ociVersion\":\"1.2.0\",\"id\":\"c1\",\"status\":\"created\","
		     "\"pid\":4242,\"bundle\":\"/srv/bundle\",\"annotations\":"
		     "{\"org.example.a\":\"1\",\"b\":\"two\"},\"rootfs\":"
		     "\"/srv/bundle/"
		     "rootfs\",\"created\":\"2026-11-23T21:00:00.123456789Z\",\"owner\":\"\"}");
	free(out);
	/* a state written before created/rootfs were recorded: empty strings */
	st.created = NULL;
	st.rootfs = NULL;
	assert_null(oci_state_to_runc_json(&st, false, &out, &len));
	assert_non_null(strstr(out, "\"rootfs\":\"\",\"created\":\"\",\"owner\":\"\"}"));
	free(out);
}

static void test_public_pid_zero_and_no_annotations(void **state)
{
	struct oci_state st = sample();
	char *out;

	st.status = (char *)"stopped";
	st.pid = 0;
	st.annotations = (struct oci_map){0};
	out = to_json(&st, false, false);
	assert_string_equal(out, "{\"ociVersion\":\"1.2.0\",\"id\":\"c1\",\"status\":\"stopped\","
				 "\"pid\":0,\"bundle\":\"/srv/bundle\"}");
	free(out);
}

static void test_internal_round_trip(void **state)
{
	struct oci_state st = sample();
	char *out = to_json(&st, true, true);
	struct oci_state *back = parse_ok(out);

	assert_non_null(strstr(out, "\"cubo\": {"));
	assert_string_equal(back->oci_version, "1.2.0");
	assert_string_equal(back->id, "c1");
	assert_string_equal(back->status, "created");
	assert_int_equal(back->pid, 4242);
	assert_string_equal(back->bundle, "/srv/bundle");
	assert_int_equal(back->annotations.n, 2);
	assert_string_equal(back->annotations.v[0].key, "org.example.a");
	assert_string_equal(back->annotations.v[1].value, "two");
	assert_true(back->pid_start_time == UINT64_MAX);
	assert_string_equal(back->created, st.created);
	assert_string_equal(back->rootfs, "/srv/bundle/rootfs");
	assert_string_equal(back->owner, "");
	assert_int_equal(back->cgroup_paths.n, 2);
	assert_string_equal(back->cgroup_paths.v[1], "pids:/cubo/c1");
	assert_null(back->cgroup_paths.v[2]);
	assert_true(back->own_pid_ns);
	assert_false(back->systemd_cgroup);
	assert_int_equal(back->extra.n, 1);
	assert_string_equal(back->extra.v[0].key, "console");
	assert_string_equal(back->extra.v[0].value, "/dev/pts/3");

	/* and the regenerated file is the same */
	char *again = to_json(back, true, true);
	assert_string_equal(out, again);
	free(again);
	free(out);
	oci_state_free(back);
}

static void test_public_output_parses_without_private_fields(void **state)
{
	struct oci_state st = sample();
	char *out = to_json(&st, false, true);
	struct oci_state *back = parse_ok(out);

	assert_null(strstr(out, "cubo"));
	assert_null(strstr(out, "rootfs"));
	assert_int_equal(back->pid, 4242);
	assert_int_equal(back->pid_start_time, 0);
	assert_null(back->created);
	assert_null(back->cgroup_paths.v);
	assert_false(back->own_pid_ns);
	free(out);
	oci_state_free(back);
}

static void expect_error(const char *json, const char *want)
{
	struct oci_state *st = (void *)1;
	struct cubo_error *err = oci_state_parse(json, strlen(json), "state.json", &st);

	if (!err)
		fail_msg("no error for %s", json);
	assert_null(st);
	assert_string_equal(err->msg, want);
	cubo_error_free(err);
}

static void test_parse_errors(void **state)
{
	expect_error("{\"id\": \"c1\", \"status\": \"running\"}",
		     "state.json: ociVersion: missing required field");
	expect_error("{\"ociVersion\": \"1.2.0\", \"status\": \"running\"}",
		     "state.json: id: missing required field");
	expect_error("{\"ociVersion\": \"1.2.0\", \"id\": \"c1\", \"status\": \"zombie\"}",
		     "state.json: status: unknown status \"zombie\"");
	expect_error("{\"ociVersion\": \"1.2.0\", \"id\": \"c1\", \"status\": \"running\","
		     " \"pid\": \"12\"}",
		     "state.json: pid: expected integer, got string");
	expect_error("{\"ociVersion\": \"1.2.0\", \"id\": \"c1\", \"status\": \"running\","
		     " \"pid\": -3}",
		     "state.json: pid: negative pid -3");
	expect_error("{\"ociVersion\": \"1.2.0\", \"id\": \"c1\", \"status\": \"running\","
		     " \"cubo\": {\"cgroupPaths\": [\"a\", 1]}}",
		     "state.json: cubo.cgroupPaths[1]: expected string, got number");
	expect_error("{\"ociVersion\": \"1.2.0\", \"id\": \"c1\", \"status\": \"running\","
		     " \"annotations\": {\"a\": \"1\", \"b\": false}}",
		     "state.json: annotations.b: expected string, got boolean");
	expect_error("{\"ociVersion\": \"1.2.0\",",
		     "state.json: invalid JSON at line 1, "
		     "column 24 (byte 23): parse error: premature EOF");
}

static void test_free_null(void **state)
{
	oci_state_free(NULL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_public_output),
		cmocka_unit_test(test_runc_output),
		cmocka_unit_test(test_public_pid_zero_and_no_annotations),
		cmocka_unit_test(test_internal_round_trip),
		cmocka_unit_test(test_public_output_parses_without_private_fields),
		cmocka_unit_test(test_parse_errors),
		cmocka_unit_test(test_free_null),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
