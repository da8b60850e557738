/* SPDX-License-Identifier: Apache-2.0 */
#include "cubo-runc/terminal.h"

#include "cubo-runc/mounts.h"
#include "shared/fdpass.h"
#include "shared/path_in_root.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
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

/*
 * /dev/ptmx is the container's: make sure it opened the pty multiplexer
 * (char 5:2, the devpts one included), not a device or FIFO an image put
 * there.
 */
static struct cubo_error *open_ptmx(int *out)
{
	struct stat st;
	int fd = open("/dev/ptmx", O_RDWR | O_NOCTTY | O_NONBLOCK | O_CLOEXEC);

	if (fd < 0)
		return cubo_error_errno("open /dev/ptmx in the container (is /dev/pts mounted?)");
	if (fstat(fd, &st) < 0 || !S_ISCHR(st.st_mode) || major(st.st_rdev) != 5 ||
	    minor(st.st_rdev) != 2) {
		close(fd);
		return cubo_error_new("/dev/ptmx in the container is not the pty multiplexer");
	}
	/* blocking reads and writes on the master, as the receiver expects */
	int flags = fcntl(fd, F_GETFL);
	if (flags >= 0)
		fcntl(fd, F_SETFL, flags & ~O_NONBLOCK);
	*out = fd;
	return NULL;
}

/*
 * The spec: /dev/console is the pty. The target is found from the
 * container's /dev without following a link (CVE-2025-52565: a symlink or a
 * swapped name there would take the bind elsewhere) and the slave is bound
 * onto that fd, so no name is looked up again.
 */
static struct cubo_error *mount_console(int slave)
{
	struct cubo_error *err = NULL;
	int rootfd, devfd = -1, target = -1;
	struct stat st;

	rootfd = open("/", O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (rootfd < 0)
		return cubo_error_errno("/dev/console: open /");
	err = cubo_mkdir_all_in_root(rootfd, "/dev", 0755, &devfd);
	close(rootfd);
	CUBO_TRY_CTX(err, "/dev/console");
	int fd = openat(devfd, "console", O_CREAT | O_EXCL | O_NOFOLLOW | O_WRONLY | O_CLOEXEC,
			0600);
	if (fd >= 0)
		close(fd);
	else if (errno != EEXIST)
		err = cubo_error_errno("/dev/console: create");
	if (!err) {
		target = openat(devfd, "console", O_PATH | O_NOFOLLOW | O_CLOEXEC);
		if (target < 0 || fstat(target, &st) < 0)
			err = cubo_error_errno("/dev/console: open");
		else if (!S_ISREG(st.st_mode) && !S_ISCHR(st.st_mode))
			err = cubo_error_new("/dev/console in the container is %s: refused",
					     S_ISLNK(st.st_mode) ? "a symlink" : "not a file");
	}
	if (!err)
		err = cubo_error_wrap(mount_bind_onto(slave, "", false, 0, target),
				      "/dev/console: bind the pty");
	if (target >= 0)
		close(target);
	close(devfd);
	return err;
}

struct cubo_error *terminal_setup(int console_socket, const struct oci_console_size *size,
				  uid_t uid, bool console, int *master_out)
{
	struct cubo_error *err = NULL;
	int master = -1, slave;
	char name[64] = "";
	unsigned int ptyno;

	CUBO_TRY(open_ptmx(&master));
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
	if (fchown(slave, uid, (gid_t)-1) < 0 && errno != EINVAL && errno != EPERM) {
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
	if (console && (err = mount_console(slave)))
		goto out_slave;
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
