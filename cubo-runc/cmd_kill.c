/* SPDX-License-Identifier: Apache-2.0 */
#include <signal.h>
#include <stdio.h>
#include <string.h>

#include "cubo-runc/container.h"
#include "cubo-runc/opts.h"
#include "cubo-runc/validate.h"
#include "cubo-runc/signals.h"
#include "cubo-runc/runc.h"

int cmd_kill(struct runc_globals *g, int argc, char **argv)
{
	struct container *c;
	struct cubo_error *err;
	bool help, all = false;
	int first, sig = SIGTERM;
	const struct runc_opt opts[] = {
		{"all", 'a', OPT_BOOL, &all, NULL, "signal every process in the container"},
	};

	err = opts_parse_anywhere(argc, argv, opts, OPTS_N(opts), &help, &first);
	if (err)
		return runc_fail(g, err);
	if (help) {
		opts_print_help(
			stdout, g->summary, "cubo-runc kill [options] CONTAINER_ID [SIGNAL]",
			"Send SIGNAL (default SIGTERM; a name with or without SIG, or a "
			"number; 0 only checks that the init is alive) to the container's init.",
			opts, OPTS_N(opts));
		return 0;
	}
	if (argc - first < 1 || argc - first > 2)
		return runc_fail(g, cubo_error_new("kill: expected a container id and an optional "
						   "signal"));
	/* Signal 0 is the liveness probe callers send (runc accepts it): it
	 * only asks whether the init is still there. */
	if (argc - first == 2 && strcmp(argv[first + 1], "0") == 0) {
		sig = 0;
	} else if (argc - first == 2) {
		err = signal_parse(argv[first + 1], &sig);
		if (err)
			return runc_fail(g, err);
	}
	err = validate_container_id(argv[first]);
	if (!err)
		err = container_load(g->root, argv[first], false, &c);
	if (!err) {
		err = container_kill(c, sig, all);
		container_free(c);
	}
	return err ? runc_fail(g, err) : 0;
}
