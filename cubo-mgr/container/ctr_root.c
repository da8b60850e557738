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
#include <sys/syscall.h>
#include <unistd.h>

#include "cubo-mgr/container/ctr_root.h"
#include "cubo-mgr/container/monitor.h"
#include "cubo-mgr/container/rootfs.h"
#include "shared/fs.h"
#include "shared/lock.h"
#include "shared/testpoint.h"

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
		out->fd = open(rootfs, O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
		if (out->fd < 0)
			err = cubo_error_errno("open %s", rootfs);
		if (!copied)
			out->mounted = rootfs;
		else
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
