/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The monitor's side of health checks: when the container runs, its check
 * runs on docker's schedule (the first after one interval, the start
 * interval while it starts up), one at a time, each result written to
 * health.json (health.h); none while it is paused (docker's: unhealthy
 * then, until a check passes). The monitor's loop polls health_sched_fd, wakes
 * at health_sched_timeout_ms, hands over the pids it reaps, and stops the
 * schedule when the container exits: a check it left running is killed and
 * its result dropped.
 */
#ifndef CUBO_MGR_CONTAINER_HEALTH_SCHED_H
#define CUBO_MGR_CONTAINER_HEALTH_SCHED_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "cubo-mgr/container/health_probe.h"
#include "cubo-mgr/container/record.h"

/* how long a failed check waits before it counts: the container's exit may be on its way */
#define HEALTH_FAIL_GRACE_MS 250

struct health_sched {
	const struct ctr_runtime *rt;
	const char *id, *dir;
	struct oci_healthcheck *hc; /* NULL: no check, nothing scheduled */
	struct health_timing t;
	int64_t started_ns, next_ns; /* monotonic */
	int64_t check_ns;	     /* when the last check started (monotonic) */
	enum health_status status;   /* as last written */
	struct health_probe probe;
	bool reaped; /* the probe's runtime was reaped, with reaped_ws */
	int reaped_ws;
	bool paused; /* the last check found it paused, and skipped */
	/* a failed result waiting out HEALTH_FAIL_GRACE_MS (health_sched.c) */
	struct health_result pending;
	bool has_pending;
	int64_t pending_ns;
};

/* The container (re)started: its check from rec, the state back to starting. */
void health_sched_start(struct health_sched *h, const struct ctr_record *rec,
			const struct ctr_runtime *rt, const char *id, const char *dir);
/* The probe's output to poll for POLLIN, or -1. */
int health_sched_fd(const struct health_sched *h);
/* Milliseconds until health_sched_tick has work (a check due, a deadline); -1: none. */
int health_sched_timeout_ms(const struct health_sched *h);
/* After poll: read output, record a finished check, kill an overdue one, start a due one. */
void health_sched_tick(struct health_sched *h, bool readable);
/* waitpid gave pid: whether it was the probe's (then kept for the next tick). */
bool health_sched_reaped(struct health_sched *h, pid_t pid, int ws);
/*
 * The container exited: no more checks; one running is killed and dropped,
 * and the status is unhealthy (docker's) until the next start.
 */
void health_sched_stop(struct health_sched *h);

#endif
