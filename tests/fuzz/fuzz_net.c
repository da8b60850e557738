/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The network parsers: conflists (a network definition that parses
 * generates a conflist that parses to the same network), subnets and
 * addresses (what parses formats to text that parses the same), published
 * ports and --ip/--mac-address/--link-local-ip as the record keeps them,
 * --add-host and --dns values, and the
 * hosts and resolv.conf rewriting (replacing the peers twice is replacing
 * them once, for peers that are not the mark line). Any input parses or
 * fails cleanly.
 */
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "cubo-mgr/net/cidr.h"
#include "cubo-mgr/net/endpoint.h"
#include "cubo-mgr/net/hosts.h"
#include "cubo-mgr/net/netconf.h"
#include "cubo-mgr/net/ports.h"
#include "tests/fuzz/fuzz.h"

static void conflist(const char *s, size_t n)
{
	struct net_def d, again;
	struct cubo_error *err = net_conflist_parse(s, n, "x.conflist", &d);
	if (err) {
		fuzz_drop(err);
		return;
	}
	char *a;
	size_t la;
	fuzz_must(net_conflist_gen(&d, "/ipam", &a, &la), "generate a parsed network");
	fuzz_must(net_conflist_parse(a, la, "again", &again), "parse a generated network");
	if (strcmp(d.name, again.name) || strcmp(d.id, again.id) ||
	    strcmp(d.bridge, again.bridge) || d.subnet.addr != again.subnet.addr ||
	    d.subnet.prefix != again.subnet.prefix || d.gateway != again.gateway)
		FUZZ_FAIL("network round trip differs:\n%s", a);
	free(a);
	net_def_free(&d);
	net_def_free(&again);
}

/* a record's endpoint string: what parses formats to text that parses the same */
static void endpoint(const char *s)
{
	struct net_endpoint e, again;
	struct cubo_error *err = net_endpoint_parse(s, &e);
	if (err) {
		fuzz_drop(err);
		return;
	}
	char *text = net_endpoint_format(&e);
	fuzz_must(net_endpoint_parse(text, &again), "parse a formatted endpoint");
	char *text2 = net_endpoint_format(&again);
	if (strcmp(text, text2))
		FUZZ_FAIL("endpoint \"%s\" came back as \"%s\"", text, text2);
	free(text);
	free(text2);
	net_endpoint_free(&e);
	net_endpoint_free(&again);
}

static void values(const char *s)
{
	struct net_cidr c, c2;
	struct cubo_error *err = net_cidr_parse(s, &c);
	if (!err) {
		char text[NET_CIDR_STRLEN];
		net_cidr_format(&c, text);
		fuzz_must(net_cidr_parse(text, &c2), "parse a formatted subnet");
		if (c.addr != c2.addr || c.prefix != c2.prefix || !net_cidr_overlap(&c, &c2))
			FUZZ_FAIL("subnet \"%s\" came back as \"%s\"", s, text);
	}
	fuzz_drop(err);
	struct ctr_port_spec p;
	err = ports_parse_record(s, &p);
	if (!err && p.ctr_port == 0)
		FUZZ_FAIL("published port \"%s\" has no container port", s);
	fuzz_drop(err);
	fuzz_drop(hosts_check_add_host(s));
	fuzz_drop(resolv_check_dns(s));
	endpoint(s);
}

static void texts(const char *s)
{
	/* the input is both a hosts file and the peers that go into it */
	char *once = hosts_replace_peers(s, s), *twice = hosts_replace_peers(once, s);
	/* peers are "IP NAME" lines of checked names, never the mark's text */
	bool markless = !strstr(s, "# cubo: containers on the same networks");
	if (markless && strcmp(once, twice))
		FUZZ_FAIL("replacing the peers twice differs from once");
	char *const add[] = {(char *)s, NULL};
	char *r = hosts_render("10.0.0.2", "h", NULL, add, "10.0.0.1", s);
	char *const dns[] = {"192.0.2.1", NULL}, *const opts[] = {"ndots:2", NULL};
	char *v = resolv_render(s, dns, NULL, opts, true);
	free(once);
	free(twice);
	free(r);
	free(v);
}

int LLVMFuzzerTestOneInput(const unsigned char *data, size_t size)
{
	char *s = malloc(size + 1);
	if (!s)
		return 0;
	memcpy(s, data, size);
	s[size] = '\0';
	conflist(s, size);
	if (strlen(s) == size) { /* the text parsers take C strings */
		values(s);
		texts(s);
	}
	free(s);
	return 0;
}
