/* SPDX-License-Identifier: Apache-2.0 */
/*
 * A D-Bus connection over a unix socket, just big enough for the systemd
 * cgroup driver: SASL EXTERNAL authentication (the kernel vouches for our
 * uid), method calls that wait for their reply, and signals kept while a
 * call waits so that one that arrives before the reply is not lost.
 *
 * Two kinds of peer: a bus (dbus-daemon at /run/dbus/system_bus_socket:
 * Hello first, names, match rules) and a direct connection (systemd's own
 * /run/systemd/private, which answers root without a bus daemon, as in
 * minimal systems). Every wait is bounded by the caller's timeout.
 */
#ifndef CUBO_RUNC_DBUS_CONN_H
#define CUBO_RUNC_DBUS_CONN_H

#include <stdbool.h>
#include <stdint.h>

#include "cubo-runc/dbus_msg.h"
#include "shared/error.h"

struct dbus_conn;

/* Connect to the socket at path and authenticate; bus: say Hello too. */
struct cubo_error *dbus_conn_open(const char *path, bool bus, int timeout_ms,
				  struct dbus_conn **out);
void dbus_conn_close(struct dbus_conn *c);
/* A bus (match rules apply), or a direct connection. */
bool dbus_conn_is_bus(const struct dbus_conn *c);

/* A received message; free with dbus_reply_free. */
struct dbus_reply {
	struct dbus_msg m;
	uint8_t *raw;
};
void dbus_reply_free(struct dbus_reply *r);

/*
 * Call dest's method (dest NULL on a direct connection) with the body
 * written in args (signature sig, NULL or "" for none) and wait up to
 * timeout_ms for its reply. An error reply becomes an error reading
 * "<member>: <error name>: <its message>". *reply (may be NULL when the
 * caller wants nothing from it) is the method return.
 */
struct cubo_error *dbus_conn_call(struct dbus_conn *c, const char *dest, const char *path,
				  const char *iface, const char *member, const char *sig,
				  const struct dbus_writer *args, int timeout_ms,
				  struct dbus_reply *reply);

/*
 * Wait up to timeout_ms for a signal iface.member for which match returns
 * true (those that came while a call waited count); *out is that signal.
 */
struct cubo_error *dbus_conn_wait_signal(struct dbus_conn *c, const char *iface, const char *member,
					 bool (*match)(const struct dbus_msg *m, void *arg),
					 void *arg, int timeout_ms, struct dbus_reply *out);

#endif
