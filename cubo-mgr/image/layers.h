/* SPDX-License-Identifier: Apache-2.0 */
/* Extracting an image's stored layer blobs into <root>/layers (load, import). */
#ifndef CUBO_MGR_IMAGE_LAYERS_H
#define CUBO_MGR_IMAGE_LAYERS_H

#include "cubo-mgr/image/store.h"
#include "cubo-mgr/image/unpack.h"

/*
 * Extract every layer of the image whose blobs are all in the store and
 * whose directory is missing; each one is checked against its diff_id.
 */
struct cubo_error *image_layers_extract(struct store *s, const struct oci_manifest *m,
					const struct oci_image_config *c);

/*
 * Extract one layer blob (already stored) into a new temp dir, returning the
 * tar stream's digest, and commit it as the layer whose chain ID is
 * chain_id (whose lock the caller holds); chain_id NULL: commit under the
 * diff_id as a first layer (its chain ID), which is what import makes.
 */
struct cubo_error *image_layer_extract(struct store *s, const char *blob, const char *diff_id,
				       const char *chain_id, char out_diff_id[CUBO_DIGEST_LEN + 1]);

#endif
