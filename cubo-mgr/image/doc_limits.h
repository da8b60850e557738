/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The largest image documents cubo-mgr reads into memory. Registries, archives
 * and stores are hostile input: a document past its limit is an error naming
 * it, never an allocation of whatever size it claims. Layers are streamed and
 * have their own limit (unpack.h).
 */
#ifndef CUBO_MGR_IMAGE_DOC_LIMITS_H
#define CUBO_MGR_IMAGE_DOC_LIMITS_H

/* index.json of the store, with one entry per name */
#define MAX_INDEX_BYTES (64u << 20)
/* an image index or manifest: the registry's own limit is 4 MiB */
#define MAX_MANIFEST_BYTES (4u << 20)
/* an image config, which carries the history of every step */
#define MAX_CONFIG_BYTES (8u << 20)
/* a document of a kind not known yet (index, manifest or config) */
#define MAX_DOC_BYTES MAX_CONFIG_BYTES

#endif
