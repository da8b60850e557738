/* SPDX-License-Identifier: Apache-2.0 */
/*
 * `update`: new resource limits for a live container, from runc's flags or
 * from a linux.resources JSON object (-r FILE, "-" for stdin). Only what is
 * given is written; the cgroup directories come from the state file.
 */
#include <ctype.h>
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cubo-runc/cgroup.h"
#include "cubo-runc/container.h"
#include "cubo-runc/lifecycle.h"
#include "cubo-runc/opts.h"
#include "cubo-runc/validate.h"
#include "cubo-runc/runc.h"
#include "shared/fs.h"
#include "shared/json.h"
#include "shared/xalloc.h"

struct update_flags {
	const char *resources;
	const char *blkio_weight, *cpu_period, *cpu_quota, *cpu_burst, *cpu_share, *cpu_shares;
	const char *cpu_rt_period, *cpu_rt_runtime, *cpuset_cpus, *cpuset_mems, *cpu_idle;
	const char *memory, *memory_reservation, *memory_swap, *kernel_memory, *kernel_memory_tcp;
	const char *pids_limit, *l3_cache_schema, *mem_bw_schema;
};

static const char resources_help[] =
	"Update the resource limits of a container. Values not given are left as they are.\n\n"
	"With --resources (-r) FILE, or - for the standard input, the limits are read from a\n"
	"JSON object in the format of the config's linux.resources, and every other flag is\n"
	"ignored, for example:\n\n"
	"  {\"memory\": {\"limit\": 0, \"reservation\": 0, \"swap\": 0},\n"
	"   \"cpu\": {\"shares\": 0, \"quota\": 0, \"burst\": 0, \"period\": 0,\n"
	"           \"realtimeRuntime\": 0, \"realtimePeriod\": 0, \"cpus\": \"\", \"mems\": "
	"\"\"},\n"
	"   \"blockIO\": {\"weight\": 0}, \"pids\": {\"limit\": 0}}\n\n"
	"Memory sizes are bytes, or a number with a unit (k, m, g, t, p: powers of 1024),\n"
	"or -1 for no limit. Device rules are not changed by update.";

/*
 * A memory size the way runc reads it (docker's RAMInBytes): "1024", "512k",
 * "1.5g", "2GiB", "100 MB"; the units are powers of 1024. "-1" is unlimited.
 */
static struct cubo_error *parse_memory(const char *flag, const char *s, int64_t *out)
{
	static const char units[] = "kmgtp";
	const char *p = s, *u;
	char *end;
	double v, mult = 1;

	if (!strcmp(s, "-1")) {
		*out = -1;
		return NULL;
	}
	if (!isdigit((unsigned char)*p))
		goto bad;
	errno = 0;
	v = strtod(p, &end);
	if (errno || end == p)
		goto bad;
	p = end;
	if (*p == ' ')
		p++;
	if (*p && (u = strchr(units, tolower((unsigned char)*p)))) {
		for (const char *k = units; k <= u; k++)
			mult *= 1024;
		p++;
		if (*p == 'i' || *p == 'I')
			p++;
	}
	if (*p == 'b' || *p == 'B')
		p++;
	if (*p || v * mult >= 9223372036854775807.0)
		goto bad;
	*out = (int64_t)(v * mult);
	return NULL;
bad:
	return cubo_error_new("--%s: invalid value \"%s\" (expected a size in bytes such as "
			      "1048576, 512m or 1g, or -1 for no limit)",
			      flag, s);
}

static struct cubo_error *parse_u64(const char *flag, const char *s, uint64_t *out)
{
	char *end;

	errno = 0;
	*out = strtoull(s, &end, 10);
	if (!isdigit((unsigned char)*s) || *end || errno)
		return cubo_error_new("--%s: invalid value \"%s\" (expected an unsigned integer)",
				      flag, s);
	return NULL;
}

static struct cubo_error *parse_i64(const char *flag, const char *s, int64_t *out)
{
	char *end;

	errno = 0;
	*out = strtoll(s, &end, 10);
	if (!*s || *end || errno || (!isdigit((unsigned char)*s) && *s != '-'))
		return cubo_error_new("--%s: invalid value \"%s\" (expected an integer)", flag, s);
	return NULL;
}

/* The resources the flags ask for (members only for what was given). */
static struct cubo_error *resources_from_flags(const struct update_flags *f,
					       struct oci_resources **out)
{
	struct oci_resources *r = xcalloc(1, sizeof(*r));
	struct oci_memory *m = xcalloc(1, sizeof(*m));
	struct oci_cpu *c = xcalloc(1, sizeof(*c));
	struct cubo_error *err = NULL;
	const char *shares = f->cpu_share ? f->cpu_share : f->cpu_shares;
	const char *shares_flag = f->cpu_share ? "cpu-share" : "cpu-shares";
	bool any_mem = false, any_cpu = false;

	r->memory = m;
	r->cpu = c;
	*out = NULL;
#define U64(flag, val, field)                                                                      \
	if (!err && (val)) {                                                                       \
		err = parse_u64(flag, val, &c->field);                                             \
		c->has_##field = any_cpu = true;                                                   \
	}
#define I64(flag, val, field)                                                                      \
	if (!err && (val)) {                                                                       \
		err = parse_i64(flag, val, &c->field);                                             \
		c->has_##field = any_cpu = true;                                                   \
	}
#define MEM(flag, val, field)                                                                      \
	if (!err && (val)) {                                                                       \
		err = parse_memory(flag, val, &m->field);                                          \
		m->has_##field = any_mem = true;                                                   \
	}
	U64("cpu-period", f->cpu_period, period);
	I64("cpu-quota", f->cpu_quota, quota);
	U64("cpu-burst", f->cpu_burst, burst);
	U64(shares_flag, shares, shares);
	U64("cpu-rt-period", f->cpu_rt_period, realtime_period);
	I64("cpu-rt-runtime", f->cpu_rt_runtime, realtime_runtime);
	I64("cpu-idle", f->cpu_idle, idle);
	MEM("memory", f->memory, limit);
	MEM("memory-reservation", f->memory_reservation, reservation);
	MEM("memory-swap", f->memory_swap, swap);
#undef U64
#undef I64
#undef MEM
	if (f->cpuset_cpus && *f->cpuset_cpus) {
		c->cpus = xstrdup(f->cpuset_cpus);
		any_cpu = true;
	}
	if (f->cpuset_mems && *f->cpuset_mems) {
		c->mems = xstrdup(f->cpuset_mems);
		any_cpu = true;
	}
	if (!err && f->blkio_weight) {
		uint64_t w;

		err = parse_u64("blkio-weight", f->blkio_weight, &w);
		if (!err && w > UINT16_MAX)
			err = cubo_error_new(
				"--blkio-weight: %" PRIu64 " is out of range (10-1000)", w);
		/* 0 means "not given", as in runc */
		if (!err && w) {
			r->block_io = xcalloc(1, sizeof(*r->block_io));
			r->block_io->has_weight = true;
			r->block_io->weight = (uint16_t)w;
		}
	}
	if (!err && f->pids_limit) {
		r->pids = xcalloc(1, sizeof(*r->pids));
		err = parse_i64("pids-limit", f->pids_limit, &r->pids->limit);
	}
	if (err) {
		oci_resources_free(r);
		return err;
	}
	if (!any_mem) {
		free(m);
		r->memory = NULL;
	}
	if (!any_cpu) {
		free(c->cpus);
		free(c->mems);
		free(c);
		r->cpu = NULL;
	}
	*out = r;
	return NULL;
}

static struct cubo_error *resources_from_file(const char *path, struct oci_resources **out)
{
	bool is_stdin = !strcmp(path, "-");
	const char *source = is_stdin ? "<stdin>" : path;
	char *text;
	size_t len;
	struct cubo_error *err;

	*out = NULL;
	CUBO_TRY_CTX(cubo_read_file(is_stdin ? "/dev/stdin" : path, &text, &len), "--resources %s",
		     source);
	err = oci_resources_parse(text, len, source, out);
	free(text);
	return err;
}

static struct cubo_error *update(struct runc_globals *g, const char *id,
				 const struct update_flags *f)
{
	struct oci_resources *res = NULL;
	struct cubo_error *err;

	if (f->l3_cache_schema || f->mem_bw_schema)
		return cubo_error_new("--%s: Intel RDT is not supported",
				      f->l3_cache_schema ? "l3-cache-schema" : "mem-bw-schema");
	if (f->resources)
		err = resources_from_file(f->resources, &res);
	else
		err = resources_from_flags(f, &res);
	if (!err && res->memory && (res->memory->has_kernel || res->memory->has_kernel_tcp))
		cubo_log_write(&g->log, CUBO_LOG_WARN,
			       "kernel memory limits are ignored: the kernel no longer "
			       "supports them");
	if (!err && !f->resources && (f->kernel_memory || f->kernel_memory_tcp))
		cubo_log_write(&g->log, CUBO_LOG_WARN,
			       "--kernel-memory and --kernel-memory-tcp are ignored: the "
			       "kernel no longer supports them");
	if (err) {
		oci_resources_free(res);
		return cubo_error_wrap(err, "update %s", id);
	}
	err = lifecycle_update(RUNC_CTX(g), id, res);
	oci_resources_free(res);
	return err;
}

int cmd_update(struct runc_globals *g, int argc, char **argv)
{
	struct update_flags f = {0};
	const struct runc_opt opts[] = {
		{"resources", 'r', OPT_STRING, &f.resources, "FILE",
		 "read the resources from FILE (- for stdin); other flags are then ignored"},
		{"blkio-weight", 0, OPT_STRING, &f.blkio_weight, "N",
		 "per-cgroup block I/O weight (10 to 1000)"},
		{"cpu-period", 0, OPT_STRING, &f.cpu_period, "USEC",
		 "CPU CFS period for hard capping (0: system default)"},
		{"cpu-quota", 0, OPT_STRING, &f.cpu_quota, "USEC",
		 "CPU CFS hard cap: CPU time allowed in a period"},
		{"cpu-burst", 0, OPT_STRING, &f.cpu_burst, "USEC",
		 "CPU CFS burst: time a period may borrow from unused quota"},
		{"cpu-share", 0, OPT_STRING, &f.cpu_share, "N",
		 "CPU shares (weight relative to other containers)"},
		{"cpu-shares", 0, OPT_STRING, &f.cpu_shares, "N", "same as --cpu-share"},
		{"cpu-rt-period", 0, OPT_STRING, &f.cpu_rt_period, "USEC",
		 "CPU real-time period (0: system default)"},
		{"cpu-rt-runtime", 0, OPT_STRING, &f.cpu_rt_runtime, "USEC",
		 "CPU real-time runtime allowed in a period"},
		{"cpu-idle", 0, OPT_STRING, &f.cpu_idle, "0|1", "1: SCHED_IDLE for the cgroup"},
		{"cpuset-cpus", 0, OPT_STRING, &f.cpuset_cpus, "LIST", "CPUs to use (0-3,5)"},
		{"cpuset-mems", 0, OPT_STRING, &f.cpuset_mems, "LIST", "memory nodes to use"},
		{"memory", 0, OPT_STRING, &f.memory, "BYTES", "memory limit"},
		{"memory-reservation", 0, OPT_STRING, &f.memory_reservation, "BYTES",
		 "memory soft limit"},
		{"memory-swap", 0, OPT_STRING, &f.memory_swap, "BYTES",
		 "memory plus swap limit (-1: unlimited swap)"},
		{"kernel-memory", 0, OPT_STRING, &f.kernel_memory, "BYTES",
		 "accepted for compatibility; ignored"},
		{"kernel-memory-tcp", 0, OPT_STRING, &f.kernel_memory_tcp, "BYTES",
		 "accepted for compatibility; ignored"},
		{"pids-limit", 0, OPT_STRING, &f.pids_limit, "N",
		 "maximum number of processes (-1: no limit)"},
		{"l3-cache-schema", 0, OPT_STRING, &f.l3_cache_schema, "SCHEMA",
		 "Intel RDT L3 cache schema (not supported)"},
		{"mem-bw-schema", 0, OPT_STRING, &f.mem_bw_schema, "SCHEMA",
		 "Intel RDT memory bandwidth schema (not supported)"},
	};
	struct cubo_error *err;
	bool help;
	int first;

	err = opts_parse_anywhere(argc, argv, opts, OPTS_N(opts), &help, &first);
	if (err)
		return runc_fail(g, err);
	if (help) {
		opts_print_help(stdout, g->summary, "cubo-runc update [options] CONTAINER_ID",
				resources_help, opts, OPTS_N(opts));
		return 0;
	}
	if (argc - first != 1)
		return runc_fail(g, cubo_error_new("update: expected exactly one container id"));
	err = validate_container_id(argv[first]);
	if (!err)
		err = update(g, argv[first], &f);
	return err ? runc_fail(g, err) : 0;
}
