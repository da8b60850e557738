/* SPDX-License-Identifier: Apache-2.0 */
/* Covers: spec/image_parse.c, spec/image_gen.c, spec/image_platform.c, spec/image_free.c */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "spec/image.h"
#include "tests/unit/helpers.h"

#define D1 "sha256:0000000000000000000000000000000000000000000000000000000000000001"
#define D2 "sha256:0000000000000000000000000000000000000000000000000000000000000002"
#define D3 "sha256:0000000000000000000000000000000000000000000000000000000000000003"

static const char index_json[] =
	"{\"schemaVersion\":2,\"mediaType\":\"" DOCKER_MT_LIST "\",\"manifests\":["
	"{\"mediaType\":\"" DOCKER_MT_MANIFEST "\",\"digest\":\"" D1 "\",\"size\":528,"
	"\"platform\":{\"architecture\":\"amd64\",\"os\":\"linux\"}},"
	"{\"mediaType\":\"" DOCKER_MT_MANIFEST "\",\"digest\":\"" D2 "\",\"size\":528,"
	"\"platform\":{\"architecture\":\"arm64\",\"os\":\"linux\",\"variant\":\"v8\"}},"
	"{\"mediaType\":\"" DOCKER_MT_MANIFEST "\",\"digest\":\"" D3 "\",\"size\":528,"
	"\"platform\":{\"architecture\":\"arm\",\"os\":\"linux\",\"variant\":\"v6\"}}],"
	"\"annotations\":{\"a\":\"b\"}}";

static const char manifest_json[] =
	"{\"schemaVersion\":2,\"mediaType\":\"" OCI_MT_MANIFEST "\","
	"\"config\":{\"mediaType\":\"" OCI_MT_CONFIG "\",\"digest\":\"" D1 "\",\"size\":100},"
	"\"layers\":[{\"mediaType\":\"" OCI_MT_LAYER_GZIP "\",\"digest\":\"" D2 "\",\"size\":5,"
	"\"annotations\":{\"k\":\"v\"}},"
	"{\"mediaType\":\"" OCI_MT_LAYER_ZSTD "\",\"digest\":\"" D3 "\",\"size\":7,"
	"\"urls\":[\"https://x/y\"]}]}";

static const char config_json[] =
	"{\"created\":\"2026-01-02T03:04:05Z\",\"architecture\":\"amd64\",\"os\":\"linux\","
	"\"config\":{\"User\":\"1000\",\"ExposedPorts\":{\"80/tcp\":{},\"53/udp\":{}},"
	"\"Env\":[\"PATH=/bin\",\"A=1\"],\"Entrypoint\":[\"/bin/sh\",\"-c\"],\"Cmd\":[\"echo hi\"],"
	"\"Volumes\":{\"/data\":{}},\"WorkingDir\":\"/w\",\"Labels\":{\"l\":\"1\"},"
	"\"StopSignal\":\"SIGINT\"},"
	"\"rootfs\":{\"type\":\"layers\",\"diff_ids\":[\"" D1 "\",\"" D2 "\"]},"
	"\"history\":[{\"created\":\"2026-01-02T03:04:05Z\",\"created_by\":\"/bin/sh -c #(nop) "
	"ADD file\"},{\"created_by\":\"ENV A=1\",\"empty_layer\":true},{\"created_by\":\"RUN "
	"x\"}]}";

static void test_index(void **state)
{
	struct oci_index *idx;
	assert_null(oci_index_parse(index_json, strlen(index_json), "index.json", &idx));
	assert_int_equal(idx->schema_version, 2);
	assert_string_equal(idx->media_type, DOCKER_MT_LIST);
	assert_int_equal(idx->n_manifests, 3);
	assert_string_equal(idx->manifests[1].digest, D2);
	assert_int_equal(idx->manifests[1].size, 528);
	assert_string_equal(idx->manifests[1].platform->variant, "v8");
	assert_string_equal(idx->annotations.v[0].value, "b");

	/* round trip */
	char *js;
	size_t len;
	assert_null(oci_index_to_json(idx, false, &js, &len));
	struct oci_index *again;
	assert_null(oci_index_parse(js, len, "gen", &again));
	assert_int_equal(again->n_manifests, 3);
	assert_string_equal(again->manifests[2].platform->architecture, "arm");
	assert_string_equal(again->manifests[2].platform->variant, "v6");
	free(js);
	oci_index_free(again);
	oci_index_free(idx);
}

static void test_manifest_and_copy(void **state)
{
	struct oci_manifest *m;
	assert_null(oci_manifest_parse(manifest_json, strlen(manifest_json), "m", &m));
	assert_string_equal(m->config.digest, D1);
	assert_int_equal(m->config.size, 100);
	assert_int_equal(m->n_layers, 2);
	assert_string_equal(m->layers[0].media_type, OCI_MT_LAYER_GZIP);
	assert_string_equal(m->layers[0].annotations.v[0].key, "k");
	assert_string_equal(m->layers[1].urls.v[0], "https://x/y");

	struct oci_descriptor copy;
	oci_descriptor_copy(&m->layers[0], &copy);
	assert_string_equal(copy.digest, D2);
	assert_string_equal(copy.annotations.v[0].value, "v");
	oci_descriptor_clear(&copy);
	assert_null(copy.digest);

	char *js;
	size_t len;
	assert_null(oci_manifest_to_json(m, true, &js, &len));
	struct oci_manifest *again;
	assert_null(oci_manifest_parse(js, len, "gen", &again));
	assert_int_equal(again->n_layers, 2);
	assert_string_equal(again->layers[1].digest, D3);
	free(js);
	oci_manifest_free(again);
	oci_manifest_free(m);
}

static void test_config(void **state)
{
	struct oci_image_config *c;
	assert_null(oci_image_config_parse(config_json, strlen(config_json), "cfg", &c));
	assert_string_equal(c->architecture, "amd64");
	assert_string_equal(c->config->user, "1000");
	assert_int_equal(c->config->exposed_ports.n, 2);
	assert_string_equal(c->config->exposed_ports.v[0], "80/tcp");
	assert_string_equal(c->config->env.v[1], "A=1");
	assert_string_equal(c->config->entrypoint.v[1], "-c");
	assert_string_equal(c->config->volumes.v[0], "/data");
	assert_string_equal(c->config->working_dir, "/w");
	assert_string_equal(c->config->stop_signal, "SIGINT");
	assert_int_equal(c->diff_ids.n, 2);
	assert_int_equal(c->n_history, 3);
	assert_true(c->history[1].empty_layer);
	assert_false(c->history[2].empty_layer);

	char *js;
	size_t len;
	assert_null(oci_image_config_to_json(c, false, &js, &len));
	assert_non_null(strstr(js, "\"ExposedPorts\":{\"80/tcp\":{},\"53/udp\":{}}"));
	struct oci_image_config *again;
	assert_null(oci_image_config_parse(js, len, "gen", &again));
	assert_string_equal(again->config->cmd.v[0], "echo hi");
	assert_string_equal(again->diff_ids.v[1], D2);
	assert_true(again->history[1].empty_layer);
	free(js);
	oci_image_config_free(again);
	oci_image_config_free(c);
}

static const char health_json[] =
	"{\"config\":{\"Healthcheck\":{\"Test\":[\"CMD-SHELL\",\"wget -q localhost\"],"
	"\"Interval\":1000000000,\"Timeout\":500000000,\"StartPeriod\":0,"
	"\"StartInterval\":2000000000,\"Retries\":4}},"
	"\"rootfs\":{\"type\":\"layers\",\"diff_ids\":[]}}";

static void test_config_healthcheck(void **state)
{
	struct oci_image_config *c, *again;
	char *js;
	size_t len;

	assert_null(oci_image_config_parse(health_json, strlen(health_json), "cfg", &c));
	const struct oci_healthcheck *h = c->config->healthcheck;
	assert_non_null(h);
	assert_int_equal(h->test.n, 2);
	assert_string_equal(h->test.v[0], "CMD-SHELL");
	assert_int_equal(h->interval, 1000000000);
	assert_int_equal(h->timeout, 500000000);
	assert_int_equal(h->start_period, 0);
	assert_int_equal(h->start_interval, 2000000000);
	assert_int_equal(h->retries, 4);
	/* round trip: docker's member names, nanoseconds */
	assert_null(oci_image_config_to_json(c, false, &js, &len));
	assert_non_null(strstr(js, "\"Healthcheck\":{\"Test\":[\"CMD-SHELL\",\"wget -q "
				   "localhost\"],\"Interval\":1000000000,\"Timeout\":500000000,"
				   "\"StartInterval\":2000000000,\"Retries\":4}"));
	assert_null(oci_image_config_parse(js, len, "gen", &again));
	assert_string_equal(again->config->healthcheck->test.v[1], "wget -q localhost");
	assert_int_equal(again->config->healthcheck->retries, 4);
	struct oci_healthcheck *d = oci_healthcheck_dup(again->config->healthcheck);
	assert_string_equal(d->test.v[0], "CMD-SHELL");
	assert_int_equal(d->start_interval, 2000000000);
	oci_healthcheck_free(d);
	free(js);
	oci_image_config_free(again);
	oci_image_config_free(c);

	/* a hostile image: negative values are refused with their path */
	const char *neg = "{\"config\":{\"Healthcheck\":{\"Interval\":-1}},"
			  "\"rootfs\":{\"type\":\"layers\",\"diff_ids\":[]}}";
	th_expect_msg(oci_image_config_parse(neg, strlen(neg), "c", &c),
		      "c: config.Healthcheck.Interval: must not be negative");
	const char *retries = "{\"config\":{\"Healthcheck\":{\"Retries\":-3}},"
			      "\"rootfs\":{\"type\":\"layers\",\"diff_ids\":[]}}";
	th_expect_msg(oci_image_config_parse(retries, strlen(retries), "c", &c),
		      "config.Healthcheck.Retries: must not be negative");
	const char *test = "{\"config\":{\"Healthcheck\":{\"Test\":\"x\"}},"
			   "\"rootfs\":{\"type\":\"layers\",\"diff_ids\":[]}}";
	th_expect_msg(oci_image_config_parse(test, strlen(test), "c", &c),
		      "config.Healthcheck.Test");
}

static void test_errors(void **state)
{
	struct oci_manifest *m = NULL;
	struct oci_index *idx = NULL;
	struct oci_image_config *c = NULL;
	const char *bad_digest = "{\"schemaVersion\":2,\"config\":{\"mediaType\":\"x\",\"digest\":"
				 "\"sha256:abc\",\"size\":1},\"layers\":[]}";
	th_expect_msg(oci_manifest_parse(bad_digest, strlen(bad_digest), "m.json", &m),
		      "m.json: config.digest: \"sha256:abc\" is not a sha256 digest");
	const char *bad_size = "{\"schemaVersion\":2,\"config\":{\"mediaType\":\"x\",\"digest\":"
			       "\"" D1 "\",\"size\":-1},\"layers\":[]}";
	th_expect_msg(oci_manifest_parse(bad_size, strlen(bad_size), "m", &m),
		      "config.size: must not be negative");
	const char *layer_type = "{\"schemaVersion\":2,\"config\":{\"mediaType\":\"x\",\"digest\":"
				 "\"" D1 "\",\"size\":1},\"layers\":[{\"mediaType\":\"x\","
				 "\"digest\":5,\"size\":1}]}";
	th_expect_msg(oci_manifest_parse(layer_type, strlen(layer_type), "m", &m),
		      "layers[0].digest");
	const char *no_layers = "{\"schemaVersion\":2,\"config\":{\"mediaType\":\"x\",\"digest\":"
				"\"" D1 "\",\"size\":1}}";
	th_expect_msg(oci_manifest_parse(no_layers, strlen(no_layers), "m", &m), "layers");
	const char *schema1 = "{\"schemaVersion\":1,\"name\":\"x\",\"fsLayers\":[]}";
	th_expect_msg(oci_manifest_parse(schema1, strlen(schema1), "m", &m),
		      "manifest schema 1 is not supported");
	th_expect_msg(oci_manifest_parse(index_json, strlen(index_json), "m", &m), "is an index");
	th_expect_msg(oci_index_parse("[]", 2, "i", &idx), "i");
	th_expect_msg(oci_index_parse("{\"schemaVersion\":2}", 19, "i", &idx), "manifests");
	const char *rootfs = "{\"rootfs\":{\"type\":\"other\",\"diff_ids\":[]}}";
	th_expect_msg(oci_image_config_parse(rootfs, strlen(rootfs), "c", &c),
		      "rootfs.type: expected \"layers\", got \"other\"");
	const char *diff = "{\"rootfs\":{\"type\":\"layers\",\"diff_ids\":[\"" D1 "\",\"x\"]}}";
	th_expect_msg(oci_image_config_parse(diff, strlen(diff), "c", &c),
		      "rootfs.diff_ids[1]: \"x\" is not a sha256 digest");
	th_expect_msg(oci_image_config_parse("{", 1, "c", &c), "c: invalid JSON");
	assert_null(m);
	assert_null(idx);
	assert_null(c);
}

static void test_doc_kind(void **state)
{
	assert_int_equal(oci_doc_kind_detect(OCI_MT_INDEX, "", 0), OCI_DOC_INDEX);
	assert_int_equal(oci_doc_kind_detect(DOCKER_MT_MANIFEST "; charset=utf-8", "", 0),
			 OCI_DOC_MANIFEST);
	assert_int_equal(oci_doc_kind_detect("application/vnd.docker.distribution.manifest.v1+"
					     "prettyjws",
					     "", 0),
			 OCI_DOC_UNSUPPORTED);
	assert_int_equal(oci_doc_kind_detect("application/json", index_json, strlen(index_json)),
			 OCI_DOC_INDEX);
	assert_int_equal(oci_doc_kind_detect(NULL, manifest_json, strlen(manifest_json)),
			 OCI_DOC_MANIFEST);
	const char *bare = "{\"schemaVersion\":2,\"manifests\":[]}";
	assert_int_equal(oci_doc_kind_detect(NULL, bare, strlen(bare)), OCI_DOC_INDEX);
	assert_int_equal(oci_doc_kind_detect(NULL, "nope", 4), OCI_DOC_UNKNOWN);
}

static void check_platform(const char *in, const char *want)
{
	struct oci_platform p;
	assert_null(oci_platform_parse(in, &p));
	char *s = oci_platform_string(&p);
	assert_string_equal(s, want);
	free(s);
	oci_platform_free(&p);
}

static void test_platforms(void **state)
{
	check_platform("linux/amd64", "linux/amd64");
	check_platform("linux/x86_64", "linux/amd64");
	check_platform("linux/aarch64", "linux/arm64");
	check_platform("linux/arm64/v8", "linux/arm64");
	check_platform("linux/arm", "linux/arm/v7");
	check_platform("linux/armhf", "linux/arm/v7");
	check_platform("linux/arm/v6", "linux/arm/v6");
	struct oci_platform p;
	th_expect_msg(oci_platform_parse("linux", &p), "expected OS/ARCH[/VARIANT]");
	th_expect_msg(oci_platform_parse("linux/", &p), "expected OS/ARCH");
	th_expect_msg(oci_platform_parse("/amd64", &p), "expected OS/ARCH");
	th_expect_msg(oci_platform_parse("linux/arm/v7/x", &p), "expected OS/ARCH");
	assert_null(oci_platform_host(&p));
	assert_string_equal(p.os, "linux");
	assert_non_null(p.architecture);
	oci_platform_free(&p);
}

static void select_one(const struct oci_index *idx, const char *want, size_t expected)
{
	struct oci_platform p;
	size_t i = 99;
	assert_null(oci_platform_parse(want, &p));
	assert_null(oci_index_select(idx, &p, &i));
	assert_int_equal(i, expected);
	oci_platform_free(&p);
}

static void test_select(void **state)
{
	struct oci_index *idx;
	assert_null(oci_index_parse(index_json, strlen(index_json), "i", &idx));
	select_one(idx, "linux/amd64", 0);
	select_one(idx, "linux/arm64", 1); /* the entry says v8: the same thing */
	select_one(idx, "linux/arm/v6", 2);
	struct oci_platform p;
	size_t i;
	assert_null(oci_platform_parse("linux/arm/v7", &p));
	th_expect_msg(
		oci_index_select(idx, &p, &i),
		"no image for linux/arm/v7 (available: linux/amd64, linux/arm64/v8, linux/arm/v6)");
	oci_platform_free(&p);
	assert_null(oci_platform_parse("linux/s390x", &p));
	th_expect_msg(oci_index_select(idx, &p, &i), "no image for linux/s390x");
	oci_platform_free(&p);
	oci_index_free(idx);
}

/* An image's own platform (its config's spelling) against the one asked for. */
static bool matches(const char *os, const char *arch, const char *variant, const char *want)
{
	struct oci_platform have = {.os = (char *)os,
				    .architecture = (char *)arch,
				    .variant = (char *)variant},
			    w;
	assert_null(oci_platform_parse(want, &w));
	bool ok = oci_platform_matches(&have, &w);
	oci_platform_free(&w);
	return ok;
}

static void test_platform_matches(void **state)
{
	assert_true(matches("linux", "amd64", NULL, "linux/amd64"));
	assert_true(matches("linux", "x86_64", NULL, "linux/amd64"));
	assert_true(matches("linux", "arm64", "v8", "linux/arm64"));
	assert_true(matches("linux", "arm", NULL, "linux/arm/v7")); /* arm means v7 */
	assert_false(matches("linux", "arm64", NULL, "linux/amd64"));
	assert_false(matches("windows", "amd64", NULL, "linux/amd64"));
	assert_false(matches("linux", "arm", "v6", "linux/arm/v7"));
	assert_false(matches(NULL, "amd64", NULL, "linux/amd64"));
}

static void test_chain_ids(void **state)
{
	char *diff_ids[] = {D1, D2};
	char out[2][CUBO_DIGEST_LEN + 1];
	assert_null(oci_chain_ids(diff_ids, 2, out));
	assert_string_equal(out[0], D1);
	/* printf 'sha256:0..1 sha256:0..2' | sha256sum */
	assert_string_equal(out[1], "sha256:e0213565073dd272477933ef550455db21856966e444074f1492aef"
				    "0939305ac");
	char *bad[] = {D1, "sha256:xyz"};
	th_expect_msg(oci_chain_ids(bad, 2, out), "diff_id \"sha256:xyz\"");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_index),
		cmocka_unit_test(test_manifest_and_copy),
		cmocka_unit_test(test_config),
		cmocka_unit_test(test_config_healthcheck),
		cmocka_unit_test(test_errors),
		cmocka_unit_test(test_doc_kind),
		cmocka_unit_test(test_platforms),
		cmocka_unit_test(test_select),
		cmocka_unit_test(test_platform_matches),
		cmocka_unit_test(test_chain_ids),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
