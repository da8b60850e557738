/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Parsers of the cgroup statistics file formats (flat keyed, nested keyed,
 * blkio and io.stat tables, cpu lists, cpuacct.usage_all): text in, values
 * out, no I/O, so they are unit-tested on sample text.
 */
#ifndef CUBO_RUNC_CGROUP_STAT_PARSE_H
#define CUBO_RUNC_CGROUP_STAT_PARSE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "shared/error.h"

struct stat_kv {
	char *key;
	uint64_t value;
};

struct stat_kv_list {
	struct stat_kv *v;
	size_t n;
};

struct blkio_entry {
	uint64_t major, minor;
	char op[16]; /* "" when the file has no operations */
	uint64_t value;
};

struct blkio_list {
	struct blkio_entry *v;
	size_t n;
};

/*
 * One value as runc reads it: "max" is UINT64_MAX, a negative number is 0
 * (memory.soft_limit_in_bytes may read -1 on some kernels).
 */
struct cubo_error *stat_parse_u64(const char *s, size_t len, const char *file, uint64_t *out);

void stat_kv_list_free(struct stat_kv_list *l);

const uint64_t *stat_kv_get(const struct stat_kv_list *l, const char *key);

uint64_t stat_kv_get0(const struct stat_kv_list *l, const char *key);

/* "key value" lines: memory.stat, cpu.stat, cpuacct.stat, memory.events. */
struct cubo_error *stat_parse_flat_keyed(const char *text, const char *file,
					 struct stat_kv_list *out);

/* Numbers separated by blanks: cpuacct.usage_percpu. */
struct cubo_error *stat_parse_u64_list(const char *text, const char *file, uint64_t **out,
				       size_t *n);

/*
 * cpuacct.usage_all: a header line, then "cpu user system" per cpu, in
 * nanoseconds.
 */
struct cubo_error *stat_parse_usage_all(const char *text, const char *file, uint64_t **kernel,
					uint64_t **user, size_t *n);

/* v1 blkio statistics: "8:0 Read 4096" lines (or "8:0 4096"), then "Total N". */
struct cubo_error *stat_parse_blkio(const char *text, const char *file, struct blkio_list *out);

/* v2 io.stat: "8:0 rbytes=1 wbytes=2 rios=3 wios=4 dbytes=0 dios=0" per device. */
struct cubo_error *stat_parse_io_stat(const char *text, const char *file, struct blkio_list *bytes,
				      struct blkio_list *ios);

/* A cpuset list ("0-3,8,10-11") as numbers, as runc reports cpuset.cpus and .mems. */
struct cubo_error *stat_parse_cpu_list(const char *text, const char *file, uint16_t **out,
				       size_t *n);

/*
 * "hugepages-2048kB" (a directory of /sys/kernel/mm/hugepages) as the size
 * name the hugetlb files use: "2MB". false for other names.
 */
bool stat_hugepage_name(const char *dirname, char *buf, size_t len);

#endif
