/* SPDX-License-Identifier: Apache-2.0 */
/* Covers: cubo-mgr/image/{registry,registry_blob,registry_list,registries_conf}.c */
/*
 * The registries config, and the client against a canned HTTP server on
 * loopback (a real registry is in tests/integration/mgr-pull.bats).
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <pthread.h>
#include <setjmp.h>
#include <stdio.h>
#include <sys/socket.h>
#include <unistd.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "cubo-mgr/image/auth.h"
#include "cubo-mgr/image/registries_conf.h"
#include "cubo-mgr/image/registry_list.h"
#include "cubo-mgr/image/registry_priv.h"
#include "shared/strv.h"
#include "tests/unit/helpers.h"

static void test_parse(void **state)
{
	const char *text = "# registries\n"
			   "short-name-domain = \"registry.example.com\"  # comment\n"
			   "\n"
			   "[registry \"registry.local:5000\"]\n"
			   "insecure = true\n"
			   "mirror = mirror1:5000\n"
			   "  mirror = \"mirror2\"\n"
			   "[registry \"docker.io\"]\n"
			   "insecure = no\n";
	struct registries_conf c;
	assert_null(registries_conf_parse(text, "r.conf", &c));
	assert_string_equal(c.short_name_domain, "registry.example.com");
	assert_int_equal(c.n, 2);
	const struct registry_conf_entry *e = registries_conf_find(&c, "registry.local:5000");
	assert_non_null(e);
	assert_true(e->insecure);
	assert_true(e->insecure_set);
	assert_int_equal(e->n_mirrors, 2);
	assert_string_equal(e->mirrors[1], "mirror2");
	e = registries_conf_find(&c, "docker.io");
	assert_false(e->insecure);
	assert_true(e->insecure_set);
	assert_null(e->mirrors);
	assert_null(registries_conf_find(&c, "ghcr.io"));
	registries_conf_free(&c);
}

static void expect(const char *text, const char *fragment)
{
	struct registries_conf c;

	th_expect_msg(registries_conf_parse(text, "r.conf", &c), fragment);
	assert_null(c.v);
}

static void test_errors(void **state)
{
	expect("a = b\n", "r.conf:1: unknown key \"a\"");
	expect("\n\n[registry host]\n", "r.conf:3: expected [registry \"HOST\"]");
	expect("[registry \"h:\n\"]\n", "r.conf:1: expected [registry \"HOST\"]");
	expect("[registry \"\"]\n", "r.conf:1: expected [registry \"HOST\"]");
	expect("[registry \"a\"b\"]\n", "r.conf:1: expected [registry \"HOST\"]");
	expect("[registry \"a\"] x\n", "r.conf:1: expected [registry \"HOST\"]");
	expect("[registry \"h\"]\ninsecure = maybe\n", "r.conf:2: insecure: \"maybe\"");
	expect("[registry \"h\"]\nmirrors = x\n",
	       "r.conf:2: unknown key \"mirrors\" in [registry \"h\"]");
	expect("short-name-domain = \"x\n", "r.conf:1: unterminated");
	expect("just words\n", "r.conf:1: expected key = value");
	expect("[registry \"h\"]\nmirror =\n", "mirror is empty");
}

static void test_missing_file(void **state)
{
	struct registries_conf c;
	assert_null(registries_conf_load("/nonexistent/registries.conf", false, &c));
	assert_int_equal(c.n, 0);
	th_expect_failure(registries_conf_load("/nonexistent/registries.conf", true, &c));
}

static void test_pure_helpers(void **state)
{
	assert_true(registry_host_is_loopback("localhost"));
	assert_true(registry_host_is_loopback("localhost:5000"));
	assert_true(registry_host_is_loopback("127.0.0.1:5000"));
	assert_true(registry_host_is_loopback("127.8.9.10"));
	assert_true(registry_host_is_loopback("[::1]:5000"));
	assert_false(registry_host_is_loopback("128.0.0.1"));
	assert_false(registry_host_is_loopback("localhost.example.com"));
	assert_false(registry_host_is_loopback("[::2]:5000"));
	assert_false(registry_host_is_loopback("docker.io"));

	assert_int_equal(registry_range_skip(100, 200), 100);
	assert_int_equal(registry_range_skip(100, 206), 0);
	assert_int_equal(registry_range_skip(0, 200), 0);

	struct image_ref ref = {.domain = "docker.io", .path = "library/alpine"};
	char *s = registry_repo_scope(&ref, false);
	assert_string_equal(s, "repository:library/alpine:pull");
	free(s);
	s = registry_repo_scope(&ref, true);
	assert_string_equal(s, "repository:library/alpine:pull,push");
	free(s);
}

/*
 * A server that answers each plain HTTP request on loopback with the next
 * canned response and drops TLS handshakes (so the client falls back to
 * HTTP, as for any loopback registry).
 */
#define CANNED_MAX 4
struct canned {
	int fd;
	const char *responses[CANNED_MAX];
	char requests[CANNED_MAX][2048];
	int served;
};

static void *serve(void *arg)
{
	struct canned *k = arg;
	/* a full array has no NULL after its last response */
	while (k->served < CANNED_MAX && k->responses[k->served]) {
		int c = accept(k->fd, NULL, NULL);
		if (c < 0)
			break;
		char *req = k->requests[k->served];
		size_t n = 0;
		ssize_t got;
		while (n < 2047 && (got = read(c, req + n, 2047 - n)) > 0) {
			n += got;
			req[n] = 0;
			if (req[0] == 0x16 || strstr(req, "\r\n\r\n"))
				break;
		}
		if (n && req[0] != 0x16) {
			const char *resp = k->responses[k->served++];
			assert_int_equal(write(c, resp, strlen(resp)), strlen(resp));
		}
		close(c);
	}
	return NULL;
}

static int canned_start(struct canned *k, pthread_t *th)
{
	struct sockaddr_in a = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
	socklen_t len = sizeof(a);
	k->fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	assert_true(k->fd >= 0);
	assert_int_equal(bind(k->fd, (struct sockaddr *)&a, sizeof(a)), 0);
	assert_int_equal(listen(k->fd, 8), 0);
	assert_int_equal(getsockname(k->fd, (struct sockaddr *)&a, &len), 0);
	assert_int_equal(pthread_create(th, NULL, serve, k), 0);
	return ntohs(a.sin_port);
}

/* canned_start, domain getting the server's "127.0.0.1:PORT". */
static void canned_start_at(struct canned *k, pthread_t *th, char domain[64])
{
	snprintf(domain, 64, "127.0.0.1:%d", canned_start(k, th));
}

static void canned_stop(struct canned *k, pthread_t th)
{
	shutdown(k->fd, SHUT_RDWR);
	pthread_join(th, NULL);
	close(k->fd);
}

static struct registry_client *client(void)
{
	struct registry_opts o = {.tls_verify = true,
				  .registries_conf = "/dev/null",
				  .auth_file = "/nonexistent/auth.json"};
	struct registry_client *c = NULL;
	assert_null(registry_client_new(&o, &c));
	return c;
}

/*
 * A client whose registries.conf (the temporary file *conf, to unlink and
 * free) names the canned server at port_m as the mirror of the one at
 * port_r; domain gets the latter's name.
 */
static struct registry_client *client_with_mirror(int port_r, int port_m, char domain[64],
						  char **conf)
{
	char text[256];
	int n;

	snprintf(domain, 64, "127.0.0.1:%d", port_r);
	n = snprintf(text, sizeof(text), "[registry \"%s\"]\nmirror = 127.0.0.1:%d\n", domain,
		     port_m);
	*conf = th_tmpfile("registries-conf", text, n);
	struct registry_opts o = {.tls_verify = true,
				  .registries_conf = *conf,
				  .auth_file = "/nonexistent/auth.json"};
	struct registry_client *c = NULL;
	assert_null(registry_client_new(&o, &c));
	return c;
}

static void test_manifest_errors(void **state)
{
	struct canned k = {
		.responses = {
			"HTTP/1.1 404 Not Found\r\nContent-Type: application/json\r\n"
			"Content-Length: 69\r\nConnection: close\r\n\r\n"
			"{\"errors\":[{\"code\":\"MANIFEST_UNKNOWN\",\"message\":\"manifest "
			"unknown\"}]}",
			"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n"
			"Content-Length: 2\r\nConnection: close\r\n\r\n{}",
		}};
	pthread_t th;
	int port = canned_start(&k, &th);
	char domain[64], want[256];
	snprintf(domain, sizeof(domain), "127.0.0.1:%d", port);
	struct image_ref ref = {.domain = domain, .path = "x"};
	struct registry_client *c = client();
	struct registry_manifest m;

	struct cubo_error *err = registry_get_manifest(c, &ref, "1", &m);
	assert_non_null(err);
	snprintf(
		want, sizeof(want),
		"GET http://%s/v2/x/manifests/1: 404 Not Found: MANIFEST_UNKNOWN: manifest unknown",
		domain);
	assert_string_equal(err->msg, want);
	cubo_error_free(err);
	assert_non_null(strstr(k.requests[0], "Accept: "));

	const char *asked =
		"sha256:0000000000000000000000000000000000000000000000000000000000000000";
	err = registry_get_manifest(c, &ref, asked, &m);
	assert_non_null(err);
	/* sha256("{}") */
	assert_non_null(strstr(err->msg, "digest mismatch (got sha256:44136fa355b3678a1146ad16f7e8"
					 "649e94fb4fc21fe77e8310c060f61caaff8a)"));
	cubo_error_free(err);
	registry_client_free(c);
	canned_stop(&k, th);
}

static void test_link_next(void **state)
{
	char *p;
	assert_null(registry_link_next("</v2/x/tags/list?n=2&last=b>; rel=\"next\"", &p));
	assert_string_equal(p, "/v2/x/tags/list?n=2&last=b");
	free(p);
	assert_null(
		registry_link_next("</v2/a>; rel=\"prev\", </v2/_catalog?last=c>; rel=next", &p));
	assert_string_equal(p, "/v2/_catalog?last=c");
	free(p);
	assert_null(registry_link_next("</v2/a>; rel=\"prev\"", &p));
	assert_null(p);
	assert_null(registry_link_next("garbage <", &p));
	assert_null(p);
	/* a next page elsewhere would take our credentials there */
	static const char *const bad[] = {"<http://evil.example/v2/x>; rel=\"next\"",
					  "<//evil.example/v2/x>; rel=\"next\"",
					  "</v2/../token>; rel=\"next\"", "</other>; rel=\"next\""};
	for (size_t i = 0; i < sizeof(bad) / sizeof(*bad); i++) {
		struct cubo_error *err = registry_link_next(bad[i], &p);
		assert_non_null(err);
		assert_non_null(strstr(err->msg, "is not a /v2/ path of the registry"));
		assert_null(p);
		cubo_error_free(err);
	}
}

static void test_list_page(void **state)
{
	char **v = NULL;
	size_t n = 0;
	const char *page = "{\"name\":\"x\",\"tags\":[\"1.0\",\"latest\"]}";
	assert_null(registry_list_page(page, strlen(page), "tags", true, "p1", &v, &n));
	page = "{\"name\":\"x\",\"tags\":null}";
	assert_null(registry_list_page(page, strlen(page), "tags", true, "p2", &v, &n));
	assert_int_equal(n, 2);
	assert_string_equal(v[1], "latest");
	/* hostile names and documents */
	static const struct {
		const char *body, *key, *msg;
		bool tags;
	} bad[] = {
		{"{\"tags\":[\"../x\"]}", "tags", "tags[0] \"../x\" is not a valid tag", true},
		{"{\"tags\":[\"a:b\"]}", "tags", "is not a valid tag", true},
		{"{\"tags\":[1]}", "tags", "p: tags[0]", true},
		{"{\"tags\":\"1\"}", "tags", "p: tags", true},
		{"[]", "tags", "p", true},
		{"{", "tags", "p", true},
		{"{\"repositories\":[\"Up/per\"]}", "repositories", "not a valid repository",
		 false},
		{"{\"repositories\":[\"h:5000/x\"]}", "repositories", "not a valid repository",
		 false},
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(*bad); i++) {
		struct cubo_error *err = registry_list_page(bad[i].body, strlen(bad[i].body),
							    bad[i].key, bad[i].tags, "p", &v, &n);
		assert_non_null(err);
		if (!strstr(err->msg, bad[i].msg))
			fail_msg("%s: %s", bad[i].body, err->msg);
		cubo_error_free(err);
	}
	assert_int_equal(n, 2);
	cubo_strv_free(v);
}

/* Two pages joined by the Link header, the second asked for by its path. */
static void test_list_pages(void **state)
{
	struct canned k = {.responses = {
				   "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n"
				   "Link: </v2/x/tags/list?n=1&last=a>; rel=\"next\"\r\n"
				   "Content-Length: 25\r\nConnection: close\r\n\r\n"
				   "{\"name\":\"x\",\"tags\":[\"a\"]}",
				   "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n"
				   "Content-Length: 25\r\nConnection: close\r\n\r\n"
				   "{\"name\":\"x\",\"tags\":[\"b\"]}",
			   }};
	pthread_t th;
	char domain[64];
	canned_start_at(&k, &th, domain);
	struct image_ref ref = {.domain = domain, .path = "x"};
	struct registry_client *c = client();
	char **tags = NULL;
	assert_null(registry_list_tags(c, &ref, &tags));
	assert_string_equal(tags[0], "a");
	assert_string_equal(tags[1], "b");
	assert_null(tags[2]);
	assert_non_null(strstr(k.requests[0], "GET /v2/x/tags/list HTTP"));
	assert_non_null(strstr(k.requests[1], "GET /v2/x/tags/list?n=1&last=a HTTP"));
	cubo_strv_free(tags);
	registry_client_free(c);
	canned_stop(&k, th);
}

struct collected {
	char buf[64];
	size_t len;
};

static struct cubo_error *collect(void *arg, const void *data, size_t len)
{
	struct collected *b = arg;
	if (b->len + len > sizeof(b->buf))
		return cubo_error_new("too much");
	memcpy(b->buf + b->len, data, len);
	b->len += len;
	return NULL;
}

static void test_blob_range(void **state)
{
	struct canned k = {.responses = {
				   /* a server that ignores Range */
				   "HTTP/1.1 200 OK\r\nContent-Length: 10\r\nConnection: close\r\n"
				   "\r\n0123456789",
				   "HTTP/1.1 206 Partial Content\r\nContent-Length: 6\r\n"
				   "Content-Range: bytes 4-9/10\r\nConnection: close\r\n\r\n456789",
				   /* Content-Length says more than comes */
				   "HTTP/1.1 200 OK\r\nContent-Length: 10\r\nConnection: close\r\n"
				   "\r\n01234",
			   }};
	pthread_t th;
	char domain[64];
	canned_start_at(&k, &th, domain);
	struct image_ref ref = {.domain = domain, .path = "x"};
	struct registry_client *c = client();
	const char *d = "sha256:0000000000000000000000000000000000000000000000000000000000000000";

	struct collected b = {0};
	assert_null(registry_get_blob(c, &ref, d, 4, collect, &b));
	assert_int_equal(b.len, 6);
	assert_memory_equal(b.buf, "456789", 6);
	assert_non_null(strstr(k.requests[0], "Range: bytes=4-"));

	b.len = 0;
	assert_null(registry_get_blob(c, &ref, d, 4, collect, &b));
	assert_int_equal(b.len, 6);
	assert_memory_equal(b.buf, "456789", 6);

	b.len = 0;
	struct cubo_error *err = registry_get_blob(c, &ref, d, 0, collect, &b);
	assert_non_null(err);
	assert_non_null(strstr(err->msg, d));
	/* curl's word for it, or ours when it has none */
	assert_true(strstr(err->msg, "transfer closed with 5 bytes remaining") ||
		    strstr(err->msg, "5 of 10 bytes (truncated)"));
	cubo_error_free(err);
	registry_client_free(c);
	canned_stop(&k, th);
}

static void test_unreachable(void **state)
{
	/* a bound socket that does not listen refuses connections */
	struct sockaddr_in a = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
	socklen_t len = sizeof(a);
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	assert_int_equal(bind(fd, (struct sockaddr *)&a, sizeof(a)), 0);
	assert_int_equal(getsockname(fd, (struct sockaddr *)&a, &len), 0);
	char domain[64], want[128];
	snprintf(domain, sizeof(domain), "127.0.0.1:%d", ntohs(a.sin_port));
	struct image_ref ref = {.domain = domain, .path = "x"};
	struct registry_client *c = client();
	struct registry_manifest m;
	struct cubo_error *err = registry_get_manifest(c, &ref, "1", &m);
	assert_non_null(err);
	/* https first, then plain HTTP for a loopback registry */
	snprintf(want, sizeof(want), "GET http://%s/v2/x/manifests/1: ", domain);
	if (strncmp(err->msg, want, strlen(want)))
		fail_msg("\"%s\" does not start with \"%s\"", err->msg, want);
	cubo_error_free(err);
	registry_client_free(c);
	close(fd);
}

/* A mirror that breaks off mid-blob: the registry is asked only for the rest. */
static void test_mirror_resume(void **state)
{
	struct canned mirror = {
		.responses = {
			"HTTP/1.1 200 OK\r\nContent-Length: 10\r\nConnection: close\r\n"
			"\r\n01234",
		}};
	struct canned reg = {
		.responses = {
			"HTTP/1.1 206 Partial Content\r\nContent-Length: 5\r\n"
			"Content-Range: bytes 5-9/10\r\nConnection: close\r\n\r\n56789",
		}};
	pthread_t th_m, th_r;
	int port_m = canned_start(&mirror, &th_m), port_r = canned_start(&reg, &th_r);
	char domain[64], *conf;
	struct registry_client *c = client_with_mirror(port_r, port_m, domain, &conf);
	struct image_ref ref = {.domain = domain, .path = "x"};
	const char *d = "sha256:0000000000000000000000000000000000000000000000000000000000000000";
	struct collected b = {0};
	assert_null(registry_get_blob(c, &ref, d, 0, collect, &b));
	assert_int_equal(b.len, 10);
	assert_memory_equal(b.buf, "0123456789", 10);
	assert_null(strstr(mirror.requests[0], "Range:"));
	assert_non_null(strstr(reg.requests[0], "Range: bytes=5-"));
	registry_client_free(c);
	unlink(conf);
	free(conf);
	canned_stop(&mirror, th_m);
	canned_stop(&reg, th_r);
}

/* A Bearer challenge: a token from the realm, then cached for the next request. */
static void test_token_flow(void **state)
{
	struct canned k = {
		.responses = {
			"HTTP/1.1 401 Unauthorized\r\nWWW-Authenticate: Bearer "
			"realm=\"REALM\",service=\"reg\",scope=\"repository:x:pull\"\r\n"
			"Content-Length: 0\r\nConnection: close\r\n\r\n",
			"HTTP/1.1 200 OK\r\nContent-Length: 42\r\nConnection: close\r\n\r\n"
			"{\"access_token\":\"tok123\",\"expires_in\":300}",
			"HTTP/1.1 200 OK\r\nContent-Length: 2\r\nConnection: close\r\n\r\n{}",
			"HTTP/1.1 200 OK\r\nContent-Length: 2\r\nConnection: close\r\n\r\n{}",
		}};
	pthread_t th;
	/* the realm names the server's own port, known only once it listens */
	char first[512];
	int port = canned_start(&k, &th);
	char realm[64];
	snprintf(realm, sizeof(realm), "http://127.0.0.1:%d/token", port);
	const char *r0 = k.responses[0];
	const char *at = strstr(r0, "REALM");
	snprintf(first, sizeof(first), "%.*s%s%s", (int)(at - r0), r0, realm, at + 5);
	k.responses[0] = first;
	char domain[64];
	snprintf(domain, sizeof(domain), "127.0.0.1:%d", port);
	struct image_ref ref = {.domain = domain, .path = "x"};
	struct registry_client *c = client();
	struct registry_manifest m;
	assert_null(registry_get_manifest(c, &ref, "1", &m));
	registry_manifest_free(&m);
	assert_null(registry_get_manifest(c, &ref, "2", &m));
	registry_manifest_free(&m);
	assert_non_null(
		strstr(k.requests[1], "GET /token?service=reg&scope=repository%3Ax%3Apull "));
	assert_null(strstr(k.requests[1], "Authorization:"));
	assert_non_null(strstr(k.requests[2], "GET /v2/x/manifests/1 "));
	assert_non_null(strstr(k.requests[2], "Authorization: Bearer tok123\r\n"));
	assert_non_null(strstr(k.requests[3], "GET /v2/x/manifests/2 "));
	assert_non_null(strstr(k.requests[3], "Authorization: Bearer tok123\r\n"));
	registry_client_free(c);
	canned_stop(&k, th);
}

/* Blobs redirected to another host (storage) go there without our credentials. */
static void test_redirect_drops_authorization(void **state)
{
	struct canned storage = {
		.responses = {
			"HTTP/1.1 200 OK\r\nContent-Length: 4\r\nConnection: close\r\n"
			"\r\nblob",
		}};
	pthread_t th_s, th_r;
	int port_s = canned_start(&storage, &th_s);
	char redirect[256];
	snprintf(redirect, sizeof(redirect),
		 "HTTP/1.1 307 Temporary Redirect\r\nLocation: http://localhost:%d/b\r\n"
		 "Content-Length: 0\r\nConnection: close\r\n\r\n",
		 port_s);
	struct canned reg = {
		.responses = {
			"HTTP/1.1 401 Unauthorized\r\nWWW-Authenticate: Basic realm=\"r\"\r\n"
			"Content-Length: 0\r\nConnection: close\r\n\r\n",
			redirect,
		}};
	int port_r = canned_start(&reg, &th_r);
	char *dir = th_tmpdir("registry"), domain[64], auth[64];
	snprintf(auth, sizeof(auth), "%s/auth.json", dir);
	snprintf(domain, sizeof(domain), "127.0.0.1:%d", port_r);
	assert_null(auth_file_store(auth, domain, "alice", "secret"));
	struct registry_opts o = {
		.tls_verify = true, .registries_conf = "/dev/null", .auth_file = auth};
	struct registry_client *c = NULL;
	assert_null(registry_client_new(&o, &c));
	struct image_ref ref = {.domain = domain, .path = "x"};
	const char *d = "sha256:0000000000000000000000000000000000000000000000000000000000000000";
	struct collected b = {0};
	assert_null(registry_get_blob(c, &ref, d, 0, collect, &b));
	assert_int_equal(b.len, 4);
	assert_memory_equal(b.buf, "blob", 4);
	/* base64("alice:secret") */
	assert_non_null(strstr(reg.requests[1], "Authorization: Basic YWxpY2U6c2VjcmV0\r\n"));
	assert_non_null(strstr(storage.requests[0], "GET /b "));
	assert_null(strstr(storage.requests[0], "Authorization"));
	registry_client_free(c);
	th_tmpdir_free(dir);
	canned_stop(&reg, th_r);
	canned_stop(&storage, th_s);
}

/* A push asks the registry itself whether it has a blob, never its mirror. */
static void test_push_skips_mirrors(void **state)
{
	struct canned mirror = {
		.responses = {
			"HTTP/1.1 200 OK\r\nContent-Length: 4\r\nConnection: close\r\n\r\n",
		}};
	struct canned reg = {.responses = {
				     "HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\nConnection: "
				     "close\r\n\r\n",
			     }};
	pthread_t th_m, th_r;
	int port_m = canned_start(&mirror, &th_m), port_r = canned_start(&reg, &th_r);
	char domain[64], *conf;
	struct registry_client *c = client_with_mirror(port_r, port_m, domain, &conf);
	struct image_ref ref = {.domain = domain, .path = "x"};
	bool exists = true;
	assert_null(registry_blob_exists(
		c, &ref, "sha256:0000000000000000000000000000000000000000000000000000000000000000",
		&exists));
	assert_false(exists);
	assert_non_null(strstr(reg.requests[0], "HEAD /v2/x/blobs/sha256:"));
	assert_int_equal(mirror.served, 0);
	registry_client_free(c);
	unlink(conf);
	free(conf);
	canned_stop(&mirror, th_m);
	canned_stop(&reg, th_r);
}

static void test_client_conf_errors(void **state)
{
	struct registry_opts o = {.tls_verify = true, .registries_conf = "/nonexistent/r.conf"};
	struct registry_client *c = NULL;
	struct cubo_error *err = registry_client_new(&o, &c);
	assert_non_null(err);
	assert_non_null(strstr(err->msg, "/nonexistent/r.conf"));
	assert_null(c);
	cubo_error_free(err);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_parse),
		cmocka_unit_test(test_errors),
		cmocka_unit_test(test_missing_file),
		cmocka_unit_test(test_pure_helpers),
		cmocka_unit_test(test_manifest_errors),
		cmocka_unit_test(test_link_next),
		cmocka_unit_test(test_list_page),
		cmocka_unit_test(test_list_pages),
		cmocka_unit_test(test_blob_range),
		cmocka_unit_test(test_unreachable),
		cmocka_unit_test(test_mirror_resume),
		cmocka_unit_test(test_token_flow),
		cmocka_unit_test(test_redirect_drops_authorization),
		cmocka_unit_test(test_push_skips_mirrors),
		cmocka_unit_test(test_client_conf_errors),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
