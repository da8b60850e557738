/* SPDX-License-Identifier: Apache-2.0 */
#include "shared/lock.h"

#include <errno.h>
#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

struct cubo_error *cubo_lock_at(int dirfd, const char *name, bool exclusive, int *out_fd)
{
	int fd, r;

	*out_fd = -1;
	fd = openat(dirfd, name, O_RDWR | O_CREAT | O_CLOEXEC | O_NOCTTY, 0600);
	if (fd < 0)
		return cubo_error_errno("lock %s: open", name);
	do
		r = flock(fd, exclusive ? LOCK_EX : LOCK_SH);
	while (r < 0 && errno == EINTR);
	if (r < 0) {
		struct cubo_error *err = cubo_error_errno("lock %s: flock", name);

		close(fd);
		return err;
	}
	*out_fd = fd;
	return NULL;
}

struct cubo_error *cubo_lock_path(const char *path, bool exclusive, int *out_fd)
{
	return cubo_lock_at(AT_FDCWD, path, exclusive, out_fd);
}

/*
 * Unlock explicitly before closing: a forked child may still share the open
 * file description, and the lock belongs to that description, not to the fd.
 */
void cubo_unlock(int fd)
{
	if (fd < 0)
		return;
	flock(fd, LOCK_UN);
	close(fd);
}
