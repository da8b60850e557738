/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The systemd cgroup driver's D-Bus half (--systemd-cgroup): asking systemd,
 * through our own D-Bus client (systemd_manager.h), for the container's transient scope, changing its
 * properties, stopping it. What is sent comes from systemd_unit.h, whose
 * parser checked every name taken from the config.
 *
 * The connection: as root, systemd's own socket /run/systemd/private (a
 * minimal root has no D-Bus daemon, and it skips one hop), else the system
 * bus. Without systemd as PID 1 every call fails with an error saying so.
 */
#ifndef CUBO_RUNC_SYSTEMD_BUS_H
#define CUBO_RUNC_SYSTEMD_BUS_H

#include <stdbool.h>
#include <sys/types.h>

#include "cubo-runc/systemd_unit.h"
#include "shared/error.h"

#define SYSTEMD_PRIVATE_SOCKET "/run/systemd/private"

/* NULL when systemd runs as PID 1 (sd_booted), else the error to show. */
struct cubo_error *systemd_check_running(void);

/*
 * Start the transient unit u with props, the pid in it (PIDs), and wait
 * (bounded) for its start job. A unit of that name that already exists is an
 * error naming it: it is never adopted.
 */
struct cubo_error *systemd_scope_start(const struct systemd_unit *u,
				       const struct systemd_props *props, const char *description,
				       pid_t pid);

/* SetUnitProperties(unit, runtime=true, props); "Delegate" is left out. */
struct cubo_error *systemd_unit_set_props(const char *unit, const struct systemd_props *props);

/* Stop unit and wait for the job; a unit that is gone already is no error. */
struct cubo_error *systemd_unit_stop(const char *unit);

#endif
