/* SPDX-License-Identifier: Apache-2.0 */
/* What the store's files share: paths and locks. See store.h for the layout. */
#ifndef CUBO_MGR_IMAGE_STORE_PRIV_H
#define CUBO_MGR_IMAGE_STORE_PRIV_H

#include "cubo-mgr/image/store.h"

struct store {
	char *root;
	char *images; /* <root>/images: the OCI layout */
	char *blobs;  /* <root>/images/blobs/sha256 */
	char *layers; /* <root>/layers */
	char *ingest; /* <root>/ingest */
	char *locks;  /* <root>/locks */
	int gc_lock;  /* shared while open, or exclusive; see store.h */
	bool exclusive;
};

/* "<dir>/<hex of digest><suffix>"; NULL when digest is not a valid digest. */
char *store_hex_path(const char *dir, const char *digest, const char *suffix);
/* Lock <root>/locks/<prefix><hex of digest>.lock (or <prefix>.lock when digest is NULL). */
struct cubo_error *store_lock(struct store *s, const char *prefix, const char *digest,
			      bool exclusive, int *fd);

#endif
