/* SPDX-License-Identifier: Apache-2.0 */
/* What the store's files share: paths and locks. See store.h for the layout. */
#ifndef CUBO_MGR_IMAGE_STORE_PRIV_H
#define CUBO_MGR_IMAGE_STORE_PRIV_H

#include <stdatomic.h>

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
	char boot_id[STORE_BOOT_ID_LEN]; /* "" when unknown: layers are synced at once */
	/* we marked a layer (from any of a pull's threads): sync in store_close */
	atomic_bool marked_unsynced;
};

/* "<dir>/<hex of digest><suffix>"; NULL when digest is not a valid digest. */
char *store_hex_path(const char *dir, const char *digest, const char *suffix);
/* Lock <root>/locks/<prefix><hex of digest>.lock (or <prefix>.lock when digest is NULL). */
struct cubo_error *store_lock(struct store *s, const char *prefix, const char *digest,
			      bool exclusive, int *fd);

/* <root>/unsynced/<hex>: the boot a layer was committed in, until it is on the disk. */
#define STORE_UNSYNCED_DIR "unsynced"

/* The running kernel's boot ID (a UUID), or "" when it cannot be read. */
void store_boot_id_read(char out[STORE_BOOT_ID_LEN]);
/* Mark chain_id as committed in this boot and not on the disk yet (durably). */
struct cubo_error *store_layer_mark_unsynced(struct store *s, const char *chain_id);
void store_layer_unmark(struct store *s, const char *chain_id);
/* Its mark names another boot: it may have been half on the disk at a power cut. */
bool store_layer_stale(struct store *s, const char *chain_id);
/* What store_close does when this process marked layers: sync them in the background. */
void store_sync_later(struct store *s);

#endif
