/* SPDX-License-Identifier: Apache-2.0 */
/* The values of a running template and how Go prints them (see gotmpl_int.h). */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "shared/gotmpl_int.h"
#include "shared/json.h"
#include "shared/xalloc.h"

/* printing deeper data gives up (the trees given are bounded far below this) */
#define PRINT_MAX_DEPTH 512

struct gv gv_nil(void)
{
	return (struct gv){.k = GV_NIL};
}

struct gv gv_bool(bool b)
{
	return (struct gv){.k = GV_BOOL, .b = b};
}

struct gv gv_int(int64_t i)
{
	return (struct gv){.k = GV_INT, .i = i};
}

struct gv gv_float(double f)
{
	return (struct gv){.k = GV_FLOAT, .f = f};
}

struct gv gv_str(const char *s, size_t len)
{
	/* not xstrndup: a string may hold NUL bytes ("\u0000") */
	char *copy = xmalloc(len + 1);
	memcpy(copy, s, len);
	copy[len] = '\0';
	return (struct gv){.k = GV_STR, .s = copy, .len = len};
}

struct gv gv_str_take(char *s, size_t len)
{
	return (struct gv){.k = GV_STR, .s = s, .len = len};
}

struct gv gv_from_json(yajl_val v)
{
	if (!v || YAJL_IS_NULL(v))
		return gv_nil();
	if (YAJL_IS_STRING(v))
		return gv_str(v->u.string, strlen(v->u.string));
	if (YAJL_IS_INTEGER(v))
		return gv_int(YAJL_GET_INTEGER(v));
	if (YAJL_IS_DOUBLE(v))
		return gv_float(YAJL_GET_DOUBLE(v));
	if (YAJL_IS_NUMBER(v)) /* out of range of both: keep its text */
		return gv_str(v->u.number.r, strlen(v->u.number.r));
	if (YAJL_IS_TRUE(v) || YAJL_IS_FALSE(v))
		return gv_bool(YAJL_IS_TRUE(v));
	return (struct gv){.k = GV_JSON, .j = v};
}

struct gv gv_dup(const struct gv *v)
{
	struct gv d = *v;
	if (v->k == GV_STR) {
		d.s = xmalloc(v->len + 1);
		memcpy(d.s, v->s, v->len + 1);
	} else if (v->k == GV_LIST) {
		d.list = xcalloc(v->n + 1, sizeof(char *));
		for (size_t i = 0; i < v->n; i++)
			d.list[i] = xstrdup(v->list[i]);
	}
	return d;
}

void gv_free(struct gv *v)
{
	if (v->k == GV_STR)
		free(v->s);
	if (v->k == GV_LIST) {
		for (size_t i = 0; i < v->n; i++)
			free(v->list[i]);
		free(v->list);
	}
	*v = gv_nil();
}

bool gv_truth(const struct gv *v)
{
	switch (v->k) {
	case GV_BOOL:
		return v->b;
	case GV_INT:
		return v->i != 0;
	case GV_FLOAT:
		return v->f != 0;
	case GV_STR:
		return v->len != 0;
	case GV_LIST:
		return v->n != 0;
	case GV_JSON:
		return YAJL_IS_OBJECT(v->j) ? v->j->u.object.len != 0 : v->j->u.array.len != 0;
	default:
		return false;
	}
}

const char *gv_type_name(const struct gv *v)
{
	switch (v->k) {
	case GV_BOOL:
		return "bool";
	case GV_INT:
		return "int";
	case GV_FLOAT:
		return "float64";
	case GV_STR:
		return "string";
	case GV_LIST:
		return "[]string";
	case GV_JSON:
		return YAJL_IS_OBJECT(v->j) ? "map[string]interface {}" : "[]interface {}";
	default:
		return "<nil>";
	}
}

void gv_put_utf8(struct cubo_strbuf *b, int64_t cp)
{
	/* Go prints what is no scalar value as U+FFFD */
	if (cp < 0 || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
		cp = 0xfffd;
	cubo_strbuf_add_utf8(b, (uint32_t)cp);
}

void gv_print_float(struct cubo_strbuf *b, double f)
{
	char buf[64];
	if (isnan(f)) {
		cubo_strbuf_adds(b, "NaN");
		return;
	}
	if (isinf(f)) {
		cubo_strbuf_adds(b, f > 0 ? "+Inf" : "-Inf");
		return;
	}
	/* the fewest digits that read back as f, then %e or %f as Go's %v picks */
	int digits = 1;
	for (; digits < 17; digits++) {
		snprintf(buf, sizeof(buf), "%.*e", digits - 1, f);
		if (strtod(buf, NULL) == f)
			break;
	}
	snprintf(buf, sizeof(buf), "%.*e", digits - 1, f);
	int exp = atoi(strchr(buf, 'e') + 1);
	if (exp < -4 || exp >= 6)
		goto out;
	snprintf(buf, sizeof(buf), "%.*f", digits - 1 - exp > 0 ? digits - 1 - exp : 0, f);
out:
	cubo_strbuf_adds(b, buf);
}

static void print_json(struct cubo_strbuf *b, yajl_val v, int depth)
{
	if (depth > PRINT_MAX_DEPTH) {
		cubo_strbuf_adds(b, "...");
		return;
	}
	if (YAJL_IS_OBJECT(v)) {
		size_t *order = gv_sorted_keys(v);
		cubo_strbuf_adds(b, "map[");
		for (size_t i = 0; i < v->u.object.len; i++) {
			if (i)
				cubo_strbuf_addc(b, ' ');
			cubo_strbuf_adds(b, v->u.object.keys[order[i]]);
			cubo_strbuf_addc(b, ':');
			print_json(b, v->u.object.values[order[i]], depth + 1);
		}
		cubo_strbuf_addc(b, ']');
		free(order);
	} else if (YAJL_IS_ARRAY(v)) {
		cubo_strbuf_addc(b, '[');
		for (size_t i = 0; i < v->u.array.len; i++) {
			if (i)
				cubo_strbuf_addc(b, ' ');
			print_json(b, v->u.array.values[i], depth + 1);
		}
		cubo_strbuf_addc(b, ']');
	} else {
		struct gv s = gv_from_json(v);
		gv_print(b, &s, false);
		gv_free(&s);
	}
}

void gv_print(struct cubo_strbuf *b, const struct gv *v, bool top)
{
	char buf[32];
	switch (v->k) {
	case GV_NIL:
		cubo_strbuf_adds(b, top ? "<no value>" : "<nil>");
		break;
	case GV_BOOL:
		cubo_strbuf_adds(b, v->b ? "true" : "false");
		break;
	case GV_INT:
		snprintf(buf, sizeof(buf), "%lld", (long long)v->i);
		cubo_strbuf_adds(b, buf);
		break;
	case GV_FLOAT:
		gv_print_float(b, v->f);
		break;
	case GV_STR:
		cubo_strbuf_add(b, v->s, v->len);
		break;
	case GV_LIST:
		cubo_strbuf_addc(b, '[');
		for (size_t i = 0; i < v->n; i++) {
			if (i)
				cubo_strbuf_addc(b, ' ');
			cubo_strbuf_adds(b, v->list[i]);
		}
		cubo_strbuf_addc(b, ']');
		break;
	case GV_JSON:
		print_json(b, v->j, 0);
		break;
	}
}

static int cmp_keys(const void *a, const void *b, void *keys)
{
	const char **k = keys;
	return strcmp(k[*(const size_t *)a], k[*(const size_t *)b]);
}

size_t *gv_sorted_keys(yajl_val obj)
{
	size_t n = obj->u.object.len;
	size_t *order = xcalloc(n ? n : 1, sizeof(size_t));
	for (size_t i = 0; i < n; i++)
		order[i] = i;
	qsort_r(order, n, sizeof(size_t), cmp_keys, (void *)obj->u.object.keys);
	return order;
}

char *gv_json(const struct gv *v)
{
	struct cubo_json_gen *g;
	struct cubo_error *err = cubo_json_gen_new(false, &g);
	if (err) {
		cubo_error_free(err);
		return xstrdup("null");
	}
	switch (v->k) {
	case GV_BOOL:
		cubo_json_gen_bool(g, v->b);
		break;
	case GV_INT:
		cubo_json_gen_int(g, v->i);
		break;
	case GV_FLOAT: {
		struct cubo_strbuf b = {0};
		if (isfinite(v->f)) {
			gv_print_float(&b, v->f);
			yajl_val num = NULL;
			if (!cubo_json_parse(b.s, b.len, "", &num)) {
				cubo_json_gen_value(g, num);
				yajl_tree_free(num);
			} else {
				cubo_json_gen_null(g);
			}
		} else {
			cubo_json_gen_null(g);
		}
		free(b.s);
		break;
	}
	case GV_STR:
		cubo_json_gen_string_len(g, v->s, v->len);
		break;
	case GV_LIST:
		cubo_json_gen_strv(g, v->list, v->n);
		break;
	case GV_JSON:
		cubo_json_gen_value(g, v->j);
		break;
	default:
		cubo_json_gen_null(g);
	}
	char *out;
	size_t len;
	err = cubo_json_gen_finish(g, &out, &len);
	if (err) { /* invalid UTF-8 in a string, say */
		cubo_error_free(err);
		return xstrdup("null");
	}
	return out;
}
