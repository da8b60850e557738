/* SPDX-License-Identifier: Apache-2.0 */
#include "cubo-runc/devices.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include "cubo-runc/mounts.h"
#include "shared/path_in_root.h"
#include "shared/xalloc.h"

/* config-linux.md "Default devices" (/dev/console and /dev/ptmx are made elsewhere). */
static const struct dev_spec default_devices[] = {
	{"/dev/null", 'c', 1, 3, 0666, 0, 0},	 {"/dev/zero", 'c', 1, 5, 0666, 0, 0},
	{"/dev/full", 'c', 1, 7, 0666, 0, 0},	 {"/dev/random", 'c', 1, 8, 0666, 0, 0},
	{"/dev/urandom", 'c', 1, 9, 0666, 0, 0}, {"/dev/tty", 'c', 5, 0, 0666, 0, 0},
};

static mode_t type_bits(char type)
{
	switch (type) {
	case 'c':
	case 'u':
		return S_IFCHR;
	case 'b':
		return S_IFBLK;
	case 'p':
		return S_IFIFO;
	}
	return 0;
}

/* Split "/dev/net/tun" into its parent directory fd (made if missing) and "tun" (malloc'd). */
static struct cubo_error *open_parent(int rootfd, const char *path, int *dirfd, char **name)
{
	char *clean = mount_clean_path(path);
	char *slash = strrchr(clean, '/');
	if (!slash || !slash[1]) {
		free(clean);
		return cubo_error_new("device %s: not a file path", path);
	}
	*name = xstrdup(slash + 1);
	if (slash == clean)
		slash[1] = '\0';
	else
		*slash = '\0';
	struct cubo_error *err = cubo_mkdir_all_in_root(rootfd, clean, 0755, dirfd);
	free(clean);
	if (err) {
		free(*name);
		*name = NULL;
	}
	return err;
}

/* An empty file to bind the host's node onto: mknod is not allowed in a user namespace. */
static struct cubo_error *bind_device(const struct dev_spec *d, int dirfd, const char *name)
{
	struct stat st;
	int fd = openat(dirfd, name, O_CREAT | O_WRONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC, 0);
	if (fd < 0 && errno != EEXIST && errno != ENXIO)
		return cubo_error_errno("create %s", d->path);
	if (fd >= 0)
		close(fd);
	fd = openat(dirfd, name, O_PATH | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0)
		return cubo_error_errno("open %s", d->path);
	if (fstat(fd, &st) < 0 || S_ISDIR(st.st_mode) || S_ISLNK(st.st_mode)) {
		close(fd);
		return cubo_error_new_errno(EEXIST, "create %s: in the way", d->path);
	}
	struct cubo_error *err = mount_bind_onto(AT_FDCWD, d->path, false, 0, fd);
	close(fd);
	return cubo_error_wrap(err, "bind host %s", d->path);
}

static struct cubo_error *make_device(const struct rootfs_ctx *ctx, int rootfd,
				      const struct dev_spec *d)
{
	struct cubo_error *err = NULL;
	char *name = NULL;
	int dirfd;
	struct stat st;
	mode_t type = type_bits(d->type);
	dev_t rdev = type == S_IFIFO ? 0 : makedev(d->major, d->minor);

	if (!type)
		return cubo_error_new("device %s: unknown type '%c'", d->path, d->type);
	CUBO_TRY_CTX(open_parent(rootfd, d->path, &dirfd, &name), "device %s", d->path);
	/* FIFOs are not devices: a user namespace may make them. */
	if (ctx->in_userns && type != S_IFIFO) {
		err = bind_device(d, dirfd, name);
		goto out;
	}
	/* A stale node or a placeholder file from the image is replaced, a directory is not. */
	if (fstatat(dirfd, name, &st, AT_SYMLINK_NOFOLLOW) == 0) {
		if ((st.st_mode & S_IFMT) == type && st.st_rdev == rdev)
			goto perms;
		if (S_ISDIR(st.st_mode)) {
			err = cubo_error_new_errno(EISDIR, "mknod %s", d->path);
			goto out;
		}
		if (unlinkat(dirfd, name, 0) < 0) {
			err = cubo_error_errno("remove old %s", d->path);
			goto out;
		}
	}
	if (mknodat(dirfd, name, type | (d->perm & 07777), rdev) < 0) {
		if (errno == EPERM) {
			err = bind_device(d, dirfd, name);
			goto out;
		}
		err = cubo_error_errno("mknod %s", d->path);
		goto out;
	}
perms:
	/* mknod honoured the umask; the config's mode is exact. */
	if (fchmodat(dirfd, name, d->perm & 07777, 0) < 0)
		err = cubo_error_errno("chmod %s", d->path);
	else if (fchownat(dirfd, name, d->uid, d->gid, AT_SYMLINK_NOFOLLOW) < 0)
		err = cubo_error_errno("chown %s", d->path);
out:
	close(dirfd);
	free(name);
	return err;
}

static bool same_path(const char *a, const char *b)
{
	char *ca = mount_clean_path(a), *cb = mount_clean_path(b);
	bool same = ca && cb && !strcmp(ca, cb);
	free(ca);
	free(cb);
	return same;
}

/* runc leaves /dev alone when the config binds it from the host. */
static bool dev_is_bound(const struct oci_config *cfg)
{
	for (size_t i = 0; i < cfg->n_mounts; i++)
		if (mount_is_bind(&cfg->mounts[i]) && same_path(cfg->mounts[i].destination, "/dev"))
			return true;
	return false;
}

static bool has_devpts(const struct oci_config *cfg)
{
	for (size_t i = 0; i < cfg->n_mounts; i++)
		if (cfg->mounts[i].type && !strcmp(cfg->mounts[i].type, "devpts") &&
		    same_path(cfg->mounts[i].destination, "/dev/pts"))
			return true;
	return false;
}

static struct cubo_error *make_symlinks(const struct rootfs_ctx *ctx, int rootfd)
{
	static const char *const links[][2] = {
		{"/proc/self/fd", "fd"},
		{"/proc/self/fd/0", "stdin"},
		{"/proc/self/fd/1", "stdout"},
		{"/proc/self/fd/2", "stderr"},
	};
	struct cubo_error *err = NULL;
	int devfd;

	CUBO_TRY(cubo_mkdir_all_in_root(rootfd, "/dev", 0755, &devfd));
	for (size_t i = 0; i < sizeof(links) / sizeof(links[0]) && !err; i++)
		if (symlinkat(links[i][0], devfd, links[i][1]) < 0 && errno != EEXIST)
			err = cubo_error_errno("symlink /dev/%s", links[i][1]);
	if (!err && access("/proc/kcore", F_OK) == 0 &&
	    symlinkat("/proc/kcore", devfd, "core") < 0 && errno != EEXIST)
		err = cubo_error_errno("symlink /dev/core");
	/* The container's own devpts instance, not the host's /dev/ptmx. */
	if (!err && has_devpts(ctx->cfg)) {
		if (unlinkat(devfd, "ptmx", 0) < 0 && errno != ENOENT)
			err = cubo_error_errno("remove /dev/ptmx");
		else if (symlinkat("pts/ptmx", devfd, "ptmx") < 0)
			err = cubo_error_errno("symlink /dev/ptmx");
	}
	close(devfd);
	return err;
}

struct cubo_error *device_spec_from_config(const struct oci_device *od, size_t index,
					   struct dev_spec *d)
{
	if (!od->path || od->path[0] != '/')
		return cubo_error_new("linux.devices[%zu].path: must be an absolute path", index);
	if (!od->type || strlen(od->type) != 1 || !type_bits(od->type[0]))
		return cubo_error_new("linux.devices[%zu].type: \"%s\" is not c, b, u or p", index,
				      od->type ? od->type : "");
	if (od->type[0] != 'p' && (!od->has_major || !od->has_minor))
		return cubo_error_new("linux.devices[%zu]: major and minor are required for %s",
				      index, od->path);
	*d = (struct dev_spec){
		.path = od->path,
		.type = od->type[0],
		.major = (unsigned)od->major,
		.minor = (unsigned)od->minor,
		.perm = od->has_file_mode ? od->file_mode : 0666,
		.uid = od->has_uid ? od->uid : 0,
		.gid = od->has_gid ? od->gid : 0,
	};
	return NULL;
}

struct cubo_error *devices_setup(const struct rootfs_ctx *ctx, int rootfd)
{
	const struct oci_linux *lx = ctx->cfg->linux_;
	size_t n = lx ? lx->n_devices : 0;

	if (dev_is_bound(ctx->cfg))
		return NULL;
	for (size_t i = 0; i < sizeof(default_devices) / sizeof(default_devices[0]); i++) {
		bool overridden = false;
		for (size_t k = 0; k < n && !overridden; k++)
			overridden = lx->devices[k].path &&
				     same_path(lx->devices[k].path, default_devices[i].path);
		if (!overridden)
			CUBO_TRY(make_device(ctx, rootfd, &default_devices[i]));
	}
	for (size_t i = 0; i < n; i++) {
		struct dev_spec d = {0};
		CUBO_TRY(device_spec_from_config(&lx->devices[i], i, &d));
		if (same_path(d.path, "/dev/ptmx"))
			continue; /* the devpts ptmx symlink below */
		CUBO_TRY_CTX(make_device(ctx, rootfd, &d), "linux.devices[%zu]", i);
	}
	return make_symlinks(ctx, rootfd);
}
