/* SPDX-License-Identifier: Apache-2.0 */
/* A layer directory as an OCI layer blob: see layer_tar.h. */
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

#include "cubo-mgr/builder/layer_tar.h"
#include "shared/fs.h"
#include "shared/xalloc.h"

#define OVERLAY_XATTR "trusted.overlay."
#define OPAQUE_XATTR "trusted.overlay.opaque"

struct hardlink {
	dev_t dev;
	ino_t ino;
	char *path;
};

struct tar_out {
	struct archive *tar; /* pax, written to on_tar */
	struct archive *zip; /* raw + gzip/zstd, written to on_zip */
	struct cubo_sha256 *diff, *blob;
	int fd; /* the blob's temp file */
	int64_t size;
	struct cubo_error *err; /* the first failure inside a callback */
	struct hardlink *links;
	size_t n_links;
};

struct cubo_error *layer_compression_parse(const char *s, enum layer_compression *out)
{
	if (!strcmp(s, "gzip"))
		*out = LAYER_GZIP;
	else if (!strcmp(s, "zstd"))
		*out = LAYER_ZSTD;
	else
		return cubo_error_new("--compress \"%s\": expected gzip or zstd", s);
	return NULL;
}

static struct cubo_error *arch_err(struct archive *a, const char *what)
{
	const char *m = archive_error_string(a);
	return cubo_error_new_errno(archive_errno(a) > 0 ? archive_errno(a) : 0, "%s: %s", what,
				    m ? m : "archive error");
}

static la_ssize_t on_zip(struct archive *a, void *data, const void *buf, size_t len)
{
	struct tar_out *t = data;
	if (t->err)
		return -1;
	if ((t->err = cubo_sha256_update(t->blob, buf, len)))
		return -1;
	const char *p = buf;
	for (size_t done = 0; done < len;) {
		ssize_t w = write(t->fd, p + done, len - done);
		if (w < 0 && errno == EINTR)
			continue;
		if (w < 0) {
			t->err = cubo_error_errno("write the layer blob");
			return -1;
		}
		done += (size_t)w;
	}
	t->size += (int64_t)len;
	return (la_ssize_t)len;
}

static la_ssize_t on_tar(struct archive *a, void *data, const void *buf, size_t len)
{
	struct tar_out *t = data;
	if (t->err)
		return -1;
	if ((t->err = cubo_sha256_update(t->diff, buf, len)))
		return -1;
	if (archive_write_data(t->zip, buf, len) != (la_ssize_t)len) {
		if (!t->err)
			t->err = arch_err(t->zip, "compress the layer");
		return -1;
	}
	return (la_ssize_t)len;
}

/* The xattrs a layer carries; overlay's own are dropped from the tree too. */
static struct cubo_error *xattrs(struct tar_out *t, int dirfd, const char *name, const char *rel,
				 struct archive_entry *e, bool *opaque)
{
	char path[64];
	int fd = openat(dirfd, name, O_PATH | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0)
		return cubo_error_errno("open %s", rel);
	snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
	char list[8192];
	ssize_t n = listxattr(path, list, sizeof(list));
	struct cubo_error *err = NULL;
	if (n < 0 && errno != ENOTSUP && errno != ENODATA)
		err = cubo_error_errno("list the xattrs of %s", rel);
	for (ssize_t off = 0; !err && n > 0 && off < n; off += (ssize_t)strlen(list + off) + 1) {
		const char *key = list + off;
		if (!strncmp(key, OVERLAY_XATTR, strlen(OVERLAY_XATTR))) {
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
			if (removexattr(path, key) < 0 && errno != ENODATA)
				err = cubo_error_errno("remove %s from %s", key, rel);
			continue;
		}
		char val[65536];
		ssize_t vl = getxattr(path, key, val, sizeof(val));
		if (vl < 0) {
			err = cubo_error_errno("read xattr %s of %s", key, rel);
			break;
		}
		archive_entry_xattr_add_entry(e, key, val, (size_t)vl);
	}
	close(fd);
	return err;
}

static struct cubo_error *put_header(struct tar_out *t, struct archive_entry *e, const char *rel)
{
	if (archive_write_header(t->tar, e) < ARCHIVE_WARN)
		return t->err ? t->err : arch_err(t->tar, rel);
	return NULL;
}

static struct cubo_error *put_whiteout(struct tar_out *t, const char *rel_dir, const char *name,
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

static struct cubo_error *put_data(struct tar_out *t, int dirfd, const char *name, const char *rel)
{
	int fd = openat(dirfd, name, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0)
		return cubo_error_errno("open %s", rel);
	char buf[65536];
	struct cubo_error *err = NULL;
	for (;;) {
		ssize_t r = read(fd, buf, sizeof(buf));
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0) {
			err = cubo_error_errno("read %s", rel);
			break;
		}
		if (r == 0)
			break;
		if (archive_write_data(t->tar, buf, (size_t)r) != r) {
			err = t->err ? t->err : arch_err(t->tar, rel);
			t->err = NULL;
			break;
		}
	}
	close(fd);
	return err;
}

static int by_name(const struct dirent **a, const struct dirent **b)
{
	return strcmp((*a)->d_name, (*b)->d_name);
}

static struct cubo_error *walk(struct tar_out *t, int dirfd, const char *rel_dir);

static struct cubo_error *put_entry(struct tar_out *t, int dirfd, const char *rel_dir,
				    const char *name)
{
	struct stat st;
	if (fstatat(dirfd, name, &st, AT_SYMLINK_NOFOLLOW) < 0)
		return cubo_error_errno("stat %s/%s", rel_dir, name);
	if (S_ISCHR(st.st_mode) && st.st_rdev == makedev(0, 0))
		return put_whiteout(t, rel_dir, name, &st);
	char *rel = xasprintf("%s%s%s", rel_dir, rel_dir[0] ? "/" : "", name);
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
	if (!err && S_ISREG(st.st_mode) && st.st_nlink > 1) {
		for (size_t i = 0; i < t->n_links; i++) {
			if (t->links[i].dev == st.st_dev && t->links[i].ino == st.st_ino) {
				archive_entry_set_hardlink(e, t->links[i].path);
				archive_entry_set_size(e, 0);
				data = false;
				break;
			}
		}
		if (data) {
			t->links = xreallocarray(t->links, t->n_links + 1, sizeof(*t->links));
			t->links[t->n_links++] =
				(struct hardlink){st.st_dev, st.st_ino, xstrdup(rel)};
		}
	}
	if (!err)
		err = put_header(t, e, rel);
	archive_entry_free(e);
	if (!err && data)
		err = put_data(t, dirfd, name, rel);
	if (!err && opaque)
		err = put_whiteout(t, rel, ".wh..opq", &st);
	if (!err && S_ISDIR(st.st_mode)) {
		int sub = openat(dirfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
		if (sub < 0)
			err = cubo_error_errno("open %s", rel);
		else {
			err = walk(t, sub, rel);
			close(sub);
		}
	}
	free(rel);
	return err;
}

static struct cubo_error *walk(struct tar_out *t, int dirfd, const char *rel_dir)
{
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
			err = put_entry(t, dirfd, rel_dir, names[i]->d_name);
		free(names[i]);
	}
	free(names);
	return err;
}

static struct cubo_error *open_archives(struct tar_out *t, enum layer_compression c)
{
	t->zip = archive_write_new();
	t->tar = archive_write_new();
	if (!t->zip || !t->tar) /* libarchive's only reason to return NULL */
		xalloc_die();
	int r = archive_write_set_format_raw(t->zip);
	if (r == ARCHIVE_OK)
		r = c == LAYER_ZSTD ? archive_write_add_filter_zstd(t->zip)
				    : archive_write_add_filter_gzip(t->zip);
	if (r == ARCHIVE_OK && c == LAYER_GZIP)
		/* no name or time in the gzip header: the same tar gives the same blob */
		r = archive_write_set_filter_option(t->zip, "gzip", "timestamp", NULL);
	if (r == ARCHIVE_OK)
		r = archive_write_set_bytes_per_block(t->zip, 0);
	if (r == ARCHIVE_OK)
		r = archive_write_open2(t->zip, t, NULL, on_zip, NULL, NULL);
	if (r != ARCHIVE_OK)
		return t->err ? t->err : arch_err(t->zip, "start the compressor");
	struct archive_entry *e = archive_entry_new();
	archive_entry_set_pathname(e, "layer.tar");
	archive_entry_set_filetype(e, AE_IFREG);
	archive_entry_set_perm(e, 0644);
	r = archive_write_header(t->zip, e);
	archive_entry_free(e);
	if (r != ARCHIVE_OK)
		return arch_err(t->zip, "start the compressor");
	if (archive_write_set_format_pax_restricted(t->tar) != ARCHIVE_OK ||
	    archive_write_open2(t->tar, t, NULL, on_tar, NULL, NULL) != ARCHIVE_OK)
		return t->err ? t->err : arch_err(t->tar, "start the tar");
	return NULL;
}

static struct cubo_error *close_archives(struct tar_out *t)
{
	struct cubo_error *err = NULL;
	if (archive_write_close(t->tar) != ARCHIVE_OK)
		err = t->err ? t->err : arch_err(t->tar, "finish the tar");
	if (!err && archive_write_close(t->zip) != ARCHIVE_OK)
		err = t->err ? t->err : arch_err(t->zip, "finish the compressed layer");
	return err;
}

struct cubo_error *layer_tar_write(struct store *s, const char *dir, enum layer_compression c,
				   struct layer_blob *out)
{
	struct tar_out t = {.fd = -1};
	int dirfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dirfd < 0)
		return cubo_error_errno("open %s", dir);
	struct cubo_error *err = cubo_sha256_new(&t.diff);
	if (!err)
		err = cubo_sha256_new(&t.blob);
	char tmpl[] = "/var/tmp/cubo-layer.XXXXXX";
	if (!err) {
		t.fd = mkostemp(tmpl, O_CLOEXEC);
		if (t.fd < 0)
			err = cubo_error_errno("create a temp file in /var/tmp");
		else
			unlink(tmpl);
	}
	if (!err)
		err = open_archives(&t, c);
	if (!err)
		err = walk(&t, dirfd, "");
	if (!err)
		err = close_archives(&t);
	if (!err)
		err = cubo_sha256_final(t.diff, out->diff_id);
	if (!err)
		err = cubo_sha256_final(t.blob, out->digest);
	if (!err && lseek(t.fd, 0, SEEK_SET) < 0)
		err = cubo_error_errno("rewind the layer blob");
	if (!err)
		err = store_blob_put_file(s, t.fd, out->digest, NULL);
	out->size = t.size;
	out->media_type = c == LAYER_ZSTD ? OCI_MT_LAYER_ZSTD : OCI_MT_LAYER_GZIP;
	if (t.tar)
		archive_write_free(t.tar);
	if (t.zip)
		archive_write_free(t.zip);
	cubo_sha256_free(t.diff);
	cubo_sha256_free(t.blob);
	for (size_t i = 0; i < t.n_links; i++)
		free(t.links[i].path);
	free(t.links);
	if (t.fd >= 0)
		close(t.fd);
	close(dirfd);
	return cubo_error_wrap(err, "layer from %s", dir);
}
