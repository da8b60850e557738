/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The "Healthcheck" object of image configs and of the manager's container
 * records, with docker's member names. Docker writes zero members out too;
 * we leave them out, which reads back the same.
 */
#include <stdlib.h>

#include "shared/xalloc.h"
#include "spec/image.h"
#include "spec/spec_json.h"

static struct cubo_error *duration(struct cubo_json_ctx *c, yajl_val v, const char *key,
				   int64_t *out)
{
	CUBO_TRY(cubo_json_field_int64(c, v, key, false, out, NULL));
	if (*out < 0) {
		size_t mark = cubo_json_push_key(c, key);
		struct cubo_error *err = cubo_json_error(c, "must not be negative");
		cubo_json_pop(c, mark);
		return err;
	}
	return NULL;
}

struct cubo_error *oci_healthcheck_parse(struct cubo_json_ctx *c, yajl_val v,
					 struct oci_healthcheck *out)
{
	int32_t retries = 0;

	CUBO_TRY(spec_strlist(c, v, "Test", false, &out->test));
	CUBO_TRY(duration(c, v, "Interval", &out->interval));
	CUBO_TRY(duration(c, v, "Timeout", &out->timeout));
	CUBO_TRY(duration(c, v, "StartPeriod", &out->start_period));
	CUBO_TRY(duration(c, v, "StartInterval", &out->start_interval));
	CUBO_TRY(cubo_json_field_int32(c, v, "Retries", false, &retries, NULL));
	if (retries < 0) {
		size_t mark = cubo_json_push_key(c, "Retries");
		struct cubo_error *err = cubo_json_error(c, "must not be negative");
		cubo_json_pop(c, mark);
		return err;
	}
	out->retries = retries;
	return NULL;
}

static void kint(struct cubo_json_gen *g, const char *key, int64_t v)
{
	if (!v)
		return;
	cubo_json_gen_key(g, key);
	cubo_json_gen_int(g, v);
}

void oci_healthcheck_gen(struct cubo_json_gen *g, const char *key, const struct oci_healthcheck *h)
{
	cubo_json_gen_key(g, key);
	cubo_json_gen_map_open(g);
	spec_kstrlist(g, "Test", &h->test);
	kint(g, "Interval", h->interval);
	kint(g, "Timeout", h->timeout);
	kint(g, "StartPeriod", h->start_period);
	kint(g, "StartInterval", h->start_interval);
	kint(g, "Retries", h->retries);
	cubo_json_gen_map_close(g);
}

struct oci_healthcheck *oci_healthcheck_dup(const struct oci_healthcheck *h)
{
	if (!h)
		return NULL;
	struct oci_healthcheck *d = xmalloc(sizeof(*d));
	*d = *h;
	d->test = (struct oci_strlist){0};
	if (h->test.v) {
		d->test.v = xcalloc(h->test.n + 1, sizeof(char *));
		for (size_t i = 0; i < h->test.n; i++)
			d->test.v[i] = xstrdup(h->test.v[i]);
		d->test.n = h->test.n;
	}
	return d;
}

void oci_healthcheck_free(struct oci_healthcheck *h)
{
	if (!h)
		return;
	spec_strlist_free(&h->test);
	free(h);
}

void oci_healthcheck_test_push(struct oci_healthcheck *h, const char *word)
{
	h->test.v = xreallocarray(h->test.v, h->test.n + 2, sizeof(char *));
	h->test.v[h->test.n++] = xstrdup(word);
	h->test.v[h->test.n] = NULL;
}
