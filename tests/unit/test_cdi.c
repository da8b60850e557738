/* SPDX-License-Identifier: Apache-2.0 */
/* Covers: cubo-mgr/container/cdi.c, cubo-mgr/container/cdi_spec.c, cubo-mgr/container/cdi_yaml.c */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "cubo-mgr/container/cdi.h"
#include "shared/fs.h"
#include "shared/strv.h"
#include "shared/xalloc.h"
#include "tests/unit/helpers.h"

static const char gpu_json[] =
	"{\"cdiVersion\":\"0.6.0\",\"kind\":\"vendor.com/gpu\",\"devices\":["
	"{\"name\":\"gpu0\",\"containerEdits\":{\"env\":[\"GPU=0\"],\"deviceNodes\":["
	"{\"path\":\"/dev/gpu0\",\"hostPath\":\"/dev/null\"}]}},"
	"{\"name\":\"gpu1\",\"containerEdits\":{\"deviceNodes\":[{\"path\":\"/dev/gpu1\","
	"\"type\":\"c\",\"major\":1,\"minor\":5,\"permissions\":\"rw\"}]}}],"
	"\"containerEdits\":{\"env\":[\"VENDOR=yes\"],\"mounts\":[{\"hostPath\":\"/usr/lib\","
	"\"containerPath\":\"/usr/lib/vendor\",\"options\":[\"ro\",\"rbind\"]}],"
	"\"hooks\":[{\"hookName\":\"createContainer\",\"path\":\"/bin/true\",\"args\":["
	"\"true\",\"x\"]}],\"additionalGids\":[44,0]}}";

static const char gpu_yaml[] = "cdiVersion: 0.8.0\n"
			       "kind: vendor.com/gpu\n"
			       "devices:\n"
			       "  - name: gpu0\n"
			       "    containerEdits:\n"
			       "      env: [\"GPU=yaml\", 'Q=it''s']\n"
			       "      deviceNodes:\n"
			       "        - path: /dev/gpu0\n"
			       "          type: c\n"
			       "          major: 1\n"
			       "          minor: 3\n"
			       "          fileMode: 0640\n"
			       "          uid: 7\n"
			       "  - name: \"2\"\n"
			       "    containerEdits: {env: [TWO=2]}\n";

static void test_names(void **state)
{
	assert_true(cdi_is_device("vendor.com/gpu=gpu0"));
	assert_true(cdi_is_device("nvidia.com/gpu=all"));
	assert_true(cdi_is_device("a.b-c/x_y=0:1.mig-2"));
	assert_false(cdi_is_device("/dev/null"));
	assert_false(cdi_is_device("/dev/a=b"));
	assert_false(cdi_is_device("vendor.com/gpu"));
	assert_false(cdi_is_device("vendor.com/gpu="));
	assert_false(cdi_is_device("1vendor/gpu=x"));
	assert_false(cdi_is_device("vendor.com/gpu=x/y"));
	assert_false(cdi_is_device("vendor.com/gpu=-x"));
	char *k, *n;
	assert_null(cdi_parse_name("vendor.com/gpu=gpu0", &k, &n));
	assert_string_equal(k, "vendor.com/gpu");
	assert_string_equal(n, "gpu0");
	free(k);
	free(n);
	th_expect_msg(cdi_parse_name("vendor.com=gpu0", &k, &n), "vendor.com/class=name");
}

static void test_parse(void **state)
{
	struct cdi_spec s;
	assert_null(cdi_spec_parse(gpu_json, strlen(gpu_json), false, "gpu.json", &s));
	assert_string_equal(s.kind, "vendor.com/gpu");
	assert_int_equal(s.n_devices, 2);
	assert_string_equal(s.devices[0].edits.nodes[0].host_path, "/dev/null");
	assert_false(s.devices[0].edits.nodes[0].has_major);
	assert_int_equal(s.devices[1].edits.nodes[0].minor, 5);
	assert_string_equal(s.devices[1].edits.nodes[0].permissions, "rw");
	assert_int_equal(s.edits.n_gids, 2);
	assert_string_equal(s.edits.hooks[0].name, "createContainer");
	cdi_spec_free(&s);
	assert_null(cdi_spec_parse(gpu_yaml, strlen(gpu_yaml), true, "gpu.yaml", &s));
	assert_string_equal(s.version, "0.8.0");
	assert_string_equal(s.devices[0].edits.env[0], "GPU=yaml");
	assert_string_equal(s.devices[0].edits.env[1], "Q=it's");
	assert_int_equal(s.devices[0].edits.nodes[0].file_mode, 0640);
	assert_int_equal(s.devices[0].edits.nodes[0].major, 1);
	assert_string_equal(s.devices[1].name, "2");
	cdi_spec_free(&s);
}

static void expect_bad(const char *text, bool yaml, const char *msg)
{
	struct cdi_spec s;
	th_expect_msg(cdi_spec_parse(text, strlen(text), yaml, "bad.spec", &s), "bad.spec", msg);
}

static void test_parse_errors(void **state)
{
	expect_bad("{", false, "invalid JSON");
	expect_bad("{\"kind\":\"v.com/c\",\"devices\":[]}", false, "cdiVersion");
	expect_bad("{\"cdiVersion\":\"1.0.0\",\"kind\":\"v.com/c\",\"devices\":[]}", false,
		   "not supported");
	expect_bad("{\"cdiVersion\":\"0.6.0\",\"kind\":\"vcom\",\"devices\":[]}", false,
		   "vendor.com/class");
	expect_bad("{\"cdiVersion\":\"0.6.0\",\"kind\":\"v.com/c\",\"devices\":[{\"name\":\"a\","
		   "\"containerEdits\":{}},{\"name\":\"a\",\"containerEdits\":{}}]}",
		   false, "defined twice");
	expect_bad("{\"cdiVersion\":\"0.6.0\",\"kind\":\"v.com/c\",\"devices\":[{\"name\":\"a\","
		   "\"containerEdits\":{\"deviceNodes\":[{\"path\":\"rel\"}]}}]}",
		   false, "devices[0].containerEdits.deviceNodes[0]");
	expect_bad("{\"cdiVersion\":\"0.6.0\",\"kind\":\"v.com/c\",\"devices\":[{\"name\":\"a\","
		   "\"containerEdits\":{\"hooks\":[{\"hookName\":\"later\",\"path\":\"/x\"}]}}]}",
		   false, "hookName \"later\"");
	expect_bad("{\"cdiVersion\":\"0.6.0\",\"kind\":\"v.com/c\",\"devices\":[{\"name\":\"a\","
		   "\"containerEdits\":{\"deviceNodes\":[{\"path\":\"/d\",\"permissions\":\"rx\"}]}"
		   "}]}",
		   false, "permissions");
	expect_bad("{\"cdiVersion\":\"0.6.0\",\"kind\":\"v.com/c\",\"devices\":[{\"name\":\"a\","
		   "\"containerEdits\":{\"intelRdt\":{}}}]}",
		   false, "intelRdt is not supported");
	expect_bad("{\"cdiVersion\":\"0.6.0\",\"kind\":\"v.com/c\",\"devices\":[{\"name\":\"a\","
		   "\"containerEdits\":{\"mounts\":[{\"hostPath\":\"lib\",\"containerPath\":\"/"
		   "l\"}]}}]}",
		   false, "hostPath \"lib\" is not absolute");
	expect_bad("a: &x [1]\nb: *x\n", true, "aliases");
	expect_bad("a: [\n", true, "invalid YAML at line");
	expect_bad("a: 1\n---\nb: 2\n", true, "more than one");
	expect_bad("", true, "empty");
	expect_bad("{[a]: 1}", true, "as a key");
	char deep[400] = "";
	for (int i = 0; i < 100; i++)
		strcat(deep, "[");
	expect_bad(deep, true, "too deep");
}

static void write_file(const char *dir, const char *name, const char *text)
{
	char *p = cubo_path_join(dir, name);
	assert_null(cubo_write_file_atomic(p, text, strlen(text), 0644));
	free(p);
}

static struct oci_config *empty_config(void)
{
	struct oci_config *c = xcalloc(1, sizeof(*c));
	c->process = xcalloc(1, sizeof(*c->process));
	c->process->env.v = cubo_strv_split("PATH=/bin GPU=host", ' ');
	c->process->env.n = 2;
	c->linux_ = xcalloc(1, sizeof(*c->linux_));
	c->linux_->resources = xcalloc(1, sizeof(*c->linux_->resources));
	return c;
}

static void test_apply(void **state)
{
	char *base = th_tmpdir("cdi");
	char *etc = cubo_path_join(base, "etc"), *run = cubo_path_join(base, "run");
	assert_int_equal(mkdir(etc, 0755), 0);
	assert_int_equal(mkdir(run, 0755), 0);
	write_file(etc, "gpu.json", gpu_json);
	write_file(etc, "broken.json", "{ not json");
	/* the later directory's gpu1 replaces the first's */
	write_file(run, "gpu.yaml",
		   "cdiVersion: 0.5.0\nkind: vendor.com/gpu\ndevices:\n- name: gpu1\n"
		   "  containerEdits: {env: [GPU=run]}\n");
	write_file(run, "other.yml", "cdiVersion: 0.5.0\nkind: other.org/x\ndevices: []\n");
	char *dirs[] = {etc, run, NULL};

	struct oci_config *c = empty_config();
	char **gids = NULL;
	char *one[] = {"vendor.com/gpu=gpu0", NULL};
	assert_null(cdi_apply(dirs, one, c, &gids));
	th_assert_strv(c->process->env.v, "PATH=/bin", "GPU=0", "VENDOR=yes");
	struct oci_linux *l = c->linux_;
	assert_int_equal(l->n_devices, 1);
	assert_string_equal(l->devices[0].path, "/dev/gpu0");
	assert_string_equal(l->devices[0].type, "c"); /* /dev/null's, read on the host */
	assert_int_equal(l->devices[0].major, 1);
	assert_int_equal(l->devices[0].minor, 3);
	assert_int_equal(l->resources->n_devices, 1);
	assert_string_equal(l->resources->devices[0].access, "rwm");
	assert_int_equal(c->n_mounts, 1);
	assert_string_equal(c->mounts[0].destination, "/usr/lib/vendor");
	assert_string_equal(c->mounts[0].type, "bind");
	assert_int_equal(c->hooks->create_container.n, 1);
	assert_string_equal(c->hooks->create_container.v[0].args.v[1], "x");
	th_assert_strv(gids, "44");
	cubo_strv_free(gids);
	gids = NULL;
	oci_config_free(c);

	c = empty_config();
	char *all[] = {"vendor.com/gpu=all", NULL};
	assert_null(cdi_apply(dirs, all, c, &gids));
	/* gpu0 from etc, gpu1 from run (with no node): the spec edits once */
	th_assert_strv(c->process->env.v, "PATH=/bin", "GPU=run", "VENDOR=yes");
	assert_int_equal(c->linux_->n_devices, 1);
	assert_int_equal(c->n_mounts, 1);
	cubo_strv_free(gids);
	gids = NULL;
	oci_config_free(c);

	c = empty_config();
	char *missing[] = {"vendor.com/gpu=gpu9", NULL};
	th_expect_msg(cdi_apply(dirs, missing, c, &gids), "vendor.com/gpu=gpu9",
		      "unresolvable CDI device", "broken.json");
	char *other[] = {"vendor.com/tpu=a", NULL};
	th_expect_msg(cdi_apply(dirs, other, c, &gids), "no spec file in", etc, run);
	oci_config_free(c);

	/* an oversized file is an error naming it, when it is the one needed */
	char *big = xmalloc(CDI_MAX_SPEC + 2);
	memset(big, ' ', CDI_MAX_SPEC + 1);
	big[CDI_MAX_SPEC + 1] = '\0';
	write_file(run, "huge.json", big);
	free(big);
	c = empty_config();
	char *huge[] = {"vendor.com/huge=a", NULL};
	th_expect_msg(cdi_apply(dirs, huge, c, &gids), "huge.json", "larger than");
	oci_config_free(c);
	free(etc);
	free(run);
	th_tmpdir_free(base);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_names),
		cmocka_unit_test(test_parse),
		cmocka_unit_test(test_parse_errors),
		cmocka_unit_test(test_apply),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
