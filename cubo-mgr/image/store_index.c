/* SPDX-License-Identifier: Apache-2.0 */
/* index.json: which manifests are images, and under which names. */
#include <ctype.h>
#include <errno.h>
#include <inttypes.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cubo-mgr/image/doc_limits.h"
#include "cubo-mgr/image/reference.h"
#include "cubo-mgr/image/store_priv.h"
#include "shared/fs.h"
#include "shared/json.h"
#include "shared/lock.h"
#include "shared/xalloc.h"

static const char *ref_name(const struct oci_descriptor *d)
{
	for (size_t i = 0; i < d->annotations.n; i++)
		if (!strcmp(d->annotations.v[i].key, OCI_ANNOTATION_REF_NAME))
			return d->annotations.v[i].value;
	return NULL;
}

static struct cubo_error *index_read(struct store *s, struct oci_index **out)
{
	char *path = cubo_path_join(s->images, "index.json");
	char *data = NULL;
	size_t len = 0;
	struct cubo_error *err = cubo_read_file(path, &data, &len);
	if (!err && len > MAX_INDEX_BYTES)
		err = cubo_error_new("%s: larger than %u bytes", path, MAX_INDEX_BYTES);
	if (!err)
		err = oci_index_parse(data, len, path, out);
	free(data);
	free(path);
	return err;
}

static struct cubo_error *index_write(struct store *s, const struct oci_index *idx)
{
	char *json, *path = cubo_path_join(s->images, "index.json");
	size_t len;
	struct cubo_error *err = oci_index_to_json(idx, false, &json, &len);
	if (!err) {
		err = cubo_write_file_atomic(path, json, len, 0644);
		free(json);
	}
	free(path);
	return err;
}

/* Remove entry i, keeping the order of the others. */
static void index_remove(struct oci_index *idx, size_t i)
{
	oci_descriptor_clear(&idx->manifests[i]);
	memmove(&idx->manifests[i], &idx->manifests[i + 1],
		(idx->n_manifests - i - 1) * sizeof(*idx->manifests));
	idx->n_manifests--;
}

/* Set (value NULL: remove) the annotation key of d. */
static void set_annotation(struct oci_descriptor *d, const char *key, const char *value)
{
	for (size_t i = 0; i < d->annotations.n; i++) {
		if (strcmp(d->annotations.v[i].key, key))
			continue;
		free(d->annotations.v[i].value);
		if (value) {
			d->annotations.v[i].value = xstrdup(value);
		} else {
			free(d->annotations.v[i].key);
			memmove(&d->annotations.v[i], &d->annotations.v[i + 1],
				(d->annotations.n - i - 1) * sizeof(*d->annotations.v));
			d->annotations.n--;
		}
		return;
	}
	if (!value)
		return;
	struct oci_kv *v = xrealloc(d->annotations.v, (d->annotations.n + 1) * sizeof(*v));
	v[d->annotations.n].key = xstrdup(key);
	v[d->annotations.n].value = xstrdup(value);
	d->annotations.v = v;
	d->annotations.n++;
}

static const char *annotation(const struct oci_descriptor *d, const char *key)
{
	for (size_t i = 0; i < d->annotations.n; i++)
		if (!strcmp(d->annotations.v[i].key, key))
			return d->annotations.v[i].value;
	return NULL;
}

static void set_ref_name(struct oci_descriptor *d, const char *name)
{
	set_annotation(d, OCI_ANNOTATION_REF_NAME, name);
}

/*
 * What `images` shows of an image, kept in its index.json entry when it is
 * named, so that listing 200 images reads one file rather than 400 blobs.
 * An image's manifest and config never change (they are named by their
 * digests), so neither does this.
 */
#define ANNOTATION_ID "io.cubo.image.id"
#define ANNOTATION_CREATED "io.cubo.image.created"
#define ANNOTATION_SIZE "io.cubo.image.size"
#define MAX_CREATED_LEN 64

struct summary {
	char id[CUBO_DIGEST_LEN + 1];
	char created[MAX_CREATED_LEN + 1];
	char size[24];
};

static bool summarize(struct store *s, const struct oci_descriptor *manifest, struct summary *out)
{
	struct oci_manifest *m;
	struct oci_image_config *c;
	struct cubo_error *err = store_image_load(s, manifest, &m, &c);
	if (err) {
		cubo_error_free(err); /* listed the slow way, as before */
		return false;
	}
	uint64_t size = (uint64_t)m->config.size;
	for (size_t l = 0; l < m->n_layers; l++)
		size += (uint64_t)m->layers[l].size;
	snprintf(out->id, sizeof(out->id), "%s", m->config.digest);
	snprintf(out->created, sizeof(out->created), "%s",
		 c->created && strlen(c->created) <= MAX_CREATED_LEN ? c->created : "");
	snprintf(out->size, sizeof(out->size), "%" PRIu64, size);
	oci_manifest_free(m);
	oci_image_config_free(c);
	return true;
}

static void set_summary(struct oci_descriptor *d, const struct summary *sum)
{
	if (!sum)
		return;
	set_annotation(d, ANNOTATION_ID, sum->id);
	set_annotation(d, ANNOTATION_CREATED, sum->created);
	set_annotation(d, ANNOTATION_SIZE, sum->size);
}

/* The summary of an entry, when it has a whole and well-formed one. */
static void read_summary(const struct oci_descriptor *d, struct store_image *out)
{
	const char *id = annotation(d, ANNOTATION_ID), *created = annotation(d, ANNOTATION_CREATED),
		   *size = annotation(d, ANNOTATION_SIZE);
	if (!id || !created || !size || !cubo_digest_valid(id) ||
	    strlen(created) > MAX_CREATED_LEN || !isdigit((unsigned char)size[0]))
		return;
	char *end;
	errno = 0;
	unsigned long long n = strtoull(size, &end, 10);
	if (*end || errno)
		return;
	snprintf(out->id, sizeof(out->id), "%s", id);
	out->created = created[0] ? xstrdup(created) : NULL;
	out->size = n;
	out->summarized = true;
}

static size_t count_digest(const struct oci_index *idx, const char *digest, size_t skip)
{
	size_t n = 0;
	for (size_t i = 0; i < idx->n_manifests; i++)
		if (i != skip && !strcmp(idx->manifests[i].digest, digest))
			n++;
	return n;
}

/* Run fn on index.json under the exclusive index lock, then write it back. */
typedef struct cubo_error *(*index_edit_fn)(struct oci_index *idx, const void *arg);
static struct cubo_error *index_edit(struct store *s, index_edit_fn fn, const void *arg)
{
	int lock;
	struct oci_index *idx = NULL;
	CUBO_TRY(store_lock(s, "index", NULL, true, &lock));
	struct cubo_error *err = index_read(s, &idx);
	if (!err)
		err = fn(idx, arg);
	if (!err)
		err = index_write(s, idx);
	oci_index_free(idx);
	cubo_unlock(lock);
	return err;
}

struct set_arg {
	const char *name;
	const struct oci_descriptor *manifest;
	const struct summary *summary; /* NULL: none could be made */
};

static struct cubo_error *do_set(struct oci_index *idx, const void *arg)
{
	const struct set_arg *a = arg;
	if (!a->name) { /* an unnamed image: listed once, as dangling */
		if (count_digest(idx, a->manifest->digest, SIZE_MAX))
			return NULL;
		goto append;
	}
	for (size_t i = 0; i < idx->n_manifests; i++) {
		const char *n = ref_name(&idx->manifests[i]);
		if (!n || strcmp(n, a->name))
			continue;
		if (!strcmp(idx->manifests[i].digest, a->manifest->digest))
			return NULL; /* already so */
		/* the image this name leaves: dangling, unless still named elsewhere */
		if (count_digest(idx, idx->manifests[i].digest, i))
			index_remove(idx, i);
		else
			set_ref_name(&idx->manifests[i], NULL);
		break;
	}
	/* a dangling entry of the same image takes the name */
	for (size_t i = 0; i < idx->n_manifests; i++) {
		if (!ref_name(&idx->manifests[i]) &&
		    !strcmp(idx->manifests[i].digest, a->manifest->digest)) {
			set_ref_name(&idx->manifests[i], a->name);
			set_summary(&idx->manifests[i], a->summary);
			return NULL;
		}
	}
append:;
	idx->manifests =
		xreallocarray(idx->manifests, idx->n_manifests + 1, sizeof(*idx->manifests));
	struct oci_descriptor *d = &idx->manifests[idx->n_manifests++];
	oci_descriptor_copy(a->manifest, d);
	set_ref_name(d, a->name);
	set_summary(d, a->summary);
	return NULL;
}

struct cubo_error *store_image_set(struct store *s, const char *name,
				   const struct oci_descriptor *manifest)
{
	struct summary sum;
	struct set_arg a = {name, manifest, summarize(s, manifest, &sum) ? &sum : NULL};
	return cubo_error_wrap(index_edit(s, do_set, &a), "naming %s",
			       name ? name : manifest->digest);
}

static struct cubo_error *do_untag(struct oci_index *idx, const void *arg)
{
	const char *name = arg;
	for (size_t i = 0; i < idx->n_manifests; i++) {
		const char *n = ref_name(&idx->manifests[i]);
		if (n && !strcmp(n, name)) {
			index_remove(idx, i);
			return NULL;
		}
	}
	return cubo_error_new("no such image: %s", name);
}

struct cubo_error *store_image_untag(struct store *s, const char *name)
{
	return index_edit(s, do_untag, name);
}

static struct cubo_error *do_drop(struct oci_index *idx, const void *arg)
{
	const char *digest = arg;
	for (size_t i = idx->n_manifests; i-- > 0;)
		if (!strcmp(idx->manifests[i].digest, digest))
			index_remove(idx, i);
	return NULL;
}

struct cubo_error *store_image_drop(struct store *s, const char *manifest_digest)
{
	return index_edit(s, do_drop, manifest_digest);
}

struct cubo_error *store_image_list(struct store *s, struct store_image **out, size_t *n)
{
	int lock;
	struct oci_index *idx = NULL;
	CUBO_TRY(store_lock(s, "index", NULL, false, &lock));
	struct cubo_error *err = index_read(s, &idx);
	cubo_unlock(lock);
	if (err)
		return err;
	struct store_image *v = xcalloc(idx->n_manifests ? idx->n_manifests : 1, sizeof(*v));
	for (size_t i = 0; i < idx->n_manifests; i++) {
		const char *name = ref_name(&idx->manifests[i]);
		v[i].name = xstrdup(name);
		oci_descriptor_copy(&idx->manifests[i], &v[i].manifest);
		read_summary(&idx->manifests[i], &v[i]);
	}
	*n = idx->n_manifests;
	*out = v;
	oci_index_free(idx);
	return NULL;
}

void store_images_free(struct store_image *v, size_t n)
{
	for (size_t i = 0; v && i < n; i++) {
		free(v[i].name);
		free(v[i].created);
		oci_descriptor_clear(&v[i].manifest);
	}
	free(v);
}

struct cubo_error *store_image_load(struct store *s, const struct oci_descriptor *manifest,
				    struct oci_manifest **m, struct oci_image_config **c)
{
	char *data = NULL;
	size_t len = 0;
	*m = NULL;
	if (c)
		*c = NULL;
	struct cubo_error *err =
		store_blob_read(s, manifest->digest, MAX_MANIFEST_BYTES, &data, &len);
	if (!err)
		err = oci_manifest_parse(data, len, manifest->digest, m);
	free(data);
	data = NULL;
	if (!err && c) {
		err = store_blob_read(s, (*m)->config.digest, MAX_CONFIG_BYTES, &data, &len);
		if (!err)
			err = oci_image_config_parse(data, len, (*m)->config.digest, c);
		free(data);
	}
	if (err) {
		oci_manifest_free(*m);
		*m = NULL;
	}
	return err ? cubo_error_wrap(err, "image %s", manifest->digest) : NULL;
}

/* The config digest of an entry, from its manifest. */
static struct cubo_error *config_digest(struct store *s, const struct oci_descriptor *d,
					char out[CUBO_DIGEST_LEN + 1])
{
	struct oci_manifest *m;
	CUBO_TRY(store_image_load(s, d, &m, NULL));
	memcpy(out, m->config.digest, CUBO_DIGEST_LEN + 1);
	oci_manifest_free(m);
	return NULL;
}

/* "sha256:abcd", "abcd": the hex part when it could be an ID prefix, else NULL. */
static const char *id_prefix(const char *arg)
{
	const char *hex = strncmp(arg, "sha256:", 7) ? arg : arg + 7;
	size_t n = strlen(hex);
	if (n < 4 || n > 64)
		return NULL;
	for (size_t i = 0; i < n; i++)
		if (!isxdigit((unsigned char)hex[i]) || isupper((unsigned char)hex[i]))
			return NULL;
	return hex;
}

static void match_add(struct store_match *m, const struct store_image *img)
{
	m->v[m->n].name = xstrdup(img->name);
	oci_descriptor_copy(&img->manifest, &m->v[m->n].manifest);
	m->n++;
}

struct cubo_error *store_image_find(struct store *s, const char *arg, const char *default_domain,
				    struct store_match *out)
{
	struct store_image *all = NULL;
	size_t n = 0;
	memset(out, 0, sizeof(*out));
	CUBO_TRY(store_image_list(s, &all, &n));
	out->v = xcalloc(n, sizeof(*out->v));
	struct cubo_error *err = NULL;
	char(*cfg)[CUBO_DIGEST_LEN + 1] = xcalloc(n, sizeof(*cfg));
	/* a name first, as docker does: "abcd" may be an image called abcd */
	struct image_ref ref;
	struct cubo_error *perr = image_ref_parse(arg, default_domain, &ref);
	if (!perr) {
		char *full = image_ref_string(&ref);
		image_ref_free(&ref);
		for (size_t i = 0; i < n; i++) {
			if (all[i].name && !strcmp(all[i].name, full)) {
				match_add(out, &all[i]);
				out->by_name = true;
				err = config_digest(s, &all[i].manifest, out->config_digest);
				break;
			}
		}
		free(full);
		if (out->n || err)
			goto out;
	}
	cubo_error_free(perr);
	const char *hex = id_prefix(arg);
	bool manifest_digest = cubo_digest_valid(arg);
	if (!hex) {
		err = cubo_error_new("no such image: %s", arg);
		goto out;
	}
	const char *found = NULL;
	for (size_t i = 0; i < n; i++) {
		if ((err = config_digest(s, &all[i].manifest, cfg[i])))
			goto out;
		bool hit = !strncmp(cfg[i] + 7, hex, strlen(hex)) ||
			   (manifest_digest && !strcmp(all[i].manifest.digest, arg));
		if (!hit)
			continue;
		if (found && strcmp(found, cfg[i])) {
			err = cubo_error_new("image ID prefix %s is ambiguous", arg);
			goto out;
		}
		found = cfg[i];
	}
	if (!found) {
		err = cubo_error_new("no such image: %s", arg);
		goto out;
	}
	memcpy(out->config_digest, found, CUBO_DIGEST_LEN + 1);
	for (size_t i = 0; i < n; i++)
		if (!strcmp(cfg[i], out->config_digest))
			match_add(out, &all[i]);
out:
	free(cfg);
	store_images_free(all, n);
	if (err)
		store_match_free(out);
	return err;
}

void store_match_free(struct store_match *m)
{
	store_images_free(m->v, m->n);
	memset(m, 0, sizeof(*m));
}

struct cubo_error *store_image_put(struct store *s, const struct oci_image_config *c,
				   const struct oci_descriptor *layers, size_t n_layers,
				   char id[CUBO_DIGEST_LEN + 1], char md[CUBO_DIGEST_LEN + 1],
				   int64_t *mlen)
{
	char *cjson = NULL, *mjson = NULL;
	size_t clen = 0, len = 0;
	struct cubo_error *err = oci_image_config_to_json(c, false, &cjson, &clen);
	if (!err)
		err = store_blob_put(s, cjson, clen, NULL, id);
	if (!err) {
		struct oci_manifest man = {
			.schema_version = 2,
			.media_type = OCI_MT_MANIFEST,
			.config = {.media_type = OCI_MT_CONFIG,
				   .digest = id,
				   .size = (int64_t)clen},
			.layers = (struct oci_descriptor *)layers,
			.n_layers = n_layers,
		};
		err = oci_manifest_to_json(&man, false, &mjson, &len);
	}
	if (!err)
		err = store_blob_put(s, mjson, len, NULL, md);
	*mlen = (int64_t)len;
	free(cjson);
	free(mjson);
	return err;
}
