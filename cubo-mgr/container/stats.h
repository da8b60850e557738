/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The figures of `stats`, docker's: one sample of a container is read from
 * the runtime's `events --stats` JSON (runc's format, so --runtime runc
 * containers work too) and its network namespace's /proc/PID/net/dev; two
 * samples give the CPU %. Text in, numbers and docker's wording out, no
 * I/O, so it is unit-tested on sample text.
 */
#ifndef CUBO_MGR_CONTAINER_STATS_H
#define CUBO_MGR_CONTAINER_STATS_H

#include <stddef.h>
#include <stdint.h>

#include "shared/error.h"

struct ctr_stats_sample {
	uint64_t cpu_ns;	    /* the cgroup's CPU time, all cpus */
	uint64_t mem_usage;	    /* memory.usage (v1) or memory.current (v2) */
	uint64_t mem_inactive_file; /* the page cache docker leaves out */
	uint64_t mem_limit;	    /* the cgroup's; >= host memory means none */
	uint64_t blk_read, blk_write;
	uint64_t pids;
	uint64_t net_rx, net_tx;
	int64_t when_ns; /* CLOCK_MONOTONIC when it was read */
};

/*
 * The "data" of one `events --stats` line ({"type":"stats","id":..,"data":{..}})
 * into s (the net_ and when_ fields untouched). Errors name the JSON path.
 */
struct cubo_error *ctr_stats_parse_event(const char *text, size_t len, struct ctr_stats_sample *s);

/* /proc/PID/net/dev: received and sent bytes over every interface but lo. */
struct cubo_error *ctr_stats_parse_net_dev(const char *text, uint64_t *rx, uint64_t *tx);

/* The row docker prints for a sample: the strings of its columns. */
struct ctr_stats_row {
	char cpu[32];	  /* "12.34%" */
	char mem[80];	  /* "64MiB / 256MiB" */
	char mem_pct[32]; /* "25.00%" */
	char net[80];	  /* "1.2kB / 648B" */
	char block[80];
	char pids[24];
};

/*
 * docker's row for cur, with prev the sample before it (NULL: CPU 0.00%),
 * host_mem the limit shown when the cgroup has none. A NULL cur is a
 * container that is not running: docker's zeros.
 */
void ctr_stats_row(const struct ctr_stats_sample *prev, const struct ctr_stats_sample *cur,
		   uint64_t host_mem, struct ctr_stats_row *row);

/* go-units' BytesSize ("64MiB", "1.5GiB") and HumanSizeWithPrecision(n, 3) ("1.2kB"). */
void ctr_stats_binary_size(uint64_t n, char *buf, size_t size);
void ctr_stats_decimal_size(uint64_t n, char *buf, size_t size);

#endif
