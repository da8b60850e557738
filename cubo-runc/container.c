/* SPDX-License-Identifier: Apache-2.0 */
#include "cubo-runc/container.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "cubo-runc/cgroup.h"
#include "cubo-runc/systemd_cgroup.h"
#include "cubo-runc/mountinfo.h"
#include "shared/fs.h"
#include "shared/testpoint.h"
#include "shared/xalloc.h"

/* An exited init may stay a zombie a moment: look each ms, this long at most. */
#define ZOMBIE_WAIT_MS 1000
/* How long start waits for the init to take the go-ahead from exec.fifo. */
#define START_WAIT_MS 10000

const char *container_status_name(enum container_status s)
{
	switch (s) {
	case STATUS_CREATING:
		return "creating";
	case STATUS_CREATED:
		return "created";
	case STATUS_RUNNING:
		return "running";
	case STATUS_PAUSED:
		return "paused";
	case STATUS_STOPPED:
		return "stopped";
	}
	return "unknown";
}

/*
 * state.json is replaced without an fsync (create.c says why), so after a
 * power cut on a disk-backed --root it may be empty, or hold zeros where the
 * data never reached the disk. That container is treated as one whose
 * create never finished: delete --force then removes it through the cgroup
 * record, rather than every command failing on it.
 */
static bool state_lost(const char *json, size_t len)
{
	for (size_t i = 0; i < len; i++)
		if (json[i])
			return false;
	return true;
}

struct cubo_error *container_load(const char *root, const char *id, bool lock,
				  struct container **out)
{
	struct container *c = xcalloc(1, sizeof(*c));
	struct cubo_error *err = NULL;
	char *json = NULL;
	size_t len;
	int dirfd;

	c->lockfd = -1;
	c->id = xstrdup(id);
	c->dir = cubo_path_join(root, id);
	dirfd = open(c->dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dirfd < 0) {
		err = errno == ENOENT ? cubo_error_new("container \"%s\" does not exist", id)
				      : cubo_error_errno("open %s", c->dir);
		container_free(c);
		return err;
	}
	if (lock) {
		int r;
		do
			r = flock(dirfd, LOCK_EX);
		while (r < 0 && errno == EINTR);
		if (r < 0) {
			err = cubo_error_errno("lock %s", c->dir);
			close(dirfd);
			container_free(c);
			return err;
		}
		c->lockfd = dirfd;
	}
	err = cubo_read_file_at(dirfd, "state.json", &json, &len);
	if (!lock)
		close(dirfd);
	if (err) {
		if (err->errnum == ENOENT) {
			/* created by a `create` still running, or one that crashed */
			cubo_error_free(err);
			*out = c;
			return NULL;
		}
		container_free(c);
		return err;
	}
	if (state_lost(json, len)) {
		free(json);
		*out = c;
		return NULL;
	}
	err = oci_state_parse(json, len, "state.json", &c->state);
	free(json);
	if (err) {
		container_free(c);
		return cubo_error_wrap(err, "container \"%s\"", id);
	}
	*out = c;
	return NULL;
}

void container_free(struct container *c)
{
	if (!c)
		return;
	if (c->lockfd >= 0)
		close(c->lockfd);
	oci_state_free(c->state);
	free(c->id);
	free(c->dir);
	free(c);
}

static bool init_alive(const struct container *c)
{
	if (!c->state || c->state->pid <= 0)
		return false;
	uint64_t start = cubo_proc_start_time(c->state->pid);
	return start && start == c->state->pid_start_time;
}

enum container_status container_status(const struct container *c)
{
	char fifo[PATH_MAX];

	if (!c->state)
		return STATUS_CREATING;
	if (!init_alive(c))
		return STATUS_STOPPED;
	if (cgroup_paths_frozen(&c->state->cgroup_paths))
		return STATUS_PAUSED;
	snprintf(fifo, sizeof(fifo), "%s/exec.fifo", c->dir);
	if (access(fifo, F_OK) == 0)
		return STATUS_CREATED;
	return STATUS_RUNNING;
}

int container_pidfd(const struct container *c)
{
	int fd;

	if (!c->state || c->state->pid <= 0)
		return -1;
	fd = (int)syscall(SYS_pidfd_open, c->state->pid, 0);
	if (fd < 0)
		return -1;
	/* the pidfd pins the process: if it is still ours now, it stays ours */
	if (!init_alive(c)) {
		close(fd);
		return -1;
	}
	return fd;
}

struct cubo_error *unmount_below(const char *dir)
{
	struct mountinfo mi;
	size_t len = strlen(dir);

	CUBO_TRY(mountinfo_read("/proc/self/mountinfo", &mi));
	/* mountinfo lists parents before children: walk it backwards */
	for (size_t i = mi.n; i-- > 0;) {
		const char *mp = mi.v[i].mountpoint;
		if (strncmp(mp, dir, len) == 0 && mp[len] == '/')
			umount2(mp, MNT_DETACH);
	}
	mountinfo_free(&mi);
	return NULL;
}

struct cubo_error *container_kill_leftovers(const struct container *c)
{
	struct cgroup_set *cg;
	struct cubo_error *err = cgroup_set_load(c->dir, NULL, &cg);

	if (!err)
		err = cgroup_set_kill_made(cg);
	cgroup_set_free(cg);
	return cubo_error_wrap(err, "kill what the create of container \"%s\" left", c->id);
}

struct cubo_error *container_destroy(struct container *c)
{
	struct cgroup_set *cg;
	struct cubo_error *err;

	/* Also after a crashed create: the cgroups were recorded before anyone entered. */
	err = cgroup_set_load(c->dir, c->state ? &c->state->cgroup_paths : NULL, &cg);
	if (!err)
		err = cgroup_set_remove(cg);
	if (!err)
		err = systemd_cgroup_remove(cg);
	cgroup_set_free(cg);
	CUBO_TRY_CTX(err, "delete container \"%s\"", c->id);
	cubo_test_point("runc-delete-after-cgroup");
	if (c->state && c->state->host_mounts && c->state->rootfs)
		CUBO_TRY_CTX(unmount_below(c->state->rootfs), "delete container \"%s\"", c->id);
	CUBO_TRY_CTX(cubo_rm_rf(c->dir), "delete container \"%s\"", c->id);
	return NULL;
}

struct cubo_error *container_wait_gone(const struct container *c, int timeout_ms)
{
	int fd = container_pidfd(c);
	struct pollfd pfd;
	int r;

	if (fd < 0)
		return NULL;
	pfd.fd = fd;
	pfd.events = POLLIN;
	do
		r = poll(&pfd, 1, timeout_ms);
	while (r < 0 && errno == EINTR);
	close(fd);
	if (r < 0)
		return cubo_error_errno("wait for container \"%s\"", c->id);
	if (r == 0)
		return cubo_error_new("container \"%s\" did not exit in time", c->id);
	/* a pidfd is readable once the process exited, but it may still be a zombie */
	for (int i = 0; i < ZOMBIE_WAIT_MS && init_alive(c); i++)
		usleep(1000);
	return NULL;
}

struct cubo_error *container_start(struct container *c)
{
	enum container_status st = container_status(c);
	struct pollfd pfd[2];
	char byte;
	int fifo, pidfd, r;
	ssize_t n;

	if (st != STATUS_CREATED)
		return cubo_error_new("cannot start a container that is %s",
				      container_status_name(st));
	cubo_test_point("runc-start-before-go");
	/*
	 * O_NONBLOCK: open at once even if the init died meanwhile; the init,
	 * blocked opening the other end, is released by this open.
	 */
	fifo = openat(c->lockfd, "exec.fifo", O_RDONLY | O_NONBLOCK | O_CLOEXEC);
	if (fifo < 0)
		return cubo_error_errno("open %s/exec.fifo", c->dir);
	pidfd = container_pidfd(c);
	pfd[0] = (struct pollfd){.fd = fifo, .events = POLLIN};
	pfd[1] = (struct pollfd){.fd = pidfd, .events = POLLIN};
	for (;;) {
		r = poll(pfd, pidfd >= 0 ? 2 : 1, START_WAIT_MS);
		if (r < 0 && errno == EINTR)
			continue;
		break;
	}
	if (r <= 0 || !(pfd[0].revents & POLLIN)) {
		struct cubo_error *err =
			r < 0 ? cubo_error_errno("wait for the container to start")
			      : cubo_error_new("container \"%s\" exited before it could start",
					       c->id);
		close(fifo);
		if (pidfd >= 0)
			close(pidfd);
		return err;
	}
	n = read(fifo, &byte, 1);
	close(fifo);
	if (pidfd >= 0)
		close(pidfd);
	if (n != 1)
		return cubo_error_new("container \"%s\" exited before it could start", c->id);
	cubo_test_point("runc-start-after-go");
	if (unlinkat(c->lockfd, "exec.fifo", 0) < 0 && errno != ENOENT)
		return cubo_error_errno("remove %s/exec.fifo", c->dir);
	return NULL;
}

static bool ns_of(pid_t pid, const char *type, struct stat *st)
{
	char path[64];

	if (pid > 0)
		snprintf(path, sizeof(path), "/proc/%d/ns/%s", pid, type);
	else
		snprintf(path, sizeof(path), "/proc/self/ns/%s", type);
	return stat(path, st) == 0;
}

/*
 * Until cgroups track a container's processes, its own pid namespace, or
 * else its own mount namespace, tells which processes are in it. Without
 * either, only the init can be told apart.
 */
static struct cubo_error *kill_namespace_members(const struct container *c, int sig, bool *done)
{
	static const char *const types[] = {"pid", "mnt"};
	struct stat init_ns, self_ns, ns;
	const char *type = NULL;
	struct dirent *de;
	DIR *proc;

	*done = false;
	for (size_t i = 0; i < sizeof(types) / sizeof(types[0]) && !type; i++)
		if (ns_of(c->state->pid, types[i], &init_ns) && ns_of(0, types[i], &self_ns) &&
		    init_ns.st_ino != self_ns.st_ino)
			type = types[i];
	if (!type)
		return NULL;
	proc = opendir("/proc");
	if (!proc)
		return cubo_error_errno("kill --all: open /proc");
	while ((de = readdir(proc))) {
		char *end;
		long pid = strtol(de->d_name, &end, 10);
		if (*end || pid <= 0)
			continue;
		if (ns_of((pid_t)pid, type, &ns) && ns.st_ino == init_ns.st_ino &&
		    ns.st_dev == init_ns.st_dev)
			kill((pid_t)pid, sig);
	}
	closedir(proc);
	*done = true;
	return NULL;
}

struct cubo_error *container_kill(struct container *c, int sig, bool all)
{
	enum container_status st = container_status(c);
	int pidfd;

	if (st != STATUS_CREATED && st != STATUS_RUNNING && st != STATUS_PAUSED)
		return cubo_error_new("container \"%s\" is not running", c->id);
	/* Signal 0 probes the init alone: with --all too, freezing the cgroup
	 * to reach every process would be a cost with nothing to deliver. */
	if (sig == 0)
		all = false;
	/* The cgroup knows every process, also those that left the namespaces. */
	if (all && c->state->cgroup_paths.n) {
		struct cgroup_set *cg;
		struct cubo_error *err = cgroup_set_from_strlist(&c->state->cgroup_paths, &cg);

		if (!err)
			err = cgroup_set_kill_all(cg, sig);
		cgroup_set_free(cg);
		return cubo_error_wrap(err, "kill container \"%s\"", c->id);
	}
	/* SIGKILL to the init of a pid namespace takes every process in it */
	if (all && !(c->state->own_pid_ns && sig == SIGKILL)) {
		bool done;
		CUBO_TRY(kill_namespace_members(c, sig, &done));
		if (done)
			return NULL;
	}
	pidfd = container_pidfd(c);
	if (pidfd < 0)
		return cubo_error_new("container \"%s\" is not running", c->id);
	cubo_test_point("runc-kill-before-signal");
	/* pidfd_send_signal: the signal cannot hit a process that reused the pid */
	if (syscall(SYS_pidfd_send_signal, pidfd, sig, NULL, 0) < 0) {
		struct cubo_error *err = cubo_error_errno("kill container \"%s\"", c->id);
		close(pidfd);
		return err;
	}
	close(pidfd);
	cubo_test_point("runc-kill-after-signal");
	/* A frozen v1 task cannot die: thaw a paused container for SIGKILL, as runc. */
	if (sig == SIGKILL && st == STATUS_PAUSED) {
		struct cgroup_set *cg;
		struct cubo_error *err = cgroup_set_from_strlist(&c->state->cgroup_paths, &cg);

		if (!err)
			err = cgroup_set_freeze(cg, false);
		cgroup_set_free(cg);
		return cubo_error_wrap(err, "kill container \"%s\"", c->id);
	}
	return NULL;
}
