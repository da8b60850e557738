/* SPDX-License-Identifier: Apache-2.0 */
/* A directory tree into a tar: see tree_tar.h. */
#include <archive.h>
#include <archive_entry.h>
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

#include "cubo-mgr/builder/tree_tar.h"
#include "shared/xalloc.h"

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

/* The xattrs the tar carries; overlay's own are its bookkeeping, not the tree's. */
static struct cubo_error *xattrs(struct tree_tar *t, int dirfd, const char *name, const char *rel,
				 struct archive_entry *e, bool *opaque)
{
	char path[64];
	int fd = openat(dirfd, name, O_PATH | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0) /* gone since the stat (a running container's): no xattrs */
		return errno == ENOENT ? NULL : cubo_error_errno("open %s", rel);
	snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
	char list[8192];
	ssize_t n = listxattr(path, list, sizeof(list));
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
			    !strcmp(key, OVERLAY_XATTR "metacopy")) {
				err = cubo_error_new("%s: %s: the overlay was mounted with "
						     "redirect_dir or metacopy on",
						     rel, key);
				break;
			}
			/* origin, impure, nlink, ...: meaningless once the overlay is gone */
			if (t->strip_overlay && removexattr(path, key) < 0 && errno != ENODATA)
				err = cubo_error_errno("remove %s from %s", key, rel);
			continue;
		}
		char val[65536];
		ssize_t vl = getxattr(path, key, val, sizeof(val));
		if (vl < 0 && errno == ENODATA) /* removed since the listing */
			continue;
		if (vl < 0) {
			err = cubo_error_errno("read xattr %s of %s", key, rel);
			break;
		}
		archive_entry_xattr_add_entry(e, key, val, (size_t)vl);
	}
	close(fd);
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
	if (st)
		archive_entry_set_mtime(e, st->st_mtim.tv_sec, st->st_mtim.tv_nsec);
	struct cubo_error *err = put_header(t, e, p);
	archive_entry_free(e);
	free(p);
	return err;
}

/*
 * The file's st_size bytes, from the very file stat'ed: what was put in its
 * place since (a running container's rename, or a fifo) is not opened or
 * not read, and the entry, whose header is written, gets zeros, as it does
 * for what the file lost meanwhile.
 */
static struct cubo_error *put_data(struct tree_tar *t, int dirfd, const char *name, const char *rel,
				   const struct stat *st)
{
	int fd = openat(dirfd, name, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_NOCTTY | O_CLOEXEC);
	if (fd < 0 && errno != ENOENT && errno != ELOOP && errno != ENXIO)
		return cubo_error_errno("open %s", rel);
	struct stat now;
	if (fd >= 0 && (fstat(fd, &now) < 0 || !S_ISREG(now.st_mode) || now.st_dev != st->st_dev ||
			now.st_ino != st->st_ino)) {
		close(fd);
		fd = -1;
	}
	char buf[65536];
	struct cubo_error *err = NULL;
	int64_t left = st->st_size;
	while (!err && left > 0) {
		size_t want = left < (int64_t)sizeof(buf) ? (size_t)left : sizeof(buf);
		ssize_t r = fd >= 0 ? read(fd, buf, want) : 0;
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0) {
			err = cubo_error_errno("read %s", rel);
			break;
		}
		if (r == 0) { /* shrunk or gone: the header said more */
			memset(buf, 0, want);
			r = (ssize_t)want;
		}
		if (archive_write_data(t->tar, buf, (size_t)r) != r)
			err = tar_err(t, rel);
		left -= r;
	}
	if (fd >= 0)
		close(fd);
	return err;
}

static int by_name(const struct dirent **a, const struct dirent **b)
{
	return strcmp((*a)->d_name, (*b)->d_name);
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

static struct cubo_error *walk(struct tree_tar *t, int dirfd, const char *rel_dir, int depth);

/* A later name of an inode written already: a hard link to the first. */
static bool hardlinked(struct tree_tar *t, const struct stat *st, const char *rel,
		       struct archive_entry *e)
{
	for (size_t i = 0; i < t->n_links; i++) {
		if (t->links[i].dev == st->st_dev && t->links[i].ino == st->st_ino) {
			archive_entry_set_hardlink(e, t->links[i].path);
			archive_entry_set_size(e, 0);
			return true;
		}
	}
	t->links = xreallocarray(t->links, t->n_links + 1, sizeof(*t->links));
	t->links[t->n_links++] = (struct tree_tar_link){st->st_dev, st->st_ino, xstrdup(rel)};
	return false;
}

static struct cubo_error *put_entry(struct tree_tar *t, int dirfd, const char *rel_dir,
				    const char *name, int depth)
{
	struct stat st;
	if (fstatat(dirfd, name, &st, AT_SYMLINK_NOFOLLOW) < 0)
		/* gone since the listing (a running container's): not in the tar */
		return errno == ENOENT ? NULL : cubo_error_errno("stat %s/%s", rel_dir, name);
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
	archive_entry_set_atime(e, 0, 0);
	archive_entry_unset_atime(e);
	archive_entry_unset_ctime(e);
	bool opaque = false;
	struct cubo_error *err = NULL;
	if (S_ISLNK(st.st_mode)) {
		char target[4096];
		ssize_t n = readlinkat(dirfd, name, target, sizeof(target) - 1);
		if (n < 0 && (errno == ENOENT || errno == EINVAL)) {
			/* gone, or no longer a link, since the stat: left out */
			archive_entry_free(e);
			free(rel);
			return NULL;
		}
		if (n < 0)
			err = cubo_error_errno("readlink %s", rel);
		else {
			target[n] = '\0';
			archive_entry_set_symlink(e, target);
		}
	} else if (S_ISREG(st.st_mode) || S_ISDIR(st.st_mode)) {
		err = xattrs(t, dirfd, name, rel, e, &opaque);
	}
	bool data = S_ISREG(st.st_mode) && st.st_size > 0;
	if (!err && S_ISREG(st.st_mode) && st.st_nlink > 1 && hardlinked(t, &st, rel, e))
		data = false;
	if (!err)
		err = put_header(t, e, rel);
	archive_entry_free(e);
	if (!err && data)
		err = put_data(t, dirfd, name, rel, &st);
	if (!err && opaque)
		err = put_whiteout(t, rel, ".wh..opq", &st);
	if (!err && S_ISDIR(st.st_mode)) {
		int sub = openat(dirfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
		/* gone, or something else put in its place: nothing beneath it is written */
		if (sub < 0 && errno != ENOENT && errno != ENOTDIR && errno != ELOOP)
			err = cubo_error_errno("open %s", rel);
		else if (sub >= 0) {
			err = walk(t, sub, rel, depth + 1);
			close(sub);
		}
	}
	free(rel);
	return err;
}

static struct cubo_error *walk(struct tree_tar *t, int dirfd, const char *rel_dir, int depth)
{
	if (depth > TREE_TAR_MAX_DEPTH)
		return cubo_error_new("%s: directories nested deeper than %d levels", rel_dir,
				      TREE_TAR_MAX_DEPTH);
	int fd = dup(dirfd);
	if (fd < 0)
		return cubo_error_errno("dup");
	DIR *d = fdopendir(fd);
	if (!d) {
		close(fd);
		return cubo_error_errno("read %s", rel_dir[0] ? rel_dir : "/");
	}
	struct dirent **names = NULL;
	size_t n = 0, cap = 0;
	struct dirent *de;
	while ((de = readdir(d))) {
		if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, ".."))
			continue;
		if (n == cap) {
			cap = cap ? cap * 2 : 16;
			names = xreallocarray(names, cap, sizeof(*names));
		}
		size_t sz = offsetof(struct dirent, d_name) + strlen(de->d_name) + 1;
		names[n] = xmalloc(sz > sizeof(*de) ? sz : sizeof(*de));
		memcpy(names[n], de, sz);
		n++;
	}
	closedir(d);
	if (n > 1) /* an empty directory has no array at all */
		qsort(names, n, sizeof(*names), (int (*)(const void *, const void *))by_name);
	struct cubo_error *err = NULL;
	for (size_t i = 0; i < n; i++) {
		if (!err)
			err = put_entry(t, dirfd, rel_dir, names[i]->d_name, depth);
		free(names[i]);
	}
	free(names);
	return err;
}

struct cubo_error *tree_tar_walk(struct tree_tar *t, int dirfd)
{
	return walk(t, dirfd, "", 0);
}
