/* SPDX-License-Identifier: Apache-2.0 */
/* Covers: cubo-mgr/image/auth.c */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <cmocka.h>

#include "cubo-mgr/image/auth.h"
#include "shared/fs.h"
#include "tests/unit/helpers.h"

static void test_challenges(void **state)
{
	struct auth_challenge c;
	assert_null(auth_challenge_parse("Bearer realm=\"https://auth.docker.io/token\","
					 "service=\"registry.docker.io\",scope=\"repository:"
					 "library/alpine:pull\"",
					 &c));
	assert_string_equal(c.scheme, "Bearer");
	assert_string_equal(c.realm, "https://auth.docker.io/token");
	assert_string_equal(c.service, "registry.docker.io");
	assert_string_equal(c.scope, "repository:library/alpine:pull");
	auth_challenge_free(&c);
	/* spaces, unquoted values, escapes, unknown and repeated parameters */
	assert_null(auth_challenge_parse("  Basic  realm=Registry, charset=\"UTF-8\", "
					 "realm=\"a \\\"b\\\" c\"",
					 &c));
	assert_string_equal(c.scheme, "Basic");
	assert_string_equal(c.realm, "a \"b\" c");
	assert_null(c.service);
	auth_challenge_free(&c);
	assert_null(auth_challenge_parse("Bearer", &c));
	assert_null(c.realm);
	auth_challenge_free(&c);
	th_expect_msg(auth_challenge_parse("", &c), "no scheme");
	th_expect_msg(auth_challenge_parse("Bearer realm", &c), "expected name=value");
	th_expect_msg(auth_challenge_parse("Bearer realm=\"open", &c), "unterminated");
}

static void test_base64(void **state)
{
	const char *in[] = {"", "f", "fo", "foo", "foob", "fooba", "foobar", "user:pa:ss"};
	const char *out[] = {"",	 "Zg==",     "Zm8=",	 "Zm9v",
			     "Zm9vYg==", "Zm9vYmE=", "Zm9vYmFy", "dXNlcjpwYTpzcw=="};
	for (size_t i = 0; i < sizeof(in) / sizeof(in[0]); i++) {
		char *e = auth_base64_encode(in[i], strlen(in[i]));
		assert_string_equal(e, out[i]);
		size_t len;
		char *d = auth_base64_decode(e, &len);
		assert_int_equal(len, strlen(in[i]));
		assert_memory_equal(d, in[i], len);
		free(e);
		free(d);
	}
	assert_null(auth_base64_decode("Zm9", NULL));
	assert_null(auth_base64_decode("Z=9v", NULL));
	assert_null(auth_base64_decode("Zm9v!A==", NULL));
}

static void test_files(void **state)
{
	char *dir = th_tmpdir("auth");
	char *ours = cubo_path_join(dir, "cfg/cubo/auth.json");
	char *docker = cubo_path_join(dir, "home/.docker/config.json");
	char *docker_dir = cubo_path_join(dir, "home/.docker");
	char home[256], xdg[256];
	snprintf(home, sizeof(home), "HOME=%s/home", dir);
	snprintf(xdg, sizeof(xdg), "XDG_CONFIG_HOME=%s/cfg", dir);
	char *env[] = {home, xdg, NULL};

	char *def = auth_default_file(env);
	assert_string_equal(def, ours);
	free(def);

	/* docker's file: other members kept, hub under its legacy key */
	assert_null(cubo_mkdir_p(docker_dir, 0700));
	const char *dj =
		"{\"auths\":{\"https://index.docker.io/v1/\":{\"auth\":\"aHViOnNlY3JldA==\"}},"
		"\"credsStore\":\"none\"}";
	assert_null(cubo_write_file_atomic(docker, dj, strlen(dj), 0600));
	char *u, *p;
	assert_null(auth_lookup(NULL, env, "docker.io", &u, &p));
	assert_string_equal(u, "hub");
	assert_string_equal(p, "secret");
	free(u);
	free(p);
	assert_null(auth_lookup(NULL, env, "127.0.0.1:5000", &u, &p));
	assert_null(u);

	/* ours comes first, and keeps other entries on store/remove */
	assert_null(auth_file_store(ours, "127.0.0.1:5000", "alice", "pw:with:colons"));
	assert_null(auth_file_store(ours, "ghcr.io", "bob", "x"));
	assert_null(auth_file_store(ours, "127.0.0.1:5000", "alice", "new"));
	struct stat st;
	assert_int_equal(stat(ours, &st), 0);
	assert_int_equal(st.st_mode & 0777, 0600);
	assert_null(auth_lookup(NULL, env, "127.0.0.1:5000", &u, &p));
	assert_string_equal(u, "alice");
	assert_string_equal(p, "new");
	free(u);
	free(p);
	bool found;
	assert_null(auth_file_remove(ours, "127.0.0.1:5000", &found));
	assert_true(found);
	assert_null(auth_file_remove(ours, "127.0.0.1:5000", &found));
	assert_false(found);
	assert_null(auth_lookup(NULL, env, "ghcr.io", &u, &p));
	assert_string_equal(u, "bob");
	free(u);
	free(p);
	/* --authfile: only that file */
	assert_null(auth_lookup(ours, env, "docker.io", &u, &p));
	assert_null(u);
	/* a broken file is named */
	assert_null(cubo_write_file_atomic(ours, "{", 1, 0600));
	th_expect_msg(auth_lookup(NULL, env, "ghcr.io", &u, &p), "auth.json");
	const char *bad = "{\"auths\":{\"h\":{\"auth\":\"bm9jb2xvbg==\"}}}";
	assert_null(cubo_write_file_atomic(ours, bad, strlen(bad), 0600));
	th_expect_msg(auth_lookup(NULL, env, "h", &u, &p),
		      "auths.h.auth: not base64 of user:password");

	free(ours);
	free(docker);
	free(docker_dir);
	th_tmpdir_free(dir);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_challenges),
		cmocka_unit_test(test_base64),
		cmocka_unit_test(test_files),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
