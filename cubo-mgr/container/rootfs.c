/* SPDX-License-Identifier: Apache-2.0 */
/* The overlay root filesystem of a container: see rootfs.h. */
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cubo-mgr/container/rootfs.h"
#include "shared/fs.h"
#include "shared/xalloc.h"

/* Mount options past this length come near the page the kernel takes them in. */
#define OVERLAY_OPTS_NEAR_PAGE 4000

/*
 * "/" is not a mount point when cubo-mgr runs chrooted: then every mount we
 * can see becomes a slave, one by one.
 */
static struct cubo_error *slave_every_mount(void)
{
	FILE *f = fopen("/proc/self/mountinfo", "re");
	if (!f)
		return cubo_error_errno("rootfs: read /proc/self/mountinfo");
	char *line = NULL;
	size_t cap = 0;
	struct cubo_error *err = NULL;
	while (!err && getline(&line, &cap, f) > 0) {
		char mp[4096];
		if (sscanf(line, "%*s %*s %*s %*s %4095s", mp) != 1)
			continue;
		cubo_unescape_octal(mp);
		if (mount(NULL, mp, NULL, MS_SLAVE, NULL) < 0 && errno != EINVAL && errno != ENOENT)
			err = cubo_error_errno("rootfs: make %s a slave mount", mp);
	}
	free(line);
	fclose(f);
	return err;
}

struct cubo_error *rootfs_private_namespace(void)
{
	if (unshare(CLONE_NEWNS) < 0)
		return cubo_error_errno("rootfs: unshare the mount namespace");
	/* slave: our mounts stay ours, the host's new mounts still reach us */
	if (mount(NULL, "/", NULL, MS_REC | MS_SLAVE, NULL) == 0)
		return NULL;
	if (errno != EINVAL)
		return cubo_error_errno("rootfs: make / a slave mount");
	return slave_every_mount();
}

struct cubo_error *rootfs_prepare(const char *ctr_dir)
{
	static const char *const dirs[] = {"rootfs", "upper", "work"};
	for (size_t i = 0; i < sizeof(dirs) / sizeof(*dirs); i++) {
		char *p = cubo_path_join(ctr_dir, dirs[i]);
		/* the overlay's root takes upper's mode: users in the container must get in */
		int r = mkdir(p, i < 2 ? 0755 : 0700);
		int e = errno;
		if (r < 0 && e != EEXIST) {
			struct cubo_error *err = cubo_error_new_errno(e, "mkdir %s", p);
			free(p);
			return err;
		}
		free(p);
	}
	return NULL;
}

struct cubo_error *rootfs_mount_dirs(const char *layers_dir, char *const *layers, const char *upper,
				     const char *work, const char *target, const char *extra)
{
	size_t n = 0;
	while (layers && layers[n])
		n++;
	if (n == 0)
		return cubo_error_new("rootfs: the image has no layers");
	if (!upper && n == 1)
		return cubo_error_new("rootfs: a read-only overlay needs two layers");
	/*
	 * Name the layers relative to layers_dir: the options of a mount must
	 * fit in a page, and 64-digit names with full paths would limit an
	 * image to a few dozen layers.
	 */
	size_t cap = 64 + (upper ? strlen(upper) + strlen(work) : 0) + (extra ? strlen(extra) : 0) +
		     n * 66;
	char *opts = xmalloc(cap);
	size_t len = (size_t)snprintf(opts, cap, "lowerdir=");
	for (size_t i = n; i-- > 0;) {
		const char *hex = strchr(layers[i], ':');
		hex = hex ? hex + 1 : layers[i];
		len += (size_t)snprintf(opts + len, cap - len, "%s%s", i == n - 1 ? "" : ":", hex);
	}
	if (upper)
		len += (size_t)snprintf(opts + len, cap - len, ",upperdir=%s,workdir=%s", upper,
					work);
	if (extra)
		snprintf(opts + len, cap - len, ",%s", extra);
	struct cubo_error *err = NULL;
	char cwd[4096];
	if (!getcwd(cwd, sizeof(cwd)))
		strcpy(cwd, "/");
	if (chdir(layers_dir) < 0)
		err = cubo_error_errno("rootfs: chdir %s", layers_dir);
	else if (mount("overlay", target, "overlay", upper ? 0 : MS_RDONLY, opts) < 0)
		err = cubo_error_errno("rootfs: mount overlay on %s", target);
	if (chdir(cwd) < 0 && !err)
		err = cubo_error_errno("rootfs: chdir back to %s", cwd);
	if (err && strlen(opts) > OVERLAY_OPTS_NEAR_PAGE)
		err = cubo_error_wrap(err, "(%zu layers)", n);
	free(opts);
	return err;
}

struct cubo_error *rootfs_mount(const char *layers_dir, char *const *layers, const char *ctr_dir)
{
	char *upper = cubo_path_join(ctr_dir, "upper");
	char *work = cubo_path_join(ctr_dir, "work");
	char *target = cubo_path_join(ctr_dir, "rootfs");
	struct cubo_error *err = rootfs_mount_dirs(layers_dir, layers, upper, work, target, NULL);
	free(upper);
	free(work);
	free(target);
	return err;
}

struct cubo_error *rootfs_mount_or_copy(const char *layers_dir, char *const *layers,
					const char *ctr_dir, const char *driver, bool *copied)
{
	char *mark = cubo_path_join(ctr_dir, ".rootfs-copied");
	bool was_copied = cubo_path_exists(mark);
	free(mark);
	*copied = true;
	if (was_copied || (driver && !strcmp(driver, "vfs")))
		return rootfs_copy(layers_dir, layers, ctr_dir);
	struct cubo_error *err = rootfs_mount(layers_dir, layers, ctr_dir);
	if (!err) {
		*copied = false;
		return NULL;
	}
	/* no overlay here: copy, unless the container already has overlay changes to lose */
	char *upper = cubo_path_join(ctr_dir, "upper");
	int fd = open(upper, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	bool fresh = fd < 0 || cubo_dir_is_empty(fd);
	if (fd >= 0)
		close(fd);
	free(upper);
	if (!fresh || (err->errnum != ENODEV && err->errnum != EINVAL && err->errnum != EPERM &&
		       err->errnum != EOPNOTSUPP))
		return err;
	/* a copy costs disk and time: say so (a rootless manager on a kernel before 5.11) */
	fprintf(stderr,
		"WARNING: overlay cannot be mounted here (%s): copying the image's layers "
		"into the container instead\n",
		strerror(err->errnum));
	cubo_error_free(err);
	return rootfs_copy(layers_dir, layers, ctr_dir);
}
