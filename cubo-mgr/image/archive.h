/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Image archives for save and load.
 *
 * save writes one tar that is both an OCI image layout (oci-layout,
 * index.json with ref.name annotations, blobs/sha256/...) and a
 * docker-archive (manifest.json listing each image's config, RepoTags and
 * layer files, which are the same blobs), as docker 25 does: skopeo, podman
 * and docker all load it.
 *
 * load reads such a tar, an OCI archive, or a classic docker-archive
 * (<id>.json configs, <dir>/layer.tar layers), optionally gzip or zstd
 * compressed; every blob is hashed into the store (a blob named by its
 * digest must match it), layers are extracted and checked against the
 * config's diff_ids, and only then are the images named.
 */
#ifndef CUBO_MGR_IMAGE_ARCHIVE_H
#define CUBO_MGR_IMAGE_ARCHIVE_H

#include <stdio.h>

#include "cubo-mgr/image/store.h"

struct archive_image {
	const char *name; /* full reference */
	const struct oci_descriptor *manifest;
};

/* path "-": stdout. */
struct cubo_error *image_archive_save(struct store *s, const struct archive_image *images,
				      size_t n, const char *path);

/* path "-": stdin. Prints "Loaded image: NAME" per image to out (may be NULL). */
struct cubo_error *image_archive_load(struct store *s, const char *path, FILE *out);

#endif
