/* SPDX-License-Identifier: Apache-2.0 */
/* What /proc says about a process. */
#ifndef CUBO_SHARED_PROCSTAT_H
#define CUBO_SHARED_PROCSTAT_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

/*
 * Field 22 of /proc/PID/stat, the start time in clock ticks since boot: with
 * the pid it names one process for good, where a pid alone may be reused.
 * 0 when the process is gone or a zombie.
 */
uint64_t cubo_proc_start_time(pid_t pid);

/* True when uid_map (the text of /proc/self/uid_map) is the initial namespace's. */
bool cubo_initial_uid_map(const char *uid_map);

/* True when this process is in the initial user namespace (or /proc says nothing). */
bool cubo_in_initial_userns(void);

#endif
