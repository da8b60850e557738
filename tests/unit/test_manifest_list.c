/* SPDX-License-Identifier: Apache-2.0 */
/* Covers: cubo-mgr/image/manifest_list.c */
#include <string.h>

#include "tests/unit/helpers.h"

#include "cubo-mgr/image/manifest_list.h"
#include "shared/fs.h"

#define D1 "sha256:1111111111111111111111111111111111111111111111111111111111111111"
#define D2 "sha256:2222222222222222222222222222222222222222222222222222222222222222"
#define LIST "127.0.0.1:5000/multi:latest"

static struct oci_descriptor desc(const char *digest, const char *mt, const char *arch)
{
	struct oci_descriptor d = {.media_type = (char *)mt, .digest = (char *)digest, .size = 400};
	static struct oci_platform p;
	p = (struct oci_platform){.os = "linux", .architecture = (char *)arch};
	d.platform = &p;
	return d;
}

static void test_path(void **state)
{
	(void)state;
	char *a = mlist_path("/r", LIST), *b = mlist_path("/r", "../../etc/passwd:x");
	assert_int_equal(strncmp(a, "/r/manifests/", 13), 0);
	assert_int_equal(strlen(a), 13 + 64 + 5);
	assert_null(strchr(b + 13, '/'));
	assert_string_not_equal(a, b);
	free(a);
	free(b);
}

static void test_put_find_platform(void **state)
{
	(void)state;
	struct oci_index *idx = xcalloc(1, sizeof(*idx));
	struct oci_descriptor d = desc(D1, DOCKER_MT_MANIFEST, "amd64");
	mlist_put(idx, &d, "127.0.0.1:5000/multi:amd64");
	d = desc(D2, DOCKER_MT_MANIFEST, "amd64");
	mlist_put(idx, &d, "127.0.0.1:5000/multi:arm64");
	/* the same digest again replaces its entry */
	d = desc(D1, DOCKER_MT_MANIFEST, "386");
	mlist_put(idx, &d, "127.0.0.1:5000/multi:one");
	assert_int_equal(idx->n_manifests, 2);
	assert_string_equal(idx->manifests[0].platform->architecture, "386");
	size_t i;
	th_assert_ok(mlist_find(idx, "127.0.0.1:5000/multi:arm64", NULL, &i));
	assert_int_equal(i, 1);
	th_assert_ok(mlist_find(idx, NULL, D1, &i));
	assert_int_equal(i, 0);
	th_expect_msg(mlist_find(idx, "127.0.0.1:5000/multi:amd64", NULL, &i), "not in the list");
	/* annotate: normalized as a pull reads it, unknown pairs refused, the rest kept */
	char *features[] = {"sse4", NULL};
	th_assert_ok(mlist_set_platform(&idx->manifests[1], NULL, "aarch64", NULL, features));
	assert_string_equal(idx->manifests[1].platform->architecture, "arm64");
	assert_string_equal(idx->manifests[1].platform->os, "linux");
	assert_string_equal(idx->manifests[1].platform->os_features.v[0], "sse4");
	th_assert_ok(mlist_set_platform(&idx->manifests[1], NULL, "arm", "v7", NULL));
	assert_string_equal(idx->manifests[1].platform->variant, "v7");
	assert_string_equal(idx->manifests[1].platform->os_features.v[0], "sse4");
	th_expect_msg(mlist_set_platform(&idx->manifests[1], "linux", "foo", NULL, NULL),
		      "unsupported os/arch combination: linux/foo");
	th_expect_msg(mlist_set_platform(&idx->manifests[1], "beos", "amd64", NULL, NULL),
		      "unsupported os/arch combination");
	th_expect_msg(mlist_set_platform(&idx->manifests[1], NULL, "a/b", NULL, NULL),
		      "expected OS/ARCH[/VARIANT]");
	assert_string_equal(idx->manifests[1].platform->architecture, "arm");
	struct oci_descriptor bare = {0};
	th_expect_msg(mlist_set_platform(&bare, NULL, "amd64", NULL, NULL), "needs an os");

	/* what is pushed: our annotations gone; a Docker list of Docker manifests */
	char *json;
	size_t len;
	const char *mt;
	th_assert_ok(mlist_push_json(idx, false, &json, &len, &mt));
	assert_string_equal(mt, DOCKER_MT_LIST);
	assert_null(strstr(json, "io.cubo"));
	assert_non_null(strstr(json, "\"mediaType\":\"" DOCKER_MT_LIST "\""));
	assert_non_null(strstr(json, "\"variant\":\"v7\""));
	free(json);
	free(idx->manifests[0].media_type);
	idx->manifests[0].media_type = xstrdup(OCI_MT_MANIFEST);
	th_assert_ok(mlist_push_json(idx, false, &json, &len, &mt));
	assert_string_equal(mt, OCI_MT_INDEX);
	free(json);
	oci_index_free(idx);
}

static void test_save_load_remove(void **state)
{
	struct th_dir *d = *state;
	struct oci_index *idx;
	th_assert_ok(mlist_load(d->dir, LIST, &idx));
	assert_null(idx);
	idx = xcalloc(1, sizeof(*idx));
	struct oci_descriptor e = desc(D1, OCI_MT_MANIFEST, "amd64");
	mlist_put(idx, &e, "127.0.0.1:5000/multi:amd64");
	th_assert_ok(mlist_save(d->dir, LIST, idx));
	oci_index_free(idx);
	th_assert_ok(mlist_load(d->dir, LIST, &idx));
	assert_non_null(idx);
	assert_int_equal(idx->n_manifests, 1);
	assert_string_equal(mlist_annotation(&idx->manifests[0].annotations, MLIST_SOURCE_KEY),
			    "127.0.0.1:5000/multi:amd64");
	oci_index_free(idx);
	/* another list's file under this name is not taken for it */
	char *mine = mlist_path(d->dir, LIST), *other = mlist_path(d->dir, LIST "2");
	assert_int_equal(rename(mine, other), 0);
	th_expect_msg(mlist_load(d->dir, LIST "2", &idx), "not the manifest list");
	assert_null(idx);
	assert_int_equal(rename(other, mine), 0);
	/* garbage is an error naming the file */
	th_assert_ok(mlist_remove(d->dir, LIST));
	th_expect_msg(mlist_remove(d->dir, LIST), "No such manifest: " LIST);
	th_write_file(mine, "{not json");
	th_expect_msg(mlist_load(d->dir, LIST, &idx), "invalid JSON");
	free(mine);
	free(other);
}

static int setup(void **state)
{
	*state = th_dir_new("mlist", NULL);
	return 0;
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_path),
		cmocka_unit_test(test_put_find_platform),
		cmocka_unit_test_setup_teardown(test_save_load_remove, setup, th_dir_teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
