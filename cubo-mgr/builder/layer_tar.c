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
#include "cubo-mgr/image/tree_tar.h"
#include "shared/fs.h"
#include "shared/xalloc.h"

struct tar_out {
	struct archive *tar; /* pax, written to on_tar */
	struct archive *zip; /* raw + gzip/zstd, written to on_zip */
	struct cubo_sha256 *diff, *blob;
	int fd; /* the blob's temp file */
	int64_t size;
	struct cubo_error *err; /* the first failure inside a callback */
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
	return layer_tar_write_tree(s, dir, c, true, NULL, out);
}

struct cubo_error *layer_tar_write_tree(struct store *s, const char *dir, enum layer_compression c,
					bool strip_overlay, char *const *skip,
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
	struct tree_tar tt = {.overlay = true, .strip_overlay = strip_overlay, .skip = skip};
	if (!err) {
		tt.tar = t.tar;
		tt.write_err = &t.err;
		err = tree_tar_walk(&tt, dirfd);
	}
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
	tree_tar_free(&tt);
	if (t.fd >= 0)
		close(t.fd);
	close(dirfd);
	return cubo_error_wrap(err, "layer from %s", dir);
}
