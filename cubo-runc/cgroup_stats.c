/* SPDX-License-Identifier: Apache-2.0 */
/*
 * `events` statistics: the "data" object runc prints, read from each
 * controller's v1 directory, or from the v2 directory when no v1 hierarchy
 * has that controller. Field names, units and which fields are left out when
 * zero follow runc's types/events.go, so tools that decode runc's output
 * decode ours. A missing file means the kernel or the hierarchy lacks that
 * statistic, and the field keeps its zero value, as in runc.
 *
 * The parsers of the file formats are in cgroup_stat_parse.c.
 */
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cubo-runc/cgroup.h"
#include "cubo-runc/cgroup_stat_parse.h"
#include "shared/fs.h"
#include "shared/xalloc.h"

/* ---- reading the files ---- */

struct mem_entry {
	uint64_t limit, usage, max, failcnt;
};

struct hugetlb_entry {
	char size[24];
	uint64_t usage, max, failcnt;
};

enum blkio_table {
	IO_SERVICE_BYTES,
	IO_SERVICED,
	IO_QUEUED,
	IO_SERVICE_TIME,
	IO_WAIT_TIME,
	IO_MERGED,
	IO_TIME,
	IO_SECTORS,
	N_BLKIO_TABLES
};

static const char *const blkio_json_names[N_BLKIO_TABLES] = {
	"ioServiceBytesRecursive", "ioServicedRecursive", "ioQueueRecursive",
	"ioServiceTimeRecursive",  "ioWaitTimeRecursive", "ioMergedRecursive",
	"ioTimeRecursive",	   "sectorsRecursive",
};

struct stats {
	uint64_t cpu_total, cpu_kernel, cpu_user;
	uint64_t *percpu, *percpu_kernel, *percpu_user;
	size_t n_percpu, n_percpu_modes;
	uint64_t periods, throttled_periods, throttled_time;

	uint16_t *cpus, *mems;
	size_t n_cpus, n_mems;
	uint64_t cpuset_vals[8];
	int64_t sched_relax_domain_level;

	uint64_t cache;
	struct mem_entry usage, swap, kernel, kernel_tcp;
	struct stat_kv_list raw;

	uint64_t pids_current, pids_limit;

	struct blkio_list blkio[N_BLKIO_TABLES];

	struct hugetlb_entry *hugetlb;
	size_t n_hugetlb;
};

static void stats_free(struct stats *st)
{
	free(st->percpu);
	free(st->percpu_kernel);
	free(st->percpu_user);
	free(st->cpus);
	free(st->mems);
	stat_kv_list_free(&st->raw);
	for (int i = 0; i < N_BLKIO_TABLES; i++)
		free(st->blkio[i].v);
	free(st->hugetlb);
}

/* The file's text, or NULL (and no error) when it does not exist. */
static struct cubo_error *read_opt(const char *dir, const char *name, char **text, char **path)
{
	size_t len;
	struct cubo_error *err;

	*path = cubo_path_join(dir, name);
	*text = NULL;
	err = cubo_read_file(*path, text, &len);
	if (err && (err->errnum == ENOENT || err->errnum == ENODEV || err->errnum == EOPNOTSUPP)) {
		cubo_error_free(err);
		return NULL;
	}
	return cubo_error_wrap(err, "%s", *path);
}

/* A file of one number; *out stays as it is when the file is missing. */
static struct cubo_error *read_u64(const char *dir, const char *name, uint64_t *out, bool *found)
{
	char *text, *path;
	struct cubo_error *err = read_opt(dir, name, &text, &path);

	if (found)
		*found = text != NULL;
	if (!err && text)
		err = stat_parse_u64(text, strlen(text), path, out);
	free(text);
	free(path);
	return err;
}

static struct cubo_error *read_kv(const char *dir, const char *name, struct stat_kv_list *out,
				  bool *found)
{
	char *text, *path;
	struct cubo_error *err = read_opt(dir, name, &text, &path);

	out->v = NULL;
	out->n = 0;
	if (found)
		*found = text != NULL;
	if (!err && text)
		err = stat_parse_flat_keyed(text, path, out);
	free(text);
	free(path);
	return err;
}

/* The statistic's directory: a v1 hierarchy with the controller, else the v2 one. */
static const struct cgroup_dir *stat_dir(const struct cgroup_set *s, const char *controller)
{
	const char *end;

	for (size_t i = 0; i < s->n; i++) {
		const char *k = s->d[i].key;

		if (s->d[i].v2)
			continue;
		/* key is a comma-separated controller list */
		for (const char *p = k; *p; p = *end ? end + 1 : end) {
			end = p + strcspn(p, ",");
			if ((size_t)(end - p) == strlen(controller) &&
			    !strncmp(p, controller, (size_t)(end - p)))
				return &s->d[i];
		}
	}
	for (size_t i = 0; i < s->n; i++)
		if (s->d[i].v2)
			return &s->d[i];
	return NULL;
}

/* Clock ticks (USER_HZ, 100 on Linux) to nanoseconds, for cpuacct.stat. */
#define TICKS_TO_NS(t) ((t) * (1000000000ULL / 100))

static struct cubo_error *cpu_v1(const char *acct, const char *cpu, struct stats *st)
{
	char *text, *path;
	struct stat_kv_list kv;
	bool found;

	if (acct) {
		CUBO_TRY(read_u64(acct, "cpuacct.usage", &st->cpu_total, NULL));
		CUBO_TRY(read_kv(acct, "cpuacct.stat", &kv, &found));
		st->cpu_user = TICKS_TO_NS(stat_kv_get0(&kv, "user"));
		st->cpu_kernel = TICKS_TO_NS(stat_kv_get0(&kv, "system"));
		stat_kv_list_free(&kv);
		CUBO_TRY(read_opt(acct, "cpuacct.usage_percpu", &text, &path));
		struct cubo_error *err =
			text ? stat_parse_u64_list(text, path, &st->percpu, &st->n_percpu) : NULL;
		free(text);
		free(path);
		CUBO_TRY(err);
		CUBO_TRY(read_opt(acct, "cpuacct.usage_all", &text, &path));
		err = text ? stat_parse_usage_all(text, path, &st->percpu_kernel, &st->percpu_user,
						  &st->n_percpu_modes)
			   : NULL;
		free(text);
		free(path);
		CUBO_TRY(err);
	}
	if (cpu) {
		CUBO_TRY(read_kv(cpu, "cpu.stat", &kv, &found));
		st->periods = stat_kv_get0(&kv, "nr_periods");
		st->throttled_periods = stat_kv_get0(&kv, "nr_throttled");
		st->throttled_time = stat_kv_get0(&kv, "throttled_time");
		stat_kv_list_free(&kv);
	}
	return NULL;
}

static struct cubo_error *cpu_v2(const char *dir, struct stats *st)
{
	struct stat_kv_list kv;

	CUBO_TRY(read_kv(dir, "cpu.stat", &kv, NULL));
	st->cpu_total = stat_kv_get0(&kv, "usage_usec") * 1000;
	st->cpu_user = stat_kv_get0(&kv, "user_usec") * 1000;
	st->cpu_kernel = stat_kv_get0(&kv, "system_usec") * 1000;
	st->periods = stat_kv_get0(&kv, "nr_periods");
	st->throttled_periods = stat_kv_get0(&kv, "nr_throttled");
	st->throttled_time = stat_kv_get0(&kv, "throttled_usec") * 1000;
	stat_kv_list_free(&kv);
	return NULL;
}

static struct cubo_error *cpuset_list(const char *dir, const char *name, uint16_t **v, size_t *n)
{
	char *text, *path;
	struct cubo_error *err = read_opt(dir, name, &text, &path);

	if (!err && text)
		err = stat_parse_cpu_list(text, path, v, n);
	free(text);
	free(path);
	return err;
}

static struct cubo_error *cpuset_stats(const struct cgroup_dir *d, struct stats *st)
{
	static const char *const files[8] = {
		"cpuset.cpu_exclusive",	  "cpuset.mem_hardwall",       "cpuset.mem_exclusive",
		"cpuset.memory_migrate",  "cpuset.memory_spread_page", "cpuset.memory_spread_slab",
		"cpuset.memory_pressure", "cpuset.sched_load_balance",
	};
	char *text, *path;

	if (d->v2) {
		CUBO_TRY(cpuset_list(d->path, "cpuset.cpus.effective", &st->cpus, &st->n_cpus));
		return cpuset_list(d->path, "cpuset.mems.effective", &st->mems, &st->n_mems);
	}
	CUBO_TRY(cpuset_list(d->path, "cpuset.cpus", &st->cpus, &st->n_cpus));
	CUBO_TRY(cpuset_list(d->path, "cpuset.mems", &st->mems, &st->n_mems));
	for (int i = 0; i < 8; i++)
		CUBO_TRY(read_u64(d->path, files[i], &st->cpuset_vals[i], NULL));
	CUBO_TRY(read_opt(d->path, "cpuset.sched_relax_domain_level", &text, &path));
	if (text)
		st->sched_relax_domain_level = strtoll(text, NULL, 10);
	free(text);
	free(path);
	return NULL;
}

/* memory[.name].{usage_in_bytes,max_usage_in_bytes,failcnt,limit_in_bytes} */
static struct cubo_error *mem_entry_v1(const char *dir, const char *name, struct mem_entry *e)
{
	char f[64];
	bool found;

	snprintf(f, sizeof(f), "%s.usage_in_bytes", name);
	CUBO_TRY(read_u64(dir, f, &e->usage, &found));
	if (!found)
		return NULL; /* swap or kmem accounting is off */
	snprintf(f, sizeof(f), "%s.max_usage_in_bytes", name);
	CUBO_TRY(read_u64(dir, f, &e->max, NULL));
	snprintf(f, sizeof(f), "%s.failcnt", name);
	CUBO_TRY(read_u64(dir, f, &e->failcnt, NULL));
	snprintf(f, sizeof(f), "%s.limit_in_bytes", name);
	return read_u64(dir, f, &e->limit, NULL);
}

static struct cubo_error *memory_v1(const char *dir, struct stats *st)
{
	bool found;

	CUBO_TRY(read_kv(dir, "memory.stat", &st->raw, &found));
	if (!found)
		return NULL;
	st->cache = stat_kv_get0(&st->raw, "cache");
	CUBO_TRY(mem_entry_v1(dir, "memory", &st->usage));
	CUBO_TRY(mem_entry_v1(dir, "memory.memsw", &st->swap));
	CUBO_TRY(mem_entry_v1(dir, "memory.kmem", &st->kernel));
	return mem_entry_v1(dir, "memory.kmem.tcp", &st->kernel_tcp);
}

static struct cubo_error *memory_v2(const char *dir, struct stats *st)
{
	struct stat_kv_list ev;
	bool found;

	CUBO_TRY(read_u64(dir, "memory.current", &st->usage.usage, &found));
	if (!found)
		return NULL; /* the memory controller is not enabled here */
	CUBO_TRY(read_kv(dir, "memory.stat", &st->raw, NULL));
	st->cache = stat_kv_get0(&st->raw, "file");
	CUBO_TRY(read_u64(dir, "memory.max", &st->usage.limit, NULL));
	CUBO_TRY(read_u64(dir, "memory.peak", &st->usage.max, NULL));
	CUBO_TRY(read_kv(dir, "memory.events", &ev, NULL));
	st->usage.failcnt = stat_kv_get0(&ev, "max");
	stat_kv_list_free(&ev);
	CUBO_TRY(read_u64(dir, "memory.swap.current", &st->swap.usage, &found));
	if (!found)
		return NULL;
	CUBO_TRY(read_u64(dir, "memory.swap.max", &st->swap.limit, NULL));
	CUBO_TRY(read_u64(dir, "memory.swap.peak", &st->swap.max, NULL));
	/* v1 reports swap as memory+swap; runc keeps that meaning on v2 */
	st->swap.usage += st->usage.usage;
	if (st->swap.limit != UINT64_MAX)
		st->swap.limit += st->usage.limit;
	if (st->swap.max)
		st->swap.max += st->usage.max;
	return NULL;
}

static struct cubo_error *pids_stats(const struct cgroup_dir *d, struct stats *st)
{
	bool found;

	CUBO_TRY(read_u64(d->path, "pids.current", &st->pids_current, &found));
	if (found) {
		CUBO_TRY(read_u64(d->path, "pids.max", &st->pids_limit, NULL));
		/* runc reports "no limit" as 0 */
		if (st->pids_limit == UINT64_MAX)
			st->pids_limit = 0;
		return NULL;
	}
	if (d->v2) {
		char *text, *path;

		/* without the pids controller, count the members */
		CUBO_TRY(read_opt(d->path, "cgroup.procs", &text, &path));
		for (const char *p = text; p && *p; p++)
			st->pids_current += *p == '\n';
		free(text);
		free(path);
	}
	return NULL;
}

static struct cubo_error *blkio_file(const char *dir, const char *name, struct blkio_list *out)
{
	char *text, *path;
	struct cubo_error *err = read_opt(dir, name, &text, &path);

	out->v = NULL;
	out->n = 0;
	if (!err && text)
		err = stat_parse_blkio(text, path, out);
	free(text);
	free(path);
	return err;
}

struct blkio_source {
	const char *file;
	enum blkio_table table;
};

/*
 * runc's order: the first group whose first file has entries is used; the
 * BFQ and CFQ files are gone on most kernels, the throttle ones remain.
 */
static struct cubo_error *blkio_v1(const char *dir, struct stats *st)
{
#define ALL8(p)                                                                                    \
	{p "sectors_recursive", IO_SECTORS}, {p "io_service_time_recursive", IO_SERVICE_TIME},     \
		{p "io_wait_time_recursive", IO_WAIT_TIME}, {p "io_merged_recursive", IO_MERGED},  \
		{p "io_queued_recursive", IO_QUEUED}, {p "time_recursive", IO_TIME},               \
		{p "io_serviced_recursive", IO_SERVICED},                                          \
	{                                                                                          \
		p "io_service_bytes_recursive", IO_SERVICE_BYTES                                   \
	}
	static const struct blkio_source bfq_debug[] = {ALL8("blkio.bfq."), {NULL, 0}};
	static const struct blkio_source cfq[] = {ALL8("blkio."), {NULL, 0}};
#undef ALL8
	static const struct blkio_source bfq[] = {
		{"blkio.bfq.io_serviced_recursive", IO_SERVICED},
		{"blkio.bfq.io_service_bytes_recursive", IO_SERVICE_BYTES},
		{NULL, 0}};
	static const struct blkio_source throttle_rec[] = {
		{"blkio.throttle.io_serviced_recursive", IO_SERVICED},
		{"blkio.throttle.io_service_bytes_recursive", IO_SERVICE_BYTES},
		{NULL, 0}};
	static const struct blkio_source throttle[] = {
		{"blkio.throttle.io_serviced", IO_SERVICED},
		{"blkio.throttle.io_service_bytes", IO_SERVICE_BYTES},
		{NULL, 0}};
	static const struct blkio_source *const groups[] = {bfq_debug, bfq, cfq, throttle_rec,
							    throttle};

	for (size_t g = 0; g < sizeof(groups) / sizeof(groups[0]); g++) {
		const struct blkio_source *src = groups[g];
		struct blkio_list first;

		CUBO_TRY(blkio_file(dir, src[0].file, &first));
		if (!first.n) {
			free(first.v);
			continue;
		}
		st->blkio[src[0].table] = first;
		for (size_t i = 1; src[i].file; i++)
			CUBO_TRY(blkio_file(dir, src[i].file, &st->blkio[src[i].table]));
		return NULL;
	}
	return NULL;
}

static struct cubo_error *blkio_v2(const char *dir, struct stats *st)
{
	char *text, *path;
	struct cubo_error *err = read_opt(dir, "io.stat", &text, &path);

	if (!err && text)
		err = stat_parse_io_stat(text, path, &st->blkio[IO_SERVICE_BYTES],
					 &st->blkio[IO_SERVICED]);
	free(text);
	free(path);
	return err;
}

static struct cubo_error *hugetlb_stats(const struct cgroup_dir *d, struct stats *st)
{
	DIR *dh = opendir("/sys/kernel/mm/hugepages");
	struct dirent *de;
	struct cubo_error *err = NULL;

	if (!dh)
		return NULL; /* no huge pages on this kernel */
	while (!err && (de = readdir(dh))) {
		struct hugetlb_entry e = {0};
		char f[96];
		bool found;

		if (!stat_hugepage_name(de->d_name, e.size, sizeof(e.size)))
			continue;
		snprintf(f, sizeof(f), "hugetlb.%s.%s", e.size,
			 d->v2 ? "current" : "usage_in_bytes");
		err = read_u64(d->path, f, &e.usage, &found);
		if (err || !found)
			continue;
		if (d->v2) {
			struct stat_kv_list ev;

			snprintf(f, sizeof(f), "hugetlb.%s.events", e.size);
			err = read_kv(d->path, f, &ev, NULL);
			e.failcnt = stat_kv_get0(&ev, "max");
			stat_kv_list_free(&ev);
		} else {
			snprintf(f, sizeof(f), "hugetlb.%s.max_usage_in_bytes", e.size);
			err = read_u64(d->path, f, &e.max, NULL);
			snprintf(f, sizeof(f), "hugetlb.%s.failcnt", e.size);
			if (!err)
				err = read_u64(d->path, f, &e.failcnt, NULL);
		}
		st->hugetlb = xrealloc(st->hugetlb, (st->n_hugetlb + 1) * sizeof(*st->hugetlb));
		st->hugetlb[st->n_hugetlb++] = e;
	}
	closedir(dh);
	return err;
}

static struct cubo_error *stats_read(const struct cgroup_set *s, unsigned parts, struct stats *st)
{
	const struct cgroup_dir *acct = stat_dir(s, "cpuacct"), *cpu = stat_dir(s, "cpu"), *d;

	if (!(parts & CGROUP_STATS_CPU))
		;
	else if (acct && !acct->v2)
		CUBO_TRY(cpu_v1(acct->path, cpu && !cpu->v2 ? cpu->path : NULL, st));
	else if (acct)
		CUBO_TRY(cpu_v2(acct->path, st));
	if ((parts & CGROUP_STATS_CPUSET) && (d = stat_dir(s, "cpuset")))
		CUBO_TRY(cpuset_stats(d, st));
	if ((parts & CGROUP_STATS_MEMORY) && (d = stat_dir(s, "memory")))
		CUBO_TRY(d->v2 ? memory_v2(d->path, st) : memory_v1(d->path, st));
	if ((parts & CGROUP_STATS_PIDS) && (d = stat_dir(s, "pids")))
		CUBO_TRY(pids_stats(d, st));
	if ((parts & CGROUP_STATS_BLKIO) && (d = stat_dir(s, "blkio")))
		CUBO_TRY(d->v2 ? blkio_v2(d->path, st) : blkio_v1(d->path, st));
	if ((parts & CGROUP_STATS_HUGETLB) && (d = stat_dir(s, "hugetlb")))
		CUBO_TRY(hugetlb_stats(d, st));
	return NULL;
}

/* ---- the JSON runc prints ---- */

static void gen_u64(struct cubo_json_gen *g, const char *key, uint64_t v, bool omit_zero)
{
	if (omit_zero && !v)
		return;
	cubo_json_gen_key(g, key);
	cubo_json_gen_uint(g, v);
}

static void gen_u64_array(struct cubo_json_gen *g, const char *key, const uint64_t *v, size_t n)
{
	if (!n)
		return;
	cubo_json_gen_key(g, key);
	cubo_json_gen_array_open(g);
	for (size_t i = 0; i < n; i++)
		cubo_json_gen_uint(g, v[i]);
	cubo_json_gen_array_close(g);
}

static void gen_u16_array(struct cubo_json_gen *g, const char *key, const uint16_t *v, size_t n)
{
	if (!n)
		return;
	cubo_json_gen_key(g, key);
	cubo_json_gen_array_open(g);
	for (size_t i = 0; i < n; i++)
		cubo_json_gen_uint(g, v[i]);
	cubo_json_gen_array_close(g);
}

static void gen_mem_entry(struct cubo_json_gen *g, const char *key, const struct mem_entry *e)
{
	cubo_json_gen_key(g, key);
	cubo_json_gen_map_open(g);
	gen_u64(g, "limit", e->limit, false);
	gen_u64(g, "usage", e->usage, true);
	gen_u64(g, "max", e->max, true);
	gen_u64(g, "failcnt", e->failcnt, false);
	cubo_json_gen_map_close(g);
}

static void gen_cpu(struct cubo_json_gen *g, const struct stats *st)
{
	cubo_json_gen_key(g, "cpu");
	cubo_json_gen_map_open(g);
	cubo_json_gen_key(g, "usage");
	cubo_json_gen_map_open(g);
	gen_u64(g, "total", st->cpu_total, true);
	gen_u64_array(g, "percpu", st->percpu, st->n_percpu);
	gen_u64_array(g, "percpu_kernel", st->percpu_kernel, st->n_percpu_modes);
	gen_u64_array(g, "percpu_user", st->percpu_user, st->n_percpu_modes);
	gen_u64(g, "kernel", st->cpu_kernel, false);
	gen_u64(g, "user", st->cpu_user, false);
	cubo_json_gen_map_close(g);
	cubo_json_gen_key(g, "throttling");
	cubo_json_gen_map_open(g);
	gen_u64(g, "periods", st->periods, true);
	gen_u64(g, "throttledPeriods", st->throttled_periods, true);
	gen_u64(g, "throttledTime", st->throttled_time, true);
	cubo_json_gen_map_close(g);
	cubo_json_gen_map_close(g);
}

static void gen_cpuset(struct cubo_json_gen *g, const struct stats *st)
{
	static const char *const names[8] = {
		"cpu_exclusive",      "mem_hardwall",	    "mem_exclusive",   "memory_migrate",
		"memory_spread_page", "memory_spread_slab", "memory_pressure", "sched_load_balance",
	};

	cubo_json_gen_key(g, "cpuset");
	cubo_json_gen_map_open(g);
	gen_u16_array(g, "cpus", st->cpus, st->n_cpus);
	gen_u64(g, names[0], st->cpuset_vals[0], false);
	gen_u16_array(g, "mems", st->mems, st->n_mems);
	for (int i = 1; i < 8; i++)
		gen_u64(g, names[i], st->cpuset_vals[i], false);
	cubo_json_gen_key(g, "sched_relax_domain_level");
	cubo_json_gen_int(g, st->sched_relax_domain_level);
	cubo_json_gen_map_close(g);
}

static int kv_cmp(const void *a, const void *b)
{
	return strcmp(((const struct stat_kv *)a)->key, ((const struct stat_kv *)b)->key);
}

static void gen_memory(struct cubo_json_gen *g, struct stats *st)
{
	cubo_json_gen_key(g, "memory");
	cubo_json_gen_map_open(g);
	gen_u64(g, "cache", st->cache, true);
	gen_mem_entry(g, "usage", &st->usage);
	gen_mem_entry(g, "swap", &st->swap);
	gen_mem_entry(g, "kernel", &st->kernel);
	gen_mem_entry(g, "kernelTCP", &st->kernel_tcp);
	if (st->raw.n) {
		/* Go prints maps sorted by key */
		qsort(st->raw.v, st->raw.n, sizeof(*st->raw.v), kv_cmp);
		cubo_json_gen_key(g, "raw");
		cubo_json_gen_map_open(g);
		for (size_t i = 0; i < st->raw.n; i++)
			gen_u64(g, st->raw.v[i].key, st->raw.v[i].value, false);
		cubo_json_gen_map_close(g);
	}
	cubo_json_gen_map_close(g);
}

static void gen_blkio(struct cubo_json_gen *g, const struct stats *st)
{
	cubo_json_gen_key(g, "blkio");
	cubo_json_gen_map_open(g);
	for (int t = 0; t < N_BLKIO_TABLES; t++) {
		const struct blkio_list *l = &st->blkio[t];

		if (!l->n)
			continue;
		cubo_json_gen_key(g, blkio_json_names[t]);
		cubo_json_gen_array_open(g);
		for (size_t i = 0; i < l->n; i++) {
			cubo_json_gen_map_open(g);
			gen_u64(g, "major", l->v[i].major, true);
			gen_u64(g, "minor", l->v[i].minor, true);
			if (l->v[i].op[0]) {
				cubo_json_gen_key(g, "op");
				cubo_json_gen_string(g, l->v[i].op);
			}
			gen_u64(g, "value", l->v[i].value, true);
			cubo_json_gen_map_close(g);
		}
		cubo_json_gen_array_close(g);
	}
	cubo_json_gen_map_close(g);
}

static int hugetlb_cmp(const void *a, const void *b)
{
	return strcmp(((const struct hugetlb_entry *)a)->size,
		      ((const struct hugetlb_entry *)b)->size);
}

static void gen_hugetlb(struct cubo_json_gen *g, struct stats *st)
{
	/* Go prints maps sorted by key */
	if (st->n_hugetlb)
		qsort(st->hugetlb, st->n_hugetlb, sizeof(*st->hugetlb), hugetlb_cmp);
	cubo_json_gen_key(g, "hugetlb");
	cubo_json_gen_map_open(g);
	for (size_t i = 0; i < st->n_hugetlb; i++) {
		cubo_json_gen_key(g, st->hugetlb[i].size);
		cubo_json_gen_map_open(g);
		gen_u64(g, "usage", st->hugetlb[i].usage, true);
		gen_u64(g, "max", st->hugetlb[i].max, true);
		gen_u64(g, "failcnt", st->hugetlb[i].failcnt, false);
		cubo_json_gen_map_close(g);
	}
	cubo_json_gen_map_close(g);
}

struct cubo_error *cgroup_set_stats_json(const struct cgroup_set *s, struct cubo_json_gen *g)
{
	return cgroup_set_stats_json_parts(s, CGROUP_STATS_ALL, g);
}

struct cubo_error *cgroup_set_stats_json_parts(const struct cgroup_set *s, unsigned parts,
					       struct cubo_json_gen *g)
{
	struct stats st = {0};
	struct cubo_error *err = stats_read(s, parts, &st);

	if (err) {
		stats_free(&st);
		return cubo_error_wrap(err, "cgroup statistics");
	}
	cubo_json_gen_map_open(g);
	gen_cpu(g, &st);
	gen_cpuset(g, &st);
	gen_memory(g, &st);
	cubo_json_gen_key(g, "pids");
	cubo_json_gen_map_open(g);
	gen_u64(g, "current", st.pids_current, true);
	gen_u64(g, "limit", st.pids_limit, true);
	cubo_json_gen_map_close(g);
	gen_blkio(g, &st);
	gen_hugetlb(g, &st);
	cubo_json_gen_key(g, "intel_rdt");
	cubo_json_gen_map_open(g);
	cubo_json_gen_map_close(g);
	cubo_json_gen_key(g, "network_interfaces");
	cubo_json_gen_null(g);
	cubo_json_gen_map_close(g);
	stats_free(&st);
	return NULL;
}
