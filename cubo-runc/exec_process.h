/* SPDX-License-Identifier: Apache-2.0 */
/* `exec` up to a running process; the spawn itself is spawn.h's, as for the init. */
#ifndef CUBO_RUNC_EXEC_PROCESS_H
#define CUBO_RUNC_EXEC_PROCESS_H

#include <sys/types.h>

#include "cubo-runc/container.h"
#include "cubo-runc/exec.h"

struct exec_started {
	pid_t pid;  /* as the host sees it */
	int pidfd;  /* our child: the caller waits for it, or closes it (detached) */
	int master; /* the pty master to proxy, -1 without */
};

/*
 * Run the process f describes in container f->id. On failure *fail_code is
 * the exit code to return: 127 (not found), 126 (not runnable) or 1.
 */
struct cubo_error *exec_process_start(const struct runc_ctx *ctx, const struct exec_flags *f,
				      struct exec_started *out, int *fail_code);

#endif
