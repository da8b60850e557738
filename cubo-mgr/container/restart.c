/* SPDX-License-Identifier: Apache-2.0 */
/* Restart policies and docker's backoff: see restart.h. */
#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>

#include "cubo-mgr/container/monitor.h"
#include "cubo-mgr/container/restart.h"
#include "shared/lock.h"
#include "shared/xalloc.h"

static const char *const kind_names[] = {
	[RESTART_NO] = "no",
	[RESTART_ON_FAILURE] = "on-failure",
	[RESTART_ALWAYS] = "always",
	[RESTART_UNLESS_STOPPED] = "unless-stopped",
};

#define N_KINDS (sizeof(kind_names) / sizeof(kind_names[0]))

const char *restart_kind_name(enum restart_kind k)
{
	return (unsigned)k < N_KINDS ? kind_names[k] : "no";
}

struct cubo_error *restart_policy_parse(const char *s, struct restart_policy *out)
{
	*out = (struct restart_policy){RESTART_NO, 0};
	const char *colon = strchr(s, ':');
	size_t len = colon ? (size_t)(colon - s) : strlen(s);
	size_t k;
	for (k = 0; k < N_KINDS; k++)
		if (strlen(kind_names[k]) == len && !strncmp(s, kind_names[k], len))
			break;
	if (k == N_KINDS)
		return cubo_error_new("invalid restart policy \"%s\": expected no, on-failure[:N], "
				      "always or unless-stopped",
				      s);
	if (colon && k != RESTART_ON_FAILURE)
		return cubo_error_new("invalid restart policy \"%s\": a maximum retry count is "
				      "only for on-failure",
				      s);
	if (colon) {
		const char *n = colon + 1;
		char *end;
		errno = 0;
		unsigned long v = strtoul(n, &end, 10);
		if (!*n || *end || *n == '-' || *n == '+' || errno || v > 1000000)
			return cubo_error_new("invalid restart policy \"%s\": the maximum retry "
					      "count must be a number from 0 to 1000000",
					      s);
		out->max = (unsigned)v;
	}
	out->kind = (enum restart_kind)k;
	return NULL;
}

struct restart_policy restart_policy_of(const struct ctr_record *r)
{
	struct restart_policy p = {RESTART_NO, 0};
	for (size_t k = 0; r->restart_policy && k < N_KINDS; k++)
		if (!strcmp(r->restart_policy, kind_names[k]))
			p.kind = (enum restart_kind)k;
	if (p.kind == RESTART_ON_FAILURE)
		p.max = r->restart_max;
	return p;
}

void restart_policy_set(struct ctr_record *r, const struct restart_policy *p)
{
	free(r->restart_policy);
	r->restart_policy = p->kind == RESTART_NO ? NULL : xstrdup(restart_kind_name(p->kind));
	r->restart_max = p->kind == RESTART_ON_FAILURE ? p->max : 0;
}

bool restart_wanted(const struct restart_policy *p, int exit_code, unsigned restart_count,
		    bool stopped_by_user)
{
	if (stopped_by_user)
		return false;
	switch (p->kind) {
	case RESTART_ALWAYS:
	case RESTART_UNLESS_STOPPED:
		return true;
	case RESTART_ON_FAILURE:
		return exit_code != 0 && (p->max == 0 || restart_count < p->max);
	default:
		return false;
	}
}

unsigned restart_next_delay_ms(unsigned prev_ms, int64_t ran_ms)
{
	if (prev_ms == 0 || ran_ms >= RESTART_RESET_AFTER_MS)
		return RESTART_DELAY_MIN_MS;
	if (prev_ms >= RESTART_DELAY_MAX_MS / 2)
		return RESTART_DELAY_MAX_MS;
	return prev_ms * 2;
}

bool restart_restore_wanted(const struct ctr_record *r)
{
	struct restart_policy p = restart_policy_of(r);
	return p.kind == RESTART_ALWAYS ||
	       (p.kind == RESTART_UNLESS_STOPPED && !r->stopped_by_user);
}

struct cubo_error *restart_hold(const struct ctr_store *s, const char *id)
{
	int lock;
	CUBO_TRY(ctr_store_lock(s, id, &lock));
	char *dir = ctr_store_dir(s, id);
	struct ctr_record r;
	pid_t waiting = 0;
	struct cubo_error *err = ctr_record_load(dir, &r);
	if (!err) {
		r.stopped_by_user = true;
		/* the monitor waiting out the backoff: woken, it sees the hold and goes */
		if (r.restarting && r.monitor_pid &&
		    monitor_alive(r.monitor_pid, r.monitor_start_time))
			waiting = r.monitor_pid;
		err = ctr_record_save(dir, &r);
		ctr_record_free(&r);
	}
	cubo_unlock(lock);
	free(dir);
	if (!err && waiting)
		kill(waiting, SIGTERM); /* wakes it: the monitor takes SIGTERM on its signalfd */
	return err;
}
