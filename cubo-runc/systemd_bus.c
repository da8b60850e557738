/* SPDX-License-Identifier: Apache-2.0 */
#include "cubo-runc/systemd_bus.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <systemd/sd-bus.h>
#include <systemd/sd-daemon.h>

#define SD_DEST "org.freedesktop.systemd1"
#define SD_PATH "/org/freedesktop/systemd1"
#define SD_MANAGER "org.freedesktop.systemd1.Manager"
/* How long a start or stop job may take (runc waits as long). */
#define JOB_WAIT_USEC (30ULL * 1000000)
/* One method call; systemd answers at once, the job runs after. */
#define CALL_USEC (25ULL * 1000000)

struct cubo_error *systemd_check_running(void)
{
	char comm[64] = "?";
	FILE *f;

	if (sd_booted() > 0)
		return NULL;
	f = fopen("/proc/1/comm", "re");
	if (f) {
		if (!fgets(comm, sizeof(comm), f))
			strcpy(comm, "?");
		comm[strcspn(comm, "\n")] = '\0';
		fclose(f);
	}
	return cubo_error_new("--systemd-cgroup: systemd is not running as PID 1 (PID 1 is "
			      "\"%s\", there is no /run/systemd/system, nothing answers on %s): "
			      "use the default cgroupfs driver",
			      comm, SYSTEMD_PRIVATE_SOCKET);
}

static struct cubo_error *bus_error(int r, const sd_bus_error *e, const char *what)
{
	if (e && sd_bus_error_is_set(e))
		return cubo_error_new("systemd: %s: %s (%s)", what, e->message ? e->message : "",
				      e->name);
	return cubo_error_new_errno(-r, "systemd: %s", what);
}

/* systemd's private socket as root; otherwise, or when it fails, the system bus. */
static struct cubo_error *bus_open(sd_bus **out)
{
	sd_bus *bus = NULL;
	int r = -EPERM, r2;

	*out = NULL;
	CUBO_TRY(systemd_check_running());
	if (geteuid() == 0) {
		r = sd_bus_new(&bus);
		if (r >= 0)
			r = sd_bus_set_address(bus, "unix:path=" SYSTEMD_PRIVATE_SOCKET);
		if (r >= 0)
			r = sd_bus_start(bus);
		if (r >= 0) {
			*out = bus;
			return NULL;
		}
		sd_bus_unref(bus);
		bus = NULL;
	}
	r2 = sd_bus_open_system(&bus);
	if (r2 < 0)
		return cubo_error_new("--systemd-cgroup: cannot reach systemd: %s: %s; the system "
				      "bus: %s",
				      SYSTEMD_PRIVATE_SOCKET,
				      r == -EPERM && geteuid() ? "only root may use it"
							       : strerror(-r),
				      strerror(-r2));
	*out = bus;
	return NULL;
}

/* One property as "(sv)". */
static int append_prop(sd_bus_message *m, const struct systemd_prop *p)
{
	int r = sd_bus_message_open_container(m, 'r', "sv");

	if (r >= 0)
		r = sd_bus_message_append(m, "s", p->name);
	if (r < 0)
		return r;
	switch (p->type) {
	case SYSTEMD_PROP_BOOL:
		r = sd_bus_message_append(m, "v", "b", (int)p->b);
		break;
	case SYSTEMD_PROP_U64:
		r = sd_bus_message_append(m, "v", "t", p->u64);
		break;
	case SYSTEMD_PROP_STRING:
		r = sd_bus_message_append(m, "v", "s", p->str);
		break;
	case SYSTEMD_PROP_BYTES:
		r = sd_bus_message_open_container(m, 'v', "ay");
		if (r >= 0)
			r = sd_bus_message_append_array(m, 'y', p->bytes, p->n_bytes);
		if (r >= 0)
			r = sd_bus_message_close_container(m);
		break;
	}
	return r < 0 ? r : sd_bus_message_close_container(m);
}

static int append_props(sd_bus_message *m, const struct systemd_props *props, bool skip_delegate)
{
	int r = 0;

	for (size_t i = 0; r >= 0 && i < props->n; i++)
		if (!skip_delegate || strcmp(props->v[i].name, "Delegate"))
			r = append_prop(m, &props->v[i]);
	return r;
}

/* The end of the job that systemd answered a start or stop with. */
struct job_wait {
	const char *job; /* object path from the reply; NULL until known */
	char **done;	 /* "path result" of every JobRemoved seen so far */
	size_t n;
};

static int on_job_removed(sd_bus_message *m, void *userdata, sd_bus_error *ret_error)
{
	struct job_wait *w = userdata;
	uint32_t id;
	const char *path, *unit, *result;
	char *line, **v;

	(void)ret_error;
	if (sd_bus_message_read(m, "uoss", &id, &path, &unit, &result) < 0)
		return 0;
	if (asprintf(&line, "%s %s", path, result) < 0)
		abort();
	v = realloc(w->done, (w->n + 1) * sizeof(*v));
	if (!v)
		abort();
	w->done = v;
	w->done[w->n++] = line;
	return 0;
}

static void job_wait_free(struct job_wait *w)
{
	for (size_t i = 0; i < w->n; i++)
		free(w->done[i]);
	free(w->done);
}

static uint64_t now_usec(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000 + (uint64_t)ts.tv_nsec / 1000;
}

/* Process signals until w->job was removed; its result must be "done". */
static struct cubo_error *job_wait(sd_bus *bus, struct job_wait *w, const char *what)
{
	uint64_t deadline = now_usec() + JOB_WAIT_USEC;
	size_t len = strlen(w->job);

	for (;;) {
		for (size_t i = 0; i < w->n; i++) {
			const char *result = w->done[i] + len + 1;

			if (strncmp(w->done[i], w->job, len) || w->done[i][len] != ' ')
				continue;
			if (!strcmp(result, "done"))
				return NULL;
			return cubo_error_new("systemd: %s: the job ended \"%s\" (see journalctl)",
					      what, result);
		}
		int r = sd_bus_process(bus, NULL);
		if (r < 0)
			return cubo_error_new_errno(-r, "systemd: %s: reading the bus", what);
		if (r > 0)
			continue;
		uint64_t now = now_usec();
		if (now >= deadline)
			return cubo_error_new("systemd: %s: no answer in %llu s", what,
					      (unsigned long long)(JOB_WAIT_USEC / 1000000));
		r = sd_bus_wait(bus, deadline - now);
		if (r < 0)
			return cubo_error_new_errno(-r, "systemd: %s: waiting on the bus", what);
	}
}

/*
 * Call method (whose first arguments are built by fill) and wait for the job
 * its reply names. Signals are subscribed to first: a quick job may end
 * before the reply is read.
 */
static struct cubo_error *call_job(sd_bus *bus, const char *method, const char *what,
				   int (*fill)(sd_bus_message *m, const void *arg), const void *arg,
				   sd_bus_error *error, bool *called)
{
	sd_bus_message *m = NULL, *reply = NULL;
	sd_bus_slot *slot = NULL;
	struct job_wait w = {0};
	struct cubo_error *err = NULL;
	const char *job;
	int r;

	*called = false;
	r = sd_bus_match_signal(bus, &slot, NULL, SD_PATH, SD_MANAGER, "JobRemoved", on_job_removed,
				&w);
	if (r >= 0)
		r = sd_bus_call_method(bus, SD_DEST, SD_PATH, SD_MANAGER, "Subscribe", error, NULL,
				       "");
	/* systemd answers "already subscribed" when another client on the bus did */
	if (r < 0 && sd_bus_error_has_name(error, "org.freedesktop.systemd1.AlreadySubscribed")) {
		sd_bus_error_free(error);
		r = 0;
	}
	if (r >= 0)
		r = sd_bus_message_new_method_call(bus, &m, SD_DEST, SD_PATH, SD_MANAGER, method);
	if (r >= 0)
		r = fill(m, arg);
	if (r < 0) {
		err = bus_error(r, error, what);
		goto out;
	}
	r = sd_bus_call(bus, m, CALL_USEC, error, &reply);
	if (r < 0)
		goto out; /* the caller reads error */
	*called = true;
	r = sd_bus_message_read(reply, "o", &job);
	if (r < 0) {
		err = bus_error(r, NULL, what);
		goto out;
	}
	w.job = job;
	err = job_wait(bus, &w, what);
out:
	job_wait_free(&w);
	sd_bus_message_unref(reply);
	sd_bus_message_unref(m);
	sd_bus_slot_unref(slot);
	if (!err && r < 0 && !sd_bus_error_is_set(error))
		err = bus_error(r, NULL, what);
	return err;
}

struct start_args {
	const struct systemd_unit *u;
	const struct systemd_props *props;
	const char *description;
	pid_t pid;
};

static int fill_start(sd_bus_message *m, const void *arg)
{
	const struct start_args *a = arg;
	int r = sd_bus_message_append(m, "ss", a->u->unit, "replace");

	if (r >= 0)
		r = sd_bus_message_open_container(m, 'a', "(sv)");
	if (r >= 0)
		r = sd_bus_message_append(m, "(sv)(sv)(sv)", "Description", "s", a->description,
					  "Slice", "s", a->u->slice, "DefaultDependencies", "b", 0);
	/* accounting on, as runc asks: the controllers the limits and stats need */
	if (r >= 0)
		r = sd_bus_message_append(m, "(sv)(sv)(sv)(sv)", "MemoryAccounting", "b", 1,
					  "CPUAccounting", "b", 1, "IOAccounting", "b", 1,
					  "TasksAccounting", "b", 1);
	if (r >= 0)
		r = sd_bus_message_append(m, "(sv)", "PIDs", "au", 1, (uint32_t)a->pid);
	if (r >= 0)
		r = append_props(m, a->props, false);
	if (r >= 0)
		r = sd_bus_message_close_container(m);
	/* no auxiliary units */
	if (r >= 0)
		r = sd_bus_message_append(m, "a(sa(sv))", 0);
	return r;
}

struct cubo_error *systemd_scope_start(const struct systemd_unit *u,
				       const struct systemd_props *props, const char *description,
				       pid_t pid)
{
	struct start_args a = {u, props, description, pid};
	sd_bus_error error = SD_BUS_ERROR_NULL;
	struct cubo_error *err;
	sd_bus *bus;
	char what[320];

	bool called = false;

	CUBO_TRY(bus_open(&bus));
	snprintf(what, sizeof(what), "start the unit %s in %s", u->unit, u->slice);
	err = call_job(bus, "StartTransientUnit", what, fill_start, &a, &error, &called);
	/* systemd made the unit, its start failed: it must not stay */
	if (err && called) {
		sd_bus_flush_close_unref(bus);
		cubo_error_free(systemd_unit_stop(u->unit));
		return err;
	}
	if (!err && sd_bus_error_is_set(&error)) {
		if (sd_bus_error_has_name(&error, "org.freedesktop.systemd1.UnitExists"))
			err = cubo_error_new(
				"systemd: the unit %s already exists (another "
				"container's, or a leftover: see systemctl status %s); "
				"it is not taken over",
				u->unit, u->unit);
		else
			err = bus_error(-EIO, &error, what);
	}
	sd_bus_error_free(&error);
	sd_bus_flush_close_unref(bus);
	return err;
}

struct stop_args {
	const char *unit;
};

static int fill_stop(sd_bus_message *m, const void *arg)
{
	const struct stop_args *a = arg;

	return sd_bus_message_append(m, "ss", a->unit, "replace");
}

struct cubo_error *systemd_unit_stop(const char *unit)
{
	struct stop_args a = {unit};
	sd_bus_error error = SD_BUS_ERROR_NULL;
	struct cubo_error *err;
	sd_bus *bus;
	char what[300];

	bool called;

	CUBO_TRY(bus_open(&bus));
	snprintf(what, sizeof(what), "stop the unit %s", unit);
	err = call_job(bus, "StopUnit", what, fill_stop, &a, &error, &called);
	if (!err && sd_bus_error_is_set(&error) &&
	    !sd_bus_error_has_name(&error, "org.freedesktop.systemd1.NoSuchUnit"))
		err = bus_error(-EIO, &error, what);
	sd_bus_error_free(&error);
	/* a unit that failed stays loaded until reset; gone already is fine */
	if (!err) {
		sd_bus_call_method(bus, SD_DEST, SD_PATH, SD_MANAGER, "ResetFailedUnit", &error,
				   NULL, "s", unit);
		sd_bus_error_free(&error);
	}
	sd_bus_flush_close_unref(bus);
	return err;
}

struct cubo_error *systemd_unit_set_props(const char *unit, const struct systemd_props *props)
{
	sd_bus_error error = SD_BUS_ERROR_NULL;
	sd_bus_message *m = NULL;
	struct cubo_error *err = NULL;
	sd_bus *bus;
	char what[300];
	int r;

	CUBO_TRY(bus_open(&bus));
	snprintf(what, sizeof(what), "set the properties of %s", unit);
	r = sd_bus_message_new_method_call(bus, &m, SD_DEST, SD_PATH, SD_MANAGER,
					   "SetUnitProperties");
	if (r >= 0)
		r = sd_bus_message_append(m, "sb", unit, 1);
	if (r >= 0)
		r = sd_bus_message_open_container(m, 'a', "(sv)");
	if (r >= 0)
		r = append_props(m, props, true);
	if (r >= 0)
		r = sd_bus_message_close_container(m);
	if (r >= 0)
		r = sd_bus_call(bus, m, CALL_USEC, &error, NULL);
	if (r < 0)
		err = bus_error(r, &error, what);
	sd_bus_error_free(&error);
	sd_bus_message_unref(m);
	sd_bus_flush_close_unref(bus);
	return err;
}
