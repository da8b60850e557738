/* SPDX-License-Identifier: Apache-2.0 */
/* The build cache's keys and records: see cache.h. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cubo-mgr/builder/cache.h"
#include "shared/fs.h"
#include "shared/xalloc.h"

struct cubo_error *build_cache_key_next(char key[CUBO_DIGEST_LEN + 1], const char *text,
					const char *extra)
{
	struct cubo_sha256 *h;
	CUBO_TRY(cubo_sha256_new(&h));
	/* each part with its NUL: ("ab", "c") and ("a", "bc") differ */
	struct cubo_error *err = cubo_sha256_update(h, key, strlen(key) + 1);
	if (!err)
		err = cubo_sha256_update(h, text, strlen(text) + 1);
	if (!err && extra)
		err = cubo_sha256_update(h, extra, strlen(extra) + 1);
	if (!err)
		err = cubo_sha256_final(h, key);
	cubo_sha256_free(h);
	return err;
}

static char *record_path(const char *dir, const char *key)
{
	const char *hex = strchr(key, ':');
	return cubo_path_join(dir, hex ? hex + 1 : key);
}

bool build_cache_get(const char *dir, const char *key, struct build_cache_rec *r)
{
	if (!cubo_digest_valid(key))
		return false;
	char *p = record_path(dir, key);
	char *text = NULL;
	size_t len = 0;
	struct cubo_error *err = cubo_read_file(p, &text, &len);
	free(p);
	if (err) {
		cubo_error_free(err);
		return false;
	}
	memset(r, 0, sizeof(*r));
	bool ok = sscanf(text, "created %39s", r->created) == 1;
	char *layer = strstr(text, "\nlayer ");
	if (ok && layer) {
		r->has_layer = sscanf(layer, "\nlayer %127s %71s %lld %71s", r->media_type,
				      r->digest, &r->size, r->diff_id) == 4;
		ok = r->has_layer && cubo_digest_valid(r->digest) &&
		     cubo_digest_valid(r->diff_id) && r->size >= 0;
	}
	free(text);
	return ok;
}

struct cubo_error *build_cache_put(const char *dir, const char *key,
				   const struct build_cache_rec *r)
{
	if (!cubo_digest_valid(key))
		return cubo_error_new("build cache: \"%s\" is not a key", key);
	char *text = r->has_layer ? xasprintf("created %s\nlayer %s %s %lld %s\n", r->created,
					      r->media_type, r->digest, r->size, r->diff_id)
				  : xasprintf("created %s\n", r->created);
	/*
	 * A cache, not data: after a power cut a record may be missing or
	 * empty, which build_cache_get reads as a miss (the step runs again).
	 * One that survived names a layer whose blob was made durable before
	 * the record was written. So no fsync, which cost two disk flushes a
	 * step.
	 */
	char *p = record_path(dir, key);
	struct cubo_error *err = cubo_write_file_replace(p, text, strlen(text), 0600);
	free(p);
	free(text);
	return err;
}
