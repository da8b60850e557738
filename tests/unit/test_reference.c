/* SPDX-License-Identifier: Apache-2.0 */
/* Covers: cubo-mgr/image/reference.c */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "cubo-mgr/image/reference.h"

#define HEX "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"

static const struct {
	const char *in, *full, *familiar;
} good[] = {
	{"alpine", "docker.io/library/alpine:latest", "alpine:latest"},
	{"alpine:3.19", "docker.io/library/alpine:3.19", "alpine:3.19"},
	{"docker.io/library/alpine:latest", "docker.io/library/alpine:latest", "alpine:latest"},
	{"index.docker.io/library/alpine", "docker.io/library/alpine:latest", "alpine:latest"},
	{"owner/app", "docker.io/owner/app:latest", "owner/app:latest"},
	{"ghcr.io/owner/image:tag", "ghcr.io/owner/image:tag", "ghcr.io/owner/image:tag"},
	{"localhost:5000/x@sha256:" HEX, "localhost:5000/x@sha256:" HEX,
	 "localhost:5000/x@sha256:" HEX},
	{"localhost/x:1", "localhost/x:1", "localhost/x:1"},
	{"127.0.0.1:5000/a/b/c:v1.2_3-rc", "127.0.0.1:5000/a/b/c:v1.2_3-rc",
	 "127.0.0.1:5000/a/b/c:v1.2_3-rc"},
	{"a.b-c__d---e:T", "docker.io/library/a.b-c__d---e:T", "a.b-c__d---e:T"},
	{"x:1@sha256:" HEX, "docker.io/library/x:1@sha256:" HEX, "x:1@sha256:" HEX},
	{"[::1]:5000/img", "[::1]:5000/img:latest", "[::1]:5000/img:latest"},
	{"Example.COM/img", "Example.COM/img:latest", "Example.COM/img:latest"},
};

static void test_good(void **state)
{
	for (size_t i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
		struct image_ref r;
		struct cubo_error *err = image_ref_parse(good[i].in, NULL, &r);
		if (err)
			fail_msg("%s: %s", good[i].in, err->msg);
		char *full = image_ref_string(&r), *fam = image_ref_familiar(&r);
		assert_string_equal(full, good[i].full);
		assert_string_equal(fam, good[i].familiar);
		assert_true(image_ref_valid(good[i].in));
		free(full);
		free(fam);
		image_ref_free(&r);
	}
}

static void test_parts(void **state)
{
	struct image_ref r, c;
	assert_null(image_ref_parse("localhost:5000/x@sha256:" HEX, NULL, &r));
	assert_string_equal(r.domain, "localhost:5000");
	assert_string_equal(r.path, "x");
	assert_null(r.tag);
	assert_string_equal(r.digest, "sha256:" HEX);
	image_ref_copy(&r, &c);
	char *name = image_ref_name(&c);
	assert_string_equal(name, "localhost:5000/x");
	free(name);
	image_ref_free(&c);
	image_ref_free(&r);
	assert_null(r.domain);

	/* a short-name default domain from the registries config */
	assert_null(image_ref_parse("team/app:2", "registry.example.com", &r));
	assert_string_equal(r.domain, "registry.example.com");
	assert_string_equal(r.path, "team/app");
	image_ref_free(&r);
	assert_null(image_ref_parse("app", "registry.example.com", &r));
	assert_string_equal(r.path, "app"); /* library/ is docker.io's alone */
	image_ref_free(&r);
}

static const struct {
	const char *in, *why;
} bad[] = {
	{"", "empty"},
	{"Alpine", "repository name must be lowercase"},
	{"alpine:", "tag must be"},
	{"alpine:-x", "tag must be"},
	{"alpine:a/b", "bad registry host"}, /* "alpine:a" is a host with a bad port */
	{"alpine@sha256:abc", "digest must be sha256:"},
	{"alpine@md5:" HEX, "digest must be"},
	{"a//b", "empty path component"},
	{"a/", "empty path component"},
	{"-a", "repository name components"},
	{"a..b", "repository name components"},
	{"a___b", "repository name components"},
	{"host.com:port/x", "bad registry host"},
	{":tag", "no repository name"},
	{"docker.io/", "no repository name"},
	{"localhost:5000/:1", "no repository name"},
};

static void test_bad(void **state)
{
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		struct image_ref r;
		struct cubo_error *err = image_ref_parse(bad[i].in, NULL, &r);
		if (!err)
			fail_msg("\"%s\" was accepted", bad[i].in);
		if (!strstr(err->msg, bad[i].why) || !strstr(err->msg, "invalid reference"))
			fail_msg("\"%s\": \"%s\" lacks \"%s\"", bad[i].in, err->msg, bad[i].why);
		assert_null(r.domain);
		assert_false(image_ref_valid(bad[i].in));
		cubo_error_free(err);
	}
	/* too long */
	char long_name[300];
	memset(long_name, 'a', sizeof(long_name) - 1);
	long_name[sizeof(long_name) - 1] = 0;
	assert_false(image_ref_valid(long_name));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_good),
		cmocka_unit_test(test_parts),
		cmocka_unit_test(test_bad),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
