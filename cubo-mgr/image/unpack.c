/* SPDX-License-Identifier: Apache-2.0 */
/*
 * One pass over a layer, in three stages on three threads, so that inflating
 * (user time), hashing and creating files (mostly system time) overlap:
 *
 *   input ──► [decompress: libarchive gzip/zstd + format "raw"] ──► tar ring
 *   tar ring ──► [hash: sha256 of the whole tar stream = the diff_id]
 *   tar ring ──► [extract: libarchive tar reader, our own fd-relative calls]
 *
 * The input is a ring filled by unpack_feed (downloads push, while libarchive
 * pulls), or an fd for unpack_fd. The tar ring has two readers, each with its
 * own position. Both rings are bounded, so memory stays small whatever the
 * layer size.
 */
#include "cubo-mgr/image/unpack_priv.h"

#include <archive.h>
#include <archive_entry.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "shared/fs.h"
#include "shared/size.h"
#include "shared/xalloc.h"

/* Conditions are set up for both rings always (fail() signals them); buffers as needed. */
static void ring_init(struct ring *r, unsigned nreaders)
{
	r->nreaders = nreaders;
	pthread_cond_init(&r->readable, NULL);
	pthread_cond_init(&r->writable, NULL);
}

static void ring_alloc(struct ring *r, size_t size)
{
	r->size = size;
	r->buf = xmalloc(size);
}

static void ring_destroy(struct ring *r)
{
	free(r->buf);
	pthread_cond_destroy(&r->readable);
	pthread_cond_destroy(&r->writable);
}

/* Bytes the slowest remaining reader has not released; false when no reader is left. */
static bool ring_used(const struct ring *r, size_t *used)
{
	bool any = false;

	*used = 0;
	for (unsigned i = 0; i < r->nreaders; i++) {
		if (r->rd[i].gone)
			continue;
		any = true;
		if (r->head - r->rd[i].tail > *used)
			*used = (size_t)(r->head - r->rd[i].tail);
	}
	return any;
}

/*
 * Copy n bytes in, waiting for room. False when they will never be read: all
 * readers stopped or some stage failed.
 */
static bool ring_write(struct unpacker *u, struct ring *r, const void *data, size_t n)
{
	const unsigned char *p = data;

	while (n) {
		size_t off, chunk, used = 0;
		bool readers;

		pthread_mutex_lock(&u->lock);
		while ((readers = ring_used(r, &used)) && used == r->size && !u->failed)
			pthread_cond_wait(&r->writable, &u->lock);
		if (!readers || u->failed) {
			pthread_mutex_unlock(&u->lock);
			return false;
		}
		off = (size_t)(r->head % r->size);
		chunk = r->size - used;
		if (chunk > r->size - off)
			chunk = r->size - off;
		if (chunk > n)
			chunk = n;
		pthread_mutex_unlock(&u->lock);

		/* No reader touches [head, head + size - used): copy unlocked. */
		memcpy(r->buf + off, p, chunk);
		p += chunk;
		n -= chunk;

		pthread_mutex_lock(&u->lock);
		r->head += chunk;
		pthread_cond_broadcast(&r->readable);
		pthread_mutex_unlock(&u->lock);
	}
	return true;
}

/*
 * libarchive's read callback contract: the block stays valid until the next
 * call. So each call first releases the previous block, then hands out the
 * next contiguous one. 0 at the end, -1 when a stage failed.
 */
static la_ssize_t ring_read(struct unpacker *u, struct ring *r, unsigned reader, const void **buf)
{
	struct ring_reader *rd = &r->rd[reader];
	size_t off, n;

	pthread_mutex_lock(&u->lock);
	rd->tail += rd->held;
	rd->held = 0;
	pthread_cond_signal(&r->writable);
	while (r->head == rd->tail && !r->closed && !u->failed)
		pthread_cond_wait(&r->readable, &u->lock);
	if (u->failed) {
		pthread_mutex_unlock(&u->lock);
		return -1;
	}
	off = (size_t)(rd->tail % r->size);
	n = (size_t)(r->head - rd->tail);
	if (n > r->size - off)
		n = r->size - off;
	/* A block is held until the next call: leave the writer room meanwhile. */
	if (n > r->size / 4)
		n = r->size / 4;
	rd->held = n;
	pthread_mutex_unlock(&u->lock);
	*buf = r->buf + off;
	return (la_ssize_t)n;
}

static void ring_close(struct unpacker *u, struct ring *r)
{
	pthread_mutex_lock(&u->lock);
	r->closed = true;
	pthread_cond_broadcast(&r->readable);
	pthread_mutex_unlock(&u->lock);
}

static void ring_stop_reading(struct unpacker *u, struct ring *r, unsigned reader)
{
	pthread_mutex_lock(&u->lock);
	r->rd[reader].gone = true;
	pthread_cond_signal(&r->writable);
	pthread_mutex_unlock(&u->lock);
}

/*
 * The first failure wins and stops every stage; later ones are its echoes
 * ("the ring was closed on me") and are dropped.
 */
static void fail(struct unpacker *u, struct cubo_error *err)
{
	if (!err)
		return;
	err = cubo_error_wrap(err, "%s", u->layer_name);
	pthread_mutex_lock(&u->lock);
	if (!u->failed) {
		u->failed = true;
		u->err = err;
		err = NULL;
		pthread_cond_broadcast(&u->in.readable);
		pthread_cond_broadcast(&u->in.writable);
		pthread_cond_broadcast(&u->tar.readable);
		pthread_cond_broadcast(&u->tar.writable);
	}
	pthread_mutex_unlock(&u->lock);
	cubo_error_free(err);
}

static bool has_failed(struct unpacker *u)
{
	bool failed;

	pthread_mutex_lock(&u->lock);
	failed = u->failed;
	pthread_mutex_unlock(&u->lock);
	return failed;
}

/* ---- stage 1: decompress ---- */

/* Compressed input for the "raw" reader: from the ring or from src_fd. */
static la_ssize_t source_read(struct archive *a, void *data, const void **buf)
{
	struct unpacker *u = data;
	la_ssize_t n;

	if (u->src_fd < 0) {
		n = ring_read(u, &u->in, 0, buf);
		if (n < 0)
			archive_set_error(a, ECANCELED, "unpacking stopped");
	} else {
		do
			n = read(u->src_fd, u->fdbuf, FD_READ_SIZE);
		while (n < 0 && errno == EINTR);
		if (n < 0) {
			u->read_errno = errno;
			archive_set_error(a, errno, "read: %s", strerror(errno));
		} else
			u->res.compressed_bytes += (uint64_t)n;
		*buf = u->fdbuf;
	}
	if (n > 0)
		u->seen_bytes += (uint64_t)n;
	return n;
}

static const char *compression_name(enum unpack_compression c)
{
	switch (c) {
	case UNPACK_COMPRESSION_GZIP:
		return "gzip";
	case UNPACK_COMPRESSION_ZSTD:
		return "zstd";
	case UNPACK_COMPRESSION_NONE:
		return "uncompressed";
	default:
		return "auto";
	}
}

static struct cubo_error *raw_error(struct unpacker *u)
{
	if (u->read_errno)
		return cubo_error_new_errno(u->read_errno, "read the layer");
	if (!u->seen_bytes && !has_failed(u))
		return cubo_error_new("empty layer stream");
	return cubo_error_new("reading the layer: %s", archive_error_string(u->raw));
}

static struct cubo_error *open_raw(struct unpacker *u)
{
	struct archive_entry *e;
	enum unpack_compression got;
	int r;

	u->raw = archive_read_new();
	if (!u->raw)
		return cubo_error_new_errno(ENOMEM, "archive_read_new");
	/* Both always, even when the compression is given: the error can then say what it is. */
	archive_read_support_filter_gzip(u->raw);
	archive_read_support_filter_zstd(u->raw);
	archive_read_support_format_raw(u->raw);
	r = archive_read_open(u->raw, u, NULL, source_read, NULL);
	if (r == ARCHIVE_OK)
		r = archive_read_next_header(u->raw, &e);
	if (r != ARCHIVE_OK && r != ARCHIVE_WARN)
		return raw_error(u);

	switch (archive_filter_code(u->raw, 0)) {
	case ARCHIVE_FILTER_GZIP:
		got = UNPACK_COMPRESSION_GZIP;
		break;
	case ARCHIVE_FILTER_ZSTD:
		got = UNPACK_COMPRESSION_ZSTD;
		break;
	default:
		got = UNPACK_COMPRESSION_NONE;
	}
	if (u->compression != UNPACK_COMPRESSION_AUTO && got != u->compression)
		return cubo_error_new("expected a %s layer, the stream is %s",
				      compression_name(u->compression), compression_name(got));
	return NULL;
}

static struct cubo_error *decompress(struct unpacker *u)
{
	const void *buf;
	size_t size;
	la_int64_t off;
	uint64_t total = 0;
	int r;

	CUBO_TRY(open_raw(u));
	while ((r = archive_read_data_block(u->raw, &buf, &size, &off)) == ARCHIVE_OK ||
	       r == ARCHIVE_WARN) {
		/* before the bytes go on: nothing past the limit reaches the disk */
		total += size;
		if (total > u->max_size)
			return cubo_error_new("more than %llu bytes uncompressed, the limit "
					      "(%s)",
					      (unsigned long long)u->max_size, UNPACK_MAX_SIZE_ENV);
		if (!ring_write(u, &u->tar, buf, size))
			return NULL; /* another stage failed: its error says why */
	}
	if (r != ARCHIVE_EOF)
		return raw_error(u);
	return NULL;
}

static void *decompressor_main(void *arg)
{
	struct unpacker *u = arg;

	fail(u, decompress(u));
	/* Input past the end of the compressed stream is ignored. */
	ring_stop_reading(u, &u->in, 0);
	ring_close(u, &u->tar);
	return NULL;
}

/* ---- stage 2: hash ---- */

/*
 * All of the tar stream, also what follows its end-of-archive blocks (the
 * padding counts for the diff_id), on a thread of its own: the decompressor
 * is busy inflating, the extractor in system calls.
 */
static struct cubo_error *hash(struct unpacker *u)
{
	const void *buf;
	la_ssize_t n;

	while ((n = ring_read(u, &u->tar, READER_HASH, &buf)) > 0) {
		CUBO_TRY(cubo_sha256_update(u->hash, buf, (size_t)n));
		u->res.tar_bytes += (uint64_t)n;
	}
	if (n < 0)
		return NULL; /* another stage failed */
	return cubo_sha256_final(u->hash, u->res.diff_id);
}

static void *hasher_main(void *arg)
{
	struct unpacker *u = arg;

	fail(u, hash(u));
	ring_stop_reading(u, &u->tar, READER_HASH);
	return NULL;
}

/* ---- stage 3: extract ---- */

static la_ssize_t tar_read(struct archive *a, void *data, const void **buf)
{
	struct unpacker *u = data;
	la_ssize_t n = ring_read(u, &u->tar, READER_EXTRACT, buf);

	if (n < 0)
		archive_set_error(a, ECANCELED, "unpacking stopped");
	return n;
}

static struct cubo_error *extract(struct unpacker *u)
{
	struct archive_entry *e;
	int r;

	u->tar_reader = archive_read_new();
	if (!u->tar_reader)
		return cubo_error_new_errno(ENOMEM, "archive_read_new");
	archive_read_support_format_tar(u->tar_reader);
	if (archive_read_open(u->tar_reader, u, NULL, tar_read, NULL) != ARCHIVE_OK)
		return cubo_error_new("reading the tar stream: %s",
				      archive_error_string(u->tar_reader));
	while ((r = archive_read_next_header(u->tar_reader, &e)) != ARCHIVE_EOF) {
		if (r != ARCHIVE_OK && r != ARCHIVE_WARN)
			return cubo_error_new("reading the tar stream: %s",
					      archive_error_string(u->tar_reader));
		CUBO_TRY(apply_entry(u, e));
	}
	return apply_dir_times(u);
}

static void *extractor_main(void *arg)
{
	struct unpacker *u = arg;

	fail(u, extract(u));
	ring_stop_reading(u, &u->tar, READER_EXTRACT);
	return NULL;
}

/* ---- life cycle ---- */

static void unpacker_free(struct unpacker *u)
{
	if (u->tar_reader)
		archive_read_free(u->tar_reader);
	if (u->raw)
		archive_read_free(u->raw);
	cubo_sha256_free(u->hash);
	cache_drop(u);
	for (size_t i = 0; i < u->ndirs; i++)
		free(u->dirs[i].path);
	free(u->dirs);
	if (u->rootfd >= 0)
		close(u->rootfd);
	ring_destroy(&u->in);
	ring_destroy(&u->tar);
	free(u->fdbuf);
	free(u->layer_name);
	free(u->expected_diff_id);
	cubo_error_free(u->err);
	pthread_mutex_destroy(&u->lock);
	free(u);
}

/*
 * The process umask, without umask(2): setting it, even back, would race
 * with other threads creating files.
 */
static bool read_umask(mode_t *out)
{
	char *text = NULL, *line;
	struct cubo_error *err = cubo_read_file("/proc/self/status", &text, NULL);
	bool ok = false;

	if (err) {
		cubo_error_free(err);
		return false;
	}
	line = strstr(text, "\nUmask:");
	if (line) {
		char *end;
		unsigned long v = strtoul(line + strlen("\nUmask:"), &end, 8);
		if (end != line + strlen("\nUmask:") && v <= 0777) {
			*out = (mode_t)v;
			ok = true;
		}
	}
	free(text);
	return ok;
}

static struct cubo_error *unpacker_new(const char *dest_dir, const struct unpack_opts *opts,
				       int src_fd, struct unpacker **out)
{
	static const struct unpack_opts defaults;
	struct cubo_error *err = NULL;
	struct unpacker *u;

	if (!opts)
		opts = &defaults;
	u = xcalloc(1, sizeof(*u));
	pthread_mutex_init(&u->lock, NULL);
	ring_init(&u->in, 1);
	ring_init(&u->tar, MAX_READERS);
	u->rootfd = -1;
	u->cache_fd = -1;
	u->src_fd = src_fd;
	u->compression = opts->compression;
	u->ignore_owners = opts->ignore_owners;
	u->use_openat2 = !opts->component_walk;
	u->max_size = opts->max_size;
	if (!u->max_size)
		err = unpack_max_size_from_env(&u->max_size);
	u->euid = geteuid();
	u->egid = getegid();
	u->umask_known = read_umask(&u->umask);
	u->plain_tar = opts->plain_tar;
	/* errors name "layer sha256:..", or a plain tar's own words */
	u->layer_name = xasprintf("%s%s", opts->plain_tar ? "" : "layer ",
				  opts->layer_name ? opts->layer_name : dest_dir);
	u->expected_diff_id = xstrdup(opts->expected_diff_id);
	if (!err && src_fd >= 0)
		u->fdbuf = xmalloc(FD_READ_SIZE);
	if (!err && src_fd < 0)
		ring_alloc(&u->in, INPUT_RING_SIZE);
	if (!err) {
		ring_alloc(&u->tar, TAR_RING_SIZE);
		err = cubo_sha256_new(&u->hash);
	}
	if (!err) {
		struct stat st;
		u->rootfd = open(dest_dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
		if (u->rootfd < 0 || fstat(u->rootfd, &st) < 0)
			err = cubo_error_errno("open %s", dest_dir);
		else
			u->root_new_gid = (st.st_mode & S_ISGID) ? st.st_gid : u->egid;
	}
	if (err) {
		unpacker_free(u);
		return cubo_error_wrap(err, "%s%s", opts->plain_tar ? "" : "layer ",
				       opts->layer_name ? opts->layer_name : dest_dir);
	}
	*out = u;
	return NULL;
}

static struct cubo_error *start_thread(struct unpacker *u, pthread_t *t, void *(*fn)(void *),
				       bool *started)
{
	int r = pthread_create(t, NULL, fn, u);
	if (r)
		return cubo_error_new_errno(r, "%s: start an unpack thread", u->layer_name);
	*started = true;
	return NULL;
}

/* Wait for every stage; with abort, make them stop first. */
static void join_stages(struct unpacker *u, bool abort)
{
	if (abort)
		fail(u, cubo_error_new("unpacking aborted"));
	if (u->src_fd < 0)
		ring_close(u, &u->in);
	if (u->have_decompressor)
		pthread_join(u->decompressor, NULL);
	if (u->have_hasher)
		pthread_join(u->hasher, NULL);
	if (u->have_extractor)
		pthread_join(u->extractor, NULL);
	u->have_decompressor = u->have_hasher = u->have_extractor = false;
}

static struct cubo_error *take_result(struct unpacker *u, struct unpack_result *out)
{
	struct cubo_error *err = u->err;

	u->err = NULL;
	if (!err && u->expected_diff_id && strcmp(u->expected_diff_id, u->res.diff_id) != 0)
		err = cubo_error_new("%s: diff_id mismatch: expected %s, got %s", u->layer_name,
				     u->expected_diff_id, u->res.diff_id);
	if (!err && out)
		*out = u->res;
	unpacker_free(u);
	return err;
}

struct cubo_error *unpack_max_size_from_env(uint64_t *out)
{
	const char *v = getenv(UNPACK_MAX_SIZE_ENV);
	int64_t bytes;

	*out = UNPACK_DEFAULT_MAX_SIZE;
	if (!v || !*v)
		return NULL;
	CUBO_TRY_CTX(cubo_parse_size(v, &bytes), "%s", UNPACK_MAX_SIZE_ENV);
	*out = bytes ? (uint64_t)bytes : UINT64_MAX;
	return NULL;
}

enum unpack_compression unpack_compression_from_media_type(const char *media_type)
{
	size_t n;

	if (!media_type)
		return UNPACK_COMPRESSION_AUTO;
	n = strlen(media_type);
#define ENDS_WITH(s) (n >= strlen(s) && strcmp(media_type + n - strlen(s), s) == 0)
	if (ENDS_WITH("+gzip") || ENDS_WITH(".tar.gzip"))
		return UNPACK_COMPRESSION_GZIP;
	if (ENDS_WITH("+zstd") || ENDS_WITH(".tar.zstd"))
		return UNPACK_COMPRESSION_ZSTD;
	if (ENDS_WITH(".tar") || ENDS_WITH(".tar.uncompressed"))
		return UNPACK_COMPRESSION_NONE;
#undef ENDS_WITH
	return UNPACK_COMPRESSION_AUTO;
}

struct cubo_error *unpack_begin(const char *dest_dir, const struct unpack_opts *opts,
				struct unpacker **out)
{
	struct cubo_error *err;
	struct unpacker *u;

	CUBO_TRY(unpacker_new(dest_dir, opts, -1, &u));
	err = start_thread(u, &u->decompressor, decompressor_main, &u->have_decompressor);
	if (!err)
		err = start_thread(u, &u->hasher, hasher_main, &u->have_hasher);
	if (!err)
		err = start_thread(u, &u->extractor, extractor_main, &u->have_extractor);
	if (err) {
		unpack_abort(u);
		return err;
	}
	*out = u;
	return NULL;
}

struct cubo_error *unpack_feed(struct unpacker *u, const void *buf, size_t len)
{
	struct cubo_error *err = NULL;

	u->res.compressed_bytes += len;
	if (ring_write(u, &u->in, buf, len))
		return NULL;
	/* Failed, or the stream ended early: bytes past its end are ignored. */
	pthread_mutex_lock(&u->lock);
	if (u->err)
		err = cubo_error_new_errno(u->err->errnum, "%s", u->err->msg);
	pthread_mutex_unlock(&u->lock);
	return err;
}

struct cubo_error *unpack_finish(struct unpacker *u, struct unpack_result *out)
{
	join_stages(u, false);
	return take_result(u, out);
}

void unpack_abort(struct unpacker *u)
{
	if (!u)
		return;
	join_stages(u, true);
	unpacker_free(u);
}

/* unpack_fd on a prepared unpacker; frees u. */
static struct cubo_error *run_fd(struct unpacker *u, struct unpack_result *out)
{
	/* The decompressor and the hasher on threads of their own, the extractor on ours. */
	struct cubo_error *err =
		start_thread(u, &u->decompressor, decompressor_main, &u->have_decompressor);
	if (!err)
		err = start_thread(u, &u->hasher, hasher_main, &u->have_hasher);
	if (err) {
		unpack_abort(u);
		return err;
	}
	extractor_main(u);
	join_stages(u, false);
	return take_result(u, out);
}

struct cubo_error *unpack_fd(int fd, const char *dest_dir, const struct unpack_opts *opts,
			     struct unpack_result *out)
{
	struct unpacker *u;

	if (fd < 0)
		return cubo_error_new("layer %s: no input fd", dest_dir);
	CUBO_TRY(unpacker_new(dest_dir, opts, fd, &u));
	return run_fd(u, out);
}
