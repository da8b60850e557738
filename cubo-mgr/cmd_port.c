/* SPDX-License-Identifier: Apache-2.0 */
/* cubo-mgr port: a container's published ports. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cubo-mgr/cli.h"
#include "cubo-mgr/ctr_view.h"

int cmd_port(struct mgr *m, int argc, char **argv)
{
	struct cli_args args;
	const struct mgr_cmd_spec spec = {
		.name = "port",
		.usage = "port CONTAINER",
		MGR_ARGS(1, 1, "expected one container"),
		.description = "List the container's published ports: CTR/PROTO -> HOSTIP:PORT.",
	};
	int rc = mgr_parse_args(m, &spec, argc, argv, &args);
	if (rc >= 0)
		return rc;
	struct ctr_ctx c;
	struct ctr_record r;
	struct cubo_error *err = ctr_ctx_open(m, &c);
	if (!err && !(err = ctr_find(&c, args.v[0], &r))) {
		/* recorded as HOSTIP:HOSTPORT->CTR/PROTO */
		char *const *ports = ctr_shown_ports(&r);
		for (size_t i = 0; ports && ports[i]; i++) {
			const char *arrow = strstr(ports[i], "->");
			if (arrow)
				printf("%s -> %.*s\n", arrow + 2, (int)(arrow - ports[i]),
				       ports[i]);
		}
		ctr_record_free(&r);
	}
	ctr_ctx_close(&c);
	return err ? mgr_fail(m, err) : 0;
}
