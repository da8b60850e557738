/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The manifest lists `manifest create` and `annotate` put together before
 * `manifest push` sends them (docker keeps them in ~/.docker/manifests):
 * one file per list, <root>/manifests/<sha256 of the list's reference>.json
 * (so no reference can name a path), holding an image index whose
 * annotations also say the list's reference and where each entry came
 * from. Written atomically and durably; those annotations are stripped
 * from what is pushed.
 */
#ifndef CUBO_MGR_IMAGE_MANIFEST_LIST_H
#define CUBO_MGR_IMAGE_MANIFEST_LIST_H

#include <stdbool.h>

#include "shared/error.h"
#include "spec/image.h"

#define MLIST_DIR "manifests"
#define MLIST_REF_KEY "io.cubo.manifest.list"	   /* the index's: the list's reference */
#define MLIST_SOURCE_KEY "io.cubo.manifest.source" /* an entry's: the reference it came from */

/* <root>/manifests/<hex>.json of the list named ref (normalized). Caller frees. */
char *mlist_path(const char *root, const char *ref);

/* Load the list named ref; *idx NULL when there is none. Free with oci_index_free. */
struct cubo_error *mlist_load(const char *root, const char *ref, struct oci_index **idx);
/* Write it (the list's reference recorded in it), atomically and durably. */
struct cubo_error *mlist_save(const char *root, const char *ref, struct oci_index *idx);
/* Remove the list named ref; a missing one is "No such manifest: REF", as docker's. */
struct cubo_error *mlist_remove(const char *root, const char *ref);

/* The value of key in m, or NULL. */
const char *mlist_annotation(const struct oci_map *m, const char *key);
/* Set key to value in m (replacing it). */
void mlist_annotate_set(struct oci_map *m, const char *key, const char *value);

/*
 * Add d (from source) to idx, replacing an entry with the same digest.
 * d's members are copied.
 */
void mlist_put(struct oci_index *idx, const struct oci_descriptor *d, const char *source);

/* The entry whose source is ref, or whose digest is digest (either NULL). */
struct cubo_error *mlist_find(const struct oci_index *idx, const char *ref, const char *digest,
			      size_t *i);

/*
 * annotate's flags on an entry's platform (NULL or empty: left as is):
 * the result must be a platform docker knows ("os/arch[/variant]" as
 * oci_platform_parse reads it).
 */
struct cubo_error *mlist_set_platform(struct oci_descriptor *d, const char *os, const char *arch,
				      const char *variant, char *const *os_features);

/*
 * The document to push: idx without our annotations, a Docker manifest
 * list when every entry is a Docker manifest, else an OCI index.
 * *media_type is a static string.
 */
struct cubo_error *mlist_push_json(const struct oci_index *idx, bool pretty, char **json,
				   size_t *len, const char **media_type);

#endif
