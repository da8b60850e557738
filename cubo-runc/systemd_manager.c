/* SPDX-License-Identifier: Apache-2.0 */
#include "cubo-runc/systemd_manager.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "shared/fs.h"
#include "shared/xalloc.h"

#define SD_DEST "org.freedesktop.systemd1"
#define SD_PATH "/org/freedesktop/systemd1"
#define SD_MANAGER "org.freedesktop.systemd1.Manager"
#define PRIVATE_SOCKET "/run/systemd/private"
#define SYSTEM_BUS_SOCKET "/run/dbus/system_bus_socket"

struct cubo_error *systemd_manager_connect(const char *root_dir, struct dbus_conn **out)
{
	char booted[256], priv[256];
	snprintf(booted, sizeof(booted), "%s/run/systemd/system", root_dir);
	snprintf(priv, sizeof(priv), "%s%s", root_dir, PRIVATE_SOCKET);
	if (!cubo_path_exists(booted))
		return cubo_error_new("systemd is not running as PID 1 (no %s): use the cgroupfs "
				      "driver (no --systemd-cgroup)",
				      booted);
	struct cubo_error *private_err = NULL;
	if (geteuid() == 0 && cubo_path_exists(priv)) {
		private_err = dbus_conn_open(priv, false, SYSTEMD_TIMEOUT_MS, out);
		if (!private_err)
			return NULL;
	}
	const char *addr = getenv("DBUS_SYSTEM_BUS_ADDRESS");
	char bus[256];
	if (addr && !strncmp(addr, "unix:path=", 10) && !strchr(addr + 10, ','))
		snprintf(bus, sizeof(bus), "%s", addr + 10);
	else
		snprintf(bus, sizeof(bus), "%s%s", root_dir, SYSTEM_BUS_SOCKET);
	struct cubo_error *err = dbus_conn_open(bus, true, SYSTEMD_TIMEOUT_MS, out);
	if (err && private_err)
		err = cubo_error_wrap(err, "cannot reach systemd (%s)", private_err->msg);
	else if (err)
		err = cubo_error_wrap(err, "cannot reach systemd");
	cubo_error_free(private_err);
	return err;
}

static void prop_value(struct dbus_writer *w, const struct systemd_prop *p)
{
	switch (p->type) {
	case SYSTEMD_PROP_BOOL:
		dbus_w_variant(w, "b");
		dbus_w_bool(w, p->b);
		break;
	case SYSTEMD_PROP_U64:
		dbus_w_variant(w, "t");
		dbus_w_u64(w, p->u64);
		break;
	case SYSTEMD_PROP_STRING:
		dbus_w_variant(w, "s");
		dbus_w_string(w, p->str);
		break;
	case SYSTEMD_PROP_BYTES: {
		dbus_w_variant(w, "ay");
		size_t a = dbus_w_array_begin(w, 1);
		for (size_t i = 0; i < p->n_bytes; i++)
			dbus_w_byte(w, p->bytes[i]);
		dbus_w_array_end(w, a, 1);
		break;
	}
	}
}

static void string_prop(struct dbus_writer *w, const char *name, const char *value)
{
	dbus_w_struct_begin(w);
	dbus_w_string(w, name);
	dbus_w_variant(w, "s");
	dbus_w_string(w, value);
}

/* the entries of an a(sv), without the array around them */
static void props_entries(const struct systemd_props *props, bool skip_delegate,
			  struct dbus_writer *w)
{
	for (size_t i = 0; props && i < props->n; i++) {
		if (skip_delegate && !strcmp(props->v[i].name, "Delegate"))
			continue;
		dbus_w_struct_begin(w);
		dbus_w_string(w, props->v[i].name);
		prop_value(w, &props->v[i]);
	}
}

void systemd_manager_props_args(const struct systemd_props *props, struct dbus_writer *w)
{
	size_t a = dbus_w_array_begin(w, 8);
	/* systemd refuses to change Delegate on a running unit */
	props_entries(props, true, w);
	dbus_w_array_end(w, a, 8);
}

void systemd_manager_start_args(const struct systemd_unit *u, const struct systemd_props *props,
				pid_t pid, const char *description, struct dbus_writer *w)
{
	dbus_w_string(w, u->unit);
	dbus_w_string(w, "replace");
	size_t a = dbus_w_array_begin(w, 8);
	if (description)
		string_prop(w, "Description", description);
	if (u->slice && u->slice[0])
		string_prop(w, "Slice", u->slice);
	/* as runc asks: no implicit ordering, and the accounting the limits and stats read */
	static const char *const flags[] = {"DefaultDependencies", "MemoryAccounting",
					    "CPUAccounting", "IOAccounting", "TasksAccounting"};
	for (size_t i = 0; i < sizeof(flags) / sizeof(flags[0]); i++) {
		dbus_w_struct_begin(w);
		dbus_w_string(w, flags[i]);
		dbus_w_variant(w, "b");
		dbus_w_bool(w, i != 0);
	}
	if (pid > 0 && systemd_unit_is_scope(u)) {
		dbus_w_struct_begin(w);
		dbus_w_string(w, "PIDs");
		dbus_w_variant(w, "au");
		size_t pids = dbus_w_array_begin(w, 4);
		dbus_w_u32(w, (uint32_t)pid);
		dbus_w_array_end(w, pids, 4);
	}
	props_entries(props, false, w);
	dbus_w_array_end(w, a, 8);
	/* no auxiliary units */
	size_t aux = dbus_w_array_begin(w, 8);
	dbus_w_array_end(w, aux, 8);
}

/*
 * Signals go to subscribers only; on a bus, the daemon also wants a match
 * rule. *owner: on a bus, systemd's unique name, which a signal we believe
 * must come from (any client may send us a signal of that name directly);
 * NULL on the private socket, where only systemd speaks.
 */
static struct cubo_error *subscribe(struct dbus_conn *c, bool bus, char **owner)
{
	struct dbus_writer none = {0};
	*owner = NULL;
	if (bus) {
		struct dbus_writer name = {0};
		struct dbus_reply r;
		dbus_w_string(&name, SD_DEST);
		struct cubo_error *err = dbus_conn_call(
			c, "org.freedesktop.DBus", "/org/freedesktop/DBus", "org.freedesktop.DBus",
			"GetNameOwner", "s", &name, SYSTEMD_TIMEOUT_MS, &r);
		dbus_w_free(&name);
		CUBO_TRY(err);
		const char *unique = NULL;
		if (r.m.h.signature && !strcmp(r.m.h.signature, "s")) {
			struct dbus_reader rd = dbus_msg_body(&r.m);
			cubo_error_free(dbus_r_string(&rd, &unique));
		}
		*owner = xstrdup(unique);
		dbus_reply_free(&r);
		if (!*owner)
			return cubo_error_new("GetNameOwner: no owner of %s", SD_DEST);
	}
	if (bus) {
		struct dbus_writer rule = {0};
		dbus_w_string(&rule, "type='signal',sender='" SD_DEST "',path='" SD_PATH
				     "',interface='" SD_MANAGER "',member='JobRemoved'");
		struct cubo_error *err = dbus_conn_call(
			c, "org.freedesktop.DBus", "/org/freedesktop/DBus", "org.freedesktop.DBus",
			"AddMatch", "s", &rule, SYSTEMD_TIMEOUT_MS, NULL);
		dbus_w_free(&rule);
		CUBO_TRY(err);
	}
	struct cubo_error *err = dbus_conn_call(c, SD_DEST, SD_PATH, SD_MANAGER, "Subscribe", NULL,
						&none, SYSTEMD_TIMEOUT_MS, NULL);
	/* on a bus, another client may have subscribed this connection's peer already */
	if (err && strstr(err->msg, "org.freedesktop.systemd1.AlreadySubscribed")) {
		cubo_error_free(err);
		err = NULL;
	}
	if (err) {
		free(*owner);
		*owner = NULL;
	}
	return err;
}

/* The job object path a StartUnit-like call returned. */
static struct cubo_error *job_of(struct dbus_reply *r, const char *member, char **job)
{
	const char *path = NULL;
	if (r->m.h.signature && !strcmp(r->m.h.signature, "o")) {
		struct dbus_reader rd = dbus_msg_body(&r->m);
		struct cubo_error *err = dbus_r_string(&rd, &path);
		cubo_error_free(err);
	}
	if (!path || !dbus_valid_path(path))
		return cubo_error_new("%s: the reply holds no job", member);
	*job = xstrdup(path);
	return NULL;
}

struct job_wait {
	const char *job;
	const char *sender; /* NULL: anyone on this connection is systemd */
	char result[32];
};

/* JobRemoved(u id, o job, s unit, s result) of our job */
static bool job_removed(const struct dbus_msg *m, void *arg)
{
	struct job_wait *w = arg;
	if (!m->h.signature || strcmp(m->h.signature, "uoss"))
		return false;
	if (w->sender && (!m->h.sender || strcmp(m->h.sender, w->sender)))
		return false;
	struct dbus_reader r = dbus_msg_body(m);
	uint32_t id;
	const char *job, *unit, *result;
	struct cubo_error *err = dbus_r_u32(&r, &id);
	if (!err)
		err = dbus_r_string(&r, &job);
	if (!err)
		err = dbus_r_string(&r, &unit);
	if (!err)
		err = dbus_r_string(&r, &result);
	if (err) {
		cubo_error_free(err);
		return false;
	}
	if (strcmp(job, w->job))
		return false;
	snprintf(w->result, sizeof(w->result), "%s", result);
	return true;
}

static struct cubo_error *wait_job(struct dbus_conn *c, const char *job, const char *sender,
				   const char *unit)
{
	struct job_wait w = {.job = job, .sender = sender};
	struct dbus_reply r;
	CUBO_TRY(dbus_conn_wait_signal(c, SD_MANAGER, "JobRemoved", job_removed, &w,
				       SYSTEMD_TIMEOUT_MS, &r));
	dbus_reply_free(&r);
	if (strcmp(w.result, "done"))
		return cubo_error_new("systemd's job ended \"%s\" (see journalctl -u %s)", w.result,
				      unit);
	return NULL;
}

struct cubo_error *systemd_manager_start(struct dbus_conn *c, const struct systemd_unit *u,
					 const struct systemd_props *props, pid_t pid,
					 const char *description)
{
	char *owner;
	CUBO_TRY_CTX(subscribe(c, dbus_conn_is_bus(c), &owner), "start unit %s", u->unit);
	struct dbus_writer args = {0};
	systemd_manager_start_args(u, props, pid, description, &args);
	struct dbus_reply r;
	char *job = NULL;
	struct cubo_error *err =
		dbus_conn_call(c, SD_DEST, SD_PATH, SD_MANAGER, "StartTransientUnit",
			       "ssa(sv)a(sa(sv))", &args, SYSTEMD_TIMEOUT_MS, &r);
	dbus_w_free(&args);
	if (err && strstr(err->msg, "org.freedesktop.systemd1.UnitExists")) {
		cubo_error_free(err);
		err = cubo_error_new_errno(
			EEXIST,
			"the unit %s already exists (another container's, or a "
			"leftover: see systemctl status %s); it is not taken over",
			u->unit, u->unit);
	} else if (!err) {
		err = job_of(&r, "StartTransientUnit", &job);
		dbus_reply_free(&r);
	}
	if (!err) {
		err = wait_job(c, job, owner, u->unit);
		/* systemd made the unit and its start failed: it must not stay */
		if (err)
			cubo_error_free(systemd_manager_stop(c, u->unit));
	}
	free(job);
	free(owner);
	return cubo_error_wrap(err, "start unit %s", u->unit);
}

struct cubo_error *systemd_manager_set(struct dbus_conn *c, const char *unit,
				       const struct systemd_props *props)
{
	struct dbus_writer args = {0};
	dbus_w_string(&args, unit);
	dbus_w_bool(&args, true);
	systemd_manager_props_args(props, &args);
	struct cubo_error *err =
		dbus_conn_call(c, SD_DEST, SD_PATH, SD_MANAGER, "SetUnitProperties", "sba(sv)",
			       &args, SYSTEMD_TIMEOUT_MS, NULL);
	dbus_w_free(&args);
	return cubo_error_wrap(err, "set the properties of unit %s", unit);
}

struct cubo_error *systemd_manager_stop(struct dbus_conn *c, const char *unit)
{
	char *owner;
	CUBO_TRY_CTX(subscribe(c, dbus_conn_is_bus(c), &owner), "stop unit %s", unit);
	struct dbus_writer args = {0};
	dbus_w_string(&args, unit);
	dbus_w_string(&args, "replace");
	struct dbus_reply r;
	char *job = NULL;
	struct cubo_error *err = dbus_conn_call(c, SD_DEST, SD_PATH, SD_MANAGER, "StopUnit", "ss",
						&args, SYSTEMD_TIMEOUT_MS, &r);
	dbus_w_free(&args);
	if (err && strstr(err->msg, "org.freedesktop.systemd1.NoSuchUnit")) {
		cubo_error_free(err);
		free(owner);
		return NULL; /* gone already */
	}
	if (!err) {
		err = job_of(&r, "StopUnit", &job);
		dbus_reply_free(&r);
	}
	if (!err)
		err = wait_job(c, job, owner, unit);
	free(job);
	free(owner);
	if (!err) {
		/* a unit that failed stays loaded until reset */
		struct dbus_writer name = {0};
		dbus_w_string(&name, unit);
		cubo_error_free(dbus_conn_call(c, SD_DEST, SD_PATH, SD_MANAGER, "ResetFailedUnit",
					       "s", &name, SYSTEMD_TIMEOUT_MS, NULL));
		dbus_w_free(&name);
	}
	return cubo_error_wrap(err, "stop unit %s", unit);
}
