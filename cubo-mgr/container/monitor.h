/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The monitor: one small process per running container, the container's
 * parent for its whole life (a child subreaper, in a session of its own).
 * It mounts the rootfs, runs `RUNTIME create` and `start` (one `run
 * --detach` when no network must be attached in between), owns the
 * container's stdio (pipes or the terminal's master), writes the log,
 * serves attach clients, reaps the container, records the exit code and
 * finish time, runs `RUNTIME delete`, and removes a --rm container. When
 * the container's restart policy says so (restart.h), it waits the backoff
 * and brings the container up again, the same process for every run.
 *
 * The command that starts it (run, start, restart) returns as soon as the
 * container runs, or with the reason it could not start.
 *
 * monitor_start.c is the starting command's side, monitor.c the monitor's.
 */
#ifndef CUBO_MGR_CONTAINER_MONITOR_H
#define CUBO_MGR_CONTAINER_MONITOR_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "cubo-mgr/container/ctr_store.h"
#include "cubo-mgr/container/runtime.h"

/* The monitor's process name (/proc/PID/comm), as ps and pgrep show it. */
#define MONITOR_NAME "cubo-monitor"

struct monitor_start {
	const struct ctr_store *store;
	const char *id;
	const char *layers_dir; /* <root>/layers */
	/*
	 * A client (run -i, start -a) attaches before the container starts, so
	 * it sees all the output: the monitor waits for it after create.
	 */
	bool attach;
	uint8_t attach_flags;	/* ATTACH_WANT_* */
	const char *checkpoint; /* restore the container from these criu images; NULL: start it */
};

/*
 * Start the container's monitor and wait until the container runs.
 * On success *pid is the container's init; with attach, *attach_fd is a
 * connected attach socket (caller closes). On failure *exit_code says what
 * docker would exit with: 125, or 126/127 for a command that cannot run.
 */
struct cubo_error *monitor_start(const struct monitor_start *ms, pid_t *pid, int *attach_fd,
				 int *exit_code);

/* Whether a monitor with this pid and /proc start time still lives. */
bool monitor_alive(pid_t pid, uint64_t start_time);

#endif
