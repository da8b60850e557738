/* SPDX-License-Identifier: Apache-2.0 */
/* cubo-mgr attach: connect to a running container's stdio. */
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "cubo-mgr/cli.h"
#include "cubo-mgr/container/attach.h"
#include "cubo-mgr/ctr_view.h"

int cmd_attach(struct mgr *m, int argc, char **argv)
{
	struct cli_args args;
	bool no_stdin = false, sig_proxy = true;
	const char *detach_keys = NULL;
	const struct cli_opt opts[] = {
		{"detach-keys", 0, CLI_STRING, &detach_keys, "KEYS",
		 "the keys that detach a terminal (default ctrl-p,ctrl-q)"},
		{"no-stdin", 0, CLI_BOOL, &no_stdin, NULL, "do not send stdin to the container"},
		{"sig-proxy", 0, CLI_BOOL, &sig_proxy, NULL,
		 "forward the signals this command gets to the container (default true; not "
		 "with a terminal)"},
	};
	const struct mgr_cmd_spec spec = {
		.name = "attach",
		.usage = "attach [OPTIONS] CONTAINER",
		MGR_ARGS(1, 1, "expected one container"),
		.description = "Connect this terminal to a running container's stdio; exit with "
			       "its exit code.",
		MGR_OPTS(opts),
	};
	int rc = mgr_parse_args(m, &spec, argc, argv, &args);
	if (rc >= 0)
		return rc;
	struct detach_keys keys;
	struct cubo_error *err = attach_detach_keys_parse(detach_keys, &keys);
	if (err)
		return mgr_usage_error(m, "attach", err);
	struct ctr_ctx c;
	struct ctr_record r = {0};
	int fd = -1, code = 0;
	err = ctr_ctx_open(m, &c);
	if (!err)
		err = ctr_find(&c, args.v[0], &r);
	if (!err && r.status != CTR_RUNNING && r.status != CTR_PAUSED)
		err = cubo_error_new("you cannot attach to a stopped container, start it first");
	bool in = !err && r.interactive && !no_stdin;
	if (!err) {
		char *dir = ctr_store_dir(&c.store, r.id);
		err = attach_connect(dir, ATTACH_WANT_OUTPUT | (in ? ATTACH_WANT_STDIN : 0), &fd);
		free(dir);
	}
	struct attach_client ac = {
		.forward_stdin = in,
		.tty = !err && r.tty,
		.sig_proxy = sig_proxy && !r.tty,
		.keys = &keys,
	};
	if (!err)
		err = attach_client_run(fd, &ac, &code);
	if (fd >= 0)
		close(fd);
	if (!err && code == ATTACH_DETACHED) {
		fprintf(stderr, "\nread escape sequence\n");
		code = 0;
	}
	if (!err && code < 0) {
		struct ctr_record now;
		if (!ctr_find(&c, r.id, &now)) {
			code = now.exit_code;
			ctr_record_free(&now);
		}
	}
	ctr_record_free(&r);
	ctr_ctx_close(&c);
	return err ? mgr_fail(m, err) : code;
}
