/* SPDX-License-Identifier: Apache-2.0 */
/* Covers: cubo-mgr/image/cred_policy.c, cubo-mgr/image/registries_conf.c */
/* Which URLs a registry's credentials may go to (cred_policy.h): each way a registry's answer
 * could send them elsewhere. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "cubo-mgr/image/cred_policy.h"

static const struct cred_origin secure = {.endpoint = "registry.example.com"};
static const struct cred_origin secure_port = {.endpoint = "registry.example.com:5000"};
static const struct cred_origin insecure = {.endpoint = "127.0.0.1:5000", .insecure = true};
static const struct cred_origin hub = {.endpoint = "registry-1.docker.io"};

static void may(const struct cred_origin *o, const char *url, enum cred_dest d)
{
	const char *why = "unset";
	if (!cred_may_send(o, url, d, &why))
		fail_msg("%s -> %s refused: %s", o->endpoint, url, why);
	assert_null(why);
}

static void may_not(const struct cred_origin *o, const char *url, enum cred_dest d,
		    const char *reason)
{
	const char *why = NULL;
	if (cred_may_send(o, url, d, &why))
		fail_msg("%s -> %s allowed", o->endpoint, url);
	assert_non_null(why);
	if (!strstr(why, reason))
		fail_msg("%s -> %s: \"%s\" lacks \"%s\"", o->endpoint, url, why, reason);
}

static void test_registry_requests(void **state)
{
	may(&secure, "https://registry.example.com/v2/x/blobs/uploads/1", CRED_TO_REGISTRY);
	may(&secure, "https://REGISTRY.example.com:443/v2/", CRED_TO_REGISTRY);
	may(&secure_port, "https://registry.example.com:5000/v2/", CRED_TO_REGISTRY);
	may(&insecure, "http://127.0.0.1:5000/v2/", CRED_TO_REGISTRY);
	may(&insecure, "https://127.0.0.1:5000/v2/", CRED_TO_REGISTRY);
	/* a Location naming another place */
	may_not(&secure, "https://evil.example.com/v2/", CRED_TO_REGISTRY, "another host");
	may_not(&secure, "https://registry.example.com.evil.com/", CRED_TO_REGISTRY,
		"another host");
	may_not(&secure, "https://registry.example.com:8443/v2/", CRED_TO_REGISTRY,
		"another host or port");
	may_not(&secure_port, "https://registry.example.com/v2/", CRED_TO_REGISTRY,
		"another host or port");
	may_not(&insecure, "http://127.0.0.1:5001/v2/", CRED_TO_REGISTRY, "another host or port");
	may_not(&insecure, "http://127.0.0.2:5000/v2/", CRED_TO_REGISTRY, "another host");
	/* down to plain HTTP on a secure registry's own host */
	may_not(&secure, "http://registry.example.com/v2/", CRED_TO_REGISTRY, "plain HTTP");
	may_not(&secure_port, "http://registry.example.com:5000/v2/", CRED_TO_REGISTRY,
		"plain HTTP");
	/* URLs that parse one way here and another elsewhere, or carry their own user */
	may_not(&secure, "https://registry.example.com@evil.com/", CRED_TO_REGISTRY, "user");
	may_not(&secure, "https://u:p@registry.example.com/", CRED_TO_REGISTRY, "user");
	may_not(&secure, "https://:p@registry.example.com/", CRED_TO_REGISTRY, "user");
	may_not(&secure, "ftp://registry.example.com/", CRED_TO_REGISTRY, "not an http");
	may_not(&secure, "file:///etc/passwd", CRED_TO_REGISTRY, "not an http");
	may_not(&secure, "registry.example.com/v2/", CRED_TO_REGISTRY, "");
	may_not(&secure, "", CRED_TO_REGISTRY, "not an http");
}

static void test_token_realm(void **state)
{
	/* HTTPS: the registry names its token service, on any host (Docker Hub's way) */
	may(&hub, "https://auth.docker.io/token", CRED_TO_REALM);
	may(&secure, "https://auth.example.net:8443/token", CRED_TO_REALM);
	may(&insecure, "https://127.0.0.1:5001/token", CRED_TO_REALM);
	/* plain HTTP: only the insecure registry's own host and port */
	may(&insecure, "http://127.0.0.1:5000/token", CRED_TO_REALM);
	may_not(&insecure, "http://127.0.0.1:5001/token", CRED_TO_REALM,
		"token service over plain HTTP");
	may_not(&insecure, "http://localhost:5000/token", CRED_TO_REALM,
		"token service over plain HTTP");
	may_not(&hub, "http://auth.docker.io/token", CRED_TO_REALM, "plain HTTP");
	may_not(&secure, "http://registry.example.com/token", CRED_TO_REALM, "plain HTTP");
	may_not(&hub, "https://x:y@auth.docker.io/token", CRED_TO_REALM, "user");
	may_not(&hub, "gopher://auth.docker.io/token", CRED_TO_REALM, "not an http");
}

static void test_realm_configured_insecure(void **state)
{
	struct registries_conf conf;
	assert_null(registries_conf_parse("[registry \"auth.local:5001\"]\ninsecure = true\n"
					  "[registry \"auth.local:5002\"]\ninsecure = false\n",
					  "r.conf", &conf));
	struct cred_origin o = {.endpoint = "reg.local:5000", .insecure = true, .conf = &conf};
	may(&o, "http://auth.local:5001/token", CRED_TO_REALM);
	may_not(&o, "http://auth.local:5002/token", CRED_TO_REALM, "plain HTTP");
	may_not(&o, "http://auth.local:5003/token", CRED_TO_REALM, "plain HTTP");
	/* the realm's own entry does not open the registry's requests to it */
	may_not(&o, "http://auth.local:5001/v2/", CRED_TO_REGISTRY, "another host");
	registries_conf_free(&conf);
}

static void test_redirects(void **state)
{
	assert_true(cred_may_follow("https://r.example.com/v2/a", "https://r.example.com/v2/b"));
	assert_true(cred_may_follow("https://r.example.com/v2/a", "https://r.example.com:443/b"));
	assert_true(cred_may_follow("http://127.0.0.1:5000/a", "http://127.0.0.1:5000/b"));
	assert_true(cred_may_follow("http://127.0.0.1:5000/a", "https://127.0.0.1:5000/b"));
	assert_false(cred_may_follow("https://r.example.com/v2/a", "https://cdn.example.com/b"));
	assert_false(cred_may_follow("https://r.example.com/v2/a", "http://r.example.com/b"));
	assert_false(cred_may_follow("https://r.example.com:443/a", "http://r.example.com:443/b"));
	assert_false(cred_may_follow("http://127.0.0.1:5000/a", "http://127.0.0.1:5001/b"));
	assert_false(cred_may_follow("https://r.example.com/a", "https://u@r.example.com/b"));
	assert_false(cred_may_follow("https://r.example.com/a", "ftp://r.example.com/b"));
	assert_false(cred_may_follow("https://r.example.com/a", "not a url"));
}

static void test_authority(void **state)
{
	char buf[64];
	assert_true(cred_url_authority("https://Auth.Example.com/token?x=1", buf, sizeof(buf)));
	assert_string_equal(buf, "Auth.Example.com");
	assert_true(cred_url_authority("http://127.0.0.1:5001/token", buf, sizeof(buf)));
	assert_string_equal(buf, "127.0.0.1:5001");
	assert_true(cred_url_authority("http://[::1]:5001/token", buf, sizeof(buf)));
	assert_string_equal(buf, "[::1]:5001");
	assert_false(cred_url_authority("ftp://h/", buf, sizeof(buf)));
	assert_false(cred_url_authority("https://a-very-long-host-name.example.com/", buf, 8));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_registry_requests),
		cmocka_unit_test(test_token_realm),
		cmocka_unit_test(test_realm_configured_insecure),
		cmocka_unit_test(test_redirects),
		cmocka_unit_test(test_authority),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
