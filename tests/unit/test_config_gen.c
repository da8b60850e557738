/* SPDX-License-Identifier: Apache-2.0 */
/* Covers: spec/config_default.c, spec/config_gen.c */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>
#include <yajl/yajl_tree.h>

#include "spec/config.h"
#include "tests/unit/helpers.h"

static char *read_fixture(const char *name, size_t *len)
{
	char *path = th_fixture_path(name), *text = th_read_file(path, len);

	free(path);
	return text;
}

static struct oci_config *parse_ok(const char *json, size_t len)
{
	struct oci_config *cfg = NULL;
	struct cubo_error *err = oci_config_parse(json, len, "test", &cfg);

	if (err)
		fail_msg("%s\n%s", err->msg, json);
	return cfg;
}

static char *gen_ok(const struct oci_config *cfg, bool pretty, size_t *len)
{
	char *out = NULL;
	struct cubo_error *err = oci_config_to_json(cfg, pretty, &out, len);

	if (err)
		fail_msg("%s", err->msg);
	assert_int_equal(strlen(out), *len);
	return out;
}

/* Structural equality: objects compared as sets of members, numbers by their text. */
static bool tree_equal(yajl_val a, yajl_val b, const char *path)
{
	if (a->type != b->type) {
		print_error("%s: type %d vs %d\n", path, a->type, b->type);
		return false;
	}
	switch (a->type) {
	case yajl_t_string:
		if (strcmp(a->u.string, b->u.string) != 0) {
			print_error("%s: \"%s\" vs \"%s\"\n", path, a->u.string, b->u.string);
			return false;
		}
		return true;
	case yajl_t_number:
		if (strcmp(a->u.number.r, b->u.number.r) != 0) {
			print_error("%s: %s vs %s\n", path, a->u.number.r, b->u.number.r);
			return false;
		}
		return true;
	case yajl_t_array:
		if (a->u.array.len != b->u.array.len) {
			print_error("%s: %zu vs %zu elements\n", path, a->u.array.len,
				    b->u.array.len);
			return false;
		}
		for (size_t i = 0; i < a->u.array.len; i++) {
			char sub[512];
			snprintf(sub, sizeof(sub), "%s[%zu]", path, i);
			if (!tree_equal(a->u.array.values[i], b->u.array.values[i], sub))
				return false;
		}
		return true;
	case yajl_t_object:
		if (a->u.object.len != b->u.object.len) {
			print_error("%s: %zu vs %zu members\n", path, a->u.object.len,
				    b->u.object.len);
			for (size_t i = 0; i < a->u.object.len; i++)
				print_error("  a: %s\n", a->u.object.keys[i]);
			for (size_t i = 0; i < b->u.object.len; i++)
				print_error("  b: %s\n", b->u.object.keys[i]);
			return false;
		}
		for (size_t i = 0; i < a->u.object.len; i++) {
			const char *key = a->u.object.keys[i];
			const char *k[] = {key, NULL};
			yajl_val other = yajl_tree_get(b, k, yajl_t_any);
			char sub[512];
			snprintf(sub, sizeof(sub), "%s.%s", path, key);
			if (!other) {
				print_error("%s: missing\n", sub);
				return false;
			}
			if (!tree_equal(a->u.object.values[i], other, sub))
				return false;
		}
		return true;
	default:
		return true;
	}
}

static yajl_val tree(const char *json)
{
	char errbuf[256];
	yajl_val v = yajl_tree_parse(json, errbuf, sizeof(errbuf));

	if (!v)
		fail_msg("%s", errbuf);
	return v;
}

static void test_round_trip_full(void **state)
{
	size_t len, len_a, len_b, len_c;
	char *text = read_fixture("full.json", &len);
	struct oci_config *cfg1 = parse_ok(text, len);
	char *a = gen_ok(cfg1, true, &len_a);
	struct oci_config *cfg2 = parse_ok(a, len_a);
	char *b = gen_ok(cfg2, true, &len_b);
	char *c = gen_ok(cfg2, false, &len_c);

	/* parse -> generate -> parse -> generate is a fixed point */
	assert_string_equal(a, b);

	/* every member of the fixture (but the unknown one) came back, with its value */
	yajl_val orig = tree(text), gen = tree(a), compact = tree(c);
	for (size_t i = 0; i < orig->u.object.len; i++)
		if (strcmp(orig->u.object.keys[i], "unknownTopLevel") == 0)
			orig->u.object.len--; /* it is the last member */
	assert_true(tree_equal(orig, gen, "$"));
	assert_true(tree_equal(gen, compact, "$"));

	/* values that need care survive */
	assert_true(cfg2->process->rlimits[1].hard == UINT64_MAX);
	assert_true(cfg2->linux_->seccomp->syscalls[1].args[0].value == UINT64_MAX);
	assert_int_equal(cfg2->linux_->time_offsets->monotonic.secs, -3600);
	assert_string_equal(cfg2->process->args.v[2], "echo \"hi\" \\ there");
	assert_non_null(cfg2->linux_->personality->flags.v);
	assert_int_equal(cfg2->linux_->personality->flags.n, 0);

	orig->u.object.len++;
	yajl_tree_free(orig);
	yajl_tree_free(gen);
	yajl_tree_free(compact);
	free(a);
	free(b);
	free(c);
	free(text);
	oci_config_free(cfg1);
	oci_config_free(cfg2);
}

static void test_absent_optionals_omitted(void **state)
{
	const char *json = "{\"ociVersion\":\"1.2.0\"}";
	struct oci_config *cfg = parse_ok(json, strlen(json));
	size_t len;
	char *out = gen_ok(cfg, false, &len);

	assert_string_equal(out, json);
	free(out);
	oci_config_free(cfg);
}

static void test_pretty_and_compact(void **state)
{
	const char *json = "{\"ociVersion\":\"1.2.0\",\"hostname\":\"h\"}";
	struct oci_config *cfg = parse_ok(json, strlen(json));
	size_t len;
	char *pretty = gen_ok(cfg, true, &len);
	char *compact = gen_ok(cfg, false, &len);

	assert_string_equal(pretty, "{\n\t\"ociVersion\": \"1.2.0\",\n\t\"hostname\": \"h\"\n}");
	assert_string_equal(compact, json);
	free(pretty);
	free(compact);
	oci_config_free(cfg);
}

static void test_strings_escaped(void **state)
{
	struct oci_config cfg = {0};
	char *out;
	size_t len;

	cfg.oci_version = (char *)"1.2.0";
	cfg.hostname = (char *)"a\"b\\c\nd\te/\x01";
	out = gen_ok(&cfg, false, &len);
	struct oci_config *back = parse_ok(out, len);
	assert_string_equal(back->hostname, cfg.hostname);
	oci_config_free(back);
	free(out);
}

static bool has_namespace(const struct oci_linux *l, const char *type)
{
	for (size_t i = 0; i < l->n_namespaces; i++)
		if (strcmp(l->namespaces[i].type, type) == 0)
			return true;
	return false;
}

static const struct oci_mount *find_mount(const struct oci_config *cfg, const char *dest)
{
	for (size_t i = 0; i < cfg->n_mounts; i++)
		if (strcmp(cfg->mounts[i].destination, dest) == 0)
			return &cfg->mounts[i];
	return NULL;
}

static bool has_option(const struct oci_mount *m, const char *opt)
{
	for (size_t i = 0; i < m->options.n; i++)
		if (strcmp(m->options.v[i], opt) == 0)
			return true;
	return false;
}

/* The default config, through JSON and back. */
static struct oci_config *default_through_json(bool rootless, uint32_t uid, uint32_t gid)
{
	struct oci_config *def;
	char *out;
	size_t len;

	assert_null(oci_config_default(rootless, uid, gid, &def));
	out = gen_ok(def, true, &len);
	struct oci_config *cfg = parse_ok(out, len);
	free(out);
	oci_config_free(def);
	return cfg;
}

static void test_default_config(void **state)
{
	struct oci_config *cfg = default_through_json(false, 1000, 1000);
	struct oci_process *p = cfg->process;
	struct oci_linux *l = cfg->linux_;

	assert_string_equal(cfg->oci_version, "1.2.0");
	assert_string_equal(cfg->root->path, "rootfs");
	assert_true(cfg->root->readonly);
	assert_string_equal(cfg->hostname, "cubo");
	assert_true(p->terminal);
	assert_int_equal(p->args.n, 1);
	assert_string_equal(p->args.v[0], "sh");
	assert_int_equal(p->env.n, 2);
	assert_string_equal(p->env.v[0],
			    "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin");
	assert_string_equal(p->env.v[1], "TERM=xterm");
	assert_string_equal(p->cwd, "/");
	assert_int_equal(p->user.uid, 0);
	assert_true(p->no_new_privileges);
	assert_int_equal(p->capabilities->bounding.n, 3);
	assert_string_equal(p->capabilities->bounding.v[0], "CAP_AUDIT_WRITE");
	assert_string_equal(p->capabilities->effective.v[1], "CAP_KILL");
	assert_string_equal(p->capabilities->permitted.v[2], "CAP_NET_BIND_SERVICE");
	assert_null(p->capabilities->inheritable.v);
	assert_null(p->capabilities->ambient.v);
	assert_int_equal(p->n_rlimits, 1);
	assert_string_equal(p->rlimits[0].type, "RLIMIT_NOFILE");
	assert_int_equal(p->rlimits[0].soft, 1024);
	assert_int_equal(p->rlimits[0].hard, 1024);

	assert_int_equal(cfg->n_mounts, 7);
	const char *dests[] = {"/proc",	      "/dev", "/dev/pts",      "/dev/shm",
			       "/dev/mqueue", "/sys", "/sys/fs/cgroup"};
	for (size_t i = 0; i < 7; i++)
		assert_string_equal(cfg->mounts[i].destination, dests[i]);
	assert_string_equal(find_mount(cfg, "/proc")->type, "proc");
	assert_true(has_option(find_mount(cfg, "/dev/pts"), "gid=5"));
	assert_string_equal(find_mount(cfg, "/sys")->type, "sysfs");
	assert_true(has_option(find_mount(cfg, "/sys"), "ro"));
	assert_string_equal(find_mount(cfg, "/sys/fs/cgroup")->type, "cgroup");

	assert_int_equal(l->n_namespaces, 6);
	const char *ns[] = {"pid", "network", "ipc", "uts", "mount", "cgroup"};
	for (size_t i = 0; i < 6; i++)
		assert_true(has_namespace(l, ns[i]));
	assert_false(has_namespace(l, "user"));
	assert_null(l->uid_mappings);
	assert_int_equal(l->masked_paths.n, 10);
	assert_string_equal(l->masked_paths.v[0], "/proc/acpi");
	assert_string_equal(l->masked_paths.v[9], "/proc/scsi");
	assert_int_equal(l->readonly_paths.n, 5);
	assert_string_equal(l->readonly_paths.v[4], "/proc/sysrq-trigger");
	assert_int_equal(l->resources->n_devices, 1);
	assert_false(l->resources->devices[0].allow);
	assert_string_equal(l->resources->devices[0].access, "rwm");
	oci_config_free(cfg);
}

static void test_default_rootless(void **state)
{
	struct oci_config *cfg = default_through_json(true, 1234, 5678);
	struct oci_linux *l = cfg->linux_;
	const struct oci_mount *sys = find_mount(cfg, "/sys");

	assert_true(has_namespace(l, "user"));
	assert_false(has_namespace(l, "network"));
	assert_true(has_namespace(l, "pid"));
	assert_true(has_namespace(l, "mount"));
	assert_int_equal(l->n_uid_mappings, 1);
	assert_int_equal(l->uid_mappings[0].container_id, 0);
	assert_int_equal(l->uid_mappings[0].host_id, 1234);
	assert_int_equal(l->uid_mappings[0].size, 1);
	assert_int_equal(l->n_gid_mappings, 1);
	assert_int_equal(l->gid_mappings[0].host_id, 5678);
	assert_int_equal(l->gid_mappings[0].size, 1);
	/* sysfs needs the network namespace: bind the host's instead */
	assert_string_equal(sys->type, "none");
	assert_string_equal(sys->source, "/sys");
	assert_true(has_option(sys, "rbind"));
	assert_true(has_option(sys, "ro"));
	/* host group ids mean nothing in the user namespace */
	assert_false(has_option(find_mount(cfg, "/dev/pts"), "gid=5"));
	assert_true(has_option(find_mount(cfg, "/dev/pts"), "newinstance"));
	assert_null(l->resources);
	assert_true(cfg->process->terminal);
	assert_int_equal(cfg->n_mounts, 7);
	oci_config_free(cfg);
}

static void test_default_free_without_gen(void **state)
{
	struct oci_config *cfg;

	assert_null(oci_config_default(true, 0, 0, &cfg));
	oci_config_free(cfg);
	oci_config_free(NULL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_round_trip_full),
		cmocka_unit_test(test_absent_optionals_omitted),
		cmocka_unit_test(test_pretty_and_compact),
		cmocka_unit_test(test_strings_escaped),
		cmocka_unit_test(test_default_config),
		cmocka_unit_test(test_default_rootless),
		cmocka_unit_test(test_default_free_without_gen),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
