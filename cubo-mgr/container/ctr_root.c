/* SPDX-License-Identifier: Apache-2.0 */
/* A container's root filesystem from outside it: see ctr_root.h. */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "cubo-mgr/container/bundle.h"
#include "cubo-mgr/container/ctr_root.h"
#include "cubo-mgr/container/monitor.h"
#include "cubo-mgr/container/rootfs.h"
#include "shared/fs.h"
#include "shared/lock.h"
#include "shared/path_in_root.h"
#include "shared/testpoint.h"
#include "shared/xalloc.h"
#include "spec/config.h"

/* A start in progress is waited for this long, looking again this often. */
#define CTR_ROOT_START_WAIT_MS 60000
#define CTR_ROOT_POLL_MS 10

/* The PPid of /proc/PID/status, or -1. */
static pid_t parent_of(pid_t pid)
{
	char path[64], *text = NULL;
	snprintf(path, sizeof(path), "/proc/%d/status", pid);
	struct cubo_error *err = cubo_read_file(path, &text, NULL);
	pid_t ppid = -1;
	if (!err) {
		const char *p = strstr(text, "\nPPid:");
		if (p)
			ppid = (pid_t)strtol(p + strlen("\nPPid:"), NULL, 10);
	}
	cubo_error_free(err);
	free(text);
	return ppid;
}

/*
 * /proc/PID/root of the running container. The pidfd pins the process: if
 * it still lives after the root was opened, the root is that process's,
 * and its parent being the monitor proves it the container's init.
 */
static struct cubo_error *open_init_root(const struct ctr_record *r, int *out)
{
	int pidfd = (int)syscall(SYS_pidfd_open, r->pid, 0);
	if (pidfd < 0)
		return cubo_error_errno("container %s: its process %d", r->name, r->pid);
	struct cubo_error *err = NULL;
	char path[64];
	snprintf(path, sizeof(path), "/proc/%d/root", r->pid);
	int fd = -1;
	if (parent_of(r->pid) != r->monitor_pid)
		err = cubo_error_new("container %s: process %d is not its init any more", r->name,
				     r->pid);
	else if ((fd = open(path, O_PATH | O_DIRECTORY | O_CLOEXEC)) < 0)
		err = cubo_error_errno("container %s: open %s", r->name, path);
	else if (syscall(SYS_pidfd_send_signal, pidfd, 0, NULL, 0) < 0)
		err = cubo_error_new("container %s stopped", r->name);
	close(pidfd);
	if (err && fd >= 0)
		close(fd);
	if (!err)
		*out = fd;
	return err;
}

static bool has_option(const struct oci_mount *mt, const char *opt)
{
	for (size_t i = 0; i < mt->options.n; i++)
		if (!strcmp(mt->options.v[i], opt))
			return true;
	return false;
}

/* The bind just made at dest read-only: found again, its fd is the new mount's root. */
static struct cubo_error *remount_ro(int rootfd, const char *dest)
{
	int fd;
	CUBO_TRY(cubo_open_in_root(rootfd, dest, O_PATH, 0, &fd));
	char at[64];
	snprintf(at, sizeof(at), "/proc/self/fd/%d", fd);
	struct cubo_error *err = NULL;
	if (mount(NULL, at, NULL, MS_BIND | MS_REMOUNT | MS_RDONLY, NULL) < 0)
		err = cubo_error_errno("make %s read-only", dest);
	close(fd);
	return err;
}

/*
 * The container's bind mounts (its volumes, -v host directories, its /etc
 * files) over the stopped container's root, as they are when it runs, so a
 * copy into a volume goes into the volume, not into the overlay beneath
 * it. A destination is resolved inside the root and mounted on through its
 * fd, made there when missing (as the runtime makes it at start).
 */
static struct cubo_error *bind_mounts(int rootfd, const char *ctr_dir)
{
	char *path = cubo_path_join(ctr_dir, "config.json");
	struct oci_config *cfg;
	struct cubo_error *err = oci_config_load(path, &cfg);
	free(path);
	CUBO_TRY(err);
	for (size_t i = 0; !err && i < cfg->n_mounts; i++) {
		const struct oci_mount *mt = &cfg->mounts[i];
		if (!mt->type || strcmp(mt->type, "bind") || !mt->source ||
		    !strcmp(mt->destination, BUNDLE_INIT_DEST))
			continue;
		int src = open(mt->source, O_PATH | O_CLOEXEC), dst = -1;
		struct stat st;
		if (src < 0 || fstat(src, &st) < 0) {
			if (src >= 0)
				close(src);
			continue; /* an /etc file not made yet */
		}
		/* the mount point, made inside the root as the runtime makes it at start */
		err = S_ISDIR(st.st_mode)
			      ? cubo_mkdir_all_in_root(rootfd, mt->destination, 0755, &dst)
			      : cubo_mkfile_in_root(rootfd, mt->destination, 0644, &dst);
		if (err) {
			close(src);
			err = cubo_error_wrap(err, "mount point %s", mt->destination);
			break;
		}
		char from[64], to[64];
		snprintf(from, sizeof(from), "/proc/self/fd/%d", src);
		snprintf(to, sizeof(to), "/proc/self/fd/%d", dst);
		if (mount(from, to, NULL, MS_BIND | MS_REC, NULL) < 0)
			err = cubo_error_errno("bind %s on %s", mt->source, mt->destination);
		close(src);
		close(dst);
		if (!err && has_option(mt, "ro"))
			err = remount_ro(rootfd, mt->destination);
	}
	oci_config_free(cfg);
	return err;
}

/* The overlay (or the vfs copy) of a container nothing runs, under its lock. */
static struct cubo_error *mount_stopped(const struct ctr_store *s, const char *layers_dir,
					const char *driver, const struct ctr_record *r,
					struct ctr_root *out)
{
	char *dir = ctr_store_dir(s, r->id);
	struct cubo_error *err = rootfs_private_namespace();
	bool copied;
	if (!err)
		err = rootfs_prepare(dir);
	if (!err)
		err = rootfs_mount_or_copy(layers_dir, r->layers, dir, driver, &copied);
	if (!err) {
		char *rootfs = cubo_path_join(dir, "rootfs");
		if (!copied)
			out->mounted = xstrdup(rootfs);
		out->fd = open(rootfs, O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
		if (out->fd < 0)
			err = cubo_error_errno("open %s", rootfs);
		if (!err)
			err = bind_mounts(out->fd, dir);
		free(rootfs);
	}
	free(dir);
	return cubo_error_wrap(err, "container %s", r->name);
}

/*
 * One look under the container's lock. *again: a monitor is bringing it up,
 * look again once it runs (its init's root) or failed (its overlay).
 */
static struct cubo_error *try_open(const struct ctr_store *s, const char *layers_dir,
				   const char *driver, const struct ctr_record *r,
				   struct ctr_root *out, bool *again)
{
	*again = false;
	int lock;
	CUBO_TRY(ctr_store_lock(s, r->id, &lock));
	/* the record as it is now that nobody can change it */
	char *dir = ctr_store_dir(s, r->id);
	struct ctr_record now;
	struct cubo_error *err = ctr_record_load(dir, &now);
	free(dir);
	if (err) {
		cubo_unlock(lock);
		return err;
	}
	bool monitored = now.monitor_pid && monitor_alive(now.monitor_pid, now.monitor_start_time);
	if (monitored && (now.status == CTR_RUNNING || now.status == CTR_PAUSED) && now.pid > 0) {
		err = open_init_root(&now, &out->fd);
		cubo_unlock(lock);
	} else if (monitored && now.restarting) {
		/* its overlay is mounted in the monitor's namespace, and no process runs */
		err = cubo_error_new("container %s is restarting: try again once it runs",
				     now.name);
		cubo_unlock(lock);
	} else if (monitored) {
		*again = true;
		cubo_unlock(lock);
	} else if (now.status == CTR_REMOVING) {
		err = cubo_error_new("container %s is being removed", now.name);
		cubo_unlock(lock);
	} else {
		out->lock = lock;
		err = mount_stopped(s, layers_dir, driver, &now, out);
		if (err)
			ctr_root_close(out);
		else
			cubo_test_point("cp-after-mount");
	}
	ctr_record_free(&now);
	return err;
}

struct cubo_error *ctr_root_open(const struct ctr_store *s, const char *layers_dir,
				 const char *driver, const struct ctr_record *r,
				 struct ctr_root *out)
{
	out->fd = -1;
	out->lock = -1;
	out->mounted = NULL;
	for (int i = 0; i < CTR_ROOT_START_WAIT_MS / CTR_ROOT_POLL_MS; i++) {
		bool again;
		CUBO_TRY(try_open(s, layers_dir, driver, r, out, &again));
		if (!again)
			return NULL;
		struct timespec ts = {0, CTR_ROOT_POLL_MS * 1000 * 1000};
		nanosleep(&ts, NULL);
	}
	return cubo_error_new("container %s: still starting after %d s", r->name,
			      CTR_ROOT_START_WAIT_MS / 1000);
}

void ctr_root_close(struct ctr_root *root)
{
	if (root->fd >= 0)
		close(root->fd);
	/* our namespace's mount must be gone before a monitor may mount the same upper */
	if (root->mounted && umount2(root->mounted, MNT_DETACH) < 0)
		fprintf(stderr, "WARNING: unmount %s: %s\n", root->mounted, strerror(errno));
	free(root->mounted);
	if (root->lock >= 0)
		cubo_unlock(root->lock);
	root->fd = root->lock = -1;
	root->mounted = NULL;
}
