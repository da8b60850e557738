/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Health checks as docker has them: the check of a container (its image's
 * HEALTHCHECK under the run flags), its timing with docker's defaults, and
 * its state (Status, FailingStreak, the last five results) in
 * <dir>/health.json, which the monitor and `healthcheck run` write and `ps`
 * and `inspect` read. Running a check is health_probe.h's.
 */
#ifndef CUBO_MGR_CONTAINER_HEALTH_H
#define CUBO_MGR_CONTAINER_HEALTH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "shared/error.h"
#include "shared/timeutil.h"
#include "spec/image.h"

#define HEALTH_NS_PER_MS 1000000LL
#define HEALTH_NS_PER_S 1000000000LL
/* docker's defaults (daemon/health.go) and its minimum for every duration */
#define HEALTH_DEFAULT_INTERVAL (30 * HEALTH_NS_PER_S)
#define HEALTH_DEFAULT_TIMEOUT (30 * HEALTH_NS_PER_S)
#define HEALTH_DEFAULT_START_INTERVAL (5 * HEALTH_NS_PER_S)
#define HEALTH_DEFAULT_RETRIES 3
#define HEALTH_MIN_DURATION HEALTH_NS_PER_MS
/*
 * Longer durations (an image may say up to 292 years) are taken as this
 * long, a century, so that a clock plus one never overflows.
 */
#define HEALTH_MAX_DURATION (100LL * 365 * 24 * 3600 * HEALTH_NS_PER_S)
/* the results kept, and the output kept of each */
#define HEALTH_LOG_MAX 5
#define HEALTH_OUTPUT_MAX 4096
#define HEALTH_STATE_FILE "health.json"

/*
 * A duration flag of HEALTHCHECK or run (what names it: "--interval"): Go's
 * syntax; 0 (inherit), or at least 1ms as docker requires.
 */
struct cubo_error *health_duration_parse(const char *what, const char *s, int64_t *out);
/* --retries: a non-negative integer (0: inherit). */
struct cubo_error *health_retries_parse(const char *what, const char *s, int *out);

/* A check to run: Test is CMD or CMD-SHELL with a command. */
bool health_enabled(const struct oci_healthcheck *h);
/*
 * A new container's check, as docker merges them: the flags' test (or the
 * image's when the flags have none) and each non-zero member of the flags
 * over the image's. Either may be NULL; NULL when neither has one.
 */
struct oci_healthcheck *health_merge(const struct oci_healthcheck *image,
				     const struct oci_healthcheck *flags);

/* A check's timing, docker's defaults in place of zeros, at most HEALTH_MAX_DURATION. */
struct health_timing {
	int64_t interval, timeout, start_period, start_interval; /* ns */
	int retries;
};
void health_timing_of(const struct oci_healthcheck *h, struct health_timing *t);
/*
 * The wait before the next check, as docker's: the start interval while the
 * container is in its start period and not yet healthy, else the interval.
 */
int64_t health_next_wait(const struct health_timing *t, int64_t since_start_ns, bool starting);
/* The check's command in the container: CMD's words, or /bin/sh -c LINE. Free with cubo_strv_free.
 */
char **health_argv(const struct oci_healthcheck *h);

enum health_status {
	HEALTH_NONE, /* no check */
	HEALTH_STARTING,
	HEALTH_HEALTHY,
	HEALTH_UNHEALTHY,
};
/* "none", "starting", "healthy", "unhealthy" */
const char *health_status_name(enum health_status s);
bool health_status_parse(const char *s, enum health_status *out);

struct health_result {
	char start[CUBO_RFC3339_LEN], end[CUBO_RFC3339_LEN];
	int exit_code; /* -1: it could not run, or ran out of time */
	char *output;  /* at most HEALTH_OUTPUT_MAX bytes */
};

struct health_state {
	enum health_status status;
	unsigned failing_streak;
	struct health_result log[HEALTH_LOG_MAX]; /* oldest first */
	size_t n_log;
};

/* The one place a state's status is set; true when it changed. */
bool health_set_status(struct health_state *s, enum health_status status);
/*
 * One result into the state, as docker's handleProbeResult: kept in the log
 * (r's output is taken); exit 0 makes it healthy; a failure counts towards
 * retries unless the container is still starting within its start period
 * (since_start_ns: from the container's start to the check's), and makes it
 * unhealthy at retries failures in a row.
 */
void health_record(struct health_state *s, const struct health_timing *t, struct health_result *r,
		   int64_t since_start_ns);
/* The container (re)started: starting again, no failures; the log stays. */
void health_state_reset(struct health_state *s);
void health_state_free(struct health_state *s);

struct cubo_error *health_state_parse(const char *json, size_t len, const char *source,
				      struct health_state *out);
/* {"Status":..,"FailingStreak":..,"Log":[{"Start","End","ExitCode","Output"}]} */
struct cubo_error *health_state_to_json(const struct health_state *s, char **out, size_t *len);
/* The same object, as a value in g (inspect's State.Health). */
struct cubo_json_gen;
void health_state_gen(struct cubo_json_gen *g, const struct health_state *s);
/* <dir>/health.json; a missing file is HEALTH_NONE with an empty log. */
struct cubo_error *health_state_load(const char *dir, struct health_state *out);

#endif
