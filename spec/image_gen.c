/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Image documents -> JSON, members in the order of image-spec's Go structs.
 * Only for documents we make (the store's index.json, imported and built
 * images): fetched documents are kept byte for byte, since their digest is
 * their name.
 */
#include <stdlib.h>

#include "spec/image.h"
#include "spec/spec_json.h"

typedef struct cubo_json_gen gen_t;

static void platform(gen_t *g, const struct oci_platform *p)
{
	cubo_json_gen_key(g, "platform");
	cubo_json_gen_map_open(g);
	spec_kstr(g, "architecture", p->architecture);
	spec_kstr(g, "os", p->os);
	spec_kstr(g, "os.version", p->os_version);
	spec_kstrlist(g, "os.features", &p->os_features);
	spec_kstr(g, "variant", p->variant);
	cubo_json_gen_map_close(g);
}

static void descriptor(gen_t *g, const struct oci_descriptor *d)
{
	cubo_json_gen_map_open(g);
	spec_kstr(g, "mediaType", d->media_type);
	spec_kstr(g, "digest", d->digest);
	cubo_json_gen_key(g, "size");
	cubo_json_gen_int(g, d->size);
	spec_kstrlist(g, "urls", &d->urls);
	spec_kmap(g, "annotations", &d->annotations);
	if (d->platform)
		platform(g, d->platform);
	spec_kstr(g, "artifactType", d->artifact_type);
	cubo_json_gen_map_close(g);
}

void oci_descriptor_gen(struct cubo_json_gen *g, const char *key, const struct oci_descriptor *d)
{
	cubo_json_gen_key(g, key);
	descriptor(g, d);
}

static void descriptors(gen_t *g, const char *key, const struct oci_descriptor *d, size_t n)
{
	cubo_json_gen_key(g, key);
	cubo_json_gen_array_open(g);
	for (size_t i = 0; i < n; i++)
		descriptor(g, &d[i]);
	cubo_json_gen_array_close(g);
}

static void schema_version(gen_t *g)
{
	cubo_json_gen_key(g, "schemaVersion");
	cubo_json_gen_int(g, 2);
}

struct cubo_error *oci_index_to_json(const struct oci_index *idx, bool pretty, char **out,
				     size_t *len)
{
	gen_t *g;
	CUBO_TRY(cubo_json_gen_new(pretty, &g));
	cubo_json_gen_map_open(g);
	schema_version(g);
	spec_kstr(g, "mediaType", idx->media_type);
	descriptors(g, "manifests", idx->manifests, idx->n_manifests);
	spec_kmap(g, "annotations", &idx->annotations);
	cubo_json_gen_map_close(g);
	return cubo_json_gen_finish(g, out, len);
}

struct cubo_error *oci_manifest_to_json(const struct oci_manifest *m, bool pretty, char **out,
					size_t *len)
{
	gen_t *g;
	CUBO_TRY(cubo_json_gen_new(pretty, &g));
	cubo_json_gen_map_open(g);
	schema_version(g);
	spec_kstr(g, "mediaType", m->media_type);
	cubo_json_gen_key(g, "config");
	descriptor(g, &m->config);
	descriptors(g, "layers", m->layers, m->n_layers);
	spec_kmap(g, "annotations", &m->annotations);
	cubo_json_gen_map_close(g);
	return cubo_json_gen_finish(g, out, len);
}

/* {"80/tcp": {}}: how ExposedPorts and Volumes are written. */
static void key_set(gen_t *g, const char *key, const struct oci_strlist *l)
{
	if (!l->v)
		return;
	cubo_json_gen_key(g, key);
	cubo_json_gen_map_open(g);
	for (size_t i = 0; i < l->n; i++) {
		cubo_json_gen_key(g, l->v[i]);
		cubo_json_gen_map_open(g);
		cubo_json_gen_map_close(g);
	}
	cubo_json_gen_map_close(g);
}

static void runconfig(gen_t *g, const struct oci_image_runconfig *r)
{
	cubo_json_gen_key(g, "config");
	cubo_json_gen_map_open(g);
	spec_kstr(g, "User", r->user);
	key_set(g, "ExposedPorts", &r->exposed_ports);
	spec_kstrlist(g, "Env", &r->env);
	spec_kstrlist(g, "Entrypoint", &r->entrypoint);
	spec_kstrlist(g, "Cmd", &r->cmd);
	key_set(g, "Volumes", &r->volumes);
	spec_kstr(g, "WorkingDir", r->working_dir);
	spec_kmap(g, "Labels", &r->labels);
	spec_kstr(g, "StopSignal", r->stop_signal);
	if (r->healthcheck)
		oci_healthcheck_gen(g, "Healthcheck", r->healthcheck);
	spec_kstrlist(g, "OnBuild", &r->on_build);
	if (r->args_escaped) {
		cubo_json_gen_key(g, "ArgsEscaped");
		cubo_json_gen_bool(g, true);
	}
	cubo_json_gen_map_close(g);
}

struct cubo_error *oci_image_config_to_json(const struct oci_image_config *c, bool pretty,
					    char **out, size_t *len)
{
	gen_t *g;
	CUBO_TRY(cubo_json_gen_new(pretty, &g));
	cubo_json_gen_map_open(g);
	spec_kstr(g, "created", c->created);
	spec_kstr(g, "author", c->author);
	spec_kstr(g, "architecture", c->architecture);
	spec_kstr(g, "os", c->os);
	spec_kstr(g, "os.version", c->os_version);
	spec_kstr(g, "variant", c->variant);
	if (c->config)
		runconfig(g, c->config);
	cubo_json_gen_key(g, "rootfs");
	cubo_json_gen_map_open(g);
	spec_kstr(g, "type", c->rootfs_type ? c->rootfs_type : "layers");
	cubo_json_gen_key(g, "diff_ids");
	cubo_json_gen_strv(g, c->diff_ids.v, c->diff_ids.v ? c->diff_ids.n : 0);
	cubo_json_gen_map_close(g);
	if (c->history) {
		cubo_json_gen_key(g, "history");
		cubo_json_gen_array_open(g);
		for (size_t i = 0; i < c->n_history; i++) {
			const struct oci_history *h = &c->history[i];
			cubo_json_gen_map_open(g);
			spec_kstr(g, "created", h->created);
			spec_kstr(g, "created_by", h->created_by);
			spec_kstr(g, "author", h->author);
			spec_kstr(g, "comment", h->comment);
			if (h->empty_layer) {
				cubo_json_gen_key(g, "empty_layer");
				cubo_json_gen_bool(g, true);
			}
			cubo_json_gen_map_close(g);
		}
		cubo_json_gen_array_close(g);
	}
	cubo_json_gen_map_close(g);
	return cubo_json_gen_finish(g, out, len);
}
