/* SPDX-License-Identifier: Apache-2.0 */
/* The config's mounts, made one by one beneath the rootfs: see mounts.h. */
#include "cubo-runc/mounts.h"
#include "cubo-runc/mounts_priv.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <sched.h>
#include <signal.h>
#include <unistd.h>

#include "cubo-runc/proc_guard.h"
#include "shared/path_in_root.h"
#include "shared/xalloc.h"

/* ---- helpers ---- */

bool mount_is_bind(const struct oci_mount *m)
{
	if (m->type && !strcmp(m->type, "bind"))
		return true;
	for (size_t i = 0; i < m->options.n; i++)
		if (!strcmp(m->options.v[i], "bind") || !strcmp(m->options.v[i], "rbind"))
			return true;
	return false;
}

char *mount_clean_path(const char *path)
{
	char *out = xmalloc(strlen(path) + 2), *p = out;
	const char *s = path;
	if (*s == '/')
		*p++ = '/';
	while (*s) {
		while (*s == '/')
			s++;
		const char *end = strchrnul(s, '/');
		size_t len = (size_t)(end - s);
		if (len && !(len == 1 && s[0] == '.')) {
			if (p > out && p[-1] != '/')
				*p++ = '/';
			memcpy(p, s, len);
			p += len;
		}
		s = end;
	}
	if (p == out)
		*p++ = path[0] == '/' ? '/' : '.';
	*p = '\0';
	return out;
}

void mount_fd_path(char buf[32], int fd)
{
	snprintf(buf, 32, "/proc/self/fd/%d", fd);
}

int mount_fd_setattr(int fd, bool recursive, uint64_t set, uint64_t clr, uint64_t propagation)
{
	struct mount_attr attr = {.attr_set = set, .attr_clr = clr, .propagation = propagation};
	return mount_setattr(fd, "", AT_EMPTY_PATH | (recursive ? AT_RECURSIVE : 0), &attr,
			     sizeof(attr));
}

/*
 * In a user namespace the flags a mount inherited from a more privileged
 * one (ro, nosuid, nodev, noexec, atime) are locked: asking to clear them is
 * EPERM. runc keeps them silently; so do we, on the second try.
 */
static int setattr_keep_locked(int fd, bool recursive, uint64_t set, uint64_t clr)
{
	if (!set && !clr)
		return 0;
	if (mount_fd_setattr(fd, recursive, set, clr, 0) == 0)
		return 0;
	if (errno != EPERM || !clr)
		return -1;
	struct statvfs sv;
	if (fstatvfs(fd, &sv) < 0)
		return -1;
	uint64_t locked = 0;
	if (sv.f_flag & ST_RDONLY)
		locked |= MOUNT_ATTR_RDONLY;
	if (sv.f_flag & ST_NOSUID)
		locked |= MOUNT_ATTR_NOSUID;
	if (sv.f_flag & ST_NODEV)
		locked |= MOUNT_ATTR_NODEV;
	if (sv.f_flag & ST_NOEXEC)
		locked |= MOUNT_ATTR_NOEXEC;
	if (sv.f_flag & (ST_NOATIME | ST_RELATIME))
		locked |= MOUNT_ATTR__ATIME;
	if (clr & MOUNT_ATTR__ATIME & locked)
		set &= ~(uint64_t)MOUNT_ATTR__ATIME;
	clr &= ~locked;
	errno = 0;
	return mount_fd_setattr(fd, recursive, set, clr, 0);
}

struct cubo_error *mount_bind_onto(int dirfd, const char *path, bool recursive, uint64_t attr_set,
				   int targetfd)
{
	unsigned flags = OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC | (recursive ? AT_RECURSIVE : 0);
	if (!*path)
		flags |= AT_EMPTY_PATH;
	int tree = open_tree(dirfd, path, flags);
	if (tree < 0)
		return cubo_error_errno("open_tree %s", *path ? path : "(fd)");
	if (attr_set && mount_fd_setattr(tree, recursive, attr_set, 0, 0) < 0) {
		int e = errno;
		close(tree);
		return cubo_error_new_errno(e, "set mount attributes");
	}
	if (move_mount(tree, "", targetfd, "", MOVE_MOUNT_F_EMPTY_PATH | MOVE_MOUNT_T_EMPTY_PATH) <
	    0) {
		int e = errno;
		close(tree);
		return cubo_error_new_errno(e, "move_mount");
	}
	close(tree);
	return NULL;
}

struct cubo_error *mount_empty_tmpfs_onto(int targetfd)
{
	struct cubo_error *err = NULL;
	int fs, mnt = -1;

	fs = fsopen("tmpfs", FSOPEN_CLOEXEC);
	if (fs < 0)
		return cubo_error_errno("fsopen tmpfs");
	if (fsconfig(fs, FSCONFIG_SET_STRING, "source", "tmpfs", 0) < 0 ||
	    fsconfig(fs, FSCONFIG_CMD_CREATE, NULL, NULL, 0) < 0)
		err = cubo_error_errno("create a tmpfs");
	if (!err) {
		mnt = fsmount(fs, FSMOUNT_CLOEXEC, MOUNT_ATTR_RDONLY);
		if (mnt < 0)
			err = cubo_error_errno("fsmount tmpfs");
	}
	if (!err && move_mount(mnt, "", targetfd, "",
			       MOVE_MOUNT_F_EMPTY_PATH | MOVE_MOUNT_T_EMPTY_PATH) < 0)
		err = cubo_error_errno("attach a tmpfs");
	if (mnt >= 0)
		close(mnt);
	close(fs);
	return err;
}

/* ---- one config mount ---- */

void mount_describe(char *buf, size_t len, const char *type, const char *dest, size_t index)
{
	snprintf(buf, len, "mount %s on %s (mounts[%zu])", type, dest, index);
}

struct cubo_error *mount_job_error(const struct mount_job *j, int errnum, const char *step)
{
	if (step)
		return cubo_error_new_errno(errnum, "%s: %s", j->what, step);
	return cubo_error_new_errno(errnum, "%s", j->what);
}

static struct cubo_error *apply_propagation(const struct mount_job *j, int mntfd)
{
	for (size_t i = 0; i < j->o.n_propagation; i++) {
		unsigned long p = j->o.propagation[i];
		if (mount_fd_setattr(mntfd, p & MS_REC, 0, 0, p & ~(unsigned long)MS_REC) < 0)
			return mount_job_error(j, errno, "set propagation");
	}
	return NULL;
}

static struct cubo_error *write_map(int procfd, const char *file, const struct oci_id_mapping *v,
				    size_t n)
{
	char *text = NULL;
	size_t len = 0;
	FILE *mem = open_memstream(&text, &len);

	if (!mem)
		return cubo_error_errno("write %s", file);
	for (size_t i = 0; i < n; i++)
		fprintf(mem, "%u %u %u\n", v[i].container_id, v[i].host_id, v[i].size);
	fclose(mem);
	int fd = openat(procfd, file, O_WRONLY | O_CLOEXEC);
	struct cubo_error *err = NULL;
	if (fd < 0 || write(fd, text, len) != (ssize_t)len)
		err = cubo_error_errno("write %s", file);
	if (fd >= 0)
		close(fd);
	free(text);
	return err;
}

/*
 * An idmapped mount takes its mapping from a user namespace: make one with
 * the mount's uidMappings/gidMappings in a short-lived child and keep its fd.
 * The child shares our fd table and opens its own /proc/self for us: /proc
 * may belong to another pid namespace than ours, so its pid is no use.
 */
static struct cubo_error *idmap_userns(const struct oci_mount *m, const char *what, int *out)
{
	struct cubo_error *err = NULL;
	int ready[2], done[2];

	if (!m->n_uid_mappings || !m->n_gid_mappings)
		return cubo_error_new("%s: an idmap mount needs uidMappings and gidMappings", what);
	if (pipe2(ready, O_CLOEXEC) < 0)
		return cubo_error_errno("%s: pipe", what);
	if (pipe2(done, O_CLOEXEC) < 0) {
		err = cubo_error_errno("%s: pipe", what);
		close(ready[0]);
		close(ready[1]);
		return err;
	}
	pid_t pid = (pid_t)syscall(SYS_clone, CLONE_NEWUSER | CLONE_FILES | SIGCHLD, NULL, NULL,
				   NULL, NULL);
	if (pid == 0) {
		/* Shared fd table: close nothing here. */
		int procfd = open("/proc/self", O_PATH | O_DIRECTORY | O_CLOEXEC);
		char c;
		(void)!write(ready[1], &procfd, sizeof(procfd));
		(void)!read(done[0], &c, 1);
		_exit(0);
	}
	if (pid < 0) {
		err = cubo_error_errno("%s: create user namespace", what);
	} else {
		int procfd = -1;
		if (read(ready[0], &procfd, sizeof(procfd)) != sizeof(procfd) || procfd < 0)
			err = cubo_error_new("open the helper's /proc entry");
		if (!err)
			err = write_map(procfd, "uid_map", m->uid_mappings, m->n_uid_mappings);
		if (!err)
			err = write_map(procfd, "gid_map", m->gid_mappings, m->n_gid_mappings);
		if (!err) {
			*out = openat(procfd, "ns/user", O_RDONLY | O_CLOEXEC);
			if (*out < 0)
				err = cubo_error_errno("open user namespace");
		}
		if (procfd >= 0)
			close(procfd);
	}
	close(done[1]); /* lets the child go */
	close(done[0]);
	close(ready[0]);
	close(ready[1]);
	while (pid > 0 && waitpid(pid, NULL, 0) < 0 && errno == EINTR)
		;
	return cubo_error_wrap(err, "%s: idmap", what);
}

struct cubo_error *mount_idmap_tree(const struct oci_mount *m, bool recursive, const char *what,
				    int tree, int userns_fd)
{
	int own = -1;

	if (m->n_uid_mappings || m->n_gid_mappings || userns_fd < 0) {
		CUBO_TRY(idmap_userns(m, what, &own));
		userns_fd = own;
	}
	struct mount_attr attr = {.attr_set = MOUNT_ATTR_IDMAP, .userns_fd = (uint64_t)userns_fd};
	int r = mount_setattr(tree, "", AT_EMPTY_PATH | (recursive ? AT_RECURSIVE : 0), &attr,
			      sizeof(attr));
	int e = errno;
	if (own >= 0)
		close(own);
	return r < 0 ? cubo_error_new_errno(e, "%s: set idmap", what) : NULL;
}

bool mount_wants_idmap(const struct oci_mount *m, const struct mount_opts *o)
{
	return o->idmap || o->ridmap || m->n_uid_mappings || m->n_gid_mappings;
}

/* Recursive attributes and propagation, on a mount already in place. */
struct cubo_error *mount_job_finish(const struct mount_job *j, int mntfd)
{
	if ((j->o.rattr_set || j->o.rattr_clr) &&
	    setattr_keep_locked(mntfd, true, j->o.rattr_set, j->o.rattr_clr) < 0)
		return mount_job_error(j, errno, "set recursive attributes");
	return apply_propagation(j, mntfd);
}

/* After mount(2) onto an fd, that fd still names what is underneath: look again. */
static struct cubo_error *reopen_and_finish(const struct mount_job *j)
{
	int fd;
	if (!j->o.rattr_set && !j->o.rattr_clr && !j->o.n_propagation)
		return NULL;
	CUBO_TRY_CTX(cubo_open_in_root(j->rootfd, j->dest, O_PATH, 0, &fd), "%s", j->what);
	struct cubo_error *err = mount_job_finish(j, fd);
	close(fd);
	return err;
}

char *mount_bind_source(const char *bundle, const char *src)
{
	/* Relative bind sources are relative to the bundle (config.md "Mounts"). */
	if (src[0] != '/' && bundle)
		return xasprintf("%s/%s", bundle, src);
	return xstrdup(src);
}

/* The target: a directory, or a file when what goes there is not one. */
static struct cubo_error *open_target(const struct mount_job *j, bool is_dir, int *fd)
{
	if (is_dir)
		CUBO_TRY_CTX(cubo_mkdir_all_in_root(j->rootfd, j->dest, 0755, fd), "%s", j->what);
	else
		CUBO_TRY_CTX(cubo_mkfile_in_root(j->rootfd, j->dest, 0644, fd), "%s", j->what);
	return NULL;
}

/*
 * The clone is set up while detached, so nothing is visible until it is all
 * set, then attached on targetfd. host_tree: the runtime made the clone (and
 * any idmap) in the container's mount namespace before the init took over,
 * ahead of the propagation the init then gave every other mount.
 */
static struct cubo_error *attach_clone(const struct mount_job *j, int tree, int targetfd,
				       bool host_tree)
{
	uint64_t set, clr;

	CUBO_TRY(proc_guard_target(j->rootfd, j->dest, targetfd, tree, false, j->what));
	if (!host_tree && mount_wants_idmap(j->m, &j->o))
		CUBO_TRY(mount_idmap_tree(j->m, j->o.ridmap, j->what, tree, -1));
	if ((j->o.rattr_set || j->o.rattr_clr) &&
	    setattr_keep_locked(tree, true, j->o.rattr_set, j->o.rattr_clr) < 0)
		return mount_job_error(j, errno, "set recursive attributes");
	mount_opts_to_attr(&j->o, &set, &clr);
	if (setattr_keep_locked(tree, false, set, clr) < 0)
		return mount_job_error(j, errno, "set attributes");
	if (move_mount(tree, "", targetfd, "", MOVE_MOUNT_F_EMPTY_PATH | MOVE_MOUNT_T_EMPTY_PATH) <
	    0)
		return mount_job_error(j, errno, NULL);
	if (host_tree) {
		unsigned long p = rootfs_clone_propagation(j->ctx);
		if (mount_fd_setattr(tree, p & MS_REC, 0, 0, p & ~(unsigned long)MS_REC) < 0)
			return mount_job_error(j, errno, "set propagation");
	}
	return apply_propagation(j, tree);
}

struct cubo_error *mount_job_bind(const struct mount_job *j, const char *source, bool recursive)
{
	struct stat st;
	struct cubo_error *err = NULL;
	int targetfd = -1, tree = -1;

	if (!source)
		return cubo_error_new("%s: a bind mount needs a source", j->what);
	char *src = mount_bind_source(j->ctx->bundle, source);
	if (stat(src, &st) < 0) {
		err = cubo_error_errno("%s: source %s", j->what, src);
		goto out;
	}
	if ((err = open_target(j, S_ISDIR(st.st_mode), &targetfd)))
		goto out;

	tree = open_tree(AT_FDCWD, src,
			 OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC | (recursive ? AT_RECURSIVE : 0));
	if (tree < 0) {
		err = cubo_error_errno("%s: open_tree %s", j->what, src);
		goto out;
	}
	err = attach_clone(j, tree, targetfd, false);
out:
	if (tree >= 0)
		close(tree);
	if (targetfd >= 0)
		close(targetfd);
	free(src);
	return err;
}

/* A bind whose source the runtime cloned on the host side (mount_sources.h). */
static struct cubo_error *mount_job_bind_host_tree(const struct mount_job *j, int tree)
{
	struct stat st;
	int targetfd;

	if (fstat(tree, &st) < 0)
		return mount_job_error(j, errno, "stat the source");
	CUBO_TRY(open_target(j, S_ISDIR(st.st_mode), &targetfd));
	struct cubo_error *err = attach_clone(j, tree, targetfd, true);
	close(targetfd);
	return err;
}

/* sysfs and mqueue cannot be mounted in a user namespace that does not own the net/ipc ns. */
static const char *userns_fallback_source(const struct mount_job *j)
{
	if (!j->ctx->in_userns)
		return NULL;
	if (!strcmp(j->type, "sysfs"))
		return "/sys";
	if (!strcmp(j->type, "mqueue"))
		return "/dev/mqueue";
	return NULL;
}

static struct cubo_error *open_fs_target(const struct mount_job *j, int *fd)
{
	/* An existing file stays a file (mounting a filesystem image on it is legal). */
	int r = -1;
	struct cubo_error *err = cubo_open_in_root(j->rootfd, j->dest, O_PATH, 0, &r);
	if (!err) {
		struct stat st;
		if (fstat(r, &st) == 0 && !S_ISDIR(st.st_mode)) {
			*fd = r;
			return NULL;
		}
		close(r);
	} else {
		cubo_error_free(err);
	}
	return open_target(j, true, fd);
}

struct cubo_error *mount_job_new_fs(const struct mount_job *j, const char *type, const char *source,
				    unsigned long extra_ms)
{
	bool is_proc = !strcmp(type, "proc");
	char p[32];
	int fd;

	if (is_proc || !strcmp(type, "sysfs"))
		CUBO_TRY(proc_guard_plain_dir(j->rootfd, j->dest, j->what));
	CUBO_TRY(open_fs_target(j, &fd));
	struct cubo_error *guard = proc_guard_target(j->rootfd, j->dest, fd, -1, is_proc, j->what);
	if (guard) {
		close(fd);
		return guard;
	}
	mount_fd_path(p, fd);
	unsigned long flags = (j->o.ms_set | extra_ms) & ~(unsigned long)(MS_BIND | MS_REC);
	int r = mount(source ? source : type, p, type, flags, j->o.data);
	int e = errno;
	close(fd);
	if (r < 0) {
		const char *fallback = e == EPERM ? userns_fallback_source(j) : NULL;
		struct stat st;
		if (fallback && stat(fallback, &st) == 0)
			return mount_job_bind(j, fallback, true);
		return mount_job_error(j, e, NULL);
	}
	return reopen_and_finish(j);
}

static struct cubo_error *do_remount(const struct mount_job *j, bool bind)
{
	char p[32];
	int fd;

	CUBO_TRY_CTX(cubo_open_in_root(j->rootfd, j->dest, O_PATH, 0, &fd), "%s", j->what);
	struct cubo_error *err = NULL;
	if (bind) {
		uint64_t set, clr;
		mount_opts_to_attr(&j->o, &set, &clr);
		if (setattr_keep_locked(fd, false, set, clr) < 0)
			err = mount_job_error(j, errno, "set attributes");
	} else {
		mount_fd_path(p, fd);
		if (mount(j->m->source, p, j->m->type, j->o.ms_set | MS_REMOUNT, j->o.data) < 0)
			err = mount_job_error(j, errno, NULL);
	}
	if (!err)
		err = mount_job_finish(j, fd);
	close(fd);
	return err;
}

static bool is_dev(const struct oci_mount *m)
{
	char *clean;
	bool dev;

	if (!m->destination)
		return false;
	clean = mount_clean_path(m->destination);
	dev = strcmp(clean, "/dev") == 0;
	free(clean);
	return dev;
}

static bool readonly_later(const struct oci_mount *m, const struct mount_opts *o, bool bind)
{
	return !bind && !o->remount && (o->ms_set & MS_RDONLY) && is_dev(m);
}

bool mount_is_bind_opts(const struct oci_mount *m, const struct mount_opts *o)
{
	return o->bind || o->rbind || (m->type && !strcmp(m->type, "bind"));
}

bool mount_readonly_later(const struct oci_mount *m)
{
	struct mount_opts o;
	struct cubo_error *err;
	bool later;

	/* finalize asks this of every mount: only /dev needs its options parsed */
	if (!is_dev(m))
		return false;
	err = mount_opts_parse(&m->options, &o);
	if (err) {
		cubo_error_free(err);
		return false;
	}
	later = readonly_later(m, &o, mount_is_bind_opts(m, &o));
	mount_opts_free(&o);
	return later;
}

static struct cubo_error *mount_one(const struct rootfs_ctx *ctx, int rootfd,
				    const struct oci_mount *m, size_t index, int host_tree)
{
	struct mount_job j = {.ctx = ctx, .rootfd = rootfd, .m = m, .dest = m->destination};
	struct cubo_error *err;

	if (!m->destination || !*m->destination)
		return cubo_error_new("mounts[%zu]: destination is empty", index);
	CUBO_TRY_CTX(mount_opts_parse(&m->options, &j.o), "mounts[%zu]", index);
	bool bind = mount_is_bind_opts(m, &j.o);
	j.type = bind ? "bind" : (m->type ? m->type : "none");
	if (readonly_later(m, &j.o, bind))
		j.o.ms_set &= ~(unsigned long)MS_RDONLY;
	mount_describe(j.what, sizeof(j.what), j.type, j.dest, index);

	if (mount_wants_idmap(m, &j.o) && !bind)
		err = cubo_error_new("%s: idmap is only supported for bind mounts", j.what);
	else if (j.o.remount)
		err = do_remount(&j, bind);
	else if (bind && host_tree >= 0)
		err = mount_job_bind_host_tree(&j, host_tree);
	else if (bind)
		err = mount_job_bind(&j, m->source, j.o.rbind);
	else if (!m->type)
		err = cubo_error_new("%s: no type", j.what);
	else if (!strcmp(m->type, "cgroup") || !strcmp(m->type, "cgroup2"))
		err = mount_job_cgroup(&j);
	else
		err = mount_job_new_fs(&j, m->type, m->source, 0);
	mount_opts_free(&j.o);
	return err;
}

struct cubo_error *mounts_apply(const struct rootfs_ctx *ctx, int rootfd)
{
	for (size_t i = 0; i < ctx->cfg->n_mounts; i++) {
		if (ctx->log)
			cubo_debug(ctx->log, "mount %s", ctx->cfg->mounts[i].destination);
		int *tree = i < ctx->n_host_trees ? &ctx->host_trees[i] : NULL;
		struct cubo_error *err =
			mount_one(ctx, rootfd, &ctx->cfg->mounts[i], i, tree ? *tree : -1);
		/* attached or not, the init holds it no longer than its mount */
		if (tree && *tree >= 0) {
			close(*tree);
			*tree = -1;
		}
		CUBO_TRY(err);
	}
	return NULL;
}
