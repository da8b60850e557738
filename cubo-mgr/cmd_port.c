/* SPDX-License-Identifier: Apache-2.0 */
/* cubo-mgr port: a container's published ports. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cubo-mgr/cli.h"
#include "cubo-mgr/ctr_view.h"
#include "shared/xalloc.h"

/* "80" -> "80/tcp"; "53/udp" stays; anything else is not a port: NULL. */
static char *private_port(const char *arg)
{
	char *end;
	long port = strtol(arg, &end, 10);
	if (end == arg || port < 1 || port > 65535)
		return NULL;
	if (!*end)
		return xasprintf("%ld/tcp", port);
	if (!strcmp(end, "/tcp") || !strcmp(end, "/udp") || !strcmp(end, "/sctp"))
		return xasprintf("%ld%s", port, end);
	return NULL;
}

int cmd_port(struct mgr *m, int argc, char **argv)
{
	struct cli_args args;
	const struct mgr_cmd_spec spec = {
		.name = "port",
		.usage = "port CONTAINER [PRIVATE_PORT[/PROTO]]",
		MGR_ARGS(1, 2, "expected a container and at most one port"),
		.description = "List the container's published ports: CTR/PROTO -> HOSTIP:PORT.\n"
			       "With PRIVATE_PORT (PROTO: tcp, the default, udp or sctp): only\n"
			       "the HOSTIP:PORT addresses it is published on.",
	};
	int rc = mgr_parse_args(m, &spec, argc, argv, &args);
	if (rc >= 0)
		return rc;
	char *want = NULL;
	if (args.n == 2 && !(want = private_port(args.v[1])))
		return mgr_usage_error(m, "port",
				       cubo_error_new("\"%s\": expected PRIVATE_PORT[/PROTO], a "
						      "port from 1 to 65535 and tcp, udp or sctp",
						      args.v[1]));
	struct ctr_ctx c;
	struct ctr_record r;
	bool found = false;
	struct cubo_error *err = ctr_ctx_open(m, &c);
	if (!err && !(err = ctr_find(&c, args.v[0], &r))) {
		/* recorded as HOSTIP:HOSTPORT->CTR/PROTO */
		char *const *ports = ctr_shown_ports(&r);
		for (size_t i = 0; ports && ports[i]; i++) {
			const char *arrow = strstr(ports[i], "->");
			if (!arrow)
				continue;
			if (!want) {
				printf("%s -> %.*s\n", arrow + 2, (int)(arrow - ports[i]),
				       ports[i]);
			} else if (!strcmp(arrow + 2, want)) {
				printf("%.*s\n", (int)(arrow - ports[i]), ports[i]);
				found = true;
			}
		}
		/* docker's words and its exit status (1) for a port not published */
		if (want && !found) {
			mgr_fail(m, cubo_error_new("No public port '%s' published for %s", want,
						   args.v[0]));
			rc = 1;
		}
		ctr_record_free(&r);
	}
	ctr_ctx_close(&c);
	free(want);
	if (err)
		return mgr_fail(m, err);
	return rc == 1 ? 1 : 0;
}
