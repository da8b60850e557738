/* SPDX-License-Identifier: Apache-2.0 */
/* The monitor's schedule of health checks (health_sched.h). */
#include "cubo-mgr/container/health_sched.h"

#include <errno.h>
#include <stdlib.h>
#include <sys/wait.h>

#include "cubo-mgr/container/health_store.h"
#include "shared/timeutil.h"

static void reset_state(struct health_state *s, void *ctx)
{
	(void)ctx;
	health_state_reset(s);
}

struct record_ctx {
	struct health_sched *h;
	struct health_result *r;
};

static void record_result(struct health_state *s, void *ctx)
{
	struct record_ctx *rc = ctx;
	health_record(s, &rc->h->t, rc->r, rc->h->check_ns - rc->h->started_ns);
	rc->h->status = s->status;
}

void health_sched_start(struct health_sched *h, const struct ctr_record *rec,
			const struct ctr_runtime *rt, const char *id, const char *dir)
{
	health_sched_stop(h);
	*h = (struct health_sched){.rt = rt, .id = id, .dir = dir, .probe = {.out_fd = -1}};
	if (!health_enabled(rec->healthcheck))
		return;
	h->hc = oci_healthcheck_dup(rec->healthcheck);
	health_timing_of(h->hc, &h->t);
	h->started_ns = cubo_monotonic_ns();
	h->status = HEALTH_STARTING;
	h->next_ns = h->started_ns + health_next_wait(&h->t, 0, true);
	cubo_error_free(health_state_update(dir, reset_state, NULL));
}

int health_sched_fd(const struct health_sched *h)
{
	return h->probe.pid ? h->probe.out_fd : -1;
}

int health_sched_timeout_ms(const struct health_sched *h)
{
	if (!h->hc)
		return -1;
	if (h->reaped)
		return 0;
	if (h->probe.pid && h->probe.timed_out)
		return -1; /* killed: its exit comes as SIGCHLD */
	int64_t at = h->has_pending ? h->pending_ns
		     : h->probe.pid ? h->probe.deadline_ns
				    : h->next_ns;
	int64_t left = at - cubo_monotonic_ns();
	if (left <= 0)
		return 0;
	return left / 1000000 >= 86400000 ? 86400000 : (int)((left + 999999) / 1000000);
}

/* docker's: a container whose checks stopped (or paused) is unhealthy until they go on */
static void stopped_state(struct health_state *s, void *ctx)
{
	struct health_sched *h = ctx;
	health_set_status(s, HEALTH_UNHEALTHY);
	if (h)
		h->status = s->status;
}

/* The record says the container is paused (a pause is the user's, not the monitor's). */
static bool is_paused(const struct health_sched *h)
{
	struct ctr_record r;
	struct cubo_error *err = ctr_record_load(h->dir, &r);
	if (err) {
		cubo_error_free(err);
		return false;
	}
	bool paused = r.status == CTR_PAUSED;
	ctr_record_free(&r);
	return paused;
}

/* r into health.json; the next check scheduled from this one's start. */
static void record(struct health_sched *h, struct health_result *r)
{
	struct record_ctx rc = {h, r};

	cubo_error_free(health_state_update(h->dir, record_result, &rc));
	free(r->output);
	int64_t now = cubo_monotonic_ns();
	h->next_ns =
		now + health_next_wait(&h->t, now - h->started_ns, h->status == HEALTH_STARTING);
}

/*
 * A failure waits HEALTH_FAIL_GRACE_MS before it counts: a stop or kill of
 * the container kills the check's command too, often before the container's
 * own exit reaches us, and that failure is not the container's health.
 */
static void finished(struct health_sched *h)
{
	struct health_result r = {0};

	h->reaped = false;
	health_probe_finish(&h->probe, h->reaped_ws, &r);
	if (r.exit_code == 0) {
		record(h, &r);
		return;
	}
	h->pending = r;
	h->has_pending = true;
	h->pending_ns = cubo_monotonic_ns() + HEALTH_FAIL_GRACE_MS * HEALTH_NS_PER_MS;
}

void health_sched_tick(struct health_sched *h, bool readable)
{
	if (!h->hc)
		return;
	if (readable)
		health_probe_read(&h->probe);
	if (h->reaped) {
		finished(h);
		return;
	}
	int64_t now = cubo_monotonic_ns();
	if (h->has_pending) {
		if (now < h->pending_ns)
			return;
		h->has_pending = false;
		record(h, &h->pending);
		return;
	}
	if (h->probe.pid) {
		if (!h->probe.timed_out && now >= h->probe.deadline_ns)
			health_probe_kill(&h->probe);
		return;
	}
	if (now < h->next_ns)
		return;
	if (is_paused(h)) {
		if (!h->paused) /* docker's: no checks while paused, and unhealthy meanwhile */
			cubo_error_free(health_state_update(h->dir, stopped_state, h));
		h->paused = true;
		h->next_ns = now + h->t.interval;
		return;
	}
	h->paused = false;
	h->check_ns = now;
	struct cubo_error *err = health_probe_start(&h->probe, h->rt, h->id, h->dir, h->hc, &h->t);
	if (err) { /* the runtime could not even start: a failed check, as docker's -1 */
		struct health_result r = {.exit_code = -1, .output = cubo_error_text(err)};
		struct timespec ts;
		clock_gettime(CLOCK_REALTIME, &ts);
		cubo_time_rfc3339(&ts, r.start);
		cubo_time_rfc3339(&ts, r.end);
		cubo_error_free(err);
		record(h, &r);
	}
}

bool health_sched_reaped(struct health_sched *h, pid_t pid, int ws)
{
	if (!h->probe.pid || pid != h->probe.pid)
		return false;
	h->reaped = true;
	h->reaped_ws = ws;
	return true;
}

void health_sched_stop(struct health_sched *h)
{
	if (h->reaped) {
		struct health_result r = {0};
		health_probe_finish(&h->probe, h->reaped_ws, &r);
		free(r.output);
	} else if (h->probe.pid) {
		health_probe_abort(&h->probe);
	}
	h->reaped = false;
	if (h->has_pending) /* the container went away meanwhile: not its health */
		free(h->pending.output);
	h->has_pending = false;
	if (h->hc)
		cubo_error_free(health_state_update(h->dir, stopped_state, h));
	oci_healthcheck_free(h->hc);
	h->hc = NULL;
}
