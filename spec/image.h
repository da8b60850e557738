/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The OCI image model (image-spec v1.1) as C data, also read from the Docker
 * image manifest v2 schema 2 and manifest list media types, which have the
 * same shape: descriptors, image indexes, image manifests, image configs.
 *
 * Same conventions as spec/config.h: malloc'd strings (NULL when absent),
 * NULL-terminated string lists with counts, ordered key/value maps, parse
 * errors naming the JSON path ("manifest.json: layers[1].digest: expected
 * string, got number"). Unknown fields are ignored when parsing.
 *
 * Content addressed by digest is never re-generated from these structs:
 * callers keep the bytes they fetched and hash. The generators are for new
 * documents (index.json of the store, import, build, save).
 */
#ifndef CUBO_SPEC_IMAGE_H
#define CUBO_SPEC_IMAGE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "shared/digest.h"
#include "shared/error.h"
#include "shared/json.h"
#include "spec/config.h" /* oci_strlist, oci_map */

#define OCI_MT_INDEX "application/vnd.oci.image.index.v1+json"
#define OCI_MT_MANIFEST "application/vnd.oci.image.manifest.v1+json"
#define OCI_MT_CONFIG "application/vnd.oci.image.config.v1+json"
#define OCI_MT_LAYER "application/vnd.oci.image.layer.v1.tar"
#define OCI_MT_LAYER_GZIP "application/vnd.oci.image.layer.v1.tar+gzip"
#define OCI_MT_LAYER_ZSTD "application/vnd.oci.image.layer.v1.tar+zstd"
#define OCI_MT_LAYER_ND_GZIP "application/vnd.oci.image.layer.nondistributable.v1.tar+gzip"
#define DOCKER_MT_LIST "application/vnd.docker.distribution.manifest.list.v2+json"
#define DOCKER_MT_MANIFEST "application/vnd.docker.distribution.manifest.v2+json"
#define DOCKER_MT_CONFIG "application/vnd.docker.container.image.v1+json"
#define DOCKER_MT_LAYER_GZIP "application/vnd.docker.image.rootfs.diff.tar.gzip"
#define DOCKER_MT_LAYER_FOREIGN "application/vnd.docker.image.rootfs.foreign.diff.tar.gzip"
/* The Accept header a registry client sends for manifests. */
#define OCI_MANIFEST_ACCEPT                                                                        \
	OCI_MT_INDEX ", " OCI_MT_MANIFEST ", " DOCKER_MT_LIST ", " DOCKER_MT_MANIFEST
/* index.json annotation holding an image's name ("docker.io/library/alpine:latest"). */
#define OCI_ANNOTATION_REF_NAME "org.opencontainers.image.ref.name"
#define OCI_ANNOTATION_CREATED "org.opencontainers.image.created"

struct oci_platform {
	char *architecture; /* "amd64", "arm64", "arm" (GOARCH names) */
	char *os;	    /* "linux" */
	char *os_version;
	struct oci_strlist os_features;
	char *variant; /* "v7", "v8" */
};

struct oci_descriptor {
	char *media_type;
	char *digest; /* "sha256:<hex>", validated when parsing */
	int64_t size; /* >= 0, validated */
	struct oci_strlist urls;
	struct oci_map annotations;
	struct oci_platform *platform; /* index entries only; NULL when absent */
	char *artifact_type;
};

/* An image index or a Docker manifest list. */
struct oci_index {
	int schema_version; /* 2 */
	char *media_type;   /* may be NULL (OCI index.json files often omit it) */
	struct oci_descriptor *manifests;
	size_t n_manifests;
	struct oci_map annotations;
};

/* An image manifest, OCI or Docker v2 schema 2. */
struct oci_manifest {
	int schema_version; /* 2 */
	char *media_type;
	struct oci_descriptor config;
	struct oci_descriptor *layers;
	size_t n_layers;
	struct oci_map annotations;
};

struct oci_history {
	char *created; /* RFC 3339 */
	char *created_by;
	char *author;
	char *comment;
	bool empty_layer;
};

/*
 * A health check, as docker keeps it in an image config's and a container's
 * "Healthcheck": Test is ["CMD", arg...], ["CMD-SHELL", line] or ["NONE"]
 * (none, also none inherited); empty, and each 0 below, inherit the base
 * image's, else docker's defaults. Durations in nanoseconds. image_health.c.
 */
struct oci_healthcheck {
	struct oci_strlist test;
	int64_t interval;
	int64_t timeout;
	int64_t start_period;
	int64_t start_interval;
	int retries;
};

/* The "config" member of an image config: the defaults of a container. */
struct oci_image_runconfig {
	char *user;
	struct oci_strlist exposed_ports; /* keys of the ExposedPorts object: "80/tcp" */
	struct oci_strlist env;		  /* "KEY=VALUE" */
	struct oci_strlist entrypoint;
	struct oci_strlist cmd;
	struct oci_strlist volumes; /* keys of the Volumes object */
	char *working_dir;
	struct oci_map labels;
	char *stop_signal;
	struct oci_healthcheck *healthcheck; /* NULL when absent */
	struct oci_strlist on_build;	     /* ONBUILD triggers, "RUN make" ... in order */
	bool args_escaped;
};

struct oci_image_config {
	char *created; /* RFC 3339 */
	char *author;
	char *architecture;
	char *os;
	char *os_version;
	char *variant;
	struct oci_image_runconfig *config; /* NULL when absent */
	char *rootfs_type;		    /* "layers" (required) */
	struct oci_strlist diff_ids;	    /* required, one per layer */
	struct oci_history *history;
	size_t n_history;
};

/* What a fetched manifest document is, from its media type (or, when the
 * server sent none or a generic one, from the document's own mediaType and
 * shape). Docker schema 1 is OCI_DOC_UNSUPPORTED. */
enum oci_doc_kind {
	OCI_DOC_UNKNOWN = 0,
	OCI_DOC_INDEX,	  /* OCI index or Docker manifest list */
	OCI_DOC_MANIFEST, /* OCI or Docker v2s2 manifest */
	OCI_DOC_UNSUPPORTED,
};
enum oci_doc_kind oci_doc_kind_detect(const char *content_type, const char *json, size_t len);

/* ---- parse (json need not be NUL-terminated; source names it in errors) ---- */
struct cubo_error *oci_index_parse(const char *json, size_t len, const char *source,
				   struct oci_index **out);
struct cubo_error *oci_manifest_parse(const char *json, size_t len, const char *source,
				      struct oci_manifest **out);
struct cubo_error *oci_image_config_parse(const char *json, size_t len, const char *source,
					  struct oci_image_config **out);

/* ---- generate (compact unless pretty; *out malloc'd, NUL-terminated) ---- */
struct cubo_error *oci_index_to_json(const struct oci_index *idx, bool pretty, char **out,
				     size_t *len);
struct cubo_error *oci_manifest_to_json(const struct oci_manifest *m, bool pretty, char **out,
					size_t *len);
struct cubo_error *oci_image_config_to_json(const struct oci_image_config *c, bool pretty,
					    char **out, size_t *len);

/* "key": d, in a document being generated (docker's manifest inspect -v). */
void oci_descriptor_gen(struct cubo_json_gen *g, const char *key, const struct oci_descriptor *d);

void oci_index_free(struct oci_index *idx);
void oci_manifest_free(struct oci_manifest *m);
void oci_image_config_free(struct oci_image_config *c);
void oci_descriptor_clear(struct oci_descriptor *d); /* frees members, zeroes d */
void oci_descriptor_copy(const struct oci_descriptor *src, struct oci_descriptor *dst);
void oci_platform_free(struct oci_platform *p);

/* ---- health checks (also in the manager's container records) ---- */
struct cubo_json_ctx;
struct cubo_json_gen;
/* The object at the ctx's path; negative durations or retries are errors there. */
struct cubo_error *oci_healthcheck_parse(struct cubo_json_ctx *c, yajl_val v,
					 struct oci_healthcheck *out);
/* key: {"Test": [...], "Interval": ns, ...}, zero members left out as docker does. */
void oci_healthcheck_gen(struct cubo_json_gen *g, const char *key, const struct oci_healthcheck *h);
struct oci_healthcheck *oci_healthcheck_dup(const struct oci_healthcheck *h); /* NULL: NULL */
void oci_healthcheck_free(struct oci_healthcheck *h);			      /* NULL is fine */
/* Append a word to h's Test. */
void oci_healthcheck_test_push(struct oci_healthcheck *h, const char *word);

/* ---- platforms ---- */
/*
 * Parse "os/arch[/variant]" ("linux/arm64", "linux/arm/v7"), normalising as
 * docker does: "aarch64" -> arm64, "x86_64"/"x86-64" -> amd64, "armhf" ->
 * arm/v7, arm64's "v8" variant dropped.
 */
struct cubo_error *oci_platform_parse(const char *s, struct oci_platform *out);
/* The platform this binary runs on (uname + compile-time arch). */
struct cubo_error *oci_platform_host(struct oci_platform *out);
/* "linux/arm/v7". Caller frees. */
char *oci_platform_string(const struct oci_platform *p);
/*
 * Pick the manifest for want from an index: same os and architecture, and
 * same variant when want has one (an entry without a variant matches arm64
 * and amd64; arm defaults to v7). Entries without a platform are skipped.
 * Returns the index of the best entry, or an error listing the platforms the
 * index has: "no image for linux/s390x (available: linux/amd64, linux/arm64)".
 */
/* Whether an image of platform have (normalized here) serves want, as oci_index_select picks. */
bool oci_platform_matches(const struct oci_platform *have, const struct oci_platform *want);
struct cubo_error *oci_index_select(const struct oci_index *idx, const struct oci_platform *want,
				    size_t *out);

/* ---- layer identities ---- */
/*
 * Chain IDs as the image spec defines them: chain[0] = diff_ids[0],
 * chain[i] = sha256(chain[i-1] + " " + diff_ids[i]). out has n entries.
 */
struct cubo_error *oci_chain_ids(char *const *diff_ids, size_t n, char (*out)[CUBO_DIGEST_LEN + 1]);

#endif
