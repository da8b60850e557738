/* SPDX-License-Identifier: Apache-2.0 */
#include <stdlib.h>

#include "shared/xalloc.h"
#include "spec/spec_json.h"

struct cubo_error *spec_strlist(struct cubo_json_ctx *c, yajl_val obj, const char *key,
				bool required, struct oci_strlist *out)
{
	return cubo_json_field_strv(c, obj, key, required, &out->v, &out->n);
}

struct cubo_error *spec_object_array(struct cubo_json_ctx *c, yajl_val obj, const char *key,
				     bool required, size_t size, void **arr, size_t *n,
				     spec_elem_fn fn)
{
	yajl_val a;

	CUBO_TRY(cubo_json_field_array(c, obj, key, required, &a));
	if (!a)
		return NULL;
	*arr = xcalloc(a->u.array.len, size);
	*n = a->u.array.len;
	size_t mark = cubo_json_push_key(c, key);
	for (size_t i = 0; i < a->u.array.len; i++) {
		yajl_val e = a->u.array.values[i];
		size_t m2 = cubo_json_push_index(c, i);
		struct cubo_error *err = cubo_json_expect_object(c, e);
		if (!err)
			err = fn(c, e, (char *)*arr + i * size);
		cubo_json_pop(c, m2);
		if (err) {
			cubo_json_pop(c, mark);
			return err;
		}
	}
	cubo_json_pop(c, mark);
	return NULL;
}

struct cubo_error *spec_string_map(struct cubo_json_ctx *c, yajl_val obj, const char *key,
				   struct oci_map *out)
{
	yajl_val m;
	size_t mark;

	CUBO_TRY(cubo_json_field_object(c, obj, key, false, &m));
	if (!m)
		return NULL;
	out->v = xcalloc(m->u.object.len, sizeof(*out->v));
	mark = cubo_json_push_key(c, key);
	for (size_t i = 0; i < m->u.object.len; i++) {
		size_t m2 = cubo_json_push_key(c, m->u.object.keys[i]);
		struct cubo_error *err =
			cubo_json_as_string(c, m->u.object.values[i], &out->v[out->n].value);
		cubo_json_pop(c, m2);
		if (err) {
			cubo_json_pop(c, mark);
			return err;
		}
		out->v[out->n++].key = xstrdup(m->u.object.keys[i]);
	}
	cubo_json_pop(c, mark);
	return NULL;
}

void spec_strlist_free(struct oci_strlist *l)
{
	for (size_t i = 0; l->v && l->v[i]; i++)
		free(l->v[i]);
	free(l->v);
}

void spec_map_free(struct oci_map *m)
{
	for (size_t i = 0; i < m->n; i++) {
		free(m->v[i].key);
		free(m->v[i].value);
	}
	free(m->v);
}

void spec_kstr(struct cubo_json_gen *g, const char *key, const char *s)
{
	if (!s)
		return;
	cubo_json_gen_key(g, key);
	cubo_json_gen_string(g, s);
}

void spec_kstrlist(struct cubo_json_gen *g, const char *key, const struct oci_strlist *l)
{
	if (!l->v)
		return;
	cubo_json_gen_key(g, key);
	cubo_json_gen_strv(g, l->v, l->n);
}

void spec_kmap(struct cubo_json_gen *g, const char *key, const struct oci_map *m)
{
	if (!m->v)
		return;
	cubo_json_gen_key(g, key);
	cubo_json_gen_map_open(g);
	for (size_t i = 0; i < m->n; i++)
		spec_kstr(g, m->v[i].key, m->v[i].value ? m->v[i].value : "");
	cubo_json_gen_map_close(g);
}
