/* SPDX-License-Identifier: Apache-2.0 */
#include "cubo-runc/systemd_bus.h"

#include <stdio.h>
#include <string.h>

#include "cubo-runc/systemd_manager.h"
#include "shared/fs.h"

struct cubo_error *systemd_check_running(void)
{
	char comm[64] = "?";
	FILE *f;

	/* what sd_booted() checks: systemd makes this directory early at boot */
	if (cubo_path_exists("/run/systemd/system"))
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

/* One connection per call: the runtime makes at most two calls in a command. */
static struct cubo_error *bus_open(struct dbus_conn **c)
{
	CUBO_TRY(systemd_check_running());
	return cubo_error_wrap(systemd_manager_connect("", c), "--systemd-cgroup");
}

struct cubo_error *systemd_scope_start(const struct systemd_unit *u,
				       const struct systemd_props *props, const char *description,
				       pid_t pid)
{
	struct dbus_conn *c;
	CUBO_TRY(bus_open(&c));
	struct cubo_error *err = systemd_manager_start(c, u, props, pid, description);
	dbus_conn_close(c);
	return cubo_error_wrap(err, "systemd");
}

struct cubo_error *systemd_unit_stop(const char *unit)
{
	struct dbus_conn *c;
	CUBO_TRY(bus_open(&c));
	struct cubo_error *err = systemd_manager_stop(c, unit);
	dbus_conn_close(c);
	return cubo_error_wrap(err, "systemd");
}

struct cubo_error *systemd_unit_set_props(const char *unit, const struct systemd_props *props)
{
	struct dbus_conn *c;
	CUBO_TRY(bus_open(&c));
	struct cubo_error *err = systemd_manager_set(c, unit, props);
	dbus_conn_close(c);
	return cubo_error_wrap(err, "systemd");
}
