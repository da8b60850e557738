/* SPDX-License-Identifier: Apache-2.0 */
/*
 * One stats sample of containers: the counters of each container's cgroups,
 * read by the runtime's own reader (cubo-runc/cgroup_stats.c, what `events
 * --stats` prints, linked from libcubo-cgstats.a), and the network counters
 * of its init's namespace. Reading only: running the runtime once per
 * container (a few ms each, mostly exec) is too slow for a refresh of 50
 * containers, and the cgroups of --runtime runc containers read the same.
 */
#ifndef CUBO_MGR_CONTAINER_STATS_READ_H
#define CUBO_MGR_CONTAINER_STATS_READ_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "cubo-mgr/container/stats.h"

struct ctr_stats_target {
	const char *id;
	pid_t pid; /* the container's init; 0: not running, not read */
};

/*
 * out[i] for t[i] (cpu_only: the CPU time alone, for the sample a first
 * CPU % starts from); errs[i] (NULL: read) says why one could not be read,
 * e.g. the container stopped meanwhile (the caller frees them).
 */
void ctr_stats_read(const struct ctr_stats_target *t, size_t n, bool cpu_only,
		    struct ctr_stats_sample *out, struct cubo_error **errs);

/*
 * The container's own directory in a hierarchy, from the directory its init
 * is in: the path up to the component cubo-ID (cgroupfs) or cubo-ID.scope
 * (systemd), where the manager asks the runtime to put it. NULL when the
 * path has no such component. An init that moved itself into a child
 * cgroup still counts whole, and a pid reused by another process reads
 * nothing.
 */
char *ctr_stats_cgroup_dir(const char *init_dir, const char *id);

/*
 * The file of the container's memory cgroup that counts its OOM kills
 * (v1 memory.oom_control, else v2 memory.events), found from its running
 * init; NULL when there is none. Read it with ctr_stats_oom_kills before
 * the cgroup goes.
 */
char *ctr_stats_oom_file(pid_t pid, const char *id);

/* The "oom_kill N" count of such a file; 0 when it cannot be read. */
uint64_t ctr_stats_oom_kills(const char *file);

#endif
