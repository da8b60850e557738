/* SPDX-License-Identifier: Apache-2.0 */
/* A tree as a plain tar stream: see tree_tar.h. */
#include <archive.h>
#include <archive_entry.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <linux/magic.h>
#include <sys/stat.h>
#include <sys/vfs.h>
#include <sys/xattr.h>
#include <unistd.h>

#include "cubo-mgr/image/tree_tar.h"
#include "shared/strv.h"
#include "shared/xalloc.h"

#define DATA_CHUNK 65536
#define CAPS_XATTR "security.capability"

struct hardlink {
	dev_t dev;
	ino_t ino;
	char *path;
};

struct tree_tar {
	struct archive *a;
	int out_fd;
	uint64_t bytes;
	struct cubo_error *err; /* the first write failure, from the callback */
	struct hardlink *links;
	size_t n_links;
};

static la_ssize_t on_write(struct archive *a, void *data, const void *buf, size_t len)
{
	(void)a;
	struct tree_tar *t = data;
	const char *p = buf;
	for (size_t done = 0; done < len;) {
		ssize_t w = write(t->out_fd, p + done, len - done);
		if (w < 0 && errno == EINTR)
			continue;
		if (w < 0) {
			if (!t->err)
				t->err = cubo_error_errno("write the tar stream");
			return -1;
		}
		done += (size_t)w;
	}
	t->bytes += len;
	return (la_ssize_t)len;
}

static struct cubo_error *tar_err(struct tree_tar *t, const char *what)
{
	if (t->err) {
		struct cubo_error *e = t->err;
		t->err = NULL;
		return e;
	}
	const char *m = archive_error_string(t->a);
	return cubo_error_new("%s: %s", what, m ? m : "tar error");
}

/* Reopen an O_PATH fd for reading: the same inode, whatever its name is now. */
static int reopen(int fd, int flags)
{
	char self[64];
	snprintf(self, sizeof(self), "/proc/self/fd/%d", fd);
	return open(self, flags | O_CLOEXEC);
}

/* Exactly size bytes of the file: cut when it grew, zeros when it shrank. */
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
		if (r == 0) { /* shrank since its header: pad */
			memset(buf, 0, want);
			r = (ssize_t)want;
		}
		if (archive_write_data(t->a, buf, (size_t)r) != r)
			err = tar_err(t, rel);
		left -= r;
	}
	free(buf);
	close(rd);
	return err;
}

static struct cubo_error *put_tree(struct tree_tar *t, int fd, const char *rel);

static int by_name(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/*
 * A running container's /proc and /sys are the kernel's views, not its
 * files (docker's cp leaves them out too): their directories are copied
 * empty, and no attribute file of theirs is read.
 */
static bool kernel_view(int dfd)
{
	struct statfs sf;
	return fstatfs(dfd, &sf) == 0 &&
	       (sf.f_type == PROC_SUPER_MAGIC || sf.f_type == SYSFS_MAGIC);
}

/* The entries of the directory at fd (O_PATH), each under prefix. */
static struct cubo_error *put_children(struct tree_tar *t, int fd, const char *prefix)
{
	int dfd = reopen(fd, O_RDONLY | O_DIRECTORY);
	if (dfd < 0)
		return cubo_error_errno("open %s", prefix[0] ? prefix : ".");
	if (kernel_view(dfd)) {
		close(dfd);
		return NULL;
	}
	DIR *d = fdopendir(dfd);
	if (!d) {
		close(dfd);
		return cubo_error_errno("read %s", prefix[0] ? prefix : ".");
	}
	char **names = NULL;
	size_t n = 0;
	struct dirent *de;
	while ((de = readdir(d)))
		if (strcmp(de->d_name, ".") && strcmp(de->d_name, ".."))
			cubo_strv_push(&names, &n, de->d_name);
	if (n > 1) /* the same tree gives the same stream */
		qsort(names, n, sizeof(*names), by_name);
	struct cubo_error *err = NULL;
	for (size_t i = 0; !err && i < n; i++) {
		char *rel = xasprintf("%s%s%s", prefix, prefix[0] ? "/" : "", names[i]);
		int cfd = openat(dirfd(d), names[i], O_PATH | O_NOFOLLOW | O_CLOEXEC);
		if (cfd < 0 && errno == ENOENT)
			; /* removed since it was listed */
		else if (cfd < 0)
			err = cubo_error_errno("open %s", rel);
		else {
			err = put_tree(t, cfd, rel);
			close(cfd);
		}
		free(rel);
	}
	closedir(d);
	cubo_strv_free(names);
	return err;
}

/* docker's tar carries one xattr, a file's capabilities (ping's cap_net_raw). */
static void add_caps(int fd, struct archive_entry *e)
{
	char self[64], v[256];
	snprintf(self, sizeof(self), "/proc/self/fd/%d", fd);
	ssize_t n = getxattr(self, CAPS_XATTR, v, sizeof(v));
	if (n > 0)
		archive_entry_xattr_add_entry(e, CAPS_XATTR, v, (size_t)n);
}

/* A regular file seen before under another name: the path it had. */
static const char *link_target(struct tree_tar *t, const struct stat *st, const char *rel)
{
	if (st->st_nlink < 2)
		return NULL;
	for (size_t i = 0; i < t->n_links; i++)
		if (t->links[i].dev == st->st_dev && t->links[i].ino == st->st_ino)
			return t->links[i].path;
	t->links = xreallocarray(t->links, t->n_links + 1, sizeof(*t->links));
	t->links[t->n_links++] = (struct hardlink){st->st_dev, st->st_ino, xstrdup(rel)};
	return NULL;
}

static struct cubo_error *put_tree(struct tree_tar *t, int fd, const char *rel)
{
	struct stat st;
	if (fstat(fd, &st) < 0)
		return cubo_error_errno("stat %s", rel);
	if (S_ISSOCK(st.st_mode))
		return NULL; /* a socket means nothing in a tar (docker skips them too) */
	struct archive_entry *e = archive_entry_new();
	archive_entry_copy_stat(e, &st);
	char *path = xasprintf("%s%s", rel, S_ISDIR(st.st_mode) ? "/" : "");
	archive_entry_set_pathname(e, path);
	free(path);
	archive_entry_unset_atime(e);
	archive_entry_unset_ctime(e);
	struct cubo_error *err = NULL;
	bool data = false;
	if (S_ISLNK(st.st_mode)) {
		char target[4096];
		ssize_t n = readlinkat(fd, "", target, sizeof(target) - 1);
		if (n < 0)
			err = cubo_error_errno("readlink %s", rel);
		else {
			target[n] = '\0';
			archive_entry_set_symlink(e, target);
		}
	} else if (S_ISREG(st.st_mode)) {
		const char *to = link_target(t, &st, rel);
		if (to) {
			archive_entry_set_hardlink(e, to);
			archive_entry_set_size(e, 0);
		}
		data = !to && st.st_size > 0;
		if (!to)
			add_caps(fd, e);
	}
	if (!err && archive_write_header(t->a, e) < ARCHIVE_WARN)
		err = tar_err(t, rel);
	archive_entry_free(e);
	if (!err && data)
		err = put_data(t, fd, st.st_size, rel);
	if (!err && S_ISDIR(st.st_mode))
		err = put_children(t, fd, rel);
	return err;
}

struct cubo_error *tree_tar_write(int fd, const char *name, int out_fd, uint64_t *bytes)
{
	struct tree_tar t = {.out_fd = out_fd};
	t.a = archive_write_new();
	if (!t.a) /* libarchive's only reason to return NULL */
		xalloc_die();
	struct cubo_error *err = NULL;
	if (archive_write_set_format_pax_restricted(t.a) != ARCHIVE_OK ||
	    archive_write_set_bytes_in_last_block(t.a, 1) != ARCHIVE_OK ||
	    archive_write_open2(t.a, &t, NULL, on_write, NULL, NULL) != ARCHIVE_OK)
		err = tar_err(&t, "start the tar stream");
	if (!err && name)
		err = put_tree(&t, fd, name);
	else if (!err)
		err = put_children(&t, fd, "");
	if (!err && archive_write_close(t.a) != ARCHIVE_OK)
		err = tar_err(&t, "finish the tar stream");
	archive_write_free(t.a);
	cubo_error_free(t.err);
	for (size_t i = 0; i < t.n_links; i++)
		free(t.links[i].path);
	free(t.links);
	if (bytes)
		*bytes = t.bytes;
	return err;
}
