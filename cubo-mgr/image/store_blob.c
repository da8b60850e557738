/* SPDX-License-Identifier: Apache-2.0 */
/* Blobs: verified while written, resumable, renamed into place complete. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cubo-mgr/image/store_priv.h"
#include "shared/fs.h"
#include "shared/lock.h"
#include "shared/xalloc.h"

struct store_blob_writer {
	struct store *s;
	char digest[CUBO_DIGEST_LEN + 1];
	uint64_t size, written;
	struct cubo_sha256 *sha;
	char *partial; /* ingest/<hex>.partial */
	int fd;
	int lock;
};

bool store_blob_has(struct store *s, const char *digest)
{
	char *p = store_hex_path(s->blobs, digest, NULL);
	struct stat st;
	bool ok = p && stat(p, &st) == 0 && S_ISREG(st.st_mode);
	free(p);
	return ok;
}

char *store_blob_path(struct store *s, const char *digest)
{
	return store_hex_path(s->blobs, digest, NULL);
}

struct cubo_error *store_blob_open(struct store *s, const char *digest, int *fd)
{
	char *p = store_hex_path(s->blobs, digest, NULL);
	if (!p)
		return cubo_error_new("\"%s\" is not a sha256 digest", digest);
	*fd = open(p, O_RDONLY | O_CLOEXEC);
	struct cubo_error *err = *fd < 0 ? cubo_error_errno("blob %s: open %s", digest, p) : NULL;
	free(p);
	return err;
}

struct cubo_error *store_blob_read(struct store *s, const char *digest, size_t max, char **data,
				   size_t *len)
{
	*data = NULL;
	*len = 0;
	char *p = store_hex_path(s->blobs, digest, NULL);
	if (!p)
		return cubo_error_new("\"%s\" is not a sha256 digest", digest);
	struct stat st;
	struct cubo_error *err = NULL;
	char got[CUBO_DIGEST_LEN + 1];
	if (stat(p, &st) < 0)
		err = cubo_error_errno("blob %s", digest);
	else if ((uint64_t)st.st_size > max)
		err = cubo_error_new("blob %s: %lld bytes, more than the %zu allowed", digest,
				     (long long)st.st_size, max);
	else if (!(err = cubo_read_file(p, data, len)) &&
		 !(err = cubo_sha256_buffer(*data, *len, got)) && strcmp(got, digest)) {
		err = cubo_error_new("blob %s: stored content has digest %s (the store is damaged)",
				     digest, got);
	}
	if (err && *data) {
		free(*data);
		*data = NULL;
	}
	free(p);
	return err;
}

/* Write all of buf to fd. */
static struct cubo_error *write_all(int fd, const void *buf, size_t len, const char *what)
{
	const char *p = buf;
	while (len > 0) {
		ssize_t n = write(fd, p, len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return cubo_error_errno("writing %s", what);
		p += n;
		len -= (size_t)n;
	}
	return NULL;
}

/* fsync + rename src to the blob's place, then fsync the directory. */
static struct cubo_error *publish(struct store *s, int fd, const char *src, const char *digest)
{
	char *dst = store_hex_path(s->blobs, digest, NULL);
	struct cubo_error *err = NULL;
	if (fsync(fd) < 0)
		err = cubo_error_errno("fsync %s", src);
	else if (rename(src, dst) < 0)
		err = cubo_error_errno("rename %s to %s", src, dst);
	else
		err = cubo_fsync_dir(s->blobs);
	free(dst);
	return err;
}

struct cubo_error *store_blob_put(struct store *s, const void *data, size_t len,
				  const char *expected, char out[CUBO_DIGEST_LEN + 1])
{
	char got[CUBO_DIGEST_LEN + 1];
	CUBO_TRY(cubo_sha256_buffer(data, len, got));
	if (expected && strcmp(expected, got))
		return cubo_error_new("blob %s: digest mismatch (got %s)", expected, got);
	if (out)
		memcpy(out, got, sizeof(got));
	if (store_blob_has(s, got))
		return NULL;
	char *tmp = cubo_path_join(s->ingest, ".put-XXXXXX");
	int fd = mkostemp(tmp, O_CLOEXEC);
	struct cubo_error *err = NULL;
	if (fd < 0) {
		err = cubo_error_errno("mkstemp %s", tmp);
	} else {
		fchmod(fd, 0644);
		err = write_all(fd, data, len, tmp);
		if (!err)
			err = publish(s, fd, tmp, got);
		close(fd);
		if (err)
			unlink(tmp);
	}
	free(tmp);
	return err;
}

struct cubo_error *store_blob_put_file(struct store *s, int fd, const char *expected,
				       char out[CUBO_DIGEST_LEN + 1])
{
	char got[CUBO_DIGEST_LEN + 1], buf[1 << 16];
	struct cubo_sha256 *sha;
	CUBO_TRY(cubo_sha256_new(&sha));
	char *tmp = cubo_path_join(s->ingest, ".put-XXXXXX");
	int tfd = mkostemp(tmp, O_CLOEXEC);
	struct cubo_error *err = tfd < 0 ? cubo_error_errno("mkstemp %s", tmp) : NULL;
	while (!err) {
		ssize_t n = read(fd, buf, sizeof(buf));
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			err = cubo_error_errno("reading a blob");
		if (n <= 0)
			break;
		if (!(err = write_all(tfd, buf, (size_t)n, tmp)))
			err = cubo_sha256_update(sha, buf, (size_t)n);
	}
	if (!err)
		err = cubo_sha256_final(sha, got);
	if (!err && expected && strcmp(expected, got))
		err = cubo_error_new("blob %s: digest mismatch (got %s)", expected, got);
	if (!err && !store_blob_has(s, got)) {
		fchmod(tfd, 0644);
		err = publish(s, tfd, tmp, got);
	}
	if (tfd >= 0) {
		close(tfd);
		unlink(tmp); /* gone already when published */
	}
	if (!err && out)
		memcpy(out, got, sizeof(got));
	cubo_sha256_free(sha);
	free(tmp);
	return err;
}

/* Hash what a partial download already holds, so the digest covers the whole blob. */
static struct cubo_error *rehash_partial(struct store_blob_writer *w)
{
	char buf[65536];
	for (;;) {
		ssize_t n = read(w->fd, buf, sizeof(buf));
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return cubo_error_errno("reading %s", w->partial);
		if (n == 0)
			return NULL;
		CUBO_TRY(cubo_sha256_update(w->sha, buf, (size_t)n));
		w->written += (uint64_t)n;
	}
}

static void writer_free(struct store_blob_writer *w, bool unlink_partial)
{
	if (w->fd >= 0)
		close(w->fd);
	if (unlink_partial && w->partial)
		unlink(w->partial);
	if (w->lock >= 0)
		cubo_unlock(w->lock);
	cubo_sha256_free(w->sha);
	free(w->partial);
	free(w);
}

struct cubo_error *store_blob_writer_begin(struct store *s, const char *digest, uint64_t size,
					   struct store_blob_writer **out, uint64_t *offset,
					   bool *present)
{
	*out = NULL;
	*offset = 0;
	*present = false;
	if (!cubo_digest_valid(digest))
		return cubo_error_new("\"%s\" is not a sha256 digest", digest);
	struct store_blob_writer *w = xcalloc(1, sizeof(*w));
	w->s = s;
	w->fd = -1;
	w->size = size;
	memcpy(w->digest, digest, sizeof(w->digest));
	struct cubo_error *err = store_lock(s, "blob-", digest, true, &w->lock);
	if (err) {
		w->lock = -1;
		writer_free(w, false);
		return err;
	}
	if (store_blob_has(s, digest)) { /* written while we waited */
		*present = true;
		writer_free(w, false);
		return NULL;
	}
	w->partial = store_hex_path(s->ingest, digest, ".partial");
	w->fd = open(w->partial, O_RDWR | O_CREAT | O_CLOEXEC, 0644);
	if (w->fd < 0)
		err = cubo_error_errno("open %s", w->partial);
	if (!err)
		err = cubo_sha256_new(&w->sha);
	if (!err)
		err = rehash_partial(w);
	if (!err && w->written > size) { /* not this blob's: start over */
		if (ftruncate(w->fd, 0) < 0 || lseek(w->fd, 0, SEEK_SET) < 0)
			err = cubo_error_errno("truncating %s", w->partial);
		cubo_sha256_free(w->sha);
		w->sha = NULL;
		w->written = 0;
		if (!err)
			err = cubo_sha256_new(&w->sha);
	}
	if (err) {
		writer_free(w, false);
		return cubo_error_wrap(err, "blob %s", digest);
	}
	*offset = w->written;
	*out = w;
	return NULL;
}

struct cubo_error *store_blob_writer_write(struct store_blob_writer *w, const void *buf, size_t len)
{
	if (w->written + len > w->size)
		return cubo_error_new("blob %s: more than its %llu bytes", w->digest,
				      (unsigned long long)w->size);
	CUBO_TRY(write_all(w->fd, buf, len, w->partial));
	CUBO_TRY(cubo_sha256_update(w->sha, buf, len));
	w->written += len;
	return NULL;
}

struct cubo_error *store_blob_writer_commit(struct store_blob_writer *w)
{
	char got[CUBO_DIGEST_LEN + 1];
	struct cubo_error *err = NULL;
	if (w->written != w->size) {
		err = cubo_error_new("blob %s: %llu of %llu bytes (truncated)", w->digest,
				     (unsigned long long)w->written, (unsigned long long)w->size);
		/* a short blob may still be resumed */
		writer_free(w, false);
		return err;
	}
	err = cubo_sha256_final(w->sha, got);
	if (!err && strcmp(got, w->digest))
		err = cubo_error_new("blob %s: digest mismatch (got %s)", w->digest, got);
	if (!err)
		err = publish(w->s, w->fd, w->partial, w->digest);
	/* a mismatching blob is useless: never resume from it */
	writer_free(w, err != NULL);
	return err;
}

void store_blob_writer_abort(struct store_blob_writer *w, bool keep_partial)
{
	if (w)
		writer_free(w, !keep_partial);
}
