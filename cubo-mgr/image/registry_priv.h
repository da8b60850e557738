/* SPDX-License-Identifier: Apache-2.0 */
/* The request engine shared by the manifest (registry.c) and blob (registry_blob.c) calls. */
#ifndef CUBO_MGR_IMAGE_REGISTRY_PRIV_H
#define CUBO_MGR_IMAGE_REGISTRY_PRIV_H

#include <curl/curl.h>
#include <stdbool.h>
#include <stdint.h>

#include "cubo-mgr/image/registry.h"

struct registry_request {
	/* in */
	const char *method;	  /* "GET", "HEAD", "POST", "PUT" */
	const char *domain;	  /* the reference's domain ("docker.io") */
	const char *path;	  /* "/v2/..."; or an absolute URL (an upload Location) */
	const char *scope;	  /* "repository:library/x:pull" (for a token), or NULL */
	const char *accept;	  /* Accept header, or NULL */
	const char *content_type; /* of the body sent, or NULL */
	const void *body;	  /* body sent from memory, or */
	size_t body_len;
	int body_fd; /* a body read from this fd (-1: none) */
	uint64_t body_size;
	uint64_t offset;       /* GET from this byte on (Range) */
	registry_sink_fn sink; /* 2xx bodies go here; NULL: buffered in body_out */
	void *sink_arg;
	size_t max_body;	 /* limit of a buffered body */
	const char *user, *pass; /* explicit credentials (login); NULL: from the auth files */
	bool push;		 /* for a push: the registry itself, never a mirror */

	/* out */
	long status;
	char *content_type_out;
	char *docker_digest;
	char *location;
	char *link; /* Link header (a list's next page) */
	char *body_out;
	size_t body_out_len;
	uint64_t received;  /* bytes of the last response's body (skipped ones included) */
	uint64_t delivered; /* bytes given to sink, over every attempt */
	bool sink_failed;   /* the sink refused data: no other endpoint is tried */

	/* private to the engine */
	CURL *curl;
	char *www_auth;
	char *errbody;
	size_t errbody_len;
	uint64_t skip;
	uint64_t range_from; /* offset + delivered when the attempt started */
	int started;
	struct cubo_error *sink_err;
	char url[2048];
	char curl_error[CURL_ERROR_SIZE];
};

/*
 * Perform r against its registry: picks https or (for an insecure registry)
 * http, handles a 401 with the token or basic flow and retries once, tries
 * mirrors first for pulls. Fails unless the final status is 2xx, with an
 * error naming the method, URL, status and the registry's error message.
 * Call registry_request_clear afterwards in every case.
 */
struct cubo_error *registry_do(struct registry_client *c, struct registry_request *r);
void registry_request_clear(struct registry_request *r);
/* "repository:PATH:pull" or ":pull,push": the token scope for ref. Caller frees. */
char *registry_repo_scope(const struct image_ref *ref, bool push);
/* localhost, 127.0.0.0/8 or ::1, with or without a port: insecure unless configured. */
bool registry_host_is_loopback(const char *host);
/*
 * Bytes to drop from the start of a response to a request for bytes from
 * on: all of them when the server ignored the Range and sent 200.
 */
uint64_t registry_range_skip(uint64_t from, long status);

#endif
