/* SPDX-License-Identifier: Apache-2.0 */
/* update's resource flags: see limits.h. */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cubo-mgr/container/limits.h"
#include "cubo-mgr/container/run_opts.h"
#include "shared/strv.h"
#include "shared/xalloc.h"
#include "spec/config.h"

/* the kernel's CFS bounds, as docker checks them */
#define MIN_CPU_PERIOD 1000
#define MAX_CPU_PERIOD 1000000
#define MIN_CPU_QUOTA 1000

void ctr_limits_flags_init(struct ctr_limits_flags *f)
{
	memset(f, 0, sizeof(*f));
	f->cpu_shares = f->cpu_period = f->cpu_quota = f->pids_limit = f->blkio_weight =
		LIMITS_UNSET;
}

static struct cubo_error *parse_cpu(const struct ctr_limits_flags *f, long ncpus,
				    struct ctr_limits *l)
{
	if (f->cpus && (f->cpu_quota != LIMITS_UNSET || f->cpu_period != LIMITS_UNSET))
		return cubo_error_new("conflicting options: --cpus and --cpu-quota or "
				      "--cpu-period cannot both be set");
	if (f->cpus) {
		CUBO_TRY(run_opt_parse_cpus(f->cpus, ncpus, &l->cpu_quota, &l->cpu_period));
		l->has_cpu_quota = l->has_cpu_period = l->has_nano_cpus = true;
		l->nano_cpus = run_opt_nano_cpus(l->cpu_quota, l->cpu_period);
	}
	if (f->cpu_period != LIMITS_UNSET) {
		if (f->cpu_period < MIN_CPU_PERIOD || f->cpu_period > MAX_CPU_PERIOD)
			return cubo_error_new("--cpu-period %ld: CPU cfs period can not be less "
					      "than 1ms (i.e. 1000) or larger than 1s (i.e. "
					      "1000000)",
					      f->cpu_period);
		l->has_cpu_period = true;
		l->cpu_period = (uint64_t)f->cpu_period;
	}
	if (f->cpu_quota != LIMITS_UNSET) {
		if (f->cpu_quota != -1 && f->cpu_quota < MIN_CPU_QUOTA)
			return cubo_error_new("--cpu-quota %ld: CPU cfs quota can not be less than "
					      "1ms (i.e. 1000), or -1 for no limit",
					      f->cpu_quota);
		l->has_cpu_quota = true;
		l->cpu_quota = f->cpu_quota;
	}
	/* 0, as in docker: unchanged */
	if (f->cpu_shares != LIMITS_UNSET && f->cpu_shares != 0) {
		CUBO_TRY(run_opt_check_cpu_shares(f->cpu_shares));
		l->has_cpu_shares = true;
		l->cpu_shares = (uint64_t)f->cpu_shares;
	}
	if (f->cpuset_cpus)
		CUBO_TRY(run_opt_check_cpuset("--cpuset-cpus", f->cpuset_cpus));
	if (f->cpuset_mems)
		CUBO_TRY(run_opt_check_cpuset("--cpuset-mems", f->cpuset_mems));
	l->cpuset_cpus = f->cpuset_cpus;
	l->cpuset_mems = f->cpuset_mems;
	return NULL;
}

struct cubo_error *ctr_limits_parse(const struct ctr_limits_flags *f, long ncpus,
				    struct ctr_limits *out, bool *any)
{
	struct ctr_limits l = {0};
	if (f->memory) {
		CUBO_TRY(run_opt_parse_memory("--memory", f->memory, &l.memory));
		l.has_memory = l.memory > 0;
	}
	if (f->memory_reservation) {
		CUBO_TRY(run_opt_parse_memory("--memory-reservation", f->memory_reservation,
					      &l.memory_reservation));
		l.has_memory_reservation = l.memory_reservation > 0;
	}
	if (f->memory_swap) {
		if (!strcmp(f->memory_swap, "-1"))
			l.memory_swap = -1;
		else
			CUBO_TRY(run_opt_parse_size("--memory-swap", f->memory_swap,
						    &l.memory_swap));
		l.has_memory_swap = l.memory_swap != 0;
	}
	CUBO_TRY(parse_cpu(f, ncpus, &l));
	if (f->pids_limit != LIMITS_UNSET) {
		if (f->pids_limit < -1)
			return cubo_error_new("--pids-limit %ld: expected -1 (unlimited) or more",
					      f->pids_limit);
		l.has_pids = true;
		l.pids = f->pids_limit > 0 ? f->pids_limit : -1;
	}
	if (f->blkio_weight != LIMITS_UNSET && f->blkio_weight != 0) {
		if (f->blkio_weight < 10 || f->blkio_weight > 1000)
			return cubo_error_new(
				"--blkio-weight %ld: range of blkio weight is from 10 "
				"to 1000",
				f->blkio_weight);
		l.has_blkio_weight = true;
		l.blkio_weight = (uint16_t)f->blkio_weight;
	}
	*any = l.has_memory || l.has_memory_reservation || l.has_memory_swap || l.has_cpu_quota ||
	       l.has_cpu_period || l.has_cpu_shares || l.cpuset_cpus || l.cpuset_mems ||
	       l.has_pids || l.has_blkio_weight;
	*out = l;
	return NULL;
}

/* docker's checks of the memory settings a container would have after the update */
static struct cubo_error *check_memory(const struct ctr_limits *l, const struct oci_memory *now)
{
	int64_t mem = now && now->has_limit ? now->limit : 0;
	int64_t swap = now && now->has_swap ? now->swap : 0;
	int64_t resv = now && now->has_reservation ? now->reservation : 0;
	if (l->has_memory && swap > 0 && l->memory > swap && !l->has_memory_swap)
		return cubo_error_new("Memory limit should be smaller than already set memoryswap "
				      "limit, update the memoryswap at the same time");
	if (l->has_memory)
		mem = l->memory;
	if (l->has_memory_swap)
		swap = l->memory_swap;
	if (l->has_memory_reservation)
		resv = l->memory_reservation;
	if (swap && mem <= 0)
		return cubo_error_new("You should always set the Memory limit when using "
				      "Memoryswap limit, see usage");
	if (swap > 0 && swap < mem)
		return cubo_error_new("Minimum memoryswap limit should be larger than memory "
				      "limit, see usage");
	if (resv > 0 && mem > 0 && mem < resv)
		return cubo_error_new("Minimum memory limit can not be less than memory "
				      "reservation limit, see usage");
	return NULL;
}

static void set_string(char **field, const char *value)
{
	if (!value)
		return;
	free(*field);
	*field = xstrdup(value);
}

struct cubo_error *ctr_limits_apply(const struct ctr_limits *l, struct oci_resources **resp)
{
	CUBO_TRY(check_memory(l, *resp ? (*resp)->memory : NULL));
	if (!*resp)
		*resp = xcalloc(1, sizeof(**resp));
	struct oci_resources *r = *resp;
	if (l->has_memory || l->has_memory_reservation || l->has_memory_swap) {
		if (!r->memory)
			r->memory = xcalloc(1, sizeof(*r->memory));
		struct oci_memory *m = r->memory;
		if (l->has_memory) {
			m->has_limit = true;
			m->limit = l->memory;
		}
		if (l->has_memory_swap) {
			m->has_swap = true;
			m->swap = l->memory_swap;
		}
		if (l->has_memory_reservation) {
			m->has_reservation = l->memory_reservation > 0;
			m->reservation = l->memory_reservation;
		}
	}
	if (l->has_cpu_quota || l->has_cpu_period || l->has_cpu_shares || l->cpuset_cpus ||
	    l->cpuset_mems) {
		if (!r->cpu)
			r->cpu = xcalloc(1, sizeof(*r->cpu));
		struct oci_cpu *c = r->cpu;
		if (l->has_cpu_quota) {
			c->has_quota = l->cpu_quota > 0;
			c->quota = l->cpu_quota;
		}
		if (l->has_cpu_period) {
			c->has_period = true;
			c->period = l->cpu_period;
		}
		if (l->has_cpu_shares) {
			c->has_shares = l->cpu_shares > 0;
			c->shares = l->cpu_shares;
		}
		set_string(&c->cpus, l->cpuset_cpus);
		set_string(&c->mems, l->cpuset_mems);
	}
	if (l->has_pids) {
		if (!r->pids)
			r->pids = xcalloc(1, sizeof(*r->pids));
		r->pids->limit = l->pids;
	}
	if (l->has_blkio_weight) {
		if (!r->block_io)
			r->block_io = xcalloc(1, sizeof(*r->block_io));
		r->block_io->has_weight = true;
		r->block_io->weight = l->blkio_weight;
	}
	return NULL;
}

static void push_num(char ***v, size_t *n, const char *flag, int64_t value)
{
	char buf[32];
	snprintf(buf, sizeof(buf), "%" PRId64, value);
	cubo_strv_push(v, n, flag);
	cubo_strv_push(v, n, buf);
}

char **ctr_limits_runtime_args(const struct ctr_limits *l)
{
	char **v = NULL;
	size_t n = 0;
	/* runc's flag names, which cubo-runc shares */
	if (l->has_memory)
		push_num(&v, &n, "--memory", l->memory);
	if (l->has_memory_reservation)
		push_num(&v, &n, "--memory-reservation", l->memory_reservation);
	if (l->has_memory_swap)
		push_num(&v, &n, "--memory-swap", l->memory_swap);
	if (l->has_cpu_period)
		push_num(&v, &n, "--cpu-period", (int64_t)l->cpu_period);
	if (l->has_cpu_quota)
		push_num(&v, &n, "--cpu-quota", l->cpu_quota);
	if (l->has_cpu_shares)
		push_num(&v, &n, "--cpu-share", (int64_t)l->cpu_shares);
	if (l->cpuset_cpus) {
		cubo_strv_push(&v, &n, "--cpuset-cpus");
		cubo_strv_push(&v, &n, l->cpuset_cpus);
	}
	if (l->cpuset_mems) {
		cubo_strv_push(&v, &n, "--cpuset-mems");
		cubo_strv_push(&v, &n, l->cpuset_mems);
	}
	if (l->has_pids)
		push_num(&v, &n, "--pids-limit", l->pids);
	if (l->has_blkio_weight)
		push_num(&v, &n, "--blkio-weight", l->blkio_weight);
	return v;
}
