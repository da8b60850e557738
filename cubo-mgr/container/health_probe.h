/* SPDX-License-Identifier: Apache-2.0 */
/*
 * One run of a container's health check: `RUNTIME exec` of the check's
 * command in the container, its stdout and stderr on one pipe of which the
 * first HEALTH_OUTPUT_MAX bytes are kept (the rest is read and dropped, so
 * a check that prints megabytes neither blocks nor grows us; "..." marks
 * the cut, as docker's), and a
 * deadline after which the command and the runtime are killed (docker's
 * exit code -1, "Health check exceeded timeout (30s)").
 *
 * The check's end is the runtime's exit, not the pipe's end: a command that
 * leaves a child holding its stdout, or closes its own, ends all the same.
 * The monitor polls out_fd and reaps pid in its own loop; `healthcheck run`
 * waits in health_probe_run.
 */
#ifndef CUBO_MGR_CONTAINER_HEALTH_PROBE_H
#define CUBO_MGR_CONTAINER_HEALTH_PROBE_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>
#include <time.h>

#include "cubo-mgr/container/health.h"
#include "cubo-mgr/container/runtime.h"
#include "shared/strbuf.h"

struct health_probe {
	pid_t pid;	     /* the runtime's exec; 0 when none runs */
	int out_fd;	     /* our end of its stdout and stderr; -1 */
	char *pid_file;	     /* where the runtime writes the command's pid */
	char *log_file;	     /* its log (JSON): why it could not start the command */
	int64_t deadline_ns; /* monotonic */
	int64_t timeout_ns;
	struct timespec start;
	struct cubo_strbuf out;
	bool timed_out;
	bool truncated; /* output was dropped */
};

/* Start the check of the running container id; dir is its record's directory. */
struct cubo_error *health_probe_start(struct health_probe *p, const struct ctr_runtime *rt,
				      const char *id, const char *dir,
				      const struct oci_healthcheck *hc,
				      const struct health_timing *t);
/*
 * out_fd is readable (or hung up): keep what fits, drop the rest, close it
 * at its end. Reads a bounded burst: a writer that never stops (a child the
 * check left behind) cannot hold the caller.
 */
void health_probe_read(struct health_probe *p);
/* Past the deadline: kill the command and the runtime; their exit is reaped as usual. */
void health_probe_kill(struct health_probe *p);
/* The runtime was reaped with wait status ws: the result, and p is free for the next. */
void health_probe_finish(struct health_probe *p, int ws, struct health_result *r);
/* The container went away mid-check: kill it, reap it, drop it. */
void health_probe_abort(struct health_probe *p);
/* Start one, wait for its end or its deadline: the result. */
struct cubo_error *health_probe_run(const struct ctr_runtime *rt, const char *id, const char *dir,
				    const struct oci_healthcheck *hc, const struct health_timing *t,
				    struct health_result *r);

#endif
