/* SPDX-License-Identifier: Apache-2.0 */
/* `exec`: flags, then the process (exec_process.c), then the foreground wait. */
#include <stdio.h>
#include <unistd.h>

#include "cubo-runc/exec.h"
#include "cubo-runc/exec_process.h"
#include "cubo-runc/runc.h"

/* runc's code for an exec the runtime could not carry out */
#define EXEC_RUNTIME_FAILED 255

int cmd_exec(struct runc_globals *g, int argc, char **argv)
{
	struct exec_flags f;
	struct exec_started st;
	struct fg_proxy px = {0};
	bool help;
	int code;
	struct cubo_error *err = exec_flags_parse(argc, argv, &f, &help);

	if (err) {
		/* a bad command line is 1, as runc's usage errors */
		runc_fail(g, err);
		exec_flags_free(&f);
		return 1;
	}
	if (help) {
		exec_print_help(stdout, g->summary);
		exec_flags_free(&f);
		return 0;
	}
	err = exec_process_start(RUNC_CTX(g), &f, &st);
	if (err) {
		runc_fail(g, err);
		exec_flags_free(&f);
		return EXEC_RUNTIME_FAILED;
	}
	if (f.detach) {
		if (st.master >= 0)
			close(st.master);
		close(st.pidfd);
		exec_flags_free(&f);
		return 0;
	}
	fg_proxy_start(&px, st.master);
	code = fg_wait(st.pidfd, &px);
	fg_proxy_stop(&px, st.master);
	close(st.pidfd);
	exec_flags_free(&f);
	return code;
}
