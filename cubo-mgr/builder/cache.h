/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The build cache: one small record per step in <root>/build-cache, named
 * by the step's key. A key chains the key before it with the step's
 * instruction and, where the instruction alone does not say what the step
 * makes, more (a hash of COPY's sources, an ARG's value), so equal keys
 * mean equal results. A record keeps the step's time and, for steps that
 * make a layer, that layer: a rebuild from the cache writes the same config
 * and so gives the same image ID.
 *
 *   created 2026-12-04T03:10:16.777987096Z
 *   layer application/vnd.oci.image.layer.v1.tar+gzip sha256:<blob> 158 sha256:<diff_id>
 */
#ifndef CUBO_MGR_BUILDER_CACHE_H
#define CUBO_MGR_BUILDER_CACHE_H

#include <stdbool.h>

#include "shared/digest.h"
#include "shared/error.h"

struct build_cache_rec {
	char created[40];
	bool has_layer;
	char media_type[128];
	char digest[CUBO_DIGEST_LEN + 1];  /* the layer's blob */
	char diff_id[CUBO_DIGEST_LEN + 1]; /* the layer's tar */
	long long size;			   /* of the blob */
};

/* key = sha256(key, text, extra); extra may be NULL. */
struct cubo_error *build_cache_key_next(char key[CUBO_DIGEST_LEN + 1], const char *text,
					const char *extra);

/* The record of key in dir; false when there is none or it does not read as one. */
bool build_cache_get(const char *dir, const char *key, struct build_cache_rec *r);

/* Write the record of key (atomically, not durably: see build_cache_put). */
struct cubo_error *build_cache_put(const char *dir, const char *key,
				   const struct build_cache_rec *r);

#endif
