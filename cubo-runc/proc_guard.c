/* SPDX-License-Identifier: Apache-2.0 */
#include "cubo-runc/proc_guard.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cubo-runc/mounts.h"
#include "cubo-runc/procfd.h"
#include "shared/path_in_root.h"

/* What lxcfs and similar tools mount over, as runc allows them. */
static const char *const allowed_files[] = {
	"/proc/cpuinfo",
	"/proc/diskstats",
	"/proc/meminfo",
	"/proc/stat",
	"/proc/swaps",
	"/proc/uptime",
	"/proc/loadavg",
	"/proc/slabinfo",
	"/proc/net/dev",
	"/proc/sys/kernel/ns_last_pid",
	"/proc/sys/crypto/fips_enabled",
};

bool proc_guard_file_allowed(const char *clean_dest)
{
	for (size_t i = 0; i < sizeof(allowed_files) / sizeof(allowed_files[0]); i++)
		if (!strcmp(clean_dest, allowed_files[i]))
			return true;
	return false;
}

static bool is_beneath_proc(const char *clean)
{
	return !strncmp(clean, "/proc/", 6);
}

struct cubo_error *proc_guard_plain_dir(int rootfd, const char *dest, const char *what)
{
	struct stat st;
	int fd;
	struct cubo_error *err = cubo_open_in_root(rootfd, dest, O_PATH | O_NOFOLLOW, 0, &fd);

	if (err && err->errnum == ENOENT) {
		cubo_error_free(err);
		return NULL; /* made as a directory */
	}
	CUBO_TRY_CTX(err, "%s", what);
	int r = fstat(fd, &st);
	close(fd);
	if (r < 0)
		return cubo_error_errno("%s: stat %s", what, dest);
	if (!S_ISDIR(st.st_mode))
		return cubo_error_new("%s: must be mounted on an ordinary directory, and %s is %s",
				      what, dest, S_ISLNK(st.st_mode) ? "a symlink" : "not one");
	return NULL;
}

/* Is targetfd the rootfs's /proc directory (whatever is mounted on it yet)? */
static bool is_proc_dir(int rootfd, int targetfd)
{
	struct stat t, p;
	int fd;
	struct cubo_error *err;

	if (procfd_is_procfs(targetfd, true))
		return true;
	err = cubo_open_in_root(rootfd, "/proc", O_PATH | O_NOFOLLOW, 0, &fd);
	if (err) {
		cubo_error_free(err);
		return false;
	}
	bool same = fstat(fd, &p) == 0 && fstat(targetfd, &t) == 0 && p.st_dev == t.st_dev &&
		    p.st_ino == t.st_ino;
	close(fd);
	return same;
}

struct cubo_error *proc_guard_target(int rootfd, const char *dest, int targetfd, int srcfd,
				     bool fresh_proc, const char *what)
{
	struct cubo_error *err = NULL;
	char *clean;

	if (is_proc_dir(rootfd, targetfd)) {
		if (fresh_proc || (srcfd >= 0 && procfd_is_procfs(srcfd, true)))
			return NULL;
		return cubo_error_new("%s: only a procfs may be mounted on /proc", what);
	}
	clean = mount_clean_path(dest);
	if ((procfd_is_procfs(targetfd, false) || is_beneath_proc(clean)) &&
	    !proc_guard_file_allowed(clean))
		err = cubo_error_new("%s: %s is inside /proc, where only a procfs itself and the "
				     "files lxcfs provides (/proc/cpuinfo, /proc/meminfo, ...) may "
				     "be mounted",
				     what, dest);
	free(clean);
	return err;
}
