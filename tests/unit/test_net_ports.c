/* SPDX-License-Identifier: Apache-2.0 */
/* Covers: cubo-mgr/net/ports.c, cubo-mgr/container/run_opts.c */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include <cmocka.h>

#include "cubo-mgr/net/ports.h"
#include "tests/unit/helpers.h"

static void test_record_form(void **state)
{
	struct ctr_port_spec p;
	assert_null(ports_parse_record("127.0.0.1:8080->80/tcp", &p));
	assert_string_equal(p.host_ip, "127.0.0.1");
	assert_int_equal(p.host_port, 8080);
	assert_int_equal(p.ctr_port, 80);
	assert_string_equal(p.proto, "tcp");
	assert_null(ports_parse_record("0.0.0.0:*->53/udp", &p));
	assert_string_equal(p.host_ip, "");
	assert_int_equal(p.host_port, 0);
	assert_int_equal(p.ctr_port, 53);
	assert_string_equal(p.proto, "udp");
	assert_null(ports_parse_record("[::1]:9000->90/tcp", &p));
	assert_string_equal(p.host_ip, "::1");
	assert_int_equal(p.host_port, 9000);
	th_expect_msg(ports_parse_record("8080:80", &p), "not IP:PORT->PORT/PROTO");
	/* what run writes, read back */
	char buf[96];
	assert_null(run_opt_parse_publish("80", &p));
	run_opt_format_port(&p, buf, sizeof(buf));
	assert_string_equal(buf, "0.0.0.0:*->80/tcp");
	assert_null(ports_parse_record(buf, &p));
	assert_int_equal(p.ctr_port, 80);
}

static void test_mappings(void **state)
{
	struct ctr_port_spec p[2];
	assert_null(run_opt_parse_publish("127.0.0.1:8080:80", &p[0]));
	assert_null(run_opt_parse_publish("5353:53/udp", &p[1]));
	char *json;
	assert_null(ports_mappings_json(p, 2, &json));
	assert_string_equal(json,
			    "[{\"hostPort\":8080,\"containerPort\":80,\"protocol\":\"tcp\","
			    "\"hostIP\":\"127.0.0.1\"},{\"hostPort\":5353,\"containerPort\":53,"
			    "\"protocol\":\"udp\"}]");
	free(json);
	assert_null(ports_mappings_json(p, 0, &json));
	assert_null(json);
}

static void test_exposed(void **state)
{
	struct ctr_port_spec *v = calloc(2, sizeof(*v));
	size_t n = 1;
	assert_null(run_opt_parse_publish("8080:80", &v[0]));
	char *const exposed[] = {"80/tcp", "53/udp", "443"};
	assert_null(ports_add_exposed(exposed, 3, &v, &n));
	assert_int_equal(n, 3); /* 80/tcp was published already */
	assert_int_equal(v[1].ctr_port, 53);
	assert_string_equal(v[1].proto, "udp");
	assert_int_equal(v[1].host_port, 0);
	assert_int_equal(v[2].ctr_port, 443);
	char *const bad[] = {"http"};
	th_expect_msg(ports_add_exposed(bad, 1, &v, &n), "ExposedPorts key \"http\"");
	free(v);
}

/* An image names container ports only: -p's host address and port forms are refused. */
static void test_exposed_hostile_keys(void **state)
{
	struct ctr_port_spec p;
	assert_null(ports_parse_exposed("80", &p));
	assert_int_equal(p.ctr_port, 80);
	assert_string_equal(p.proto, "tcp");
	assert_string_equal(p.host_ip, "");
	assert_int_equal(p.host_port, 0);
	assert_null(ports_parse_exposed("65535/sctp", &p));
	assert_int_equal(p.ctr_port, 65535);
	assert_string_equal(p.proto, "sctp");
	const char *bad[] = {
		"127.0.0.1:22:80/tcp", /* host address and port */
		"0.0.0.0:2222:22",
		"2222:22", /* host port */
		"[::1]:2222:22/tcp",
		"[::]:22",
		":22",
		"127.0.0.1::22",
		"22:",
		"0", /* out of range */
		"65536",
		"000080", /* six digits */
		"+80",
		" 80",
		"80 ",
		"-80",
		"8000-8010", /* ranges */
		"80/",
		"80/TCP/",
		"80/icmp",
		"80/tcp\n",
		"",
		"/tcp",
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(*bad); i++) {
		struct cubo_error *err = ports_parse_exposed(bad[i], &p);
		if (!err)
			fail_msg("ExposedPorts key \"%s\" was taken", bad[i]);
		char want[80];
		snprintf(want, sizeof(want), "key \"%s\"", bad[i]);
		th_expect_msg(err, want);
	}
	/* -P as a whole: the run fails, naming -P and the key */
	struct ctr_port_spec *v = calloc(1, sizeof(*v));
	size_t n = 0;
	char *const hostile[] = {"80/tcp", "127.0.0.1:22:80/tcp"};
	struct cubo_error *err = ports_add_exposed(hostile, 2, &v, &n);
	assert_non_null(err);
	assert_true(!strncmp(err->msg, "-P: ", 4));
	th_expect_msg(err, "\"127.0.0.1:22:80/tcp\"");
	free(v);
}

/* the kernel tells a port in use and picks free ones; nothing stays bound after an error */
static void test_reserve(void **state)
{
	struct ctr_port_spec p[2];
	int fds[2];
	assert_null(run_opt_parse_publish("127.0.0.1::80", &p[0]));
	assert_null(ports_reserve(p, 1, fds));
	assert_int_not_equal(p[0].host_port, 0);
	char spec[64];
	snprintf(spec, sizeof(spec), "127.0.0.1:%u:81", p[0].host_port);
	assert_null(run_opt_parse_publish("127.0.0.1::82/udp", &p[1]));
	struct ctr_port_spec again[2];
	assert_null(run_opt_parse_publish("127.0.0.1::83/udp", &again[0]));
	assert_null(run_opt_parse_publish(spec, &again[1]));
	int fds2[2] = {-1, -1};
	th_expect_msg(ports_reserve(again, 2, fds2), "is already in use");
	assert_int_equal(fds2[0], -1); /* the udp one was let go again */
	ports_release(fds, 1);
	assert_int_equal(fds[0], -1);
	assert_null(ports_reserve(&again[1], 1, fds2));
	ports_release(fds2, 1);
}

/* ports_probe: a listener holds its port; host port 0 gets a free one; nothing stays bound. */
static void test_probe(void **state)
{
	(void)state;
	struct ctr_port_spec p;
	assert_null(run_opt_parse_publish("127.0.0.1::80", &p));
	assert_null(ports_probe(&p, 1));
	assert_int_not_equal(p.host_port, 0);
	assert_null(ports_probe(&p, 1)); /* let go at once */
	int l = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	assert_true(l >= 0);
	struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons(p.host_port)};
	inet_pton(AF_INET, "127.0.0.1", &a.sin_addr);
	assert_int_equal(bind(l, (struct sockaddr *)&a, sizeof(a)), 0);
	assert_int_equal(listen(l, 1), 0);
	th_expect_msg(ports_probe(&p, 1), "is already in use");
	close(l);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_record_form), cmocka_unit_test(test_mappings),
		cmocka_unit_test(test_exposed),	    cmocka_unit_test(test_exposed_hostile_keys),
		cmocka_unit_test(test_reserve),	    cmocka_unit_test(test_probe),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
