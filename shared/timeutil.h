/* SPDX-License-Identifier: Apache-2.0 */
#ifndef CUBO_SHARED_TIMEUTIL_H
#define CUBO_SHARED_TIMEUTIL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

#define CUBO_RFC3339_LEN 40
/* "2026-11-23T20:32:56.123456789Z" (UTC, nanoseconds) into buf. */
void cubo_time_rfc3339(const struct timespec *ts, char buf[CUBO_RFC3339_LEN]);
void cubo_time_now_rfc3339(char buf[CUBO_RFC3339_LEN]);
/* CLOCK_MONOTONIC in nanoseconds: for intervals, immune to clock changes. */
int64_t cubo_monotonic_ns(void);

/*
 * Go's duration syntax, as docker's flags take it: "1h30m", "1.5s", "300ms",
 * "0"; "ns", "us" ("\u00b5s"), "ms", "s", "m", "h"; a leading '-' or '+'.
 * False for anything else or beyond int64 nanoseconds.
 */
bool cubo_duration_parse(const char *s, int64_t *ns);
#define CUBO_DURATION_LEN 40
/* Go's Duration.String(): "1m30s", "1.5s", "300ms", "0s". */
void cubo_duration_format(int64_t ns, char buf[CUBO_DURATION_LEN]);

#endif
