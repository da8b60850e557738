/* SPDX-License-Identifier: Apache-2.0 */
#include "cubo-runc/procfd.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/magic.h>
#include <linux/openat2.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/syscall.h>
#include <unistd.h>

/* Only the root of a procfs superblock has this inode number (include/linux/proc_ns.h). */
#define PROC_ROOT_INO 1

bool procfd_is_procfs(int fd, bool root_only)
{
	struct statfs sfs;
	struct stat st;

	if (fstatfs(fd, &sfs) < 0 || sfs.f_type != PROC_SUPER_MAGIC)
		return false;
	return !root_only || (fstat(fd, &st) == 0 && st.st_ino == PROC_ROOT_INO);
}

static bool has_dotdot(const char *rel)
{
	for (const char *p = rel; *p;) {
		size_t n = strcspn(p, "/");
		if (n == 2 && p[0] == '.' && p[1] == '.')
			return true;
		p += n + (p[n] == '/');
	}
	return false;
}

struct cubo_error *procfd_open(int *out)
{
	int fd = open("/proc", O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);

	if (fd < 0)
		return cubo_error_errno("open the runtime's /proc");
	if (!procfd_is_procfs(fd, true)) {
		close(fd);
		return cubo_error_new("the runtime's /proc is not the root of a procfs");
	}
	*out = fd;
	return NULL;
}

struct cubo_error *procfd_openat(int procfd, const char *rel, int flags, int *out)
{
	struct open_how how = {
		.flags = (uint64_t)(flags | O_CLOEXEC),
		/* "self" and "thread-self" are plain links inside procfs; fd/N are not */
		.resolve = RESOLVE_BENEATH | RESOLVE_NO_MAGICLINKS | RESOLVE_NO_XDEV,
	};
	int fd;

	if (procfd < 0)
		return cubo_error_new("/proc/%s: the runtime has no procfs of its own to reach it",
				      rel);
	do
		fd = (int)syscall(SYS_openat2, procfd, rel, &how, sizeof(how));
	while (fd < 0 && errno == EAGAIN);
	if (fd < 0 && (errno == ENOSYS || errno == EPERM)) {
		/*
		 * No openat2: the names are the runtime's own and the procfs is
		 * the runtime's, so refusing ".." and a link as the last name
		 * keeps the lookup inside it (the check below still applies).
		 */
		if (has_dotdot(rel))
			return cubo_error_new_errno(EXDEV, "open /proc/%s", rel);
		fd = openat(procfd, rel, flags | O_NOFOLLOW | O_CLOEXEC);
	}
	if (fd < 0)
		return cubo_error_errno("open /proc/%s", rel);
	if (!procfd_is_procfs(fd, false)) {
		close(fd);
		return cubo_error_new("/proc/%s is not on procfs", rel);
	}
	*out = fd;
	return NULL;
}

struct cubo_error *procfd_write(int procfd, const char *rel, const char *buf, size_t len)
{
	struct cubo_error *err = NULL;
	ssize_t n;
	int fd;

	CUBO_TRY(procfd_openat(procfd, rel, O_WRONLY, &fd));
	do
		n = write(fd, buf, len);
	while (n < 0 && errno == EINTR);
	if (n < 0)
		err = cubo_error_errno("write /proc/%s", rel);
	else if ((size_t)n != len)
		err = cubo_error_new("write /proc/%s: short write", rel);
	close(fd);
	return err;
}

struct cubo_error *procfd_reopen(int procfd, int fd, int flags, int *out)
{
	char rel[32];
	int r;

	if (procfd < 0)
		return cubo_error_new("reopen fd %d: the runtime has no procfs of its own", fd);
	/* the one magic link followed: our own fd, from the proven procfs */
	snprintf(rel, sizeof(rel), "self/fd/%d", fd);
	do
		r = openat(procfd, rel, flags | O_CLOEXEC);
	while (r < 0 && errno == EINTR);
	if (r < 0)
		return cubo_error_errno("reopen fd %d through /proc/%s", fd, rel);
	*out = r;
	return NULL;
}

struct cubo_error *procfd_fopen_self(int procfd, const char *name, FILE **out)
{
	char rel[64];
	int fd;

	snprintf(rel, sizeof(rel), "self/%s", name);
	if (procfd < 0) {
		char path[80];
		snprintf(path, sizeof(path), "/proc/%s", rel);
		*out = fopen(path, "re");
		return *out ? NULL : cubo_error_errno("open %s", path);
	}
	CUBO_TRY(procfd_openat(procfd, rel, O_RDONLY, &fd));
	*out = fdopen(fd, "re");
	if (!*out) {
		struct cubo_error *err = cubo_error_errno("open /proc/%s", rel);
		close(fd);
		return err;
	}
	return NULL;
}
