/* SPDX-License-Identifier: Apache-2.0 */
#include "cubo-runc/terminal.h"

#include "shared/fdpass.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <termios.h>
#include <unistd.h>

#ifndef TIOCGPTPEER
#define TIOCGPTPEER _IO('T', 0x41)
#endif

struct cubo_error *terminal_connect(const char *path, int *fd_out)
{
	struct sockaddr_un addr = {.sun_family = AF_UNIX};
	int fd;

	if (strlen(path) >= sizeof(addr.sun_path))
		return cubo_error_new("--console-socket %s: path too long", path);
	strcpy(addr.sun_path, path);
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return cubo_error_errno("--console-socket: socket");
	if (connect(fd, (struct sockaddr *)&addr, sizeof(addr)) < 0) {
		struct cubo_error *err = cubo_error_errno("--console-socket: connect %s", path);
		close(fd);
		return err;
	}
	*fd_out = fd;
	return NULL;
}

struct cubo_error *terminal_send_fd(int sock, int fd, const char *name)
{
	/* the payload is the pty's name, as runc sends it; never empty */
	return fdpass_send(sock, fd, *name ? name : "/dev/pts", *name ? strlen(name) : 8);
}

struct cubo_error *terminal_recv_fd(int sock, int *fd_out)
{
	char name[256];
	size_t len;

	CUBO_TRY(fdpass_recv(sock, name, sizeof(name), &len, fd_out));
	if (*fd_out < 0)
		return cubo_error_new("receive the terminal: no file descriptor in the message");
	return NULL;
}

struct cubo_error *terminal_setup(int console_socket, const struct oci_console_size *size,
				  uid_t uid, gid_t gid, int *master_out)
{
	struct cubo_error *err = NULL;
	int master, slave;
	char name[64] = "";
	unsigned int ptyno;

	master = open("/dev/ptmx", O_RDWR | O_NOCTTY | O_CLOEXEC);
	if (master < 0)
		return cubo_error_errno("open /dev/ptmx in the container (is /dev/pts mounted?)");
	if (unlockpt(master) < 0) {
		err = cubo_error_errno("unlock the pty");
		goto out_master;
	}
	slave = ioctl(master, TIOCGPTPEER, O_RDWR | O_NOCTTY);
	if (slave < 0) {
		err = cubo_error_errno("open the pty slave");
		goto out_master;
	}
	if (ioctl(master, TIOCGPTN, &ptyno) == 0)
		snprintf(name, sizeof(name), "/dev/pts/%u", ptyno);
	if (fchown(slave, uid, gid) < 0 && errno != EINVAL && errno != EPERM) {
		err = cubo_error_errno("chown the pty %s", name);
		goto out_slave;
	}
	if (size && (size->height || size->width)) {
		struct winsize ws = {.ws_row = size->height, .ws_col = size->width};
		if (ioctl(slave, TIOCSWINSZ, &ws) < 0) {
			err = cubo_error_errno("set the console size");
			goto out_slave;
		}
	}
	for (int fd = 0; fd < 3; fd++) {
		if (dup2(slave, fd) < 0) {
			err = cubo_error_errno("dup the pty to fd %d", fd);
			goto out_slave;
		}
	}
	if (ioctl(0, TIOCSCTTY, 0) < 0) {
		err = cubo_error_errno("make the pty the controlling terminal");
		goto out_slave;
	}
	if (console_socket >= 0) {
		err = terminal_send_fd(console_socket, master, name);
		close(master);
		master = -1;
	}
	if (master_out && master >= 0) {
		*master_out = master;
		master = -1;
	}
out_slave:
	if (slave > 2)
		close(slave);
out_master:
	if (master >= 0)
		close(master);
	return err;
}
