/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Image index, manifest and config JSON -> structs. Field names follow
 * image-spec v1.1 (specs-go/v1) and Docker's image manifest v2 schema 2,
 * which share them. Everything allocated is hung on the result at once, so
 * one *_free() cleans up a failure anywhere.
 */
#include <stdlib.h>
#include <string.h>

#include "shared/xalloc.h"
#include "spec/image.h"
#include "spec/spec_json.h"

typedef struct cubo_json_ctx ctx_t;

#define DOCKER_MT_SCHEMA1 "application/vnd.docker.distribution.manifest.v1"

static struct cubo_error *platform(ctx_t *c, yajl_val obj, struct oci_platform **out)
{
	yajl_val v;
	CUBO_TRY(cubo_json_field_object(c, obj, "platform", false, &v));
	if (!v)
		return NULL;
	struct oci_platform *p = *out = xcalloc(1, sizeof(*p));
	size_t mark = cubo_json_push_key(c, "platform");
	struct cubo_error *err;
	if (!(err = cubo_json_expect_object(c, v)) &&
	    !(err = cubo_json_field_string(c, v, "architecture", true, &p->architecture)) &&
	    !(err = cubo_json_field_string(c, v, "os", true, &p->os)) &&
	    !(err = cubo_json_field_string(c, v, "os.version", false, &p->os_version)) &&
	    !(err = spec_strlist(c, v, "os.features", false, &p->os_features)))
		err = cubo_json_field_string(c, v, "variant", false, &p->variant);
	cubo_json_pop(c, mark);
	return err;
}

static struct cubo_error *descriptor(ctx_t *c, yajl_val v, void *p)
{
	struct oci_descriptor *d = p;
	bool has_size = false;
	CUBO_TRY(cubo_json_field_string(c, v, "mediaType", true, &d->media_type));
	CUBO_TRY(cubo_json_field_string(c, v, "digest", true, &d->digest));
	if (!cubo_digest_valid(d->digest)) {
		size_t mark = cubo_json_push_key(c, "digest");
		struct cubo_error *err =
			cubo_json_error(c, "\"%s\" is not a sha256 digest", d->digest);
		cubo_json_pop(c, mark);
		return err;
	}
	CUBO_TRY(cubo_json_field_int64(c, v, "size", true, &d->size, &has_size));
	if (d->size < 0) {
		size_t mark = cubo_json_push_key(c, "size");
		struct cubo_error *err = cubo_json_error(c, "must not be negative");
		cubo_json_pop(c, mark);
		return err;
	}
	CUBO_TRY(spec_strlist(c, v, "urls", false, &d->urls));
	CUBO_TRY(spec_string_map(c, v, "annotations", &d->annotations));
	CUBO_TRY(cubo_json_field_string(c, v, "artifactType", false, &d->artifact_type));
	return platform(c, v, &d->platform);
}

static struct cubo_error *schema_version(ctx_t *c, yajl_val root, int *out)
{
	int32_t v = 0;
	CUBO_TRY(cubo_json_field_int32(c, root, "schemaVersion", true, &v, NULL));
	if (v != 2) {
		size_t mark = cubo_json_push_key(c, "schemaVersion");
		struct cubo_error *err =
			v == 1 ? cubo_json_error(c, "manifest schema 1 is not supported")
			       : cubo_json_error(c, "expected 2, got %d", (int)v);
		cubo_json_pop(c, mark);
		return err;
	}
	*out = v;
	return NULL;
}

/* Parse into a tree whose root must be an object. */
static struct cubo_error *root_object(const char *json, size_t len, const char *source, ctx_t *c,
				      yajl_val *root)
{
	CUBO_TRY(cubo_json_parse(json, len, source, root));
	cubo_json_ctx_init(c, source);
	struct cubo_error *err = cubo_json_expect_object(c, *root);
	if (err) {
		yajl_tree_free(*root);
		*root = NULL;
	}
	return err;
}

struct cubo_error *oci_index_parse(const char *json, size_t len, const char *source,
				   struct oci_index **out)
{
	ctx_t c;
	yajl_val root;
	CUBO_TRY(root_object(json, len, source, &c, &root));
	struct oci_index *idx = xcalloc(1, sizeof(*idx));
	struct cubo_error *err;
	if (!(err = schema_version(&c, root, &idx->schema_version)) &&
	    !(err = cubo_json_field_string(&c, root, "mediaType", false, &idx->media_type)) &&
	    !(err = spec_object_array(&c, root, "manifests", true, sizeof(*idx->manifests),
				      (void **)&idx->manifests, &idx->n_manifests, descriptor)))
		err = spec_string_map(&c, root, "annotations", &idx->annotations);
	yajl_tree_free(root);
	if (err) {
		oci_index_free(idx);
		return err;
	}
	*out = idx;
	return NULL;
}

struct cubo_error *oci_manifest_parse(const char *json, size_t len, const char *source,
				      struct oci_manifest **out)
{
	ctx_t c;
	yajl_val root, cfg;
	CUBO_TRY(root_object(json, len, source, &c, &root));
	struct oci_manifest *m = xcalloc(1, sizeof(*m));
	struct cubo_error *err;
	if (!(err = schema_version(&c, root, &m->schema_version)) &&
	    !(err = cubo_json_field_string(&c, root, "mediaType", false, &m->media_type)) &&
	    m->media_type &&
	    (!strcmp(m->media_type, OCI_MT_INDEX) || !strcmp(m->media_type, DOCKER_MT_LIST)))
		err = cubo_json_error(&c, "mediaType: \"%s\" is an index, not a manifest",
				      m->media_type);
	if (!err && !(err = cubo_json_field_object(&c, root, "config", true, &cfg))) {
		size_t mark = cubo_json_push_key(&c, "config");
		if (!(err = cubo_json_expect_object(&c, cfg)))
			err = descriptor(&c, cfg, &m->config);
		cubo_json_pop(&c, mark);
	}
	if (!err)
		err = spec_object_array(&c, root, "layers", true, sizeof(*m->layers),
					(void **)&m->layers, &m->n_layers, descriptor);
	if (!err)
		err = spec_string_map(&c, root, "annotations", &m->annotations);
	yajl_tree_free(root);
	if (err) {
		oci_manifest_free(m);
		return err;
	}
	*out = m;
	return NULL;
}

/* {"80/tcp": {}, ...}: the keys matter, the values are empty objects. */
static struct cubo_error *key_set(ctx_t *c, yajl_val obj, const char *key, struct oci_strlist *out)
{
	yajl_val v;
	CUBO_TRY(cubo_json_field_object(c, obj, key, false, &v));
	if (!v)
		return NULL;
	size_t mark = cubo_json_push_key(c, key);
	struct cubo_error *err = cubo_json_expect_object(c, v);
	cubo_json_pop(c, mark);
	if (err)
		return err;
	out->v = xcalloc(v->u.object.len + 1, sizeof(char *));
	for (size_t i = 0; i < v->u.object.len; i++)
		out->v[out->n++] = xstrdup(v->u.object.keys[i]);
	return NULL;
}

static struct cubo_error *runconfig(ctx_t *c, yajl_val v, struct oci_image_runconfig *r)
{
	CUBO_TRY(cubo_json_field_string(c, v, "User", false, &r->user));
	CUBO_TRY(key_set(c, v, "ExposedPorts", &r->exposed_ports));
	CUBO_TRY(spec_strlist(c, v, "Env", false, &r->env));
	CUBO_TRY(spec_strlist(c, v, "Entrypoint", false, &r->entrypoint));
	CUBO_TRY(spec_strlist(c, v, "Cmd", false, &r->cmd));
	CUBO_TRY(key_set(c, v, "Volumes", &r->volumes));
	CUBO_TRY(cubo_json_field_string(c, v, "WorkingDir", false, &r->working_dir));
	CUBO_TRY(spec_string_map(c, v, "Labels", &r->labels));
	CUBO_TRY(cubo_json_field_string(c, v, "StopSignal", false, &r->stop_signal));
	yajl_val hc;
	CUBO_TRY(cubo_json_field_object(c, v, "Healthcheck", false, &hc));
	if (hc) {
		r->healthcheck = xcalloc(1, sizeof(*r->healthcheck));
		WITH_KEY(c, "Healthcheck", oci_healthcheck_parse(c, hc, r->healthcheck));
	}
	CUBO_TRY(spec_strlist(c, v, "OnBuild", false, &r->on_build));
	return cubo_json_field_bool(c, v, "ArgsEscaped", &r->args_escaped, NULL);
}

static struct cubo_error *history(ctx_t *c, yajl_val v, void *p)
{
	struct oci_history *h = p;
	CUBO_TRY(cubo_json_field_string(c, v, "created", false, &h->created));
	CUBO_TRY(cubo_json_field_string(c, v, "created_by", false, &h->created_by));
	CUBO_TRY(cubo_json_field_string(c, v, "author", false, &h->author));
	CUBO_TRY(cubo_json_field_string(c, v, "comment", false, &h->comment));
	return cubo_json_field_bool(c, v, "empty_layer", &h->empty_layer, NULL);
}

static struct cubo_error *image_config(ctx_t *c, yajl_val root, struct oci_image_config *ic)
{
	yajl_val v;
	CUBO_TRY(cubo_json_field_string(c, root, "created", false, &ic->created));
	CUBO_TRY(cubo_json_field_string(c, root, "author", false, &ic->author));
	CUBO_TRY(cubo_json_field_string(c, root, "architecture", false, &ic->architecture));
	CUBO_TRY(cubo_json_field_string(c, root, "os", false, &ic->os));
	CUBO_TRY(cubo_json_field_string(c, root, "os.version", false, &ic->os_version));
	CUBO_TRY(cubo_json_field_string(c, root, "variant", false, &ic->variant));
	CUBO_TRY(cubo_json_field_object(c, root, "config", false, &v));
	if (v) {
		ic->config = xcalloc(1, sizeof(*ic->config));
		WITH_KEY(c, "config", cubo_json_expect_object(c, v));
		WITH_KEY(c, "config", runconfig(c, v, ic->config));
	}
	CUBO_TRY(cubo_json_field_object(c, root, "rootfs", true, &v));
	WITH_KEY(c, "rootfs", cubo_json_expect_object(c, v));
	WITH_KEY(c, "rootfs", cubo_json_field_string(c, v, "type", true, &ic->rootfs_type));
	if (strcmp(ic->rootfs_type, "layers")) {
		size_t mark = cubo_json_push_key(c, "rootfs");
		cubo_json_push_key(c, "type");
		struct cubo_error *err =
			cubo_json_error(c, "expected \"layers\", got \"%s\"", ic->rootfs_type);
		cubo_json_pop(c, mark);
		return err;
	}
	WITH_KEY(c, "rootfs", spec_strlist(c, v, "diff_ids", true, &ic->diff_ids));
	for (size_t i = 0; i < ic->diff_ids.n; i++) {
		if (cubo_digest_valid(ic->diff_ids.v[i]))
			continue;
		size_t mark = cubo_json_push_key(c, "rootfs");
		cubo_json_push_key(c, "diff_ids");
		cubo_json_push_index(c, i);
		struct cubo_error *err =
			cubo_json_error(c, "\"%s\" is not a sha256 digest", ic->diff_ids.v[i]);
		cubo_json_pop(c, mark);
		return err;
	}
	return spec_object_array(c, root, "history", false, sizeof(*ic->history),
				 (void **)&ic->history, &ic->n_history, history);
}

struct cubo_error *oci_image_config_parse(const char *json, size_t len, const char *source,
					  struct oci_image_config **out)
{
	ctx_t c;
	yajl_val root;
	CUBO_TRY(root_object(json, len, source, &c, &root));
	struct oci_image_config *ic = xcalloc(1, sizeof(*ic));
	struct cubo_error *err = image_config(&c, root, ic);
	yajl_tree_free(root);
	if (err) {
		oci_image_config_free(ic);
		return err;
	}
	*out = ic;
	return NULL;
}

static bool type_is(const char *ct, const char *mt)
{
	size_t n = strlen(mt);
	/* "application/json; charset=utf-8" style parameters are ignored */
	return !strncmp(ct, mt, n) && (ct[n] == 0 || ct[n] == ';' || ct[n] == ' ');
}

enum oci_doc_kind oci_doc_kind_detect(const char *content_type, const char *json, size_t len)
{
	const char *ct = content_type ? content_type : "";
	if (type_is(ct, OCI_MT_INDEX) || type_is(ct, DOCKER_MT_LIST))
		return OCI_DOC_INDEX;
	if (type_is(ct, OCI_MT_MANIFEST) || type_is(ct, DOCKER_MT_MANIFEST))
		return OCI_DOC_MANIFEST;
	if (!strncmp(ct, DOCKER_MT_SCHEMA1, strlen(DOCKER_MT_SCHEMA1)))
		return OCI_DOC_UNSUPPORTED;
	/* No or a generic type: the document's own mediaType, then its shape. */
	yajl_val root;
	struct cubo_error *err = cubo_json_parse(json, len, "manifest", &root);
	if (err) {
		cubo_error_free(err);
		return OCI_DOC_UNKNOWN;
	}
	enum oci_doc_kind kind = OCI_DOC_UNKNOWN;
	yajl_val mt = cubo_json_get(root, "mediaType");
	yajl_val sv = cubo_json_get(root, "schemaVersion");
	if (YAJL_IS_INTEGER(sv) && YAJL_GET_INTEGER(sv) == 1)
		kind = OCI_DOC_UNSUPPORTED;
	else if (YAJL_IS_STRING(mt) &&
		 (!strcmp(mt->u.string, OCI_MT_INDEX) || !strcmp(mt->u.string, DOCKER_MT_LIST)))
		kind = OCI_DOC_INDEX;
	else if (YAJL_IS_STRING(mt) && (!strcmp(mt->u.string, OCI_MT_MANIFEST) ||
					!strcmp(mt->u.string, DOCKER_MT_MANIFEST)))
		kind = OCI_DOC_MANIFEST;
	else if (YAJL_IS_ARRAY(cubo_json_get(root, "manifests")))
		kind = OCI_DOC_INDEX;
	else if (YAJL_IS_OBJECT(cubo_json_get(root, "config")) &&
		 YAJL_IS_ARRAY(cubo_json_get(root, "layers")))
		kind = OCI_DOC_MANIFEST;
	yajl_tree_free(root);
	return kind;
}
