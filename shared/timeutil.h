/* SPDX-License-Identifier: Apache-2.0 */
#ifndef CUBO_SHARED_TIMEUTIL_H
#define CUBO_SHARED_TIMEUTIL_H

#include <stddef.h>
#include <stdint.h>
#include <time.h>

#define CUBO_RFC3339_LEN 40
/* "2026-11-23T20:32:56.123456789Z" (UTC, nanoseconds) into buf. */
void cubo_time_rfc3339(const struct timespec *ts, char buf[CUBO_RFC3339_LEN]);
void cubo_time_now_rfc3339(char buf[CUBO_RFC3339_LEN]);
/* CLOCK_MONOTONIC in nanoseconds: for intervals, immune to clock changes. */
int64_t cubo_monotonic_ns(void);

#endif
