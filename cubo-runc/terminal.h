/* SPDX-License-Identifier: Apache-2.0 */
/*
 * process.terminal: the container's pty is made inside the container (its own
 * devpts) and the master end goes to the caller through --console-socket, as
 * runc does for conmon and containerd's shim.
 */
#ifndef CUBO_RUNC_TERMINAL_H
#define CUBO_RUNC_TERMINAL_H

#include <stdbool.h>
#include <sys/types.h>

#include "shared/error.h"
#include "spec/config.h"

/*
 * Child, after pivot_root: open a pty from /dev/ptmx (checked to be the
 * pty multiplexer), size it, make the slave fds 0/1/2 and the controlling
 * terminal. With `console` (the init; the runtime spec), the slave is also
 * bind-mounted on /dev/console. When console_socket >= 0 the master is sent
 * over it and closed; otherwise *master_out receives it. The slave is given
 * to uid and keeps the group devpts gave it (its gid= option, the tty group
 * 5 in the default config), as runc leaves it: programs such as write(1) and
 * mesg(1) rely on the tty group.
 */
struct cubo_error *terminal_setup(int console_socket, const struct oci_console_size *size,
				  uid_t uid, bool console, int *master_out);
/* Send fd over a unix socket with SCM_RIGHTS; `name` is the message payload. */
struct cubo_error *terminal_send_fd(int sock, int fd, const char *name);
/* Receive an fd sent with terminal_send_fd. */
struct cubo_error *terminal_recv_fd(int sock, int *fd_out);
/* Connect to the console socket path given with --console-socket. */
struct cubo_error *terminal_connect(const char *path, int *fd_out);

#endif
