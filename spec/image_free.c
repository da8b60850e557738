/* SPDX-License-Identifier: Apache-2.0 */
/* Freeing image documents, also partly parsed ones: every pointer is NULL or owned. */
#include <stdlib.h>
#include <string.h>

#include "shared/json.h"
#include "shared/xalloc.h"
#include "spec/image.h"
#include "spec/spec_json.h"

void oci_platform_free(struct oci_platform *p)
{
	if (!p)
		return;
	free(p->architecture);
	free(p->os);
	free(p->os_version);
	spec_strlist_free(&p->os_features);
	free(p->variant);
	memset(p, 0, sizeof(*p));
}

void oci_descriptor_clear(struct oci_descriptor *d)
{
	free(d->media_type);
	free(d->digest);
	spec_strlist_free(&d->urls);
	spec_map_free(&d->annotations);
	oci_platform_free(d->platform);
	free(d->platform);
	free(d->artifact_type);
	memset(d, 0, sizeof(*d));
}

static void strlist_copy(const struct oci_strlist *src, struct oci_strlist *dst)
{
	dst->n = src->n;
	dst->v = NULL;
	if (!src->v)
		return;
	dst->v = xcalloc(src->n + 1, sizeof(char *));
	for (size_t i = 0; i < src->n; i++)
		dst->v[i] = xstrdup(src->v[i]);
}

void oci_descriptor_copy(const struct oci_descriptor *src, struct oci_descriptor *dst)
{
	memset(dst, 0, sizeof(*dst));
	dst->media_type = xstrdup(src->media_type);
	dst->digest = xstrdup(src->digest);
	dst->size = src->size;
	strlist_copy(&src->urls, &dst->urls);
	if (src->annotations.v) {
		dst->annotations.v =
			xcalloc(src->annotations.n ? src->annotations.n : 1, sizeof(struct oci_kv));
		for (size_t i = 0; i < src->annotations.n; i++) {
			dst->annotations.v[i].key = xstrdup(src->annotations.v[i].key);
			dst->annotations.v[i].value = xstrdup(src->annotations.v[i].value);
		}
		dst->annotations.n = src->annotations.n;
	}
	if (src->platform) {
		struct oci_platform *p = dst->platform = xcalloc(1, sizeof(*p));
		p->architecture = xstrdup(src->platform->architecture);
		p->os = xstrdup(src->platform->os);
		p->os_version = xstrdup(src->platform->os_version);
		strlist_copy(&src->platform->os_features, &p->os_features);
		p->variant = xstrdup(src->platform->variant);
	}
	dst->artifact_type = xstrdup(src->artifact_type);
}

static void descriptors_free(struct oci_descriptor *d, size_t n)
{
	for (size_t i = 0; d && i < n; i++)
		oci_descriptor_clear(&d[i]);
	free(d);
}

void oci_index_free(struct oci_index *idx)
{
	if (!idx)
		return;
	free(idx->media_type);
	descriptors_free(idx->manifests, idx->n_manifests);
	spec_map_free(&idx->annotations);
	free(idx);
}

void oci_manifest_free(struct oci_manifest *m)
{
	if (!m)
		return;
	free(m->media_type);
	oci_descriptor_clear(&m->config);
	descriptors_free(m->layers, m->n_layers);
	spec_map_free(&m->annotations);
	free(m);
}

void oci_image_config_free(struct oci_image_config *c)
{
	if (!c)
		return;
	free(c->created);
	free(c->author);
	free(c->architecture);
	free(c->os);
	free(c->os_version);
	free(c->variant);
	if (c->config) {
		struct oci_image_runconfig *r = c->config;
		free(r->user);
		spec_strlist_free(&r->exposed_ports);
		spec_strlist_free(&r->env);
		spec_strlist_free(&r->entrypoint);
		spec_strlist_free(&r->cmd);
		spec_strlist_free(&r->volumes);
		free(r->working_dir);
		spec_map_free(&r->labels);
		free(r->stop_signal);
		oci_healthcheck_free(r->healthcheck);
		spec_strlist_free(&r->on_build);
		free(r);
	}
	free(c->rootfs_type);
	spec_strlist_free(&c->diff_ids);
	for (size_t i = 0; c->history && i < c->n_history; i++) {
		free(c->history[i].created);
		free(c->history[i].created_by);
		free(c->history[i].author);
		free(c->history[i].comment);
	}
	free(c->history);
	free(c);
}
