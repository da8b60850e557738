/* SPDX-License-Identifier: Apache-2.0 */
/*
 * What the systemd cgroup driver asks of systemd's manager
 * (org.freedesktop.systemd1, see org.freedesktop.systemd1(5)), over our own
 * D-Bus client: start a transient unit for the container's init and wait
 * until its job is done, change its properties (update), stop it (delete).
 *
 * As root the manager is reached on its private socket, which works without
 * a bus daemon; otherwise on the system bus ($DBUS_SYSTEM_BUS_ADDRESS when it
 * names a unix:path=, else /run/dbus/system_bus_socket). Without systemd as
 * PID 1 (no /run/systemd/system) every call fails with that said.
 */
#ifndef CUBO_RUNC_SYSTEMD_MANAGER_H
#define CUBO_RUNC_SYSTEMD_MANAGER_H

#include <stdbool.h>
#include <sys/types.h>

#include "cubo-runc/dbus_conn.h"
#include "cubo-runc/systemd_unit.h"
#include "shared/error.h"

/* How long a call or a unit's job may take before we give up. */
#define SYSTEMD_TIMEOUT_MS 30000

/* root_dir: "" normally; tests point it at a fake root to see the "no systemd" error */
struct cubo_error *systemd_manager_connect(const char *root_dir, struct dbus_conn **out);

/*
 * StartTransientUnit(u->unit, "fail", props + Slice + Description + PIDs),
 * then wait for its JobRemoved: an error unless the job's result is "done".
 * A unit of that name that exists already is an error naming it: a
 * container never adopts another's unit.
 */
struct cubo_error *systemd_manager_start(struct dbus_conn *c, const struct systemd_unit *u,
					 const struct systemd_props *props, pid_t pid,
					 const char *description);
/* SetUnitProperties(unit, runtime=true, props). */
struct cubo_error *systemd_manager_set(struct dbus_conn *c, const char *unit,
				       const struct systemd_props *props);
/* StopUnit(unit, "replace") and wait for the job; a unit that is not loaded is no error. */
struct cubo_error *systemd_manager_stop(struct dbus_conn *c, const char *unit);

/* Pure, for tests: the body of StartTransientUnit ("ssa(sv)a(sa(sv))"). */
void systemd_manager_start_args(const struct systemd_unit *u, const struct systemd_props *props,
				pid_t pid, const char *description, struct dbus_writer *w);
/* Pure: the a(sv) of props. */
void systemd_manager_props_args(const struct systemd_props *props, struct dbus_writer *w);

#endif
