/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Internal to the layer unpacker: its state, shared by the streaming
 * pipeline (unpack.c) and the code that writes each tar entry beneath the
 * layer directory (unpack_entry.c).
 */
#ifndef CUBO_MGR_IMAGE_UNPACK_PRIV_H
#define CUBO_MGR_IMAGE_UNPACK_PRIV_H

#include <archive.h>
#include <archive_entry.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>
#include <time.h>

#include "cubo-mgr/image/unpack.h"
#include "shared/digest.h"

/*
 * Compressed bytes buffered between the download and the decompressor, and
 * tar bytes between the decompressor and the extractor. Large enough that
 * neither side waits on the other for every chunk, small enough for several
 * layers in flight within the pull's memory budget.
 */
#define INPUT_RING_SIZE (256 * 1024)
#define TAR_RING_SIZE (1024 * 1024)
/* Read size for unpack_fd. */
#define FD_READ_SIZE (256 * 1024)

#define WHITEOUT_PREFIX ".wh."
#define WHITEOUT_META_PREFIX ".wh..wh."
#define WHITEOUT_OPAQUE ".wh..wh..opq"
#define OVERLAY_OPAQUE_XATTR "trusted.overlay.opaque"
/* Overlay's own metadata must come only from whiteout conversion, never from the tar. */
#define OVERLAY_XATTR_PREFIX "trusted.overlay."

struct dir_time {
	char *path; /* cleaned, relative to the layer root; "" is the root */
	struct timespec times[2];
};

enum { READER_EXTRACT, READER_HASH, MAX_READERS };

struct ring_reader {
	uint64_t tail; /* bytes released, ever */
	size_t held;   /* bytes handed out and not yet released */
	bool gone;     /* stopped reading: its position no longer holds the writer */
};

/* A bounded byte pipe from one writer thread to one or two reader threads. */
struct ring {
	unsigned char *buf;
	size_t size;
	uint64_t head; /* bytes written, ever */
	struct ring_reader rd[MAX_READERS];
	unsigned nreaders;
	bool closed; /* the writer is done */
	pthread_cond_t readable, writable;
};

struct unpacker {
	char *layer_name;
	char *expected_diff_id;
	enum unpack_compression compression;
	bool ignore_owners;
	bool plain_tar;	   /* not a layer: ".wh." names are files like any other */
	bool use_openat2;  /* cleared when the kernel lacks it: the component walk is used */
	uint64_t max_size; /* of the tar stream; checked by the decompressor */
	int rootfd;

	/* Input: the ring (fed by unpack_feed) or src_fd (unpack_fd). */
	int src_fd;
	unsigned char *fdbuf;
	pthread_mutex_t lock; /* guards both rings, failed and err */
	struct ring in, tar;
	bool failed;		/* err is set: every stage stops */
	struct cubo_error *err; /* the first failure of any stage */
	pthread_t decompressor, hasher, extractor;
	bool have_decompressor, have_hasher, have_extractor;
	uint64_t seen_bytes; /* compressed bytes handed to libarchive (decompressor only) */
	int read_errno;	     /* reading src_fd failed (decompressor only) */

	/* The two readers and the digest of the stream between them. */
	struct archive *raw, *tar_reader;
	struct cubo_sha256 *hash;

	/* The last parent directory resolved: entries come grouped by directory. */
	char *cache_path;
	int cache_fd;
	gid_t cache_new_gid;

	/*
	 * What a new entry gets without chown/chmod, so those calls are made
	 * only when they change something: most files of a layer are root's
	 * and 0644 or 0755.
	 */
	uid_t euid;
	gid_t egid, root_new_gid;
	gid_t new_gid; /* the group a new entry in the current parent gets */
	mode_t umask;
	bool umask_known;

	struct dir_time *dirs;
	size_t ndirs, dirs_cap;

	struct unpack_result res;
};

/* ---- unpack_entry.c ---- */

/* Create one tar entry beneath the layer root, safely. */
struct cubo_error *apply_entry(struct unpacker *u, struct archive_entry *e);
/* Set the directories' times, deepest first, once every entry is in. */
struct cubo_error *apply_dir_times(struct unpacker *u);
/* Forget the cached parent directory. */
void cache_drop(struct unpacker *u);

#endif
