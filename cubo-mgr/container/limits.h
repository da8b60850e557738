/* SPDX-License-Identifier: Apache-2.0 */
/*
 * `update`'s resource flags: parsed with run/create's parsers, merged into
 * a container's linux.resources with docker's checks on the result (memory
 * not below the reservation, memory+swap not below memory), and turned into
 * the runtime's `update` flags for a container that runs. Pure: no file or
 * process is touched.
 */
#ifndef CUBO_MGR_CONTAINER_LIMITS_H
#define CUBO_MGR_CONTAINER_LIMITS_H

#include <limits.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "shared/error.h"

struct oci_resources;

/* The flags as given: NULL, or LIMITS_UNSET for the numbers, when absent. */
struct ctr_limits_flags {
	const char *cpus, *cpuset_cpus, *cpuset_mems, *memory, *memory_reservation, *memory_swap;
	long cpu_shares, cpu_period, cpu_quota, pids_limit, blkio_weight;
};

#define LIMITS_UNSET LONG_MIN

/* Checked values; has_* says what changes. */
struct ctr_limits {
	bool has_memory, has_memory_reservation, has_memory_swap, has_cpu_quota, has_cpu_period,
		has_cpu_shares, has_pids, has_blkio_weight, has_nano_cpus;
	int64_t nano_cpus; /* --cpus in billionths (docker's NanoCpus) */
	int64_t memory, memory_reservation, memory_swap; /* bytes; swap -1: unlimited */
	int64_t cpu_quota;				 /* µs a period; -1: unlimited */
	uint64_t cpu_period, cpu_shares;
	int64_t pids; /* -1: unlimited */
	uint16_t blkio_weight;
	const char *cpuset_cpus, *cpuset_mems; /* borrowed from the flags */
};

/* All flags unset. */
void ctr_limits_flags_init(struct ctr_limits_flags *f);

/* Check each flag (ncpus bounds --cpus); errors name the flag. *any: one was given. */
struct cubo_error *ctr_limits_parse(const struct ctr_limits_flags *f, long ncpus,
				    struct ctr_limits *out, bool *any);

/*
 * Merge l into res (made when NULL), then check the result as docker does;
 * on an error *res is left as it was. Errors are docker's sentences.
 */
struct cubo_error *ctr_limits_apply(const struct ctr_limits *l, struct oci_resources **res);

/* The runtime's `update` flags for what l changes (argv strings, to free with the vector). */
char **ctr_limits_runtime_args(const struct ctr_limits *l);

#endif
