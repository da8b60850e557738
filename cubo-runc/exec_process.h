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
 * Run the process f describes in container f->id. A failure is the
 * runtime's: `exec` exits 255 for it, as runc, whatever the cause (not
 * found, not runnable, a paused container), so that callers tell it from
 * the process's own exit code.
 */
struct cubo_error *exec_process_start(const struct runc_ctx *ctx, const struct exec_flags *f,
				      struct exec_started *out);

#endif
