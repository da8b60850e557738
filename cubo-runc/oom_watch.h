/* SPDX-License-Identifier: Apache-2.0 */
/*
 * How the kernel tells about OOM kills in a container's memory cgroup: on
 * v1 an eventfd registered with memory.oom_control, on v2 an inotify watch
 * on memory.events and its "oom" count. For `events`, and for whoever
 * reports a container's OOM kills.
 */
#ifndef CUBO_RUNC_OOM_WATCH_H
#define CUBO_RUNC_OOM_WATCH_H

#include <stdbool.h>
#include <stdint.h>

#include "cubo-runc/cgroup.h"

struct oom_watch {
	int fd; /* v1: eventfd; v2: inotify on memory.events; -1: none */
	bool v2;
	char *dir;     /* the memory cgroup directory */
	uint64_t seen; /* v2: the "oom" count already reported */
};

/* Best effort: w->fd stays -1 without a notifier (the caller goes on without). */
void oom_watch_start(const struct cgroup_set *s, struct oom_watch *w);
/* After w->fd polled readable: how many OOM kills to report now; *gone when the cgroup went. */
unsigned oom_watch_read(struct oom_watch *w, bool *gone);
void oom_watch_stop(struct oom_watch *w);

#endif
