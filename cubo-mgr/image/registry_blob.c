/* SPDX-License-Identifier: Apache-2.0 */
/* Blobs: streamed downloads with resume, existence checks, uploads. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cubo-mgr/image/registry_priv.h"
#include "shared/xalloc.h"

#define MAX_SMALL_BODY 65536

struct cubo_error *registry_get_blob(struct registry_client *c, const struct image_ref *ref,
				     const char *digest, uint64_t offset, registry_sink_fn sink,
				     void *arg)
{
	char path[1024];
	snprintf(path, sizeof(path), "/v2/%s/blobs/%s", ref->path, digest);
	char *scope = registry_repo_scope(ref, false);
	struct registry_request r = {.method = "GET",
				     .domain = ref->domain,
				     .path = path,
				     .scope = scope,
				     .body_fd = -1,
				     .offset = offset,
				     .sink = sink,
				     .sink_arg = arg,
				     .max_body = MAX_SMALL_BODY};
	struct cubo_error *err = registry_do(c, &r);
	if (!err) {
		curl_off_t cl = -1;
		curl_easy_getinfo(r.curl, CURLINFO_CONTENT_LENGTH_DOWNLOAD_T, &cl);
		if (cl >= 0 && (uint64_t)cl != r.received)
			err = cubo_error_new("GET %s: %llu of %lld bytes (truncated)", r.url,
					     (unsigned long long)r.received, (long long)cl);
	}
	registry_request_clear(&r);
	curl_easy_cleanup(r.curl);
	free(scope);
	return err ? cubo_error_wrap(err, "blob %s", digest) : NULL;
}

struct blob_buf {
	char *data;
	size_t len, cap, max;
};

static struct cubo_error *buf_sink(void *arg, const void *data, size_t len)
{
	struct blob_buf *b = arg;
	if (b->len + len > b->max)
		return cubo_error_new("larger than %zu bytes", b->max);
	if (b->len + len > b->cap) {
		size_t cap = b->cap ? b->cap * 2 : 16384;
		while (cap < b->len + len)
			cap *= 2;
		b->data = xrealloc(b->data, cap);
		b->cap = cap;
	}
	memcpy(b->data + b->len, data, len);
	b->len += len;
	return NULL;
}

struct cubo_error *registry_get_blob_mem(struct registry_client *c, const struct image_ref *ref,
					 const char *digest, size_t max, char **data, size_t *len)
{
	struct blob_buf b = {.max = max};
	struct cubo_error *err = registry_get_blob(c, ref, digest, 0, buf_sink, &b);
	if (err) {
		free(b.data);
		return err;
	}
	*data = b.data;
	*len = b.len;
	return NULL;
}

struct cubo_error *registry_blob_exists(struct registry_client *c, const struct image_ref *ref,
					const char *digest, bool *exists)
{
	char path[1024];
	snprintf(path, sizeof(path), "/v2/%s/blobs/%s", ref->path, digest);
	char *scope = registry_repo_scope(ref, true);
	/* a push asks: a mirror having the blob says nothing of the registry */
	struct registry_request r = {.method = "HEAD",
				     .push = true,
				     .domain = ref->domain,
				     .path = path,
				     .scope = scope,
				     .body_fd = -1,
				     .max_body = MAX_SMALL_BODY};
	struct cubo_error *err = registry_do(c, &r);
	*exists = !err;
	if (err && r.status == 404) {
		cubo_error_free(err);
		err = NULL;
	}
	registry_request_clear(&r);
	curl_easy_cleanup(r.curl);
	free(scope);
	return err;
}

struct cubo_error *registry_put_blob(struct registry_client *c, const struct image_ref *ref,
				     const char *digest, int fd, uint64_t size)
{
	char path[1024];
	snprintf(path, sizeof(path), "/v2/%s/blobs/uploads/", ref->path);
	char *scope = registry_repo_scope(ref, true);
	struct registry_request r = {.method = "POST",
				     .domain = ref->domain,
				     .path = path,
				     .scope = scope,
				     .body_fd = -1,
				     .max_body = MAX_SMALL_BODY};
	struct cubo_error *err = registry_do(c, &r);
	char *put_url = NULL;
	if (!err && !r.location)
		err = cubo_error_new("POST %s: no Location for the upload", r.url);
	if (!err) {
		/* a relative Location is relative to the registry's base URL */
		char base[1024] = "";
		if (r.location[0] == '/') {
			const char *p = strstr(r.url, "://");
			const char *slash = p ? strchr(p + 3, '/') : NULL;
			snprintf(base, sizeof(base), "%.*s", slash ? (int)(slash - r.url) : 0,
				 r.url);
		}
		put_url = xasprintf("%s%s%sdigest=%s", base, r.location,
				    strchr(r.location, '?') ? "&" : "?", digest);
	}
	registry_request_clear(&r);
	curl_easy_cleanup(r.curl);
	if (!err && put_url) {
		struct registry_request p = {.method = "PUT",
					     .domain = ref->domain,
					     .path = put_url,
					     .scope = scope,
					     .content_type = "application/octet-stream",
					     .body_fd = fd,
					     .body_size = size,
					     .max_body = MAX_SMALL_BODY};
		err = registry_do(c, &p);
		registry_request_clear(&p);
		curl_easy_cleanup(p.curl);
	}
	free(put_url);
	free(scope);
	return err ? cubo_error_wrap(err, "uploading blob %s", digest) : NULL;
}
