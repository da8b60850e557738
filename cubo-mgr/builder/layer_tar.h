/* SPDX-License-Identifier: Apache-2.0 */
/*
 * A layer directory in the store's form (overlayfs upper form: whiteouts
 * are 0/0 character devices, opaque directories carry
 * trusted.overlay.opaque=y) written as an OCI layer blob: a pax tar with
 * ".wh.<name>" and ".wh..wh..opq" entries, gzip or zstd compressed, hashed
 * on the way (diff_id of the tar, digest of the blob) and stored.
 *
 * Entries come in name order, so the same tree always gives the same tar.
 * Overlay's own bookkeeping (trusted.overlay.origin, .impure, ...) is left
 * out of the tar and removed from the tree, which then serves as the
 * layer's extracted directory as it is. A tree with redirect or metacopy
 * entries (overlay mounted with redirect_dir or metacopy on) is refused:
 * its files do not hold what the layer holds.
 */
#ifndef CUBO_MGR_BUILDER_LAYER_TAR_H
#define CUBO_MGR_BUILDER_LAYER_TAR_H

#include <stdbool.h>
#include <stdint.h>

#include "cubo-mgr/image/store.h"

enum layer_compression {
	LAYER_GZIP,
	LAYER_ZSTD,
};

struct layer_blob {
	char digest[CUBO_DIGEST_LEN + 1];  /* of the compressed blob */
	char diff_id[CUBO_DIGEST_LEN + 1]; /* of the tar */
	int64_t size;			   /* of the blob */
	const char *media_type;		   /* OCI_MT_LAYER_GZIP or _ZSTD */
};

/* "gzip", "zstd" (--compress). */
struct cubo_error *layer_compression_parse(const char *s, enum layer_compression *out);

/* Write the tree under dir as a layer blob into the store. */
struct cubo_error *layer_tar_write(struct store *s, const char *dir, enum layer_compression c,
				   struct layer_blob *out);

/*
 * The same, leaving the tree as it is unless strip_overlay (for a
 * container's upper directory, which its overlay goes on using), the
 * relative paths skip (NULL-terminated or NULL) left out.
 */
struct cubo_error *layer_tar_write_tree(struct store *s, const char *dir, enum layer_compression c,
					bool strip_overlay, char *const *skip,
					struct layer_blob *out);

#endif
