/* SPDX-License-Identifier: Apache-2.0 */
/* A directory tree into a tar: see tree_tar.h. */
#include <archive.h>
#include <archive_entry.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <linux/magic.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/vfs.h>
#include <sys/xattr.h>
#include <unistd.h>

#include "cubo-mgr/image/tree_tar.h"
#include "shared/strv.h"
#include "shared/xalloc.h"

#define DATA_CHUNK 65536
#define XATTR_LIST_MAX_READ 8192
#define XATTR_VALUE_MAX_READ 65536
#define CAPS_XATTR "security.capability"
#define OVERLAY_XATTR "trusted.overlay."
#define OPAQUE_XATTR "trusted.overlay.opaque"

void tree_tar_free(struct tree_tar *t)
{
	for (size_t i = 0; i < t->n_links; i++)
		free(t->links[i].path);
	free(t->links);
	t->links = NULL;
	t->n_links = 0;
}

static struct cubo_error *tar_err(struct tree_tar *t, const char *what)
{
	if (t->write_err && *t->write_err) {
		struct cubo_error *err = *t->write_err;
		*t->write_err = NULL;
		return err;
	}
	const char *m = archive_error_string(t->tar);
	return cubo_error_new_errno(archive_errno(t->tar) > 0 ? archive_errno(t->tar) : 0, "%s: %s",
				    what, m ? m : "archive error");
}

/* The magic link of an fd: the same inode, whatever its name is now. */
static void self_path(int fd, char path[static 32])
{
	snprintf(path, 32, "/proc/self/fd/%d", fd);
}

static int reopen(int fd, int flags)
{
	char self[32];
	self_path(fd, self);
	return open(self, flags | O_CLOEXEC);
}

/* A file's capabilities, the one xattr docker's cp carries (ping's cap_net_raw). */
static struct cubo_error *caps_xattr(const char *path, const char *rel, struct archive_entry *e)
{
	char v[256];
	ssize_t n = getxattr(path, CAPS_XATTR, v, sizeof(v));
	if (n < 0 && errno != ENODATA && errno != ENOTSUP)
		return cubo_error_errno("read xattr %s of %s", CAPS_XATTR, rel);
	if (n > 0)
		archive_entry_xattr_add_entry(e, CAPS_XATTR, v, (size_t)n);
	return NULL;
}

/* The xattrs the tar carries; overlay's own are its bookkeeping, not the tree's. */
static struct cubo_error *xattrs(struct tree_tar *t, int fd, const char *rel,
				 struct archive_entry *e, bool *opaque)
{
	char path[32];
	self_path(fd, path);
	if (t->caps_only)
		return caps_xattr(path, rel, e);
	char *list = xmalloc(XATTR_LIST_MAX_READ), *val = NULL;
	ssize_t n = listxattr(path, list, XATTR_LIST_MAX_READ);
	struct cubo_error *err = NULL;
	if (n < 0 && errno != ENOTSUP && errno != ENODATA)
		err = cubo_error_errno("list the xattrs of %s", rel);
	for (ssize_t off = 0; !err && n > 0 && off < n; off += (ssize_t)strlen(list + off) + 1) {
		const char *key = list + off;
		if (!strncmp(key, OVERLAY_XATTR, strlen(OVERLAY_XATTR))) {
			if (!t->overlay)
				continue;
			char v[4] = {0};
			if (!strcmp(key, OPAQUE_XATTR)) {
				*opaque |= getxattr(path, key, v, sizeof(v)) == 1 && v[0] == 'y';
				continue;
			}
			if (!strcmp(key, OVERLAY_XATTR "redirect") ||
			    !strcmp(key, OVERLAY_XATTR "metacopy"))
				err = cubo_error_new("%s: %s: the overlay was mounted with "
						     "redirect_dir or metacopy on",
						     rel, key);
			/* origin, impure, nlink, ...: meaningless once the overlay is gone */
			else if (t->strip_overlay && removexattr(path, key) < 0 && errno != ENODATA)
				err = cubo_error_errno("remove %s from %s", key, rel);
			continue;
		}
		if (!val)
			val = xmalloc(XATTR_VALUE_MAX_READ);
		ssize_t vl = getxattr(path, key, val, XATTR_VALUE_MAX_READ);
		if (vl < 0 && errno == ENODATA) /* removed since the listing */
			continue;
		if (vl < 0)
			err = cubo_error_errno("read xattr %s of %s", key, rel);
		else
			archive_entry_xattr_add_entry(e, key, val, (size_t)vl);
	}
	free(val);
	free(list);
	return err;
}

static struct cubo_error *put_header(struct tree_tar *t, struct archive_entry *e, const char *rel)
{
	if (archive_write_header(t->tar, e) < ARCHIVE_WARN)
		return tar_err(t, rel);
	return NULL;
}

static struct cubo_error *put_whiteout(struct tree_tar *t, const char *rel_dir, const char *name,
				       const struct stat *st)
{
	char *p = xasprintf("%s%s.wh.%s", rel_dir, rel_dir[0] ? "/" : "", name);
	struct archive_entry *e = archive_entry_new();
	archive_entry_set_pathname(e, p);
	archive_entry_set_filetype(e, AE_IFREG);
	archive_entry_set_perm(e, 0);
	archive_entry_set_size(e, 0);
	archive_entry_set_mtime(e, st->st_mtim.tv_sec, st->st_mtim.tv_nsec);
	struct cubo_error *err = put_header(t, e, p);
	archive_entry_free(e);
	free(p);
	return err;
}

/*
 * Exactly size bytes of the regular file at fd (its O_PATH fd, so the very
 * file stat'ed, whatever was renamed over its name since): cut when it
 * grew, zeros for what it lost.
 */
static struct cubo_error *put_data(struct tree_tar *t, int fd, off_t size, const char *rel)
{
	int rd = reopen(fd, O_RDONLY | O_NOCTTY | O_NONBLOCK);
	if (rd < 0)
		return cubo_error_errno("open %s", rel);
	char *buf = xmalloc(DATA_CHUNK);
	struct cubo_error *err = NULL;
	off_t left = size;
	while (!err && left > 0) {
		size_t want = left < DATA_CHUNK ? (size_t)left : DATA_CHUNK;
		ssize_t r = read(rd, buf, want);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0) {
			err = cubo_error_errno("read %s", rel);
			break;
		}
		if (r == 0) { /* shrunk since its header: pad */
			memset(buf, 0, want);
			r = (ssize_t)want;
		}
		if (archive_write_data(t->tar, buf, (size_t)r) != r)
			err = tar_err(t, rel);
		left -= r;
	}
	free(buf);
	close(rd);
	return err;
}

static bool skipped(const struct tree_tar *t, const char *rel)
{
	for (size_t i = 0; t->skip && t->skip[i]; i++) {
		size_t n = strlen(t->skip[i]);
		if (!strncmp(rel, t->skip[i], n) && (rel[n] == '\0' || rel[n] == '/'))
			return true;
	}
	return false;
}

/* A later name of an inode written already: the first one's path. */
static const char *hardlink_of(struct tree_tar *t, const struct stat *st, const char *rel)
{
	for (size_t i = 0; i < t->n_links; i++)
		if (t->links[i].dev == st->st_dev && t->links[i].ino == st->st_ino)
			return t->links[i].path;
	t->links = xreallocarray(t->links, t->n_links + 1, sizeof(*t->links));
	t->links[t->n_links++] = (struct tree_tar_link){st->st_dev, st->st_ino, xstrdup(rel)};
	return NULL;
}

/* Out of put_entry's frame, as every buffer here: the walk recurses a thousand levels deep. */
static struct cubo_error *link_target(int fd, const char *rel, struct archive_entry *e)
{
	char *target = xmalloc(PATH_MAX);
	ssize_t n = readlinkat(fd, "", target, PATH_MAX - 1);
	struct cubo_error *err = NULL;
	if (n < 0)
		err = cubo_error_errno("readlink %s", rel);
	else {
		target[n] = '\0';
		archive_entry_set_symlink(e, target);
	}
	free(target);
	return err;
}

/* Files' and directories' xattrs; in cp's form, capabilities on a file's first name only. */
static bool carries_xattrs(const struct tree_tar *t, mode_t mode, bool second_name)
{
	if (t->caps_only)
		return S_ISREG(mode) && !second_name;
	return S_ISREG(mode) || S_ISDIR(mode);
}

static struct cubo_error *children(struct tree_tar *t, int fd, const char *rel_dir, int depth);

/* The entry opened as fd (O_PATH, not following), name in rel_dir, and what is beneath it. */
static struct cubo_error *put_entry(struct tree_tar *t, int fd, const char *rel_dir,
				    const char *name, int depth)
{
	struct stat st;
	if (fstat(fd, &st) < 0)
		return cubo_error_errno("stat %s%s%s", rel_dir, rel_dir[0] ? "/" : "", name);
	if (S_ISSOCK(st.st_mode))
		return NULL; /* a socket means nothing in a tar (docker skips them too) */
	if (t->overlay && S_ISCHR(st.st_mode) && st.st_rdev == makedev(0, 0))
		return put_whiteout(t, rel_dir, name, &st);
	char *rel = xasprintf("%s%s%s", rel_dir, rel_dir[0] ? "/" : "", name);
	if (skipped(t, rel)) {
		free(rel);
		return NULL;
	}
	struct archive_entry *e = archive_entry_new();
	archive_entry_copy_stat(e, &st);
	archive_entry_set_pathname(e, rel);
	archive_entry_set_uname(e, NULL);
	archive_entry_set_gname(e, NULL);
	archive_entry_unset_atime(e);
	archive_entry_unset_ctime(e);
	bool opaque = false;
	struct cubo_error *err = NULL;
	const char *first = NULL;
	if (S_ISREG(st.st_mode) && st.st_nlink > 1)
		first = hardlink_of(t, &st, rel);
	if (first) {
		archive_entry_set_hardlink(e, first);
		archive_entry_set_size(e, 0);
	}
	if (S_ISLNK(st.st_mode))
		err = link_target(fd, rel, e);
	else if (carries_xattrs(t, st.st_mode, first))
		err = xattrs(t, fd, rel, e, &opaque);
	if (!err)
		err = put_header(t, e, rel);
	archive_entry_free(e);
	if (!err && S_ISREG(st.st_mode) && !first && st.st_size > 0)
		err = put_data(t, fd, st.st_size, rel);
	if (!err && opaque)
		err = put_whiteout(t, rel, ".wh..opq", &st);
	if (!err && S_ISDIR(st.st_mode))
		err = children(t, fd, rel, depth + 1);
	free(rel);
	return err;
}

static int by_name(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/*
 * A running container's /proc and /sys are the kernel's views, not its
 * files (docker's cp leaves them out too): their directories come empty,
 * and no attribute file of theirs is read.
 */
static bool kernel_view(int dfd)
{
	struct statfs sf;
	return fstatfs(dfd, &sf) == 0 &&
	       (sf.f_type == PROC_SUPER_MAGIC || sf.f_type == SYSFS_MAGIC);
}

/* The entries of the directory at fd, each under rel_dir. */
static struct cubo_error *children(struct tree_tar *t, int fd, const char *rel_dir, int depth)
{
	const char *shown = rel_dir[0] ? rel_dir : ".";
	if (depth > TREE_TAR_MAX_DEPTH)
		return cubo_error_new("%s: directories nested deeper than %d levels", shown,
				      TREE_TAR_MAX_DEPTH);
	int dfd = reopen(fd, O_RDONLY | O_DIRECTORY);
	if (dfd < 0)
		return cubo_error_errno("open %s", shown);
	if (kernel_view(dfd)) {
		close(dfd);
		return NULL;
	}
	DIR *d = fdopendir(dfd);
	if (!d) {
		close(dfd);
		return cubo_error_errno("read %s", shown);
	}
	char **names = NULL;
	size_t n = 0;
	struct dirent *de;
	while ((de = readdir(d)))
		if (strcmp(de->d_name, ".") && strcmp(de->d_name, ".."))
			cubo_strv_push(&names, &n, de->d_name);
	if (n > 1) /* the same tree gives the same tar */
		qsort(names, n, sizeof(*names), by_name);
	struct cubo_error *err = NULL;
	for (size_t i = 0; !err && i < n; i++) {
		int cfd = openat(dirfd(d), names[i], O_PATH | O_NOFOLLOW | O_CLOEXEC);
		if (cfd >= 0) {
			err = put_entry(t, cfd, rel_dir, names[i], depth);
			close(cfd);
		} else if (errno != ENOENT) /* ENOENT: gone since the listing, left out */
			err = cubo_error_errno("open %s%s%s", rel_dir, rel_dir[0] ? "/" : "",
					       names[i]);
	}
	closedir(d);
	cubo_strv_free(names);
	return err;
}

struct cubo_error *tree_tar_walk(struct tree_tar *t, int dirfd)
{
	return children(t, dirfd, "", 0);
}

struct out_stream {
	int fd;
	uint64_t bytes;
	struct cubo_error *err; /* the first write failure */
};

static la_ssize_t on_write(struct archive *a, void *data, const void *buf, size_t len)
{
	(void)a;
	struct out_stream *o = data;
	const char *p = buf;
	for (size_t done = 0; done < len;) {
		ssize_t w = write(o->fd, p + done, len - done);
		if (w < 0 && errno == EINTR)
			continue;
		if (w < 0) {
			if (!o->err)
				o->err = cubo_error_errno("write the tar stream");
			return -1;
		}
		done += (size_t)w;
	}
	o->bytes += len;
	return (la_ssize_t)len;
}

struct cubo_error *tree_tar_write(struct tree_tar *t, int fd, const char *name, int out_fd,
				  uint64_t *bytes)
{
	struct out_stream o = {.fd = out_fd};
	t->tar = archive_write_new();
	if (!t->tar) /* libarchive's only reason to return NULL */
		xalloc_die();
	t->write_err = &o.err;
	struct cubo_error *err = NULL;
	if (archive_write_set_format_pax_restricted(t->tar) != ARCHIVE_OK ||
	    archive_write_set_bytes_in_last_block(t->tar, 1) != ARCHIVE_OK ||
	    archive_write_open2(t->tar, &o, NULL, on_write, NULL, NULL) != ARCHIVE_OK)
		err = tar_err(t, "start the tar stream");
	if (!err)
		err = name ? put_entry(t, fd, "", name, 0) : tree_tar_walk(t, fd);
	if (!err && archive_write_close(t->tar) != ARCHIVE_OK)
		err = tar_err(t, "finish the tar stream");
	archive_write_free(t->tar);
	t->tar = NULL;
	t->write_err = NULL;
	cubo_error_free(o.err);
	tree_tar_free(t);
	if (bytes)
		*bytes = o.bytes;
	return err;
}
