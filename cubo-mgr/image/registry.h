/* SPDX-License-Identifier: Apache-2.0 */
/*
 * A client of the distribution API v2 (what Docker Hub, ghcr.io and
 * docker-registry speak) over libcurl:
 *  - manifests by tag or digest, OCI and Docker v2s2 types, digest-checked;
 *  - blobs streamed to a callback, redirects followed (by us, not curl:
 *    our Authorization header goes along only to the same scheme, host
 *    and port), a range request to resume at an offset;
 *  - Bearer token auth (WWW-Authenticate realm/service/scope, tokens cached
 *    per repository scope) and Basic auth, credentials from auth.h's files,
 *    sent only where cred_policy.h allows (never to another host over plain
 *    HTTP, never across a redirect to another host);
 *  - TLS with the system CAs plus /etc/cubo/certs.d/<host>/ *.crt;
 *    plain HTTP only for insecure registries: loopback ones (as docker does),
 *    those marked in the registries config, or all with tls_verify off. An
 *    insecure registry is tried over HTTPS first, then HTTP;
 *  - mirrors from the registries config, tried before the registry itself.
 *
 * One client may be used by several threads at once (a pull downloads its
 * layers in parallel): connections, DNS and TLS sessions are shared.
 */
#ifndef CUBO_MGR_IMAGE_REGISTRY_H
#define CUBO_MGR_IMAGE_REGISTRY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "cubo-mgr/image/reference.h"
#include "shared/digest.h"
#include "shared/error.h"

struct registry_opts {
	const char *auth_file;	     /* NULL: the default search (auth.h) */
	bool tls_verify;	     /* false: no certificate checks, HTTP allowed */
	const char *certs_dir;	     /* --cert-dir: CAs (*.crt) for every registry; NULL: those of
					/etc/cubo/certs.d/HOST/, then /etc/docker/certs.d/HOST/ */
	const char *registries_conf; /* NULL: /etc/cubo/registries.conf when present */
	const char *user_agent;	     /* NULL: "cubo-mgr/VERSION" */
};

struct registry_client;

struct cubo_error *registry_client_new(const struct registry_opts *opts,
				       struct registry_client **out);
void registry_client_free(struct registry_client *c); /* NULL is fine */
/* The domain of references without one (registries config; default docker.io). */
const char *registry_client_short_name_domain(const struct registry_client *c);

struct registry_manifest {
	char *body;
	size_t len;
	char *content_type;
	char digest[CUBO_DIGEST_LEN + 1]; /* sha256 of body */
};

/*
 * GET a manifest by tag or digest (reference). By digest, the body must
 * hash to it; by tag, a Docker-Content-Digest header must match the body.
 */
struct cubo_error *registry_get_manifest(struct registry_client *c, const struct image_ref *ref,
					 const char *reference, struct registry_manifest *out);
void registry_manifest_free(struct registry_manifest *m);

/* Receives a blob's bytes; an error stops the transfer and is returned. */
typedef struct cubo_error *(*registry_sink_fn)(void *arg, const void *buf, size_t len);

/*
 * Stream blob digest from byte offset on into sink. Checks the length the
 * server announced (a truncated transfer is an error); the digest is the
 * caller's to check (the store does).
 */
struct cubo_error *registry_get_blob(struct registry_client *c, const struct image_ref *ref,
				     const char *digest, uint64_t offset, registry_sink_fn sink,
				     void *arg);

/*
 * A small blob (a config) into memory: at most max bytes, else an error.
 * *data is malloc'd (NULL when empty); the digest is the caller's to check.
 */
struct cubo_error *registry_get_blob_mem(struct registry_client *c, const struct image_ref *ref,
					 const char *digest, size_t max, char **data, size_t *len);

/* Push side. */
struct cubo_error *registry_blob_exists(struct registry_client *c, const struct image_ref *ref,
					const char *digest, bool *exists);
/* Upload size bytes read from fd as blob digest (POST, then one PUT). */
struct cubo_error *registry_put_blob(struct registry_client *c, const struct image_ref *ref,
				     const char *digest, int fd, uint64_t size);
struct cubo_error *registry_put_manifest(struct registry_client *c, const struct image_ref *ref,
					 const char *reference, const char *media_type,
					 const char *body, size_t len);

/*
 * Check credentials against a registry's /v2/ (login): Basic, or the token
 * flow with them. A 401 is "login to DOMAIN: wrong username or password".
 */
struct cubo_error *registry_ping(struct registry_client *c, const char *domain,
				 const char *username, const char *password);

#endif
