/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Collection: mark what index.json reaches (manifests, nested indexes,
 * configs, layer blobs, layer directories by chain ID), sweep the rest.
 * It runs alone: it waits for the exclusive gc lock, which every open store
 * holds shared (or holds it already: store_open_exclusive), so no pull can
 * be between storing a blob and naming it, nor a create between finding an
 * image and recording its container.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cubo-mgr/image/doc_limits.h"
#include "cubo-mgr/image/store_priv.h"
#include "shared/fs.h"
#include "shared/json.h"
#include "shared/lock.h"
#include "shared/strv.h"
#include "shared/xalloc.h"

#define MAX_DEPTH 4 /* nested indexes */

struct marks {
	char **blobs, **layers; /* hex digests reached */
	size_t n_blobs, n_layers;
};

static void mark(char ***v, size_t *n, const char *digest)
{
	if (!cubo_strv_contains(*v, digest + 7))
		cubo_strv_push(v, n, digest + 7);
}

static struct cubo_error *mark_manifest(struct store *s, struct marks *m,
					const struct oci_descriptor *d, int depth);

static struct cubo_error *mark_index(struct store *s, struct marks *m, const char *json, size_t len,
				     const char *digest, int depth)
{
	struct oci_index *idx;
	CUBO_TRY(oci_index_parse(json, len, digest, &idx));
	struct cubo_error *err = NULL;
	for (size_t i = 0; !err && i < idx->n_manifests; i++)
		if (store_blob_has(s, idx->manifests[i].digest))
			err = mark_manifest(s, m, &idx->manifests[i], depth + 1);
	oci_index_free(idx);
	return err;
}

static struct cubo_error *mark_manifest(struct store *s, struct marks *m,
					const struct oci_descriptor *d, int depth)
{
	char *json = NULL;
	size_t len;
	if (depth > MAX_DEPTH)
		return cubo_error_new("%s: indexes nested too deep", d->digest);
	mark(&m->blobs, &m->n_blobs, d->digest);
	CUBO_TRY(store_blob_read(s, d->digest, MAX_DOC_BYTES, &json, &len));
	struct cubo_error *err = NULL;
	if (oci_doc_kind_detect(d->media_type, json, len) == OCI_DOC_INDEX) {
		err = mark_index(s, m, json, len, d->digest, depth);
		free(json);
		return err;
	}
	free(json);
	struct oci_manifest *man;
	struct oci_image_config *cfg;
	CUBO_TRY(store_image_load(s, d, &man, &cfg));
	mark(&m->blobs, &m->n_blobs, man->config.digest);
	for (size_t i = 0; i < man->n_layers; i++)
		mark(&m->blobs, &m->n_blobs, man->layers[i].digest);
	char(*chain)[CUBO_DIGEST_LEN + 1] = xcalloc(cfg->diff_ids.n + 1, sizeof(*chain));
	if (!(err = oci_chain_ids(cfg->diff_ids.v, cfg->diff_ids.n, chain)))
		for (size_t i = 0; i < cfg->diff_ids.n; i++)
			mark(&m->layers, &m->n_layers, chain[i]);
	free(chain);
	oci_manifest_free(man);
	oci_image_config_free(cfg);
	return err;
}

static uint64_t tree_bytes(const char *path)
{
	struct stat st;
	if (lstat(path, &st) < 0)
		return 0;
	uint64_t total = S_ISREG(st.st_mode) ? (uint64_t)st.st_size : 0;
	if (!S_ISDIR(st.st_mode))
		return total;
	DIR *d = opendir(path);
	struct dirent *e;
	while (d && (e = readdir(d))) {
		if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, ".."))
			continue;
		char *p = cubo_path_join(path, e->d_name);
		total += tree_bytes(p);
		free(p);
	}
	if (d)
		closedir(d);
	return total;
}

/* Remove every entry of dir that keep() rejects; count and size them. */
static struct cubo_error *sweep(const char *dir, char **marked, size_t *count, uint64_t *bytes)
{
	DIR *d = opendir(dir);
	if (!d)
		return errno == ENOENT ? NULL : cubo_error_errno("opendir %s", dir);
	struct dirent *e;
	struct cubo_error *err = NULL;
	while (!err && (e = readdir(d))) {
		if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, ".."))
			continue;
		if (marked && cubo_strv_contains(marked, e->d_name))
			continue;
		char *p = cubo_path_join(dir, e->d_name);
		*bytes += tree_bytes(p);
		err = cubo_rm_rf(p);
		(*count)++;
		free(p);
	}
	closedir(d);
	return err;
}

struct cubo_error *store_gc(struct store *s, struct store_gc_report *report)
{
	struct marks m = {0};
	struct store_image *imgs = NULL;
	size_t n = 0;
	int lock = -1;
	memset(report, 0, sizeof(*report));
	struct cubo_error *err = NULL;
	if (!s->exclusive) {
		/* our own shared lock would block us: give it up for the exclusive one */
		cubo_unlock(s->gc_lock);
		s->gc_lock = -1;
		err = store_lock(s, "gc", NULL, true, &lock);
	}
	if (!err)
		err = store_image_list(s, &imgs, &n);
	for (size_t i = 0; !err && i < n; i++)
		err = mark_manifest(s, &m, &imgs[i].manifest, 0);
	/* an empty list still means "keep nothing", not "no list" */
	char *none[] = {NULL};
	if (!err)
		err = sweep(s->blobs, m.blobs ? m.blobs : none, &report->blobs, &report->bytes);
	if (!err)
		err = sweep(s->layers, m.layers ? m.layers : none, &report->layers, &report->bytes);
	if (!err)
		err = sweep(s->ingest, NULL, &report->partials, &report->bytes);
	/* the marks of layers that went (not counted: they are not data) */
	if (!err) {
		char *unsynced = cubo_path_join(s->root, STORE_UNSYNCED_DIR);
		size_t marks = 0;
		uint64_t bytes = 0;
		err = sweep(unsynced, m.layers ? m.layers : none, &marks, &bytes);
		free(unsynced);
	}
	store_images_free(imgs, n);
	cubo_strv_free(m.blobs);
	cubo_strv_free(m.layers);
	if (!s->exclusive) {
		if (lock >= 0)
			cubo_unlock(lock);
		struct cubo_error *e2 = store_lock(s, "gc", NULL, false, &s->gc_lock);
		if (e2 && !err)
			err = e2;
		else
			cubo_error_free(e2);
	}
	return err ? cubo_error_wrap(err, "collecting unused image data") : NULL;
}
