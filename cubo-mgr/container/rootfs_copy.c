/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The rootfs without overlayfs: the image's layers copied, bottom first,
 * into the container's rootfs/ directory, applying each layer's overlay
 * whiteouts (0/0 character devices) and opaque directories as overlayfs
 * would. Slower and bigger, but it works where overlay cannot be mounted
 * (some nested or rootless setups) or is not wanted (CUBO_STORAGE_DRIVER=vfs).
 *
 * Everything goes through directory fds with O_NOFOLLOW: a symlink one
 * layer left where a later layer has a directory is replaced, never
 * followed, so no layer can make the copy write outside rootfs/.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/xattr.h>
#include <unistd.h>

#include "cubo-mgr/container/rootfs.h"
#include "shared/fs.h"
#include "shared/xalloc.h"

#define OPAQUE_XATTR "trusted.overlay.opaque"
#define DONE_MARK ".rootfs-copied"

/* A file copied in this layer, by source inode, for its other hard links. */
struct link_seen {
	dev_t dev;
	ino_t ino;
	int dirfd; /* not owned */
	char *name;
	int dst_dirfd;
};

struct copy_ctx {
	struct link_seen *links;
	size_t n_links;
	char path[4096]; /* for errors */
};

static struct cubo_error *remove_at(int dirfd, const char *name)
{
	struct stat st;
	if (fstatat(dirfd, name, &st, AT_SYMLINK_NOFOLLOW) < 0)
		return errno == ENOENT ? NULL : cubo_error_errno("stat %s", name);
	if (!S_ISDIR(st.st_mode)) {
		if (unlinkat(dirfd, name, 0) < 0 && errno != ENOENT)
			return cubo_error_errno("remove %s", name);
		return NULL;
	}
	char path[64];
	int fd = openat(dirfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0)
		return cubo_error_errno("open %s", name);
	snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
	char *real = realpath(path, NULL);
	close(fd);
	if (!real)
		return cubo_error_errno("resolve %s", name);
	struct cubo_error *err = cubo_rm_rf(real);
	free(real);
	return err;
}

/* Empty a directory (an opaque directory hides what lower layers put there). */
static struct cubo_error *clear_dir(int dirfd)
{
	int fd = dup(dirfd);
	DIR *d = fd >= 0 ? fdopendir(fd) : NULL;
	if (!d) {
		if (fd >= 0)
			close(fd);
		return cubo_error_errno("read a directory to clear");
	}
	rewinddir(d);
	struct dirent *e;
	struct cubo_error *err = NULL;
	while (!err && (e = readdir(d)))
		if (strcmp(e->d_name, ".") && strcmp(e->d_name, ".."))
			err = remove_at(dirfd, e->d_name);
	closedir(d);
	return err;
}

static void copy_xattrs(int src, int dst)
{
	char names[4096];
	ssize_t n = flistxattr(src, names, sizeof(names));
	for (ssize_t off = 0; n > 0 && off < n; off += (ssize_t)strlen(names + off) + 1) {
		const char *name = names + off;
		if (!strncmp(name, "trusted.overlay.", 16))
			continue;
		char val[4096];
		ssize_t len = fgetxattr(src, name, val, sizeof(val));
		if (len >= 0)
			(void)fsetxattr(dst, name, val, (size_t)len, 0);
	}
}

static void copy_attrs(int fd, const struct stat *st)
{
	(void)!fchown(fd, st->st_uid, st->st_gid);
	(void)fchmod(fd, st->st_mode & 07777);
	struct timespec t[2] = {st->st_atim, st->st_mtim};
	(void)futimens(fd, t);
}

static struct cubo_error *copy_file(int sdir, int ddir, const char *name, const struct stat *st)
{
	int in = openat(sdir, name, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
	if (in < 0)
		return cubo_error_errno("open %s", name);
	int out = openat(ddir, name, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
	if (out < 0) {
		struct cubo_error *err = cubo_error_errno("create %s", name);
		close(in);
		return err;
	}
	struct cubo_error *err = cubo_error_wrap(cubo_copy_fd(in, out), "copy %s", name);
	if (!err) {
		cubo_writeback_start(out, st->st_size);
		copy_xattrs(in, out);
		copy_attrs(out, st);
	}
	close(in);
	close(out);
	return err;
}

static struct cubo_error *copy_dir(struct copy_ctx *c, int sdir, int ddir);

static struct cubo_error *copy_entry(struct copy_ctx *c, int sdir, int ddir, const char *name)
{
	struct stat st;
	if (fstatat(sdir, name, &st, AT_SYMLINK_NOFOLLOW) < 0)
		return cubo_error_errno("stat %s", name);
	/* a whiteout: the name goes */
	if (S_ISCHR(st.st_mode) && st.st_rdev == makedev(0, 0))
		return remove_at(ddir, name);
	if (S_ISDIR(st.st_mode)) {
		struct stat dst;
		if (fstatat(ddir, name, &dst, AT_SYMLINK_NOFOLLOW) == 0 && !S_ISDIR(dst.st_mode))
			CUBO_TRY(remove_at(ddir, name));
		if (mkdirat(ddir, name, 0700) < 0 && errno != EEXIST)
			return cubo_error_errno("mkdir %s", name);
		int s = openat(sdir, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
		int d = openat(ddir, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
		struct cubo_error *err = NULL;
		if (s < 0 || d < 0)
			err = cubo_error_errno("open directory %s", name);
		char opaque[2];
		if (!err && fgetxattr(s, OPAQUE_XATTR, opaque, sizeof(opaque)) == 1 &&
		    opaque[0] == 'y')
			err = clear_dir(d);
		if (!err)
			err = copy_dir(c, s, d);
		if (!err) {
			copy_xattrs(s, d);
			copy_attrs(d, &st);
		}
		if (s >= 0)
			close(s);
		if (d >= 0)
			close(d);
		return err;
	}
	CUBO_TRY(remove_at(ddir, name));
	if (S_ISREG(st.st_mode) && st.st_nlink > 1) {
		for (size_t i = 0; i < c->n_links; i++)
			if (c->links[i].dev == st.st_dev && c->links[i].ino == st.st_ino &&
			    linkat(c->links[i].dst_dirfd, c->links[i].name, ddir, name, 0) == 0)
				return NULL;
	}
	if (S_ISREG(st.st_mode)) {
		CUBO_TRY(copy_file(sdir, ddir, name, &st));
		if (st.st_nlink > 1) {
			/* the directory fd stays open while this layer is copied: dup it */
			struct link_seen *v = xrealloc(c->links, (c->n_links + 1) * sizeof(*v));
			c->links = v;
			c->links[c->n_links++] = (struct link_seen){st.st_dev, st.st_ino, -1,
								    xstrdup(name), dup(ddir)};
		}
		return NULL;
	}
	if (S_ISLNK(st.st_mode)) {
		CUBO_TRY(cubo_copy_symlink(sdir, name, ddir, name));
		(void)!fchownat(ddir, name, st.st_uid, st.st_gid, AT_SYMLINK_NOFOLLOW);
		return NULL;
	}
	/* devices, fifos, sockets */
	if (mknodat(ddir, name, st.st_mode, st.st_rdev) < 0)
		return cubo_error_errno("mknod %s", name);
	(void)!fchownat(ddir, name, st.st_uid, st.st_gid, AT_SYMLINK_NOFOLLOW);
	return NULL;
}

static struct cubo_error *copy_dir(struct copy_ctx *c, int sdir, int ddir)
{
	int fd = dup(sdir);
	DIR *d = fd >= 0 ? fdopendir(fd) : NULL;
	if (!d) {
		if (fd >= 0)
			close(fd);
		return cubo_error_errno("read a layer directory");
	}
	struct dirent *e;
	struct cubo_error *err = NULL;
	while (!err && (e = readdir(d))) {
		if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, ".."))
			continue;
		err = copy_entry(c, sdir, ddir, e->d_name);
		if (err)
			err = cubo_error_wrap(err, "%s", e->d_name);
	}
	closedir(d);
	return err;
}

static void forget_links(struct copy_ctx *c)
{
	for (size_t i = 0; i < c->n_links; i++) {
		free(c->links[i].name);
		close(c->links[i].dst_dirfd);
	}
	free(c->links);
	c->links = NULL;
	c->n_links = 0;
}

struct cubo_error *rootfs_copy_tree(int src_dirfd, int dst_dirfd)
{
	struct stat st;
	if (fstat(src_dirfd, &st) < 0)
		return cubo_error_errno("stat the directory to copy");
	/*
	 * The top first: a copy cut short leaves a volume that is not empty,
	 * which is never filled again, so its owner must be right already.
	 */
	if (fchown(dst_dirfd, st.st_uid, st.st_gid) < 0)
		return cubo_error_errno("chown to %u:%u", (unsigned)st.st_uid, (unsigned)st.st_gid);
	if (fchmod(dst_dirfd, st.st_mode & 07777) < 0)
		return cubo_error_errno("chmod to %04o", (unsigned)(st.st_mode & 07777));
	struct copy_ctx c = {0};
	struct cubo_error *err = copy_dir(&c, src_dirfd, dst_dirfd);
	forget_links(&c);
	return err;
}

struct cubo_error *rootfs_copy(const char *layers_dir, char *const *layers, const char *ctr_dir)
{
	char *target = cubo_path_join(ctr_dir, "rootfs");
	char *mark = cubo_path_join(ctr_dir, DONE_MARK);
	struct cubo_error *err = NULL;
	if (cubo_path_exists(mark)) /* copied at an earlier start: it holds the changes since */
		goto out;
	/* a copy cut short by a crash starts again from nothing */
	err = cubo_rm_rf(target);
	if (!err)
		err = cubo_mkdir_p(target, 0755);
	int dst = err ? -1 : open(target, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (!err && dst < 0)
		err = cubo_error_errno("open %s", target);
	for (size_t i = 0; !err && layers && layers[i]; i++) {
		const char *hex = strchr(layers[i], ':');
		char *src_path = cubo_path_join(layers_dir, hex ? hex + 1 : layers[i]);
		int src = open(src_path, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
		struct copy_ctx c = {0};
		if (src < 0) {
			err = cubo_error_errno("open layer %s", src_path);
		} else {
			err = copy_dir(&c, src, dst);
			struct stat st;
			if (!err && fstat(src, &st) == 0)
				copy_attrs(dst, &st);
			close(src);
		}
		forget_links(&c);
		if (err)
			err = cubo_error_wrap(err, "copy layer %s", layers[i]);
		free(src_path);
	}
	if (dst >= 0)
		close(dst);
	/* the mark says the copy is whole: the copy reaches the disk before it does */
	if (!err)
		err = cubo_sync_tree(target);
	if (!err)
		err = cubo_write_file_atomic(mark, "", 0, 0600);
out:
	free(mark);
	free(target);
	return err ? cubo_error_wrap(err, "rootfs (copy)") : NULL;
}
