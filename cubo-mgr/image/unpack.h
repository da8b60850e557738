/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Layer unpacking: decompress (gzip, zstd or none) and extract an OCI/Docker
 * layer tarball in one pass, while it downloads, into a directory that will
 * be an overlayfs lowerdir. The sha256 of the uncompressed tar stream (the
 * layer's diff_id) is computed on the way.
 *
 * Push style, so a registry client can feed blob bytes straight from its
 * libcurl write callback:
 *
 *	struct unpacker *u;
 *	CUBO_TRY(unpack_begin(tmpdir, &opts, &u));
 *	while (more data)
 *		if ((err = unpack_feed(u, buf, len))) { unpack_abort(u); ... }
 *	err = unpack_finish(u, &result);	// frees u, success or not
 *
 * Each unpacker runs three threads of its own: one decompresses, one hashes
 * the tar stream, one creates the files, so inflating (user time) overlaps
 * with writing (system time). unpack_feed copies the bytes into a small
 * bounded buffer and returns, blocking only while that buffer is full
 * (back-pressure on the download). About 1.5 MiB per unpacker (plus the
 * zstd window, 2 MiB at usual levels), whatever the layer size. Several
 * unpackers may run at once on different threads; the calls on one unpacker
 * must not overlap (one transfer's callbacks never do).
 *
 * Safety: nothing is ever created outside dest_dir. Every entry is resolved
 * beneath it without following symlinks (openat2 RESOLVE_BENEATH |
 * RESOLVE_NO_SYMLINKS, or an O_NOFOLLOW component walk). These are refused
 * with an error naming the layer and the entry, e.g.
 *	layer sha256:ab..: entry "../etc/passwd": path leaves the layer
 *   - absolute paths and paths with a ".." component;
 *   - entries whose parent path goes through a symlink (even one that points
 *     back inside the layer: refusing is simpler to get right than resolving,
 *     and real layers never need it);
 *   - hardlinks whose target is absolute, has "..", goes through a symlink or
 *     does not exist in this layer;
 *   - whiteouts whose path does any of the above.
 * Symlinks themselves may point anywhere: their target is only data.
 * A leading "./" is stripped (tar -C dir . makes those).
 *
 * OCI whiteouts become overlayfs whiteouts: ".wh.<name>" is a 0/0 character
 * device <name>; ".wh..wh..opq" sets trusted.overlay.opaque="y" on its
 * directory; other ".wh..wh.*" names (aufs bookkeeping) are skipped. Owners,
 * modes (with setuid/setgid/sticky), mtimes (directories last), xattrs (with
 * security.capability), hardlinks, symlinks, device nodes, fifos and sparse
 * files are kept. Not kept: trusted.overlay.* xattrs from the tar (overlay
 * metadata must not come from an image), xattrs of symlinks, devices and
 * fifos. A later entry replaces an earlier one of the same name, except a
 * non-empty directory (an error). Device nodes, whiteouts and trusted.*
 * xattrs need root.
 *
 * Cleanup: on any failure dest_dir holds a partial tree. The CALLER owns
 * dest_dir: create it as a fresh temp directory next to its final place
 * (e.g. <root>/layers/.tmp-<id>), unpack into it, rename it to
 * <root>/layers/<chain-id> on success, remove it (cubo_rm_rf) on failure.
 */
#ifndef CUBO_MGR_IMAGE_UNPACK_H
#define CUBO_MGR_IMAGE_UNPACK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "shared/digest.h"
#include "shared/error.h"

enum unpack_compression {
	UNPACK_COMPRESSION_AUTO = 0, /* detect gzip, zstd or plain tar from the bytes */
	UNPACK_COMPRESSION_NONE,
	UNPACK_COMPRESSION_GZIP,
	UNPACK_COMPRESSION_ZSTD,
};

struct unpack_opts {
	/*
	 * Names the layer in error messages, usually its blob digest
	 * ("sha256:ab.."). NULL: dest_dir is used.
	 */
	const char *layer_name;
	/*
	 * AUTO detects. An explicit value is enforced: a stream compressed
	 * otherwise is an error. Docker and containerd detect whatever the
	 * media type says, so pass AUTO to accept mislabelled layers.
	 */
	enum unpack_compression compression;
	/* If set ("sha256:<hex>"), unpack_finish fails when the diff_id differs. */
	const char *expected_diff_id;
	/*
	 * Keep files owned by the caller instead of the uids/gids in the tar
	 * (rootless unpacking, where chown would fail).
	 */
	bool ignore_owners;
	/*
	 * Not a layer but a plain tar (cp): ".wh." names are ordinary files,
	 * no whiteouts are made, and errors name layer_name as it is given
	 * rather than as "layer <name>".
	 */
	bool plain_tar;
	/*
	 * Resolve paths with the component-by-component walk even where the
	 * kernel has openat2: what kernels before 5.6 get (for its tests).
	 */
	bool component_walk;
	/*
	 * Refuse a layer whose uncompressed tar stream passes this many bytes:
	 * gzip inflates 1000-fold and zstd far more, so a small blob could
	 * otherwise fill the disk. 0: unpack_max_size_from_env's.
	 */
	uint64_t max_size;
};

/* The setting that bounds every layer unpacked, and its default. */
#define UNPACK_MAX_SIZE_ENV "CUBO_MAX_LAYER_SIZE"
#define UNPACK_DEFAULT_MAX_SIZE (256ull << 30) /* 256 GiB: past any real layer */

/*
 * $CUBO_MAX_LAYER_SIZE in docker's size syntax ("20g", "512m"; "0" for no
 * limit, UINT64_MAX), or UNPACK_DEFAULT_MAX_SIZE when unset or empty. A bad
 * value is an error naming the variable.
 */
struct cubo_error *unpack_max_size_from_env(uint64_t *out);

struct unpack_result {
	char diff_id[CUBO_DIGEST_LEN + 1]; /* sha256 of the uncompressed tar stream */
	uint64_t compressed_bytes;	   /* bytes fed in */
	uint64_t tar_bytes;		   /* size of the uncompressed tar stream */
	uint64_t file_bytes;		   /* regular file data written */
	uint64_t entries;		   /* tar entries applied (whiteouts included) */
};

struct unpacker; /* opaque */

/* Map a layer media type to its compression; unknown types give AUTO. */
enum unpack_compression unpack_compression_from_media_type(const char *media_type);

/*
 * Start unpacking into dest_dir, which must exist (normally empty). opts may
 * be NULL (all defaults). On success exactly one of unpack_finish or
 * unpack_abort must be called later.
 */
struct cubo_error *unpack_begin(const char *dest_dir, const struct unpack_opts *opts,
				struct unpacker **out);
/*
 * Hand the next len bytes of the (compressed) layer to the unpacker. Returns
 * an error as soon as the stream is known to be bad or an entry is refused;
 * after an error, call unpack_abort (or unpack_finish, which returns the same
 * error again).
 */
struct cubo_error *unpack_feed(struct unpacker *u, const void *buf, size_t len);
/*
 * End of input: wait for the extraction to complete, apply directory times,
 * and fill *out (may be NULL). Fails on a truncated or corrupt stream, on a
 * refused entry, or on a diff_id mismatch. Always frees u.
 */
struct cubo_error *unpack_finish(struct unpacker *u, struct unpack_result *out);
/* Stop now and free u (NULL is fine). dest_dir is left as it is. */
void unpack_abort(struct unpacker *u);

/*
 * Unpack a whole layer read from fd (load/import of a local tarball): the
 * calling thread extracts, two helper threads decompress and hash. Same
 * rules, same cleanup contract.
 */
struct cubo_error *unpack_fd(int fd, const char *dest_dir, const struct unpack_opts *opts,
			     struct unpack_result *out);

#endif
