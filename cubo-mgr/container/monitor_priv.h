/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Between the starting command's side (monitor_start.c) and the monitor's
 * (monitor.c). The monitor writes one line at a time on sync_fd:
 *   "C\n"              created: an attaching client may connect now;
 *   "S <pid>\n"        the container runs, its init is <pid>;
 *   "E <code> <msg>\n" it could not start: exit with <code>, say <msg>.
 * EOF before "S" or "E" means the monitor died.
 */
#ifndef CUBO_MGR_CONTAINER_MONITOR_PRIV_H
#define CUBO_MGR_CONTAINER_MONITOR_PRIV_H

#include "cubo-mgr/container/monitor.h"

/* The monitor process's whole life, in the grandchild monitor_start forks; never returns. */
void monitor_main(const struct monitor_start *ms, int sync_fd);

#endif
