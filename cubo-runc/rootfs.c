/* SPDX-License-Identifier: Apache-2.0 */
#include "cubo-runc/rootfs.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include "cubo-runc/devices.h"
#include "cubo-runc/mount_opts.h"
#include "cubo-runc/mountinfo.h"
#include "cubo-runc/mounts.h"
#include "shared/path_in_root.h"

static bool has_mount_ns(const struct rootfs_ctx *ctx)
{
	const struct oci_linux *lx = ctx->cfg->linux_;
	if (ctx->new_mount_ns)
		return true;
	for (size_t i = 0; lx && i < lx->n_namespaces; i++)
		if (lx->namespaces[i].type && !strcmp(lx->namespaces[i].type, "mount"))
			return true;
	return false;
}

static struct cubo_error *root_propagation(const struct rootfs_ctx *ctx, unsigned long *out)
{
	const char *name = ctx->cfg->linux_ ? ctx->cfg->linux_->rootfs_propagation : NULL;
	*out = 0;
	if (!name || !*name)
		return NULL;
	*out = mount_propagation_flag(name);
	if (!*out)
		return cubo_error_new("linux.rootfsPropagation: unknown value \"%s\"", name);
	return NULL;
}

/*
 * pivot_root fails under a shared parent, and our rootfs bind would
 * propagate to the host's namespace through it: make it private.
 */
static struct cubo_error *rootfs_parent_private(int procfd, const char *rootfs)
{
	struct mountinfo mi;
	struct cubo_error *err = NULL;

	CUBO_TRY(mountinfo_read_self(procfd, &mi));
	const struct mountinfo_entry *parent = mountinfo_find_parent(&mi, rootfs);
	if (parent && strstr(parent->optional, "shared:") &&
	    mount(NULL, parent->mountpoint, NULL, MS_PRIVATE, NULL) < 0)
		err = cubo_error_errno("make %s private", parent->mountpoint);
	mountinfo_free(&mi);
	return err;
}

/*
 * "/" is not a mount point when the runtime itself runs chrooted: then set
 * the propagation of every mount we can see, one by one (the ones above the
 * chroot are out of reach, and out of our mounts' way too).
 */
static struct cubo_error *propagation_without_root_mount(int procfd, unsigned long prop)
{
	struct mountinfo mi;
	struct cubo_error *err = NULL;

	CUBO_TRY(mountinfo_read_self(procfd, &mi));
	for (size_t i = 0; i < mi.n && !err; i++)
		if (mount(NULL, mi.v[i].mountpoint, NULL, prop & ~(unsigned long)MS_REC, NULL) <
			    0 &&
		    errno != EINVAL && errno != ENOENT)
			err = cubo_error_errno("set propagation of %s", mi.v[i].mountpoint);
	mountinfo_free(&mi);
	return err;
}

static unsigned long clone_propagation(unsigned long prop)
{
	/* Nothing we mount may reach the host: slave by default, as runc. */
	if (!prop)
		return MS_SLAVE | MS_REC;
	/*
	 * An unbindable "/" would refuse the rootfs bind below; it becomes
	 * unbindable in rootfs_finalize, once the binds are done.
	 */
	if (prop & MS_UNBINDABLE)
		return MS_PRIVATE | MS_REC;
	return prop;
}

unsigned long rootfs_clone_propagation(const struct rootfs_ctx *ctx)
{
	unsigned long prop;
	struct cubo_error *err = root_propagation(ctx, &prop);

	if (err) {
		/* rootfs_setup refused an unknown one already */
		cubo_error_free(err);
		prop = 0;
	}
	return clone_propagation(prop);
}

static struct cubo_error *prepare_root(const struct rootfs_ctx *ctx)
{
	unsigned long prop;

	CUBO_TRY(root_propagation(ctx, &prop));
	prop = clone_propagation(prop);
	if (mount(NULL, "/", NULL, prop, NULL) < 0) {
		if (errno != EINVAL)
			return cubo_error_errno("set propagation of /");
		CUBO_TRY(propagation_without_root_mount(ctx->procfd, prop));
	}
	CUBO_TRY(rootfs_parent_private(ctx->procfd, ctx->rootfs));
	/* pivot_root needs the new root to be a mount point. */
	if (mount(ctx->rootfs, ctx->rootfs, NULL, MS_BIND | MS_REC, NULL) < 0)
		return cubo_error_errno("bind rootfs %s onto itself", ctx->rootfs);
	return NULL;
}

static struct cubo_error *pivot(int rootfd)
{
	int oldroot = open("/", O_DIRECTORY | O_RDONLY | O_CLOEXEC);
	if (oldroot < 0)
		return cubo_error_errno("open old root");
	struct cubo_error *err = NULL;
	if (fchdir(rootfd) < 0) {
		err = cubo_error_errno("chdir to rootfs");
		goto out;
	}
	/* With new and put_old the same, the old root ends up stacked on "/". */
	if (syscall(SYS_pivot_root, ".", ".") < 0) {
		err = cubo_error_errno("pivot_root");
		goto out;
	}
	if (fchdir(oldroot) < 0) {
		err = cubo_error_errno("chdir to old root");
		goto out;
	}
	/* Our unmount of the old root must not propagate to the host. */
	if (mount(NULL, ".", NULL, MS_SLAVE | MS_REC, NULL) < 0) {
		err = cubo_error_errno("make old root rslave");
		goto out;
	}
	if (umount2(".", MNT_DETACH) < 0) {
		err = cubo_error_errno("unmount old root");
		goto out;
	}
	if (chdir("/") < 0)
		err = cubo_error_errno("chdir /");
out:
	close(oldroot);
	return err;
}

/*
 * pivot_root needs the current root to be a mount point, which it is not
 * when the runtime itself runs chrooted (a build root, a test root): there
 * the rootfs is moved onto "/" as with --no-pivot.
 */
static bool root_is_mount_point(void)
{
	struct statx stx;

	if (statx(AT_FDCWD, "/", 0, STATX_BASIC_STATS, &stx) < 0 ||
	    !(stx.stx_attributes_mask & STATX_ATTR_MOUNT_ROOT))
		return true; /* cannot tell: let pivot_root decide */
	return (stx.stx_attributes & STATX_ATTR_MOUNT_ROOT) != 0;
}

/*
 * Without pivot_root the host's mounts stay in the container's mount
 * namespace, under its root. A full procfs or sysfs among them lets a
 * process that makes a user namespace mount a fresh, unmasked one (the
 * kernel allows that when a fully visible instance exists): detach them,
 * or cover them where they cannot be detached. As runc does.
 */
static struct cubo_error *hide_host_pseudo_fs(int procfd, const char *rootfs)
{
	struct mountinfo mi;
	struct cubo_error *err = NULL;

	CUBO_TRY(mountinfo_read_self(procfd, &mi));
	for (size_t i = mi.n; i-- > 0 && !err;) {
		const struct mountinfo_entry *e = &mi.v[i];
		const char *mp = e->mountpoint;

		if ((strcmp(e->fstype, "proc") && strcmp(e->fstype, "sysfs")) ||
		    strcmp(e->root, "/") || mount_path_has_prefix(mp, rootfs))
			continue;
		/* our unmount must not reach the host's namespace */
		if (mount(NULL, mp, NULL, MS_SLAVE | MS_REC, NULL) < 0) {
			if (errno == ENOENT || errno == EINVAL)
				continue; /* gone with a parent already detached */
			err = cubo_error_errno("--no-pivot: make %s a slave", mp);
			break;
		}
		if (umount2(mp, MNT_DETACH) == 0)
			continue;
		if (errno != EINVAL && errno != EPERM)
			err = cubo_error_errno("--no-pivot: detach the host's %s", mp);
		else if (mount("tmpfs", mp, "tmpfs", MS_RDONLY, NULL) < 0)
			err = cubo_error_errno("--no-pivot: cover the host's %s", mp);
	}
	mountinfo_free(&mi);
	return err;
}

static struct cubo_error *move_root(const struct rootfs_ctx *ctx, int rootfd)
{
	CUBO_TRY(hide_host_pseudo_fs(ctx->procfd, ctx->rootfs));
	if (fchdir(rootfd) < 0)
		return cubo_error_errno("chdir to rootfs");
	if (mount(".", "/", NULL, MS_MOVE, NULL) < 0)
		return cubo_error_errno("move rootfs onto /");
	if (chroot(".") < 0)
		return cubo_error_errno("chroot");
	if (chdir("/") < 0)
		return cubo_error_errno("chdir /");
	return NULL;
}

/*
 * No mount namespace: the container shares the caller's, so its mounts are
 * made there, under the rootfs (as runc does), and `delete` unmounts them.
 * Nothing outside the rootfs changes: no propagation is touched.
 */
static struct cubo_error *setup_in_shared_ns(const struct rootfs_ctx *ctx)
{
	struct cubo_error *err = NULL;
	int rootfd;

	/*
	 * A read-only root would need a mount at the rootfs itself, and the
	 * rootfs may be the caller's own mount point: only what lies below it
	 * is ours to mount and unmount.
	 */
	if (ctx->cfg->root && ctx->cfg->root->readonly)
		return cubo_error_new("root.readonly: needs a mount namespace");
	rootfd = open(ctx->rootfs, O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (rootfd < 0)
		return cubo_error_errno("open rootfs %s", ctx->rootfs);
	err = mounts_apply(ctx, rootfd);
	if (!err)
		err = devices_setup(ctx, rootfd);
	close(rootfd);
	CUBO_TRY(err);
	if (ctx->before_pivot)
		CUBO_TRY(ctx->before_pivot(ctx->before_pivot_arg));
	if (chroot(ctx->rootfs) < 0)
		return cubo_error_errno("chroot %s", ctx->rootfs);
	if (chdir("/") < 0)
		return cubo_error_errno("chdir /");
	return NULL;
}

struct cubo_error *rootfs_setup(const struct rootfs_ctx *ctx)
{
	struct cubo_error *err;

	if (!has_mount_ns(ctx))
		return setup_in_shared_ns(ctx);
	CUBO_TRY(prepare_root(ctx));
	int rootfd = open(ctx->rootfs, O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (rootfd < 0)
		return cubo_error_errno("open rootfs %s", ctx->rootfs);
	err = mounts_apply(ctx, rootfd);
	if (!err)
		err = devices_setup(ctx, rootfd);
	if (!err && ctx->before_pivot)
		err = ctx->before_pivot(ctx->before_pivot_arg);
	if (!err)
		err = ctx->no_pivot || !root_is_mount_point() ? move_root(ctx, rootfd)
							      : pivot(rootfd);
	close(rootfd);
	return err;
}

/* ---- finalize ---- */

/* The container's /dev/null, checked to really be one before it is bound anywhere. */
static struct cubo_error *open_dev_null(int rootfd, int *out)
{
	struct stat st;
	int fd;

	CUBO_TRY(cubo_open_in_root(rootfd, "/dev/null", O_PATH | O_NOFOLLOW, 0, &fd));
	if (fstat(fd, &st) < 0 || !S_ISCHR(st.st_mode) || st.st_rdev != makedev(1, 3)) {
		close(fd);
		return cubo_error_new("/dev/null in the container is not the null device");
	}
	*out = fd;
	return NULL;
}

/* An O_PATH fd of path inside the root, or -1 in *fd when it does not exist. */
static struct cubo_error *open_if_present(int rootfd, const char *path, int *fd)
{
	struct cubo_error *err = cubo_open_in_root(rootfd, path, O_PATH, 0, fd);

	if (err && err->errnum == ENOENT) {
		cubo_error_free(err);
		*fd = -1;
		return NULL;
	}
	return err;
}

static struct cubo_error *mask_path(int rootfd, int *nullfd, const char *path)
{
	struct cubo_error *err = NULL;
	struct stat st;
	int fd;

	CUBO_TRY(open_if_present(rootfd, path, &fd));
	if (fd < 0)
		return NULL; /* the spec: a path that does not exist is skipped */
	if (fstat(fd, &st) < 0) {
		err = cubo_error_errno("stat %s", path);
	} else if (S_ISDIR(st.st_mode)) {
		/* on the fd: the container's /proc/self/fd could point anywhere */
		err = mount_empty_tmpfs_onto(fd);
	} else {
		if (*nullfd < 0)
			err = open_dev_null(rootfd, nullfd);
		if (!err)
			err = mount_bind_onto(*nullfd, "", false, 0, fd);
	}
	close(fd);
	return err;
}

static struct cubo_error *readonly_path(int rootfd, const char *path)
{
	struct cubo_error *err;
	int fd;

	CUBO_TRY(open_if_present(rootfd, path, &fd));
	if (fd < 0)
		return NULL; /* the spec: a path that does not exist is skipped */
	/* A read-only clone of the whole subtree, stacked on the original. */
	err = mount_bind_onto(
		fd, "", true,
		MOUNT_ATTR_RDONLY | MOUNT_ATTR_NOSUID | MOUNT_ATTR_NODEV | MOUNT_ATTR_NOEXEC, fd);
	close(fd);
	return err;
}

static struct cubo_error *finalize_paths(const struct rootfs_ctx *ctx, int rootfd)
{
	const struct oci_linux *lx = ctx->cfg->linux_;
	struct cubo_error *err = NULL;
	int nullfd = -1;

	if (!lx)
		return NULL;
	for (size_t i = 0; i < lx->masked_paths.n && !err; i++)
		err = cubo_error_wrap(mask_path(rootfd, &nullfd, lx->masked_paths.v[i]),
				      "linux.maskedPaths[%zu] %s", i, lx->masked_paths.v[i]);
	for (size_t i = 0; i < lx->readonly_paths.n && !err; i++)
		err = cubo_error_wrap(readonly_path(rootfd, lx->readonly_paths.v[i]),
				      "linux.readonlyPaths[%zu] %s", i, lx->readonly_paths.v[i]);
	if (nullfd >= 0)
		close(nullfd);
	return err;
}

/* The read-only /dev mounts_apply left writable (mount_readonly_later). */
static struct cubo_error *readonly_dev_now(const struct rootfs_ctx *ctx, int rootfd)
{
	struct mount_attr attr = {.attr_set = MOUNT_ATTR_RDONLY};
	struct cubo_error *err = NULL;
	int fd;

	for (size_t i = 0; i < ctx->cfg->n_mounts && !err; i++) {
		if (!mount_readonly_later(&ctx->cfg->mounts[i]))
			continue;
		CUBO_TRY_CTX(cubo_open_in_root(rootfd, "/dev", O_PATH | O_DIRECTORY, 0, &fd),
			     "mounts[%zu]: make /dev read-only", i);
		/* /dev alone, as runc: /dev/pts and /dev/shm keep their own flags */
		if (mount_setattr(fd, "", AT_EMPTY_PATH, &attr, sizeof(attr)) < 0)
			err = cubo_error_errno("mounts[%zu]: make /dev read-only", i);
		close(fd);
	}
	return err;
}

struct cubo_error *rootfs_finalize(const struct rootfs_ctx *ctx)
{
	struct cubo_error *err = NULL;
	unsigned long prop;

	CUBO_TRY(root_propagation(ctx, &prop));
	/* propagation of the caller's own mounts is not ours to change */
	if (!has_mount_ns(ctx) && prop)
		return cubo_error_new("linux.rootfsPropagation: needs a mount namespace");
	int rootfd = open("/", O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (rootfd < 0)
		return cubo_error_errno("open /");
	err = finalize_paths(ctx, rootfd);
	if (!err)
		err = readonly_dev_now(ctx, rootfd);
	if (!err && ctx->cfg->root && ctx->cfg->root->readonly) {
		struct mount_attr attr = {.attr_set = MOUNT_ATTR_RDONLY};
		/* Setting a flag never touches locked ones, unlike a remount. */
		if (mount_setattr(rootfd, "", AT_EMPTY_PATH, &attr, sizeof(attr)) < 0)
			err = cubo_error_errno("root.readonly: make / read-only");
	}
	close(rootfd);
	if (!err && prop && has_mount_ns(ctx) && mount(NULL, "/", NULL, prop, NULL) < 0)
		err = cubo_error_errno("linux.rootfsPropagation: set propagation of /");
	return err;
}
