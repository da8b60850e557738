/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The content-addressed image store under the root directory:
 *
 *   images/            ONE OCI image layout shared by every image:
 *     oci-layout         {"imageLayoutVersion":"1.0.0"}
 *     index.json         a manifest descriptor per image; a named image has
 *                        org.opencontainers.image.ref.name = its full name
 *                        ("docker.io/library/alpine:latest"), so skopeo and
 *                        umoci find it as oci:<root>/images:<name>
 *     blobs/sha256/<hex> every blob once; nothing enters unverified
 *   layers/<hex>/      a layer extracted once, named by its chain ID: an
 *                      overlay lowerdir, nothing else inside
 *   layers/.tmp-*      layers being extracted (junk after a crash)
 *   unsynced/<hex>     a layer committed in the boot this file names whose
 *                      files may not be on the disk yet (see below)
 *   ingest/<hex>.partial  a blob being downloaded, kept for resuming
 *   locks/             flock files: index.lock (index.json), gc.lock
 *                      (shared by every user of the store, exclusive for a
 *                      collection), blob-<hex>.lock, layer-<hex>.lock
 *
 * Crash safety: blobs are renamed into place complete, verified and on
 * disk (fsync'd before the rename, the directory after it); index.json is
 * replaced atomically and last. A kill or a power cut at any point leaves
 * the old or the new index plus, at worst, collectable files: a
 * layers/.tmp-* is never used, only removed (store_layer_clean_stale,
 * store_gc).
 *
 * Durable layers: a layer is renamed into place whole, but the command does
 * not wait for the disk to have its files (a 1 GB layer would cost a pull
 * the disk's time, seconds). Before its first file is written it is marked
 * with the kernel's boot ID, durably (unsynced/<hex>); the command's
 * store_close starts a background process that syncfs's the store once and
 * removes the marks. A kill loses nothing the kernel has, and the kernel
 * keeps it until the disk has it: only a power cut (or a kernel crash)
 * loses files, and that is a new boot. So a layer whose mark names another
 * boot may be half written: it counts as missing (store_layer_has) and is
 * removed and extracted again from its blob, which is durable
 * (store_layer_clean_stale). Without a readable boot ID, the commit syncs
 * first, as before.
 *
 * Concurrency: two pulls of one blob or layer serialise on its lock and the
 * second finds it done.
 *
 * The lock discipline between collection and everything else, gc.lock:
 *  - every user holds it SHARED from store_open to store_close. What a
 *    shared holder has found in the store stays there until it closes: a
 *    container being created keeps the store open from finding its image
 *    until its record is committed, so the image it uses is either gone
 *    before it looks (it pulls again or fails cleanly) or recorded in use
 *    before anyone can decide to remove it;
 *  - whatever deletes (rmi, image prune) opens the store EXCLUSIVE
 *    (store_open_exclusive) before it reads which images containers use,
 *    and keeps it until it has untagged, dropped and collected: it sees
 *    every committed container and no half-made one.
 * Order: gc.lock before any container, volume or network lock, never the
 * other way round.
 */
#ifndef CUBO_MGR_IMAGE_STORE_H
#define CUBO_MGR_IMAGE_STORE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "shared/digest.h"
#include "shared/error.h"
#include "spec/image.h"

struct store;
struct store_blob_writer;

#define STORE_BOOT_ID_LEN 40

/* Open (creating what is missing, root mode 0700) and join the store's users. */
struct cubo_error *store_open(const char *root, struct store **out);
/*
 * Open the store alone: waits until every other user has closed it, and
 * keeps them out until store_close. For removals (see the lock discipline).
 */
struct cubo_error *store_open_exclusive(const char *root, struct store **out);
void store_close(struct store *s); /* NULL is fine */
const char *store_root(const struct store *s);

/* ---- blobs ---- */
bool store_blob_has(struct store *s, const char *digest);
char *store_blob_path(struct store *s, const char *digest); /* caller frees */
struct cubo_error *store_blob_open(struct store *s, const char *digest, int *fd);
/* Read a small blob whole, checking its digest again (max: size limit). */
struct cubo_error *store_blob_read(struct store *s, const char *digest, size_t max, char **data,
				   size_t *len);
/* Store a small blob; expected (may be NULL) must match; out (may be NULL) gets its digest. */
struct cubo_error *store_blob_put(struct store *s, const void *data, size_t len,
				  const char *expected, char out[CUBO_DIGEST_LEN + 1]);
/* Copy a file into the store as a blob, hashing on the way; expected may be NULL. */
struct cubo_error *store_blob_put_file(struct store *s, int fd, const char *expected,
				       char out[CUBO_DIGEST_LEN + 1]);
/*
 * Begin writing blob digest of size bytes. Waits for anyone else writing it.
 * *present: it is in the store already (no writer is returned). Otherwise
 * *offset is how many bytes a partial download left (already hashed): send
 * only the rest.
 */
struct cubo_error *store_blob_writer_begin(struct store *s, const char *digest, uint64_t size,
					   struct store_blob_writer **w, uint64_t *offset,
					   bool *present);
struct cubo_error *store_blob_writer_write(struct store_blob_writer *w, const void *buf,
					   size_t len);
/* Check size and digest, then move the blob into place. Always frees w. */
struct cubo_error *store_blob_writer_commit(struct store_blob_writer *w);
/* Stop; keep_partial leaves the bytes so far for a later resume. Frees w. */
void store_blob_writer_abort(struct store_blob_writer *w, bool keep_partial);

/* ---- extracted layers, by chain ID ---- */
/*
 * Take the layer's lock (held across extracting and committing it), then
 * remove what a killed extraction or a power cut left of it
 * (store_layer_clean_stale).
 */
struct cubo_error *store_layer_lock(struct store *s, const char *chain_id, int *fd);
/* Extracted and usable: not left half on the disk by a power cut (see above). */
bool store_layer_has(struct store *s, const char *chain_id);
/*
 * Without opening the store: whether the layer was committed in another
 * boot and never synced, so it must be extracted again before use.
 */
bool store_layer_stale_at(const char *root, const char *chain_id);
/* Sync what this process committed now, not in the background (tests). */
void store_sync_now(struct store *s);
char *store_layer_path(struct store *s, const char *chain_id); /* caller frees */
/*
 * A fresh empty directory to extract into, next to the layers, named after
 * the layer it becomes (chain_id; NULL when not known yet, as in import).
 */
struct cubo_error *store_layer_tmp(struct store *s, const char *chain_id, char **tmpdir);
/*
 * Remove what a killed extraction of chain_id left, and the layer itself
 * when a power cut may have left it half written. Only with the layer's
 * lock held (store_layer_lock calls it): nobody else can be extracting
 * that layer then.
 */
void store_layer_clean_stale(struct store *s, const char *chain_id);
/*
 * Move tmpdir into place, holding the layer's lock; when the layer
 * appeared meanwhile, drop tmpdir.
 */
struct cubo_error *store_layer_commit(struct store *s, const char *tmpdir, const char *chain_id);

/* ---- images (index.json) ---- */
struct store_image {
	char *name; /* full reference; NULL for a dangling image */
	struct oci_descriptor manifest;
	/*
	 * What `images` shows, from the entry itself when it carries it
	 * (entries named since the summary was kept do): no blob read.
	 */
	bool summarized;
	char id[CUBO_DIGEST_LEN + 1]; /* the config digest */
	char *created;		      /* the config's, or NULL */
	uint64_t size;		      /* config and layers, compressed */
};

struct cubo_error *store_image_list(struct store *s, struct store_image **out, size_t *n);
void store_images_free(struct store_image *v, size_t n);
/*
 * Point name at manifest. The image the name left stays as a dangling
 * (unnamed) entry, unless another name still refers to it. name NULL adds
 * manifest as a dangling image unless it is listed already.
 */
struct cubo_error *store_image_set(struct store *s, const char *name,
				   const struct oci_descriptor *manifest);
/*
 * Remove name. The image goes too when no other name refers to it (its
 * blobs stay until store_gc). Error when name is not in the store.
 */
struct cubo_error *store_image_untag(struct store *s, const char *name);
/* Remove every entry for a manifest digest, named or not. */
struct cubo_error *store_image_drop(struct store *s, const char *manifest_digest);

/*
 * A new image's config and its OCI manifest of layers (blobs stored
 * already) as blobs: *id is the config digest (the image ID), md and
 * *mlen the manifest's, for store_image_set.
 */
struct cubo_error *store_image_put(struct store *s, const struct oci_image_config *c,
				   const struct oci_descriptor *layers, size_t n_layers,
				   char id[CUBO_DIGEST_LEN + 1], char md[CUBO_DIGEST_LEN + 1],
				   int64_t *mlen);

/* An image's manifest and config, read from the store and checked. */
struct cubo_error *store_image_load(struct store *s, const struct oci_descriptor *manifest,
				    struct oci_manifest **m, struct oci_image_config **c);

/*
 * Find images by what users type: a name ("alpine", "alpine:3", a full
 * reference; short names get default_domain, NULL for docker.io), an image
 * ID (the config digest, "sha256:" optional, a unique prefix of 4 or more
 * hex digits), or a manifest digest. A name gives one match; an ID gives
 * every entry of that image. Errors: "no such image: X", "image ID prefix X
 * is ambiguous".
 */
struct store_match {
	struct store_image *v; /* entries (names) of the one image found */
	size_t n;
	bool by_name;				 /* found as a name: v[0] is that name */
	char config_digest[CUBO_DIGEST_LEN + 1]; /* the image ID */
};
struct cubo_error *store_image_find(struct store *s, const char *arg, const char *default_domain,
				    struct store_match *out);
void store_match_free(struct store_match *m);

/* ---- collection ---- */
struct store_gc_report {
	size_t blobs, layers, partials;
	uint64_t bytes;
};
/*
 * Delete blobs, layer directories and partial downloads that no entry of
 * index.json reaches. Waits until no other process uses the store (at
 * once when it was opened exclusive).
 */
struct cubo_error *store_gc(struct store *s, struct store_gc_report *report);

#endif
