/* SPDX-License-Identifier: Apache-2.0 */
/*
 * docker's stats figures from runc's `events --stats` data. What docker
 * computes (daemon and CLI together), and why:
 *   MEM USAGE   usage minus the inactive page cache (v1 total_inactive_file,
 *               v2 inactive_file): cache the kernel reclaims first is not
 *               the container's demand
 *   LIMIT       the cgroup's, the host's memory when it has none
 *   CPU %       container CPU time / system CPU time between two samples,
 *               times the online cpus; system time over all cpus is the
 *               elapsed time times the cpus, so this is CPU time / elapsed
 *   BLOCK I/O   the Read and Write bytes of the io service table
 *   NET I/O     the namespace's interfaces but lo
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "cubo-mgr/container/stats.h"
#include "shared/json.h"

/*
 * An unsigned number at a path under data, 0 when absent (runc leaves out
 * zero fields). Read from the number's text: a v2 limit of "max" is
 * 2^64-1, past yajl's integers.
 */
static struct cubo_error *u64_at(yajl_val data, const char *const *path, uint64_t *out)
{
	yajl_val v = data;
	for (size_t i = 0; path[i] && v; i++)
		v = cubo_json_get(v, path[i]);
	*out = 0;
	if (!v)
		return NULL;
	const char *text = YAJL_IS_NUMBER(v) ? v->u.number.r : NULL;
	char *end;
	errno = 0;
	unsigned long long n = text && *text != '-' ? strtoull(text, &end, 10) : 0;
	if (!text || *text == '-' || errno || *end) {
		char where[128] = "data";
		for (size_t i = 0; path[i]; i++) {
			size_t l = strlen(where);
			snprintf(where + l, sizeof(where) - l, ".%s", path[i]);
		}
		return cubo_error_new("the runtime's stats: %s: expected an unsigned integer",
				      where);
	}
	*out = n;
	return NULL;
}

/* The bytes of one operation ("Read", "Write"; any case) over the io service table. */
static struct cubo_error *blkio_sum(yajl_val data, const char *op, uint64_t *out)
{
	const char *path[] = {"blkio", "ioServiceBytesRecursive", NULL};
	yajl_val t = cubo_json_get(cubo_json_get(data, path[0]), path[1]);
	*out = 0;
	if (!t || YAJL_IS_NULL(t))
		return NULL;
	if (!YAJL_IS_ARRAY(t))
		return cubo_error_new("the runtime's stats: data.blkio.ioServiceBytesRecursive: "
				      "expected an array");
	for (size_t i = 0; i < t->u.array.len; i++) {
		yajl_val e = t->u.array.values[i];
		yajl_val o = cubo_json_get(e, "op");
		if (!YAJL_IS_OBJECT(e) || !YAJL_IS_STRING(o))
			return cubo_error_new(
				"the runtime's stats: "
				"data.blkio.ioServiceBytesRecursive[%zu]: expected an "
				"object with an op",
				i);
		if (strcasecmp(o->u.string, op))
			continue;
		const char *vp[] = {"value", NULL};
		uint64_t v;
		CUBO_TRY(u64_at(e, vp, &v));
		*out += v;
	}
	return NULL;
}

struct cubo_error *ctr_stats_parse_event(const char *text, size_t len, struct ctr_stats_sample *s)
{
	yajl_val root;
	CUBO_TRY(cubo_json_parse(text, len, "the runtime's stats", &root));
	struct cubo_error *err = NULL;
	yajl_val data = cubo_json_get(root, "data");
	if (!YAJL_IS_OBJECT(data)) {
		err = cubo_error_new("the runtime's stats: data: expected an object");
		goto out;
	}
	const char *cpu[] = {"cpu", "usage", "total", NULL};
	const char *usage[] = {"memory", "usage", "usage", NULL};
	const char *limit[] = {"memory", "usage", "limit", NULL};
	const char *v1_cache[] = {"memory", "raw", "total_inactive_file", NULL};
	const char *v2_cache[] = {"memory", "raw", "inactive_file", NULL};
	const char *pids[] = {"pids", "current", NULL};
	if ((err = u64_at(data, cpu, &s->cpu_ns)) || (err = u64_at(data, usage, &s->mem_usage)) ||
	    (err = u64_at(data, limit, &s->mem_limit)) || (err = u64_at(data, pids, &s->pids)) ||
	    (err = blkio_sum(data, "read", &s->blk_read)) ||
	    (err = blkio_sum(data, "write", &s->blk_write)))
		goto out;
	/* v1 has both keys, its total_ one counting the children too, as docker takes it */
	bool v1 = cubo_json_get(cubo_json_get(cubo_json_get(data, "memory"), "raw"),
				"total_inactive_file") != NULL;
	err = u64_at(data, v1 ? v1_cache : v2_cache, &s->mem_inactive_file);
out:
	yajl_tree_free(root);
	return err;
}

struct cubo_error *ctr_stats_parse_net_dev(const char *text, uint64_t *rx, uint64_t *tx)
{
	*rx = *tx = 0;
	/* two header lines, then "  name: rx_bytes 7 more rx fields tx_bytes ..." */
	const char *line = text;
	for (int skip = 0; skip < 2 && line; skip++) {
		line = strchr(line, '\n');
		line = line ? line + 1 : NULL;
	}
	if (!line)
		return cubo_error_new("net/dev: expected two header lines");
	for (unsigned n = 3; *line; n++) {
		const char *end = strchr(line, '\n');
		size_t len = end ? (size_t)(end - line) : strlen(line);
		char buf[512];
		if (len >= sizeof(buf))
			return cubo_error_new("net/dev: line %u: too long", n);
		memcpy(buf, line, len);
		buf[len] = '\0';
		line = end ? end + 1 : line + len;
		char *colon = strchr(buf, ':');
		if (!colon)
			return cubo_error_new("net/dev: line %u: expected \"NAME: counters\"", n);
		*colon = '\0';
		char *name = buf + strspn(buf, " ");
		uint64_t f[9];
		char *p = colon + 1;
		for (int i = 0; i < 9; i++) {
			char *e;
			errno = 0;
			p += strspn(p, " ");
			f[i] = strtoull(p, &e, 10);
			if (e == p || *p == '-' || errno)
				return cubo_error_new("net/dev: line %u (%s): field %d is not a "
						      "counter",
						      n, name, i + 1);
			p = e;
		}
		if (!strcmp(name, "lo"))
			continue;
		*rx += f[0];
		*tx += f[8];
	}
	return NULL;
}

/* go-units' CustomSize: divide by base while the next unit fits, then "%.*g" and the unit. */
static void custom_size(uint64_t n, double base, const char *const *units, size_t n_units,
			int precision, char *buf, size_t size)
{
	double v = (double)n;
	size_t i = 0;
	while (v >= base && i < n_units - 1) {
		v /= base;
		i++;
	}
	snprintf(buf, size, "%.*g%s", precision, v, units[i]);
}

void ctr_stats_binary_size(uint64_t n, char *buf, size_t size)
{
	static const char *const units[] = {"B", "KiB", "MiB", "GiB", "TiB", "PiB", "EiB"};
	custom_size(n, 1024.0, units, sizeof(units) / sizeof(*units), 4, buf, size);
}

void ctr_stats_decimal_size(uint64_t n, char *buf, size_t size)
{
	static const char *const units[] = {"B", "kB", "MB", "GB", "TB", "PB", "EB"};
	custom_size(n, 1000.0, units, sizeof(units) / sizeof(*units), 3, buf, size);
}

static void pair(uint64_t a, uint64_t b, void (*fmt)(uint64_t, char *, size_t), char *buf,
		 size_t size)
{
	char x[32], y[32];
	fmt(a, x, sizeof(x));
	fmt(b, y, sizeof(y));
	snprintf(buf, size, "%s / %s", x, y);
}

void ctr_stats_row(const struct ctr_stats_sample *prev, const struct ctr_stats_sample *cur,
		   uint64_t host_mem, struct ctr_stats_row *row)
{
	static const struct ctr_stats_sample none;
	const struct ctr_stats_sample *s = cur ? cur : &none;
	double cpu = 0;
	if (cur && prev && cur->when_ns > prev->when_ns && cur->cpu_ns > prev->cpu_ns)
		cpu = (double)(cur->cpu_ns - prev->cpu_ns) /
		      (double)(cur->when_ns - prev->when_ns) * 100.0;
	uint64_t mem = s->mem_usage;
	if (s->mem_inactive_file < mem)
		mem -= s->mem_inactive_file;
	uint64_t limit = s->mem_limit;
	if (cur && (limit == 0 || limit > host_mem))
		limit = host_mem;
	snprintf(row->cpu, sizeof(row->cpu), "%.2f%%", cpu);
	pair(mem, limit, ctr_stats_binary_size, row->mem, sizeof(row->mem));
	snprintf(row->mem_pct, sizeof(row->mem_pct), "%.2f%%",
		 limit ? (double)mem / (double)limit * 100.0 : 0.0);
	pair(s->net_rx, s->net_tx, ctr_stats_decimal_size, row->net, sizeof(row->net));
	pair(s->blk_read, s->blk_write, ctr_stats_decimal_size, row->block, sizeof(row->block));
	snprintf(row->pids, sizeof(row->pids), "%" PRIu64, s->pids);
}
