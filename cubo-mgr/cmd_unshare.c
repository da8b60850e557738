/* SPDX-License-Identifier: Apache-2.0 */
/*
 * cubo-mgr unshare: a command in the rootless manager's user namespace
 * (userns/userns.h), as `podman unshare`: there the store's files that
 * belong to subordinate ids are root's and the other ids of the image, so
 * a user can read, change or remove them.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "cubo-mgr/cli.h"
#include "cubo-mgr/mgr.h"
#include "cubo-mgr/userns/userns.h"

int cmd_unshare(struct mgr *m, int argc, char **argv)
{
	const struct mgr_cmd_spec spec = {
		.name = "unshare",
		.usage = "unshare [COMMAND [ARG...]]",
		.description =
			"Run COMMAND (default $SHELL, else /bin/sh) in the user namespace of a "
			"rootless manager: as its root, with the user's subordinate ids mapped, "
			"and $CUBO_ROOT set to the root directory. Only for a user who is not "
			"root.",
		.stop_at_arg = true,
		MGR_ARGS(0, MGR_ARGS_ANY, NULL),
	};
	struct cli_args args;
	int rc = mgr_parse_args(m, &spec, argc, argv, &args);
	if (rc >= 0)
		return rc;
	if (!userns_rootless())
		return mgr_fail(m, cubo_error_new("unshare: root's manager uses no user namespace: "
						  "run the command itself"));
	if (setenv("CUBO_ROOT", m->root, 1) < 0)
		return mgr_fail(m, cubo_error_errno("unshare: setenv CUBO_ROOT"));
	const char *shell = getenv("SHELL");
	char *def[] = {(char *)(shell && *shell ? shell : "/bin/sh"), NULL};
	char **cmd = args.n ? args.v : def;
	fflush(NULL);
	execvp(cmd[0], cmd);
	int e = errno;
	struct cubo_error *err = cubo_error_new_errno(e, "unshare: exec %s", cmd[0]);
	cubo_error_print(err, m->prog, stderr);
	cubo_error_free(err);
	/* docker's codes: not found, or found and not runnable */
	return e == ENOENT ? 127 : 126;
}
