/* SPDX-License-Identifier: Apache-2.0 */
/* Helpers of the container commands: see ctr_view.h. */
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "cubo-mgr/container/attach.h"
#include "cubo-mgr/container/monitor.h"
#include "cubo-mgr/container/restart.h"
#include "cubo-mgr/container/run_opts.h"
#include "cubo-mgr/ctr_view.h"
#include "cubo-mgr/events/emit.h"
#include "cubo-mgr/image_view.h"
#include "shared/du.h"
#include "shared/fs.h"
#include "shared/testpoint.h"

/* how long a container may take to go after SIGKILL before stop reports it did not */
#define KILL_WAIT_MS 30000
/* how long a wait retries a monitor that recorded the exit but still holds its socket */
#define MONITOR_SETTLE_MS 5000

void ctr_poll_sleep(void)
{
	struct timespec ts = {0, CTR_POLL_MS * 1000 * 1000};
	nanosleep(&ts, NULL);
}

struct cubo_error *ctr_ctx_open(struct mgr *m, struct ctr_ctx *c)
{
	memset(c, 0, sizeof(*c));
	/* for new containers; an existing one runs as its record says */
	CUBO_TRY(runtime_cgroup_manager(m->cgroup_manager, runtime_systemd_host(),
					&c->rt.systemd_cgroup));
	CUBO_TRY(ctr_store_open(m->root, &c->store));
	c->store.settings = &m->settings;
	c->layers_dir = cubo_path_join(m->root, "layers");
	c->rt.path = m->runtime ? m->runtime : runtime_default_path(&m->settings);
	c->rt.root = c->store.runtime_root;
	c->events_warned = &m->events_warned;
	return NULL;
}

void ctr_event(struct ctr_ctx *c, const struct ctr_record *r, const char *action,
	       const char *const *extra)
{
	ev_container(c->store.root, r, action, extra, c->events_warned);
}

void ctr_event_kill(struct ctr_ctx *c, const struct ctr_record *r, const char *signal)
{
	char num[16];
	snprintf(num, sizeof(num), "%d", run_opt_signal_number(signal));
	const char *const extra[] = {"signal", num, NULL};
	ctr_event(c, r, "kill", extra);
}

void ctr_ctx_close(struct ctr_ctx *c)
{
	free(c->layers_dir);
	ctr_store_close(&c->store);
}

struct ctr_runtime ctr_runtime_of(const struct ctr_ctx *c, const struct ctr_record *r)
{
	struct ctr_runtime rt = c->rt;
	if (r->runtime)
		rt.path = r->runtime;
	rt.systemd_cgroup = ctr_record_systemd(r);
	return rt;
}

struct cubo_error *ctr_find(struct ctr_ctx *c, const char *arg, struct ctr_record *out)
{
	char id[CTR_ID_LEN + 1];
	CUBO_TRY(ctr_store_resolve(&c->store, arg, id));
	char *dir = ctr_store_dir(&c->store, id);
	struct cubo_error *err = ctr_record_load(dir, out);
	free(dir);
	if (err && err->errnum == ENOENT) {
		cubo_error_free(err);
		return cubo_error_new("no such container: %s", arg);
	}
	CUBO_TRY(err);
	bool removed;
	err = ctr_reconcile_one(&c->store, out, &removed);
	if (!err && removed) {
		ctr_record_free(out);
		return cubo_error_new("no such container: %s", arg);
	}
	if (err)
		ctr_record_free(out);
	return err;
}

enum health_status ctr_health_shown(const struct ctr_record *r, enum health_status st)
{
	bool up = r->status == CTR_RUNNING || r->status == CTR_PAUSED;
	if (st == HEALTH_NONE) /* no result yet, or never started */
		return r->status == CTR_RUNNING ? HEALTH_STARTING : HEALTH_NONE;
	/* a monitor that died left its last status: a stopped container is unhealthy */
	return up ? st : HEALTH_UNHEALTHY;
}

enum health_status ctr_health(const struct ctr_store *s, const struct ctr_record *r)
{
	if (!health_enabled(r->healthcheck))
		return HEALTH_NONE;
	char *dir = ctr_store_dir(s, r->id);
	struct health_state st;
	struct cubo_error *err = health_state_load(dir, &st);
	free(dir);
	if (err) { /* damaged: as if no result came yet */
		cubo_error_free(err);
		memset(&st, 0, sizeof(st));
	}
	enum health_status h = st.status;
	health_state_free(&st);
	return ctr_health_shown(r, h);
}

void ctr_status_text(const struct ctr_record *r, time_t now, char *buf, size_t size)
{
	ctr_status_text_health(r, HEALTH_NONE, now, buf, size);
}

void ctr_status_text_health(const struct ctr_record *r, enum health_status health, time_t now,
			    char *buf, size_t size)
{
	char d[32];
	switch (r->status) {
	case CTR_RUNNING:
	case CTR_PAUSED:
		human_duration(now - image_parse_time(r->started), d, sizeof(d));
		if (r->status == CTR_PAUSED || health == HEALTH_NONE)
			snprintf(buf, size, "Up %s%s", d,
				 r->status == CTR_PAUSED ? " (Paused)" : "");
		else
			snprintf(buf, size, "Up %s (%s%s)", d,
				 health == HEALTH_STARTING ? "health: " : "",
				 health_status_name(health));
		break;
	case CTR_EXITED:
		human_duration(now - image_parse_time(r->finished), d, sizeof(d));
		snprintf(buf, size, "%s (%d) %s ago", r->restarting ? "Restarting" : "Exited",
			 r->exit_code, d);
		break;
	case CTR_REMOVING:
		snprintf(buf, size, "Removal In Progress");
		break;
	default:
		snprintf(buf, size, "Created");
	}
}

/* One try: connect and wait for EXIT. *done false: the monitor went away without saying. */
static struct cubo_error *wait_once(struct ctr_ctx *c, const char *id, int timeout_ms, bool *done,
				    int *exit_code)
{
	*done = false;
	char *dir = ctr_store_dir(&c->store, id);
	int fd;
	struct cubo_error *err = attach_connect(dir, 0, &fd);
	free(dir);
	if (err) {
		cubo_error_free(err);
		return NULL;
	}
	char buf[16];
	for (;;) {
		struct pollfd p = {fd, POLLIN, 0};
		int r = poll(&p, 1, timeout_ms);
		if (r < 0 && errno == EINTR)
			continue;
		if (r == 0) {
			*done = true;
			*exit_code = -1;
			break;
		}
		uint8_t type;
		uint32_t len;
		bool eof;
		err = attach_recv(fd, &type, buf, sizeof(buf), &len, &eof);
		if (err || eof) {
			cubo_error_free(err);
			err = NULL;
			break;
		}
		if (type == ATTACH_EXIT && len == 4) {
			unsigned char *b = (unsigned char *)buf;
			*exit_code = (int)((uint32_t)b[0] << 24 | (uint32_t)b[1] << 16 |
					   (uint32_t)b[2] << 8 | b[3]);
			*done = true;
			break;
		}
	}
	close(fd);
	return err;
}

struct cubo_error *ctr_wait_exit(struct ctr_ctx *c, const struct ctr_record *r, int timeout_ms,
				 int *exit_code)
{
	/* a monitor between recording the exit and closing its socket: try again, briefly */
	for (int ms = 0; ms < MONITOR_SETTLE_MS; ms += CTR_POLL_MS) {
		bool done;
		CUBO_TRY(wait_once(c, r->id, timeout_ms, &done, exit_code));
		if (done)
			return NULL;
		struct ctr_record now;
		char *dir = ctr_store_dir(&c->store, r->id);
		struct cubo_error *err = ctr_record_load(dir, &now);
		free(dir);
		if (err && err->errnum == ENOENT) { /* --rm: removed once it exited */
			cubo_error_free(err);
			*exit_code = r->exit_code;
			return NULL;
		}
		CUBO_TRY(err);
		bool removed;
		err = ctr_reconcile_one(&c->store, &now, &removed);
		bool finished = now.monitor_pid == 0 || removed;
		*exit_code = now.status == CTR_EXITED ? now.exit_code : 0;
		ctr_record_free(&now);
		CUBO_TRY(err);
		if (finished)
			return NULL;
		ctr_poll_sleep();
	}
	return cubo_error_new("container %.12s: its monitor does not answer", r->id);
}

struct cubo_error *ctr_stop(struct ctr_ctx *c, struct ctr_record *r, long timeout,
			    const char *signal)
{
	/* first: the monitor must see the stop before it decides on a restart */
	CUBO_TRY(restart_hold(&c->store, r->id));
	if (r->restarting) {
		/* its monitor goes now, or kills what it was bringing up again */
		int code;
		return ctr_wait_exit(c, r, KILL_WAIT_MS, &code);
	}
	if (r->status != CTR_RUNNING && r->status != CTR_PAUSED)
		return NULL;
	if (timeout < 0)
		timeout = r->stop_timeout >= 0 ? r->stop_timeout : CTR_STOP_TIMEOUT_DEFAULT;
	struct ctr_runtime rt = ctr_runtime_of(c, r);
	const char *sig = signal ? signal : r->stop_signal ? r->stop_signal : "SIGTERM";
	/* the event goes first: the die it causes must come after it */
	if (timeout > 0)
		ctr_event_kill(c, r, sig);
	struct cubo_error *err = timeout > 0 ? runtime_kill(&rt, r->id, sig, false) : NULL;
	cubo_test_point("stop-after-signal");
	if (r->status == CTR_PAUSED)
		cubo_error_free(runtime_pause(&rt, r->id, true));
	int code = -1;
	if (!err && timeout > 0)
		err = ctr_wait_exit(c, r, (int)(timeout * 1000), &code);
	if (err || code == -1) {
		/* it may have exited meanwhile, making the kill fail: the wait tells */
		cubo_error_free(err);
		ctr_event_kill(c, r, "SIGKILL");
		err = runtime_kill(&rt, r->id, "SIGKILL", true);
		struct cubo_error *werr = ctr_wait_exit(c, r, KILL_WAIT_MS, &code);
		if (!werr && code != -1) {
			cubo_error_free(err);
			err = NULL;
		} else {
			cubo_error_free(werr);
			if (!err)
				err = cubo_error_new("container %.12s did not stop after SIGKILL",
						     r->id);
		}
	}
	return err;
}

uint64_t ctr_disk_size(const struct ctr_ctx *c, const char *id)
{
	static const char *const parts[] = {"upper", "rootfs"};
	char *dir = ctr_store_dir(&c->store, id);
	uint64_t total = 0;
	for (size_t i = 0; i < sizeof(parts) / sizeof(*parts); i++) {
		char *p = cubo_path_join(dir, parts[i]);
		uint64_t bytes = 0;
		cubo_error_free(cubo_du(p, &bytes));
		total += bytes;
		free(p);
	}
	free(dir);
	return total;
}

/*
 * The ports as bound while it runs (random host ports resolved); before its
 * first start what was asked; after it stopped, none, as docker shows them.
 */
char *const *ctr_shown_ports(const struct ctr_record *r)
{
	if (r->published)
		return r->published;
	return r->status == CTR_EXITED ? NULL : r->ports;
}
